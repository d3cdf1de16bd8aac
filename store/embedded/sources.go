package embedded

import (
	"context"
	"crypto/rand"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

var (
	bSources = []byte("sources")
	bSecrets = []byte("secrets")
)

// Sources returns the API sources, ordered by id.
func (s *Store) Sources(ctx context.Context) ([]syndicate.Source, error) {
	var out []syndicate.Source
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSources)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			src, err := getJSON[syndicate.Source](b, k)
			if err != nil {
				return err
			}
			out = append(out, *src)
			return nil
		})
	})
	return out, err
}

// PutSource creates or replaces an API source.
func (s *Store) PutSource(ctx context.Context, src syndicate.Source, create bool) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bSources)
		if err != nil {
			return err
		}
		exists := b.Get([]byte(src.ID)) != nil
		switch {
		case create && exists:
			return &syndicate.Error{Kind: syndicate.EConflict, Field: "id", Message: fmt.Sprintf("a source %q already exists", src.ID)}
		case !create && !exists:
			return syndicate.Errorf(syndicate.ENotFound, "no source %q", src.ID)
		}
		return putJSON(b, []byte(src.ID), src)
	})
	if err != nil {
		return err
	}
	s.notify([]store.FeedKey{store.SourcesChanged})
	return nil
}

// DeleteSource removes an API source with its status, entry keys and
// tombstones.
func (s *Store) DeleteSource(ctx context.Context, id string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSources)
		if b == nil || b.Get([]byte(id)) == nil {
			return syndicate.Errorf(syndicate.ENotFound, "no source %q", id)
		}
		s.statuses.forget(id)
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		for _, parent := range [][]byte{bGUIDs, bTombs} {
			if tx.Bucket(parent).Bucket([]byte(id)) != nil {
				if err := tx.Bucket(parent).DeleteBucket([]byte(id)); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(bStatus).Delete([]byte(id))
	})
	if err != nil {
		return err
	}
	s.notify([]store.FeedKey{store.SourcesChanged})
	return nil
}

// Secret returns the named secret, creating 32 random bytes on first use.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	var out []byte
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bSecrets)
		if err != nil {
			return err
		}
		if v := b.Get([]byte(name)); v != nil {
			out = append([]byte(nil), v...)
			return nil
		}
		out = make([]byte, 32)
		rand.Read(out)
		return b.Put([]byte(name), out)
	})
	return out, err
}
