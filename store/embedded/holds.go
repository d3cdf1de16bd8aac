package embedded

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"syndicate/store"
)

var bHolds = []byte("holds")

// Holds returns every article hold.
func (s *Store) Holds(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bHolds)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var t time.Time
			if err := t.UnmarshalText(v); err != nil {
				return err
			}
			out[string(k)] = t
			return nil
		})
	})
	return out, err
}

// SetHold holds an article until a time; a zero time lifts the hold.
func (s *Store) SetHold(ctx context.Context, id string, until time.Time) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bHolds)
		if err != nil {
			return err
		}
		if until.IsZero() {
			return b.Delete([]byte(id))
		}
		v, err := until.UTC().MarshalText()
		if err != nil {
			return err
		}
		return b.Put([]byte(id), v)
	})
	if err != nil {
		return err
	}
	s.notify([]store.FeedKey{store.HoldsChanged})
	return nil
}
