package embedded

import (
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

// retractRec says how the articles a write deletes are retracted; a nil
// *retractRec records nothing (retention).
type retractRec struct {
	cause, reason string
	window        time.Duration
}

// record stores the retraction of a under every feed it is in, and drops
// those feeds' retractions older than the window.
func (r *retractRec) record(tx *bolt.Tx, a *syndicate.Article, now time.Time) error {
	if r == nil {
		return nil
	}
	rt := store.NewRetraction(a, r.cause, r.reason, now)
	cutoff := rt.When.Add(-r.window)
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

// Retire detaches sourceID from the articles its partner marked deleted,
// in one transaction.
func (s *Store) Retire(ctx context.Context, sourceID string, keys []string, now time.Time) (*store.PruneResult, error) {
	res := &store.PruneResult{}
	if len(keys) == 0 {
		return res, nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		gb := tx.Bucket(bGUIDs).Bucket([]byte(sourceID))
		if gb == nil {
			return nil
		}
		var ids []string
		seen := map[string]bool{}
		for _, k := range keys {
			id := string(gb.Get([]byte(k)))
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), []byte(id))
			if err != nil {
				return err
			}
			if a != nil && slices.Contains(a.Carriers, sourceID) {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		var err error
		res, err = detach(tx, sourceID, ids, now, true, &retractRec{cause: store.CausePartnerDeleted, window: s.window})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("retire entries of %s: %w", sourceID, err)
	}
	s.notify(res.Changed)
	return res, nil
}
