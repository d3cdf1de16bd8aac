package embedded

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

// ApplyIngest stores a batch in one transaction (ingest hands over at
// most store.ChunkSize entries at a time, so the write lock is short). A
// batch that requires its source fails with store.ErrSourceGone, checked
// inside the transaction, once the source is deleted.
func (s *Store) ApplyIngest(ctx context.Context, b *store.Batch) (*store.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store source %s: %w", b.Source.ID, err)
	}
	// Batch, not Update: the ingests of concurrent sources share one
	// transaction and one fsync (bbolt coalesces them; a write waits at most
	// its MaxBatchDelay). fn may run more than once (alone, when another
	// write of the batch failed): it sets res afresh each time, and only
	// the committed run's res is returned.
	var res *store.Result
	err := s.db.Batch(func(tx *bolt.Tx) error {
		if b.RequireSource {
			if sb := tx.Bucket(bSources); sb == nil || sb.Get([]byte(b.Source.ID)) == nil {
				return store.ErrSourceGone
			}
		}
		var err error
		res, err = store.Apply(ctx, &ingestTx{tx: tx}, b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store source %s: %w", b.Source.ID, err)
	}
	s.notify(res.Changed)
	return res, nil
}

// ingestTx implements store.IngestTx inside one bbolt write transaction.
type ingestTx struct{ tx *bolt.Tx }

func (t *ingestTx) sub(parent []byte, name string, create bool) (*bolt.Bucket, error) {
	p := t.tx.Bucket(parent)
	if !create {
		return p.Bucket([]byte(name)), nil
	}
	return p.CreateBucketIfNotExists([]byte(name))
}

func (t *ingestTx) GUIDs(ctx context.Context, sourceID string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	b, _ := t.sub(bGUIDs, sourceID, false)
	if b == nil {
		return out, nil
	}
	for _, k := range keys {
		if v := b.Get([]byte(k)); v != nil {
			out[k] = string(v)
		}
	}
	return out, nil
}

func (t *ingestTx) Tombstoned(ctx context.Context, sourceID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	b, _ := t.sub(bTombs, sourceID, false)
	if b == nil {
		return out, nil
	}
	for _, id := range ids {
		if b.Get([]byte(id)) != nil {
			out[id] = true
		}
	}
	return out, nil
}

func (t *ingestTx) URLOwners(ctx context.Context, urls []string) (map[string]string, error) {
	return lookup(t.tx.Bucket(bURLs), urls), nil
}

func lookup(b *bolt.Bucket, keys []string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		if v := b.Get([]byte(k)); v != nil {
			out[k] = string(v)
		}
	}
	return out
}

func (t *ingestTx) Articles(ctx context.Context, ids []string) (map[string]*syndicate.Article, error) {
	out := map[string]*syndicate.Article{}
	b := t.tx.Bucket(bArticles)
	for _, id := range ids {
		a, err := getJSON[syndicate.Article](b, []byte(id))
		if err != nil {
			return nil, err
		}
		if a != nil {
			out[id] = a
		}
	}
	return out, nil
}

func claim(b *bolt.Bucket, claims map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k, id := range claims {
		if v := b.Get([]byte(k)); v != nil {
			out[k] = string(v)
			continue
		}
		if err := b.Put([]byte(k), []byte(id)); err != nil {
			return nil, err
		}
		out[k] = id
	}
	return out, nil
}

func (t *ingestTx) ClaimURLs(ctx context.Context, claims map[string]string) (map[string]string, error) {
	return claim(t.tx.Bucket(bURLs), claims)
}

func (t *ingestTx) ClaimEntryIDs(ctx context.Context, claims map[string]string) (map[string]string, error) {
	return claim(t.tx.Bucket(bEntryIDs), claims)
}

func (t *ingestTx) Commit(ctx context.Context, w *store.WriteSet) error {
	arts := t.tx.Bucket(bArticles)
	for _, aw := range w.Articles {
		a := aw.New
		if err := putJSON(arts, []byte(a.ID), a); err != nil {
			return fmt.Errorf("write article %s: %w", a.ID, err)
		}
		add, remove := aw.IndexDiff()
		key := store.SortKey(a.Published, a.ID)
		for _, f := range add {
			if err := indexPut(t.tx, f, key, []byte(a.ID)); err != nil {
				return err
			}
		}
		for _, f := range remove {
			if err := indexDelete(t.tx, f, store.SortKey(aw.Old.Published, a.ID)); err != nil {
				return err
			}
		}
		for _, c := range a.Categories {
			if s := syndicate.Slug(c); s != "" && t.tx.Bucket(bCategories).Get([]byte(s)) == nil {
				if err := t.tx.Bucket(bCategories).Put([]byte(s), []byte(c)); err != nil {
					return err
				}
			}
		}
	}
	urls := t.tx.Bucket(bURLs)
	for _, m := range w.Moves {
		if m.From != "" && string(urls.Get([]byte(m.From))) == m.ArticleID {
			if err := urls.Delete([]byte(m.From)); err != nil {
				return err
			}
		}
		if m.To != "" && urls.Get([]byte(m.To)) == nil {
			if err := urls.Put([]byte(m.To), []byte(m.ArticleID)); err != nil {
				return err
			}
		}
	}
	if len(w.GUIDs) > 0 {
		g, err := t.sub(bGUIDs, w.SourceID, true)
		if err != nil {
			return err
		}
		for k, id := range w.GUIDs {
			if err := g.Put([]byte(k), []byte(id)); err != nil {
				return err
			}
		}
	}
	return bump(t.tx, w.Bumps, w.Now)
}

func indexPut(tx *bolt.Tx, feed store.FeedKey, key, val []byte) error {
	b, err := tx.Bucket(bIndexes).CreateBucketIfNotExists([]byte(feed))
	if err != nil {
		return fmt.Errorf("index %s: %w", feed, err)
	}
	if b.Get(key) != nil {
		return nil
	}
	if err := b.Put(key, val); err != nil {
		return err
	}
	if err := rankAdd(tx, feed, key); err != nil {
		return err
	}
	return addCount(tx, feed, 1)
}

func indexDelete(tx *bolt.Tx, feed store.FeedKey, key []byte) error {
	b := tx.Bucket(bIndexes).Bucket([]byte(feed))
	if b == nil || b.Get(key) == nil {
		return nil
	}
	if err := b.Delete(key); err != nil {
		return err
	}
	if err := rankRemove(tx, feed, key); err != nil {
		return err
	}
	return addCount(tx, feed, -1)
}
