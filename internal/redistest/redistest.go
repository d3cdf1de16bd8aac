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
	var b [6]byte
	rand.Read(b[:])
	prefix := "syntest-" + hex.EncodeToString(b[:])
	opts, err := goredis.ParseURL(u)
	if err != nil {
		tb.Fatalf("SYNDICATE_TEST_REDIS_URL: %v", err)
	}
	tb.Cleanup(func() {
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		// The test's context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var keys []string
		iter := rdb.Scan(ctx, 0, prefix+":*", 500).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			tb.Errorf("scan keys of %s: %v", prefix, err)
		}
		if len(keys) > 0 {
			rdb.Unlink(ctx, keys...)
		}
	})
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
