package embedded

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

var bPartners = []byte("partners")

// Partners returns the API partners, ordered by name.
func (s *Store) Partners(ctx context.Context) ([]syndicate.Partner, error) {
	var out []syndicate.Partner
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bPartners)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			p, err := getJSON[syndicate.Partner](b, k)
			if err != nil {
				return err
			}
			out = append(out, *p)
			return nil
		})
	})
	return out, err
}

// PutPartner creates or replaces an API partner.
func (s *Store) PutPartner(ctx context.Context, p syndicate.Partner, create bool) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bPartners)
		if err != nil {
			return err
		}
		exists := b.Get([]byte(p.Name)) != nil
		switch {
		case create && exists:
			return &syndicate.Error{Kind: syndicate.EConflict, Field: "name", Message: fmt.Sprintf("a partner %q already exists", p.Name)}
		case !create && !exists:
			return syndicate.Errorf(syndicate.ENotFound, "no partner %q", p.Name)
		}
		return putJSON(b, []byte(p.Name), p)
	})
	if err != nil {
		return err
	}
	s.notify([]store.FeedKey{store.PartnersChanged})
	return nil
}

// DeletePartner removes an API partner.
func (s *Store) DeletePartner(ctx context.Context, name string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bPartners)
		if b == nil || b.Get([]byte(name)) == nil {
			return syndicate.Errorf(syndicate.ENotFound, "no partner %q", name)
		}
		return b.Delete([]byte(name))
	})
	if err != nil {
		return err
	}
	s.notify([]store.FeedKey{store.PartnersChanged})
	return nil
}
