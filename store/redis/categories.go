package redis

import (
	"context"
	"fmt"
	"slices"

	goredis "github.com/redis/go-redis/v9"

	"syndicate/store"
)

// The categories in use (a category feed whose index lists at least one
// article) are the sorted set P:categories_in_use, every member a slug
// with score 0, so Redis orders them by slug (byte order, as the
// embedded store does) and a page is one ZRANGE, O(log n + page). The
// labels stay in P:categories (the first label seen, also of categories
// no longer in use).
//
// The set lives in one slot and each category's index in another, so no
// script can move both at once on a Cluster. Every write that adds to or
// removes from a category index reconciles the set afterwards
// (syncCategories): it reads the index sizes, adds or removes the slugs,
// then reads the sizes again and repeats for any that moved meanwhile.
// Whichever writer touches the set last has read the index after its
// own change, so once writers stop the set matches the indexes. A write
// cut short between its index and the set is repaired by the next read
// that meets the slug: a page checks the sizes of the indexes it lists.
func (k keys) categoriesInUse() string { return k.p + ":categories_in_use" }

// syncRounds bounds the re-reads of one reconciliation: a category whose
// index keeps emptying and filling under it is left to the writer that
// moves it next.
const syncRounds = 4

// categorySlugs returns the slugs of the category feeds among feeds.
func categorySlugs(into []string, feeds ...store.FeedKey) []string {
	for _, f := range feeds {
		if kind, slug := f.Split(); kind == "category" {
			into = append(into, slug)
		}
	}
	return into
}

// indexSizes reads the size of each slug's category index, in one pipeline.
func (s *Store) indexSizes(ctx context.Context, slugs []string) ([]int64, error) {
	cmds := make([]*goredis.IntCmd, len(slugs))
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, slug := range slugs {
			cmds[i] = p.ZCard(ctx, s.k.index(store.CategoryFeed(slug)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(slugs))
	for i, c := range cmds {
		out[i] = c.Val()
	}
	return out, nil
}

// syncCategories makes P:categories_in_use agree with the category
// indexes of slugs, after a write to them (see above).
func (s *Store) syncCategories(ctx context.Context, slugs []string) error {
	if len(slugs) == 0 {
		return nil
	}
	slugs = slices.Compact(slices.Sorted(slices.Values(slugs)))
	sizes, err := s.indexSizes(ctx, slugs)
	if err != nil {
		return fmt.Errorf("read category indexes: %w", err)
	}
	for range syncRounds {
		_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for i, slug := range slugs {
				if sizes[i] > 0 {
					p.ZAdd(ctx, s.k.categoriesInUse(), goredis.Z{Member: slug})
				} else {
					p.ZRem(ctx, s.k.categoriesInUse(), slug)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("write categories in use: %w", err)
		}
		after, err := s.indexSizes(ctx, slugs)
		if err != nil {
			return fmt.Errorf("read category indexes: %w", err)
		}
		var moved []string
		var movedSizes []int64
		for i, slug := range slugs {
			if (after[i] > 0) != (sizes[i] > 0) {
				moved, movedSizes = append(moved, slug), append(movedSizes, after[i])
			}
		}
		if len(moved) == 0 {
			return nil
		}
		slugs, sizes = moved, movedSizes
	}
	return nil
}

// CategoryPage returns categories in use offset..offset+limit-1 by slug:
// one ZRANGE with the set's size, then one pipeline for the labels and
// the sizes of those categories' indexes. A listed category whose index
// is empty (a removal cut short) is taken out and the page read again.
func (s *Store) CategoryPage(ctx context.Context, offset, limit int) (store.Page[store.Category], error) {
	var p store.Page[store.Category]
	offset = max(offset, 0)
	for attempt := 0; ; attempt++ {
		var total *goredis.IntCmd
		var members *goredis.StringSliceCmd
		_, err := s.rdb.Pipelined(ctx, func(pl goredis.Pipeliner) error {
			total = pl.ZCard(ctx, s.k.categoriesInUse())
			if limit > 0 {
				members = pl.ZRange(ctx, s.k.categoriesInUse(), int64(offset), int64(offset+limit-1))
			}
			return nil
		})
		if err != nil {
			return p, fmt.Errorf("read categories: %w", err)
		}
		p.Total = int(total.Val())
		if members == nil {
			return p, nil
		}
		cats, gone, err := s.inUse(ctx, members.Val())
		if err != nil {
			return p, err
		}
		if len(gone) == 0 || attempt == 1 {
			p.Items = cats
			p.Total -= len(gone)
			return p, nil
		}
		if err := s.syncCategories(ctx, gone); err != nil {
			return p, err
		}
	}
}

// inUse returns the categories of slugs whose index lists an article,
// with their labels, and the slugs whose index is empty.
func (s *Store) inUse(ctx context.Context, slugs []string) ([]store.Category, []string, error) {
	if len(slugs) == 0 {
		return nil, nil, nil
	}
	var labels *goredis.SliceCmd
	sizes := make([]*goredis.IntCmd, len(slugs))
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		labels = p.HMGet(ctx, s.k.categories(), slugs...)
		for i, slug := range slugs {
			sizes[i] = p.ZCard(ctx, s.k.index(store.CategoryFeed(slug)))
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read categories: %w", err)
	}
	var out []store.Category
	var gone []string
	for i, slug := range slugs {
		if sizes[i].Val() == 0 {
			gone = append(gone, slug)
			continue
		}
		label := slug // a category is listed only after its label is written
		if l, ok := labels.Val()[i].(string); ok {
			label = l
		}
		out = append(out, store.Category{Slug: slug, Label: label})
	}
	return out, gone, nil
}

// CategoryLabel returns the label of a category in use: one pipeline of
// its label and its index's size.
func (s *Store) CategoryLabel(ctx context.Context, slug string) (string, bool, error) {
	cats, _, err := s.inUse(ctx, []string{slug})
	if err != nil || len(cats) == 0 {
		return "", false, err
	}
	return cats[0].Label, true, nil
}

// Categories returns every category in use, slug → label: the whole set
// (store.Reader.Categories says who may ask), read in pages.
func (s *Store) Categories(ctx context.Context) (map[string]string, error) {
	const per = 1000
	slugs, err := s.rdb.ZRange(ctx, s.k.categoriesInUse(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read categories: %w", err)
	}
	out := make(map[string]string, len(slugs))
	var gone []string
	for from := 0; from < len(slugs); from += per {
		cats, g, err := s.inUse(ctx, slugs[from:min(from+per, len(slugs))])
		if err != nil {
			return nil, err
		}
		for _, c := range cats {
			out[c.Slug] = c.Label
		}
		gone = append(gone, g...)
	}
	return out, s.syncCategories(ctx, gone)
}

// buildCategories fills P:categories_in_use from every label ever stored
// (a store written before the set existed), once: the marker in P:meta
// is set after it. Replicas starting together may both build; the
// reconciliation is safe to run concurrently.
func (s *Store) buildCategories(ctx context.Context) error {
	done, err := s.rdb.HExists(ctx, s.k.meta(), "categories_built").Result()
	if err != nil || done {
		return err
	}
	var cursor uint64
	for {
		kv, next, err := s.rdb.HScan(ctx, s.k.categories(), cursor, "*", 500).Result()
		if err != nil {
			return err
		}
		var slugs []string
		for i := 0; i < len(kv); i += 2 {
			slugs = append(slugs, kv[i])
		}
		if err := s.syncCategories(ctx, slugs); err != nil {
			return err
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	return s.rdb.HSet(ctx, s.k.meta(), "categories_built", 1).Err()
}
