package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate/store"
	"syndicate/store/redis"
	"syndicate/store/storetest"
)

// MustClusterURL returns the test Redis Cluster (three masters started by
// `make test`). Without one the test fails rather than skips.
func MustClusterURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("SYNDICATE_TEST_REDIS_CLUSTER_URL")
	if u == "" {
		tb.Fatal("SYNDICATE_TEST_REDIS_CLUSTER_URL is not set: run `make test` (it starts a private 3-master Redis Cluster) or set it")
	}
	return u
}

// MustClusterPrefix returns a key prefix of the test's own and deletes its
// keys on every master when the test ends.
func MustClusterPrefix(tb testing.TB, addrs []string) string {
	tb.Helper()
	var b [6]byte
	rand.Read(b[:])
	prefix := "syntest-" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: addrs})
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var mu sync.Mutex
		err := c.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
			iter := node.Scan(ctx, 0, prefix+":*", 500).Iterator()
			for iter.Next(ctx) {
				mu.Lock()
				node.Del(ctx, iter.Val())
				mu.Unlock()
			}
			return iter.Err()
		})
		if err != nil {
			tb.Errorf("clean up %s: %v", prefix, err)
		}
	})
	return prefix
}

func clusterAddrs(url string) []string {
	rest := url[len("redis://"):]
	var out []string
	start := 0
	for i := 0; i <= len(rest); i++ {
		if i == len(rest) || rest[i] == ',' {
			out = append(out, rest[start:i])
			start = i + 1
		}
	}
	return out
}

func TestCluster_Conformance(t *testing.T) {
	url := MustClusterURL(t)
	addrs := clusterAddrs(url)
	storetest.Run(t, func(t *testing.T) (store.Store, func() store.Store) {
		opts := redis.Options{URL: url, Prefix: MustClusterPrefix(t, addrs)}
		return storetest.Reopenable(t, func() store.Store { return MustOpen(t, opts) })
	}, storetest.Shared())
}

func TestCluster_Acquire(t *testing.T) {
	url := MustClusterURL(t)
	opts := redis.Options{URL: url, Prefix: MustClusterPrefix(t, clusterAddrs(url)), LeaseTTL: time.Second}
	a, b := MustOpen(t, opts), MustOpen(t, opts)
	defer a.Close()
	defer b.Close()
	tick := time.Unix(1_800_000_000, 0)
	for _, src := range []string{"s1", "s2", "s3", "s4", "s5"} { // spread over slots
		rel, ok, err := a.Acquire(t.Context(), src, tick, time.Minute)
		if err != nil || !ok {
			t.Fatalf("%s: A = %v %v", src, ok, err)
		}
		if _, ok, _ := b.Acquire(t.Context(), src, tick, time.Minute); ok {
			t.Errorf("%s: B got A's tick", src)
		}
		rel()
	}
}
