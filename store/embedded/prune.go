package embedded

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

// Prune applies retention to one source, removing at most
// store.ChunkSize articles per transaction so that a large prune never
// holds the write lock for long; it stops between two when ctx ends.
func (s *Store) Prune(ctx context.Context, sourceID string, keep int, cutoff, now time.Time) (*store.PruneResult, error) {
	res, err := s.pruneChunks(ctx, sourceID, keep, cutoff, now, true, nil)
	if err != nil {
		return res, fmt.Errorf("prune %s: %w", sourceID, err)
	}
	return res, nil
}

// pruneChunks runs store.PruneStep in transactions of at most
// store.ChunkSize articles until nothing is left to prune, notifying after
// each. Whether there is anything to prune is asked in a read transaction
// first: most passes prune nothing, and a write transaction costs an fsync
// even when it writes nothing.
func (s *Store) pruneChunks(ctx context.Context, sourceID string, keep int, cutoff, now time.Time, tomb bool, rec *store.Retracting) (*store.PruneResult, error) {
	total := &store.PruneResult{}
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var found bool
		var left int
		err := s.db.View(func(tx *bolt.Tx) error {
			ids, err := store.PickPrune(ctx, removalTx{tx: tx}, sourceID, keep, cutoff, 1)
			found = len(ids) > 0
			if err == nil && !found {
				left, err = removalTx{tx: tx}.Count(ctx, store.SourceFeed(sourceID))
			}
			return err
		})
		if err != nil {
			return total, err
		}
		if !found {
			slices.Sort(total.Changed)
			total.Remaining, total.Counted = left, true
			return total, nil
		}
		var res *store.PruneResult
		var picked int
		err = s.db.Update(func(tx *bolt.Tx) error {
			var err error
			res, picked, err = store.PruneStep(ctx, removalTx{tx: tx}, sourceID, keep, cutoff, now, store.ChunkSize, tomb, rec)
			return err
		})
		if err != nil {
			return total, err
		}
		s.notify(res.Changed)
		total.Deleted += res.Deleted
		total.Detached += res.Detached
		for _, k := range res.Changed {
			if !slices.Contains(total.Changed, k) {
				total.Changed = append(total.Changed, k)
			}
		}
		if picked < store.ChunkSize {
			slices.Sort(total.Changed)
			return total, nil
		}
	}
}

// PurgeSource removes a deleted source's articles (no tombstones, in
// transactions of store.ChunkSize), then every key it left.
func (s *Store) PurgeSource(ctx context.Context, sourceID string, now time.Time, unlisted func(*syndicate.Article) bool) (*store.PruneResult, error) {
	// A status saved behind must not land after the purge.
	s.statuses.forget(sourceID)
	rec := &store.Retracting{Cause: store.CauseSourceDeleted, Window: s.window, Unlisted: unlisted}
	res, err := s.pruneChunks(ctx, sourceID, 0, time.Time{}, now, false, rec)
	if err != nil {
		return res, fmt.Errorf("purge source %s: %w", sourceID, err)
	}
	s.statuses.forget(sourceID)
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, parent := range [][]byte{bGUIDs, bTombs} {
			if tx.Bucket(parent).Bucket([]byte(sourceID)) != nil {
				if err := tx.Bucket(parent).DeleteBucket([]byte(sourceID)); err != nil {
					return err
				}
			}
		}
		// Its own feed is gone: a source created later under the id does
		// not announce these retractions (the other feeds keep them).
		if feed := []byte(store.SourceFeed(sourceID)); tx.Bucket(bRetracted).Bucket(feed) != nil {
			if err := tx.Bucket(bRetracted).DeleteBucket(feed); err != nil {
				return err
			}
		}
		return tx.Bucket(bStatus).Delete([]byte(sourceID))
	})
	if err != nil {
		return nil, fmt.Errorf("purge source %s: %w", sourceID, err)
	}
	return res, nil
}

// removalTx lays out the retention and takedown rules of package store
// inside one bbolt transaction (a read-only one for store.PickPrune).
type removalTx struct{ tx *bolt.Tx }

func (t removalTx) Count(ctx context.Context, feed store.FeedKey) (int, error) {
	return count(t.tx, feed), nil
}

func (t removalTx) Oldest(ctx context.Context, feed store.FeedKey, n int) ([]string, error) {
	var ids []string
	if idx := t.tx.Bucket(bIndexes).Bucket([]byte(feed)); idx != nil {
		c := idx.Cursor()
		for k, v := c.First(); k != nil && len(ids) < n; k, v = c.Next() {
			ids = append(ids, string(v))
		}
	}
	return ids, nil
}

func (t removalTx) PublishedBefore(ctx context.Context, feed store.FeedKey, before time.Time) ([]string, error) {
	var ids []string
	if idx := t.tx.Bucket(bIndexes).Bucket([]byte(feed)); idx != nil {
		c := idx.Cursor()
		for k, v := c.First(); k != nil && store.SortKeyTime(k).Before(before); k, v = c.Next() {
			ids = append(ids, string(v))
		}
	}
	return ids, nil
}

func (t removalTx) GUIDs(ctx context.Context, sourceID string, keys []string) (map[string]string, error) {
	return (&ingestTx{tx: t.tx}).GUIDs(ctx, sourceID, keys)
}

func (t removalTx) Articles(ctx context.Context, ids []string) (map[string]*syndicate.Article, error) {
	return (&ingestTx{tx: t.tx}).Articles(ctx, ids)
}

func (t removalTx) Tombstone(ctx context.Context, sourceID string, ids []string) error {
	tb, err := t.tx.Bucket(bTombs).CreateBucketIfNotExists([]byte(sourceID))
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := tb.Put([]byte(id), nil); err != nil {
			return err
		}
	}
	return nil
}

func (t removalTx) Rewrite(ctx context.Context, feed store.FeedKey, kept []store.ArticleWrite, orphans []string) error {
	for _, id := range orphans {
		if err := indexDeleteValue(t.tx, feed, []byte(id)); err != nil {
			return err
		}
	}
	for _, w := range kept {
		if err := putJSON(t.tx.Bucket(bArticles), []byte(w.New.ID), w.New); err != nil {
			return err
		}
		_, remove := w.IndexDiff()
		for _, f := range remove {
			if err := indexDelete(t.tx, f, store.SortKey(w.Old.Published, w.Old.ID)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t removalTx) Retract(ctx context.Context, r *store.Retraction, window time.Duration) error {
	return record(t.tx, r, window)
}

func (t removalTx) DeleteArticle(ctx context.Context, a *syndicate.Article, keepClaims bool) (bool, error) {
	return deleteArticle(t.tx, a, keepClaims)
}

func (t removalTx) Bump(ctx context.Context, feeds []store.FeedKey, now time.Time) error {
	return bump(t.tx, feeds, now)
}

// deleteArticle removes an article, its index entries, its comments and
// the claims it holds (store.RemovalTx.DeleteArticle).
// keepClaims leaves its canonical URL and entry id claimed by the deleted
// article (a takedown: no other source may bring it back); otherwise they
// are freed (retention: another source may carry the story later).
func deleteArticle(tx *bolt.Tx, a *syndicate.Article, keepClaims bool) (hadComments bool, err error) {
	for _, f := range store.Feeds(a) {
		if err := indexDelete(tx, f, store.SortKey(a.Published, a.ID)); err != nil {
			return false, err
		}
	}
	if cb := tx.Bucket(bComments).Bucket([]byte(a.ID)); cb != nil {
		err := cb.ForEach(func(k, v []byte) error {
			c, err := getJSON[syndicate.Comment](cb, k)
			if err != nil || c == nil {
				return err
			}
			key := store.SortKey(c.Published, string(commentRef(a.ID, c.ID)))
			if c.Origin == syndicate.CommentLocal {
				if err := indexDelete(tx, store.StatusQueue(c.Status), key); err != nil {
					return err
				}
				if lb := tx.Bucket(bLocal); lb != nil {
					if err := lb.Delete([]byte(c.ID)); err != nil {
						return err
					}
				}
			}
			if c.Status != syndicate.StatusApproved {
				return nil
			}
			hadComments = true
			return indexDelete(tx, store.FeedComments, key)
		})
		if err != nil {
			return false, err
		}
		if err := tx.Bucket(bComments).DeleteBucket([]byte(a.ID)); err != nil {
			return false, err
		}
	}
	if tx.Bucket(bCommentIDs).Bucket([]byte(a.ID)) != nil {
		if err := tx.Bucket(bCommentIDs).DeleteBucket([]byte(a.ID)); err != nil {
			return false, err
		}
	}
	cf := store.ArticleCommentsFeed(a.ID)
	if tx.Bucket(bIndexes).Bucket([]byte(cf)) != nil {
		if err := tx.Bucket(bIndexes).DeleteBucket([]byte(cf)); err != nil {
			return false, err
		}
	}
	if err := tx.Bucket(bCounts).Delete([]byte(cf)); err != nil {
		return false, err
	}
	for _, claim := range []struct {
		bucket []byte
		key    string
	}{{bURLs, a.CanonicalURL}, {bEntryIDs, a.EntryID}} {
		if claim.key == "" || keepClaims {
			continue
		}
		b := tx.Bucket(claim.bucket)
		if bytes.Equal(b.Get([]byte(claim.key)), []byte(a.ID)) {
			if err := b.Delete([]byte(claim.key)); err != nil {
				return false, err
			}
		}
	}
	return hadComments, tx.Bucket(bArticles).Delete([]byte(a.ID))
}

// indexDeleteValue removes the entries of a feed index whose value is v
// (a slow scan, for repairs only).
func indexDeleteValue(tx *bolt.Tx, feed store.FeedKey, v []byte) error {
	b := tx.Bucket(bIndexes).Bucket([]byte(feed))
	if b == nil {
		return nil
	}
	var keys [][]byte
	b.ForEach(func(k, val []byte) error {
		if bytes.Equal(val, v) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range keys {
		if err := indexDelete(tx, feed, k); err != nil {
			return err
		}
	}
	return nil
}

// TakeDown deletes an article and tombstones it for all its carriers.
func (s *Store) TakeDown(ctx context.Context, id string, now time.Time) ([]store.FeedKey, error) {
	return s.Retract(ctx, id, "", now)
}

// Retract is TakeDown with the editor's reason (store.TakeDown), in one
// transaction.
func (s *Store) Retract(ctx context.Context, id, reason string, now time.Time) ([]store.FeedKey, error) {
	var keys []store.FeedKey
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		keys, err = store.TakeDown(ctx, removalTx{tx: tx}, id, reason, now, s.window)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.notify(keys)
	return keys, nil
}
