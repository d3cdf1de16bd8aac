package embedded

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

var _ store.AuthGuard = (*Store)(nil)

// bRevoked maps a signed-out session id to when its record may go (the
// session's own expiry, 8 bytes of Unix nanoseconds).
var bRevoked = []byte("revoked_sessions")

// RevokeSession records a signed-out session until it would have expired,
// and drops the records that have run out.
func (s *Store) RevokeSession(ctx context.Context, id string, expires, now time.Time) error {
	if !now.Before(expires) {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := s.bucket(tx, bRevoked)
		if err != nil {
			return err
		}
		var old [][]byte
		b.ForEach(func(k, v []byte) error {
			if len(v) != 8 || !now.Before(time.Unix(0, int64(binary.BigEndian.Uint64(v)))) {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], uint64(expires.UnixNano()))
		return b.Put([]byte(id), v[:])
	})
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// SessionRevoked reports whether id was signed out and its record is live.
func (s *Store) SessionRevoked(ctx context.Context, id string, now time.Time) (bool, error) {
	revoked := false
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bRevoked)
		if b == nil {
			return nil
		}
		if v := b.Get([]byte(id)); len(v) == 8 {
			revoked = now.Before(time.Unix(0, int64(binary.BigEndian.Uint64(v))))
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("session revocation: %w", err)
	}
	return revoked, nil
}

// Strikes reads Hit's counter for key without counting.
func (s *Store) Strikes(ctx context.Context, key string, now time.Time) (int, time.Time, error) {
	var n int
	var reset time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bRate)
		if b == nil {
			return nil
		}
		if v := b.Get([]byte(key)); len(v) == 16 {
			if r := time.Unix(0, int64(binary.BigEndian.Uint64(v[8:]))); now.Before(r) {
				n, reset = int(binary.BigEndian.Uint64(v[:8])), r
			}
		}
		return nil
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("rate limit: %w", err)
	}
	return n, reset, nil
}

var _ store.SourceSwapper = (*Store)(nil)

// ReplaceSourceIf replaces an API source if its stored version is version,
// in one transaction.
func (s *Store) ReplaceSourceIf(ctx context.Context, src syndicate.Source, version string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bSources)
		if err != nil {
			return err
		}
		cur, err := getJSON[syndicate.Source](b, []byte(src.ID))
		if err != nil {
			return err
		}
		if cur == nil {
			return syndicate.Errorf(syndicate.ENotFound, "no source %q", src.ID)
		}
		if cur.Version() != version {
			return store.ErrStaleSource
		}
		return putJSON(b, []byte(src.ID), src)
	})
	if err != nil {
		return err
	}
	s.notify([]store.FeedKey{store.SourcesChanged})
	return nil
}
