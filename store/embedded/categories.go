package embedded

import (
	"bytes"
	"context"

	bolt "go.etcd.io/bbolt"

	"syndicate/store"
)

// The categories in use are an index of their own: categoriesInUse (not
// a feed; like the moderation queues, an index key no feed uses) maps
// each slug whose category feed lists at least one article to itself,
// with chunk counts and an item count like every index, so a page of
// the list seeks by slug instead of scanning every category feed's
// count. addCount keeps it in the transaction that moves a category
// feed's count from or to zero, whatever the write (ingest, retention,
// purge, takedown, retirement). bCategories keeps the labels (the first
// seen under a slug), also of categories no longer in use.
const categoriesInUse store.FeedKey = "categories_in_use"

// metaCategories marks a file whose list of categories in use was built
// (files written before it get it at start-up, once).
var metaCategories = []byte("categories_built")

// setInUse adds slug to the categories in use, or removes it.
func setInUse(tx *bolt.Tx, slug string, inUse bool) error {
	if inUse {
		return indexPut(tx, categoriesInUse, []byte(slug), []byte(slug))
	}
	return indexDelete(tx, categoriesInUse, []byte(slug))
}

// buildCategories lists the categories in use from the counts of the
// category feeds (once per file).
func buildCategories(tx *bolt.Tx) error {
	prefix := []byte(store.CategoryFeed(""))
	var slugs []string
	c := tx.Bucket(bCounts).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if count(tx, store.FeedKey(k)) > 0 {
			slugs = append(slugs, string(k[len(prefix):]))
		}
	}
	for _, slug := range slugs {
		if err := setInUse(tx, slug, true); err != nil {
			return err
		}
	}
	return tx.Bucket(bMeta).Put(metaCategories, []byte("1"))
}

// CategoryPage returns categories in use offset..offset+limit-1 by slug:
// a seek through the list's chunk counts and limit label reads.
func (s *Store) CategoryPage(ctx context.Context, offset, limit int) (store.Page[store.Category], error) {
	var p store.Page[store.Category]
	err := s.db.View(func(tx *bolt.Tx) error {
		p.Total = count(tx, categoriesInUse)
		labels := tx.Bucket(bCategories)
		for _, slug := range pageAscending(tx, categoriesInUse, offset, limit) {
			p.Items = append(p.Items, store.Category{Slug: string(slug), Label: label(labels, slug)})
		}
		return nil
	})
	return p, err
}

// label is the stored label of slug, or the slug itself if none was
// stored (a category is listed only after its label is written).
func label(labels *bolt.Bucket, slug []byte) string {
	if l := labels.Get(slug); l != nil {
		return string(l)
	}
	return string(slug)
}

// CategoryLabel returns the label of a category in use.
func (s *Store) CategoryLabel(ctx context.Context, slug string) (string, bool, error) {
	var out string
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		if count(tx, store.CategoryFeed(slug)) == 0 {
			return nil
		}
		out, ok = label(tx.Bucket(bCategories), []byte(slug)), true
		return nil
	})
	return out, ok, err
}

// Categories returns every category in use, slug → label: the whole list
// (store.Reader.Categories says who may ask).
func (s *Store) Categories(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		labels := tx.Bucket(bCategories)
		idx := tx.Bucket(bIndexes).Bucket([]byte(categoriesInUse))
		if idx == nil {
			return nil
		}
		return idx.ForEach(func(k, _ []byte) error {
			out[string(k)] = label(labels, k)
			return nil
		})
	})
	return out, err
}
