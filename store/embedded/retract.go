package embedded

import (
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"syndicate/store"
)

// record stores retraction rt under every feed it names, and drops those
// feeds' retractions older than window before it.
func record(tx *bolt.Tx, rt *store.Retraction, window time.Duration) error {
	cutoff := rt.When.Add(-window)
	for _, f := range rt.Feeds {
		b, err := tx.Bucket(bRetracted).CreateBucketIfNotExists([]byte(f))
		if err != nil {
			return err
		}
		if err := putJSON(b, store.SortKey(rt.When, rt.ArticleID), rt); err != nil {
			return err
		}
		var old [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && store.SortKeyTime(k).Before(cutoff); k, _ = c.Next() {
			old = append(old, slices.Clone(k))
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}

// Retractions lists a feed's retractions at or after since, newest first.
func (s *Store) Retractions(ctx context.Context, feed store.FeedKey, since time.Time, limit int) ([]store.Retraction, error) {
	var out []store.Retraction
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bRetracted).Bucket([]byte(feed))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.Last(); k != nil && len(out) < limit; k, _ = c.Prev() {
			if store.SortKeyTime(k).Before(since.Truncate(time.Second)) {
				break
			}
			r, err := getJSON[store.Retraction](b, k)
			if err != nil {
				return err
			}
			out = append(out, *r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("retractions of %s: %w", feed, err)
	}
	return out, nil
}

// Retire detaches sourceID from the articles its partner marked deleted
// (store.Retire), in one transaction.
func (s *Store) Retire(ctx context.Context, sourceID string, keys []string, now time.Time) (*store.PruneResult, error) {
	res := &store.PruneResult{}
	if len(keys) == 0 {
		return res, nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		res, err = store.Retire(ctx, removalTx{tx: tx}, sourceID, keys, now, s.window)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("retire entries of %s: %w", sourceID, err)
	}
	s.notify(res.Changed)
	return res, nil
}
