package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

var _ store.AuthGuard = (*Store)(nil)

// revoked is the record of a signed-out admin session; it expires with
// the session.
func (k keys) revoked(id string) string {
	return k.p + ":{rv:" + syndicate.ShortHash(id) + "}:revoked"
}

// RevokeSession records a signed-out session until it would have expired.
func (s *Store) RevokeSession(ctx context.Context, id string, expires, now time.Time) error {
	ttl := expires.Sub(now)
	if ttl <= 0 {
		return nil
	}
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	if err := s.rdb.Set(ctx, s.k.revoked(id), id, ttl).Err(); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// SessionRevoked reports whether id was signed out (the record holds the
// id itself, so a hash collision cannot revoke another session).
func (s *Store) SessionRevoked(ctx context.Context, id string, now time.Time) (bool, error) {
	v, err := s.rdb.Get(ctx, s.k.revoked(id)).Result()
	if errors.Is(err, goredis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("session revocation: %w", err)
	}
	return v == id, nil
}

// Strikes reads Hit's counter for key without counting.
func (s *Store) Strikes(ctx context.Context, key string, now time.Time) (int, time.Time, error) {
	k := s.k.rate(key)
	var get *goredis.StringCmd
	var ttl *goredis.DurationCmd
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		get = p.Get(ctx, k)
		ttl = p.PTTL(ctx, k)
		return nil
	})
	if errors.Is(err, goredis.Nil) || (err == nil && get.Err() == goredis.Nil) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("rate limit: %w", err)
	}
	n, err := get.Int()
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("rate limit: %w", err)
	}
	d := ttl.Val()
	if d <= 0 {
		return 0, time.Time{}, nil
	}
	return n, now.Add(d), nil
}

var _ store.SourceSwapper = (*Store)(nil)

// ReplaceSourceIf replaces an API source if its stored version is version:
// WATCH on the sources hash makes the check and the write one step (a
// concurrent change of any source retries it).
func (s *Store) ReplaceSourceIf(ctx context.Context, src syndicate.Source, version string) error {
	data, err := json.Marshal(src)
	if err != nil {
		return err
	}
	key := s.k.sources()
	for range 20 {
		err = s.rdb.Watch(ctx, func(tx *goredis.Tx) error {
			raw, err := tx.HGet(ctx, key, src.ID).Result()
			if errors.Is(err, goredis.Nil) {
				return syndicate.Errorf(syndicate.ENotFound, "no source %q", src.ID)
			}
			if err != nil {
				return err
			}
			cur, err := decode[syndicate.Source](raw)
			if err != nil {
				return fmt.Errorf("source %s: %w", src.ID, err)
			}
			if cur.Version() != version {
				return store.ErrStaleSource
			}
			_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
				p.HSet(ctx, key, src.ID, data)
				return nil
			})
			return err
		}, key)
		if !errors.Is(err, goredis.TxFailedErr) {
			break
		}
	}
	if err != nil {
		if errors.Is(err, store.ErrStaleSource) || syndicate.ErrorKind(err) == syndicate.ENotFound {
			return err
		}
		return fmt.Errorf("replace source %s: %w", src.ID, err)
	}
	s.publish(ctx, []store.FeedKey{store.SourcesChanged})
	return nil
}
