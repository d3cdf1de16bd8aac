package embedded

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

var bSubscriptions = []byte("websub_subscriptions")

// Subscriptions returns every WebSub subscription, ordered by id.
func (s *Store) Subscriptions(ctx context.Context) ([]store.Subscription, error) {
	var out []store.Subscription
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSubscriptions)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			sub, err := getJSON[store.Subscription](b, k)
			if err != nil {
				return err
			}
			out = append(out, *sub)
			return nil
		})
	})
	return out, err
}

// Subscription returns one WebSub subscription.
func (s *Store) Subscription(ctx context.Context, id string) (*store.Subscription, error) {
	var sub *store.Subscription
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSubscriptions)
		if b == nil {
			return nil
		}
		var err error
		sub, err = getJSON[store.Subscription](b, []byte(id))
		return err
	})
	if err != nil {
		return nil, err
	}
	if sub == nil {
		return nil, syndicate.Errorf(syndicate.ENotFound, "no subscription %q", id)
	}
	return sub, nil
}

// UpdateSubscription changes one subscription in one transaction, which
// bbolt serializes with every other write.
func (s *Store) UpdateSubscription(ctx context.Context, id string, fn func(*store.Subscription) (*store.Subscription, error)) (*store.Subscription, error) {
	var out *store.Subscription
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bSubscriptions)
		if err != nil {
			return err
		}
		cur, err := getJSON[store.Subscription](b, []byte(id))
		if err != nil {
			return err
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		if next == nil {
			return b.Delete([]byte(id))
		}
		if next.ID != id {
			return fmt.Errorf("subscription %q: update changed its id to %q", id, next.ID)
		}
		out = next
		return putJSON(b, []byte(id), next)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
