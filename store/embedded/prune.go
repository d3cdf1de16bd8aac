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

// pruneChunks runs prune in transactions of at most store.ChunkSize
// articles until nothing is left to prune, notifying after each. Whether
// there is anything to prune is asked in a read transaction first: most
// passes prune nothing, and a write transaction costs an fsync even when
// it writes nothing.
func (s *Store) pruneChunks(ctx context.Context, sourceID string, keep int, cutoff, now time.Time, tomb bool, rec *retractRec) (*store.PruneResult, error) {
	total := &store.PruneResult{}
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var found bool
		err := s.db.View(func(tx *bolt.Tx) error {
			ids, err := pick(tx, sourceID, keep, cutoff, 1)
			found = len(ids) > 0
			return err
		})
		if err != nil {
			return total, err
		}
		if !found {
			slices.Sort(total.Changed)
			return total, nil
		}
		var res pruned
		err = s.db.Update(func(tx *bolt.Tx) error {
			var err error
			res, err = prune(tx, sourceID, keep, cutoff, now, tomb, store.ChunkSize, rec)
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
		if res.Picked < store.ChunkSize {
			slices.Sort(total.Changed)
			return total, nil
		}
	}
}

// PurgeSource removes a deleted source's articles (no tombstones, in
// transactions of store.ChunkSize), then every key it left.
func (s *Store) PurgeSource(ctx context.Context, sourceID string, now time.Time) (*store.PruneResult, error) {
	// A status saved behind must not land after the purge.
	s.statuses.forget(sourceID)
	rec := &retractRec{cause: store.CauseSourceDeleted, window: s.window}
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

// pruned is one transaction's share of a prune: Picked counts the index
// entries it removed (a full chunk means there may be more).
type pruned struct {
	*store.PruneResult
	Picked int
}

// pick returns up to limit ids of the articles retention removes from
// sourceID, oldest published first: the overflow beyond the newest keep,
// then those published early enough that they may have been first seen
// before the cutoff, and were.
func pick(tx *bolt.Tx, sourceID string, keep int, cutoff time.Time, limit int) ([]string, error) {
	feed := store.SourceFeed(sourceID)
	idx := tx.Bucket(bIndexes).Bucket([]byte(feed))
	if idx == nil {
		return nil, nil
	}
	over := count(tx, feed) - keep
	var ids []string
	c := idx.Cursor()
	i := 0
	for k, v := c.First(); k != nil && len(ids) < limit; k, v = c.Next() {
		if i < over {
			ids = append(ids, string(v))
			i++
			continue
		}
		if cutoff.IsZero() || !store.SortKeyTime(k).Before(cutoff.Add(store.MaxPublishedAhead)) {
			break
		}
		a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), v)
		if err != nil {
			return nil, err
		}
		if a == nil || store.Expired(a, cutoff) {
			ids = append(ids, string(v))
		}
	}
	return ids, nil
}

// prune detaches sourceID from at most limit of its articles beyond the
// newest keep or first seen before cutoff, tombstoning them when tomb is
// set and retracting those it deletes when rec is set.
func prune(tx *bolt.Tx, sourceID string, keep int, cutoff, now time.Time, tomb bool, limit int, rec *retractRec) (pruned, error) {
	ids, err := pick(tx, sourceID, keep, cutoff, limit)
	if err != nil || len(ids) == 0 {
		return pruned{PruneResult: &store.PruneResult{}}, err
	}
	res, err := detach(tx, sourceID, ids, now, tomb, rec)
	if err != nil {
		return pruned{PruneResult: &store.PruneResult{}}, err
	}
	return pruned{PruneResult: res, Picked: len(ids)}, nil
}

// detach removes sourceID from the articles ids (see prune).
func detach(tx *bolt.Tx, sourceID string, ids []string, now time.Time, tomb bool, rec *retractRec) (*store.PruneResult, error) {
	res := &store.PruneResult{}
	feed := store.SourceFeed(sourceID)
	changed := map[store.FeedKey]bool{}
	var tombs *bolt.Bucket
	if tomb && len(ids) > 0 {
		var err error
		if tombs, err = tx.Bucket(bTombs).CreateBucketIfNotExists([]byte(sourceID)); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), []byte(id))
		if err != nil {
			return nil, err
		}
		if tombs != nil {
			if err := tombs.Put([]byte(id), nil); err != nil {
				return nil, err
			}
		}
		if a == nil {
			// An index entry without its article: drop the entry.
			if err := indexDeleteValue(tx, feed, []byte(id)); err != nil {
				return nil, err
			}
			continue
		}
		for _, k := range store.Feeds(a) {
			changed[k] = true
		}
		n, del := store.Detach(a, sourceID)
		if del {
			if err := rec.record(tx, a, now); err != nil {
				return nil, err
			}
			if err := deleteArticle(tx, a, changed, false); err != nil {
				return nil, err
			}
			res.Deleted++
			continue
		}
		if err := putJSON(tx.Bucket(bArticles), []byte(id), n); err != nil {
			return nil, err
		}
		_, remove := store.ArticleWrite{Old: a, New: n}.IndexDiff()
		for _, f := range remove {
			if err := indexDelete(tx, f, store.SortKey(a.Published, a.ID)); err != nil {
				return nil, err
			}
		}
		res.Detached++
	}
	for k := range changed {
		res.Changed = append(res.Changed, k)
	}
	slices.Sort(res.Changed)
	return res, bump(tx, res.Changed, now)
}

// deleteArticle removes an article, its index entries, its comments and
// the claims it holds, noting the feeds that changed.
// keepClaims leaves its canonical URL and entry id claimed by the deleted
// article (a takedown: no other source may bring it back); otherwise they
// are freed (retention: another source may carry the story later).
func deleteArticle(tx *bolt.Tx, a *syndicate.Article, changed map[store.FeedKey]bool, keepClaims bool) error {
	for _, f := range store.Feeds(a) {
		if err := indexDelete(tx, f, store.SortKey(a.Published, a.ID)); err != nil {
			return err
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
			changed[store.FeedComments] = true
			return indexDelete(tx, store.FeedComments, key)
		})
		if err != nil {
			return err
		}
		if err := tx.Bucket(bComments).DeleteBucket([]byte(a.ID)); err != nil {
			return err
		}
	}
	if tx.Bucket(bCommentIDs).Bucket([]byte(a.ID)) != nil {
		if err := tx.Bucket(bCommentIDs).DeleteBucket([]byte(a.ID)); err != nil {
			return err
		}
	}
	cf := store.ArticleCommentsFeed(a.ID)
	if tx.Bucket(bIndexes).Bucket([]byte(cf)) != nil {
		if err := tx.Bucket(bIndexes).DeleteBucket([]byte(cf)); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bCounts).Delete([]byte(cf)); err != nil {
		return err
	}
	changed[cf] = true
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
				return err
			}
		}
	}
	return tx.Bucket(bArticles).Delete([]byte(a.ID))
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

// Retract is TakeDown with the editor's reason.
func (s *Store) Retract(ctx context.Context, id, reason string, now time.Time) ([]store.FeedKey, error) {
	var keys []store.FeedKey
	err := s.db.Update(func(tx *bolt.Tx) error {
		a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), []byte(id))
		if err != nil {
			return err
		}
		if a == nil {
			return syndicate.Errorf(syndicate.ENotFound, "article %q not found", id)
		}
		for _, c := range a.Carriers {
			tb, err := tx.Bucket(bTombs).CreateBucketIfNotExists([]byte(c))
			if err != nil {
				return err
			}
			if err := tb.Put([]byte(id), nil); err != nil {
				return err
			}
		}
		changed := map[store.FeedKey]bool{}
		for _, k := range store.Feeds(a) {
			changed[k] = true
		}
		rec := &retractRec{cause: store.CauseTakedown, reason: reason, window: s.window}
		if err := rec.record(tx, a, now); err != nil {
			return err
		}
		if err := deleteArticle(tx, a, changed, true); err != nil {
			return err
		}
		for k := range changed {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return bump(tx, keys, now)
	})
	if err != nil {
		return nil, err
	}
	s.notify(keys)
	return keys, nil
}
