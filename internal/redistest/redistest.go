// Package redistest gives tests outside the Redis backend a Redis store
// of their own: the test Redis (SYNDICATE_TEST_REDIS_URL, which
// scripts/with-redis.sh starts) under a key prefix of the test's own,
// emptied when the test ends. Without that URL the test fails rather than
// skips: a skipped Redis test looks like a passing one.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate/store/redis"
)

// Replicas opens n stores over one fresh key prefix: n replicas of a
// fleet sharing one Redis. Each is closed, and every key under the prefix
// deleted, when the test ends.
func Replicas(tb testing.TB, n int) []*redis.Store {
	tb.Helper()
	u := os.Getenv("SYNDICATE_TEST_REDIS_URL")
	if u == "" {
		tb.Fatal("SYNDICATE_TEST_REDIS_URL is not set: run it through ./scripts/with-redis.sh (or make test), which starts a private Redis")
	}
	prefix := Prefix(tb, u)
	out := make([]*redis.Store, n)
	for i := range out {
		st, err := redis.Open(context.Background(), redis.Options{URL: u, Prefix: prefix})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { st.Close() })
		out[i] = st
	}
	return out
}

// Prefix returns a key prefix of the test's own on the Redis at url and
// deletes every key under it when the test ends.
func Prefix(tb testing.TB, url string) string {
	tb.Helper()
	var b [6]byte
	rand.Read(b[:])
	prefix := "syntest-" + hex.EncodeToString(b[:])
	opts, err := goredis.ParseURL(url)
	if err != nil {
		tb.Fatalf("test Redis URL: %v", err)
	}
	tb.Cleanup(func() {
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		// The test's context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := DeletePrefix(ctx, rdb, prefix); err != nil {
			tb.Error(err)
		}
	})
	return prefix
}

// DeletePrefix deletes every key under prefix ("prefix:*").
func DeletePrefix(ctx context.Context, rdb goredis.UniversalClient, prefix string) error {
	var keys []string
	iter := rdb.Scan(ctx, 0, prefix+":*", 500).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scan keys of %s: %w", prefix, err)
	}
	if len(keys) > 0 {
		if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
			return fmt.Errorf("delete keys of %s: %w", prefix, err)
		}
	}
	return nil
}
