package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

// subscriptions is one hash of every WebSub subscription (there is at most
// one per source, so it stays small): id → JSON.
func (k keys) subscriptions() string { return k.p + ":websub" }

// Subscriptions returns every WebSub subscription, ordered by id.
func (s *Store) Subscriptions(ctx context.Context) ([]store.Subscription, error) {
	m, err := s.rdb.HGetAll(ctx, s.k.subscriptions()).Result()
	if err != nil {
		return nil, fmt.Errorf("read subscriptions: %w", err)
	}
	out := make([]store.Subscription, 0, len(m))
	for id, raw := range m {
		sub, err := decode[store.Subscription](raw)
		if err != nil {
			return nil, fmt.Errorf("subscription %s: %w", id, err)
		}
		out = append(out, *sub)
	}
	slices.SortFunc(out, func(a, b store.Subscription) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Subscription returns one WebSub subscription.
func (s *Store) Subscription(ctx context.Context, id string) (*store.Subscription, error) {
	raw, err := s.rdb.HGet(ctx, s.k.subscriptions(), id).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, syndicate.Errorf(syndicate.ENotFound, "no subscription %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read subscription %s: %w", id, err)
	}
	return decode[store.Subscription](raw)
}

// UpdateSubscription is an optimistic transaction: WATCH the hash, read,
// and write in MULTI/EXEC, again from the read when another writer got in
// between.
func (s *Store) UpdateSubscription(ctx context.Context, id string, fn func(*store.Subscription) (*store.Subscription, error)) (*store.Subscription, error) {
	key := s.k.subscriptions()
	var out *store.Subscription
	for range 50 {
		err := s.rdb.Watch(ctx, func(tx *goredis.Tx) error {
			var cur *store.Subscription
			raw, err := tx.HGet(ctx, key, id).Result()
			switch {
			case errors.Is(err, goredis.Nil):
			case err != nil:
				return err
			default:
				if cur, err = decode[store.Subscription](raw); err != nil {
					return fmt.Errorf("subscription %s: %w", id, err)
				}
			}
			next, err := fn(cur)
			if err != nil {
				return err
			}
			if next != nil && next.ID != id {
				return fmt.Errorf("subscription %q: update changed its id to %q", id, next.ID)
			}
			var data []byte
			if next != nil {
				if data, err = json.Marshal(next); err != nil {
					return err
				}
			}
			_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
				if next == nil {
					p.HDel(ctx, key, id)
				} else {
					p.HSet(ctx, key, id, data)
				}
				return nil
			})
			out = next
			return err
		}, key)
		if errors.Is(err, goredis.TxFailedErr) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("update subscription %s: too many concurrent writers", id)
}

// HoldRunning takes a source's running mark, the one a scheduled tick takes, for
// work that is not a tick (an ingest a WebSub delivery triggers), so it
// runs once fleet-wide and never beside a scheduled run. ok is false when
// another process holds the mark. release ends the hold; until then the
// mark is renewed, and it expires by itself if this process dies.
func (s *Store) HoldRunning(ctx context.Context, name string) (func(), bool, error) {
	var b [16]byte
	rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	key := s.k.running(name)
	ok, err := s.rdb.SetNX(ctx, key, token, s.leaseTTL).Result()
	if err != nil {
		return nil, false, fmt.Errorf("hold %s: %w", name, err)
	}
	if !ok {
		return nil, false, nil
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(s.leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				rctx, cancel := context.WithTimeout(context.Background(), s.leaseTTL/3)
				if err := renewScript.Run(rctx, s.rdb, []string{key}, token, s.leaseTTL.Milliseconds()).Err(); err != nil {
					s.log.Warn("hold renewal failed", "name", name, "error", err)
				}
				cancel()
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := releaseScript.Run(rctx, s.rdb, []string{key}, token).Err(); err != nil && !errors.Is(err, goredis.Nil) {
			s.log.Warn("hold release failed (it expires by itself)", "name", name, "error", err)
		}
	}, true, nil
}
