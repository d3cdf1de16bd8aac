package redis_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/internal/redistest"
	"syndicate/store"
	"syndicate/store/redis"
	"syndicate/store/storetest"
)

// MustRedisURL returns the test Redis. Without one the test fails rather
// than skips: a skipped store suite looks like a passing one.
func MustRedisURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("SYNDICATE_TEST_REDIS_URL")
	if u == "" {
		tb.Fatal("SYNDICATE_TEST_REDIS_URL is not set: run `make test` (it starts a private Redis) or set SYNDICATE_TEST_REDIS_URL")
	}
	return u
}

// MustPrefix returns a key prefix of the test's own and deletes every key
// under it when the test ends.
func MustPrefix(tb testing.TB, url string) string { return redistest.Prefix(tb, url) }

func MustOpen(tb testing.TB, opts redis.Options) *redis.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := redis.Open(ctx, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return s
}

func TestStore_Conformance(t *testing.T) {
	url := MustRedisURL(t)
	storetest.Run(t, func(t *testing.T) (store.Store, func() store.Store) {
		opts := redis.Options{URL: url, Prefix: MustPrefix(t, url)}
		return storetest.Reopenable(t, func() store.Store { return MustOpen(t, opts) })
	}, storetest.Shared())
}

func TestOpen_CreationTimeShared(t *testing.T) {
	url := MustRedisURL(t)
	prefix := MustPrefix(t, url)
	first := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	a := MustOpen(t, redis.Options{URL: url, Prefix: prefix, Now: func() time.Time { return first }})
	defer a.Close()
	b := MustOpen(t, redis.Options{URL: url, Prefix: prefix, Now: func() time.Time { return first.Add(time.Hour) }})
	defer b.Close()
	for name, s := range map[string]*redis.Store{"first": a, "second": b} {
		st, err := s.FeedStates(t.Context(), []store.FeedKey{store.FeedAll})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := st[store.FeedAll], (store.FeedState{Modified: first.Truncate(time.Second)}); got != want {
			t.Errorf("%s replica: state of an unwritten feed = %+v, want %+v", name, got, want)
		}
	}
}

func TestOpen_SchemaTooNew(t *testing.T) {
	url := MustRedisURL(t)
	prefix := MustPrefix(t, url)
	opts, _ := goredis.ParseURL(url)
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.HSet(t.Context(), prefix+":meta", "schema_version", store.SchemaVersion+1).Err(); err != nil {
		t.Fatal(err)
	}
	s, err := redis.Open(t.Context(), redis.Options{URL: url, Prefix: prefix})
	if err == nil {
		s.Close()
		t.Fatal("Open of a store written by a newer schema succeeded")
	}
	if !strings.Contains(err.Error(), "schema version") {
		t.Errorf("Open error = %v, want it to name the schema version", err)
	}
}

func TestOpen_Unreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens there in a test environment.
	s, err := redis.Open(ctx, redis.Options{URL: "redis://:hunter2@127.0.0.1:1/0?max_retries=-1&dialer_retries=1"})
	if err == nil {
		s.Close()
		t.Fatal("Open of an unreachable redis succeeded")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open error %q repeats the password", err)
	}
}

func TestOpen_ConfigWarning(t *testing.T) {
	url := MustRedisURL(t)
	opts, _ := goredis.ParseURL(url)
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	conf := map[string]string{}
	for _, p := range []string{"appendonly", "maxmemory-policy"} {
		m, err := rdb.ConfigGet(t.Context(), p).Result()
		if err != nil {
			t.Skipf("CONFIG GET is disabled on the test redis: %v", err)
		}
		conf[p] = m[p]
	}
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	s := MustOpen(t, redis.Options{URL: url, Prefix: MustPrefix(t, url), Logger: logger})
	s.Close()
	for p, want := range map[string]string{"appendonly": "yes", "maxmemory-policy": "noeviction"} {
		warned := strings.Contains(buf.String(), "setting="+p)
		if warned != (conf[p] != want) {
			t.Errorf("%s = %q: warned %v; log:\n%s", p, conf[p], warned, buf.String())
		}
	}
}

func TestStore_Watch(t *testing.T) {
	url := MustRedisURL(t)
	prefix := MustPrefix(t, url)
	writer := MustOpen(t, redis.Options{URL: url, Prefix: prefix})
	defer writer.Close()
	// A second replica; its client name lets the test find and kill its
	// subscription.
	replica := MustOpen(t, redis.Options{URL: url + "?client_name=" + prefix, Prefix: prefix})
	defer replica.Close()
	ctx, cancel := context.WithCancel(t.Context())
	got := make(chan []store.FeedKey, 16)
	replica.Watch(ctx, func(k []store.FeedKey) { got <- k })
	next := func(what string) []store.FeedKey {
		t.Helper()
		select {
		case k := <-got:
			return k
		case <-time.After(10 * time.Second):
			t.Fatalf("Watch: no call after %s", what)
			return nil
		}
	}
	if k := next("subscribing"); k != nil {
		t.Fatalf("first call = %v, want nil (anything may have changed)", k)
	}

	// Another replica's write arrives with its feeds (storetest accepts a
	// nil call too, so delivery is checked here).
	src := syndicate.SourceRef{ID: "alpha", Name: "Alpha", SiteURL: "https://alpha.example/"}
	a := &syndicate.Article{GUID: "g1", CanonicalURL: "https://alpha.example/1", Title: "One", Published: time.Unix(1_800_000_000, 0)}
	a.Hash = a.ContentHash()
	res, err := writer.ApplyIngest(t.Context(), &store.Batch{Source: src, Entries: []*store.Entry{{Key: "g1", Article: a}}, Now: a.Published})
	if err != nil {
		t.Fatal(err)
	}
	if k := next("a write"); !slices.Equal(k, res.Changed) || !slices.Contains(k, store.SourceFeed("alpha")) {
		t.Fatalf("call after a write = %v, want %v", k, res.Changed)
	}

	// A dropped connection resubscribes and reports nil again.
	opts, _ := goredis.ParseURL(url)
	admin := goredis.NewClient(opts)
	defer admin.Close()
	list, err := admin.ClientList(t.Context()).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for line := range strings.Lines(list) {
		if strings.Contains(line, " name="+prefix+" ") && strings.Contains(line, " sub=1 ") {
			id, _, _ := strings.Cut(strings.TrimPrefix(line, "id="), " ")
			if err := admin.Do(t.Context(), "CLIENT", "KILL", "ID", id).Err(); err != nil {
				t.Fatal(err)
			}
			killed++
		}
	}
	if killed != 1 {
		t.Fatalf("found %d subscriptions named %s, want 1; CLIENT LIST:\n%s", killed, prefix, list)
	}
	if k := next("a reconnect"); k != nil {
		t.Fatalf("call after a reconnect = %v, want nil", k)
	}

	// Ended by its context: no more calls.
	cancel()
	time.Sleep(100 * time.Millisecond)
	if err := admin.Publish(t.Context(), prefix+":changes", `["all"]`).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	select {
	case k := <-got:
		t.Errorf("Watch called with %v after its context ended", k)
	default:
	}
}

func TestStore_WatchOwnWrites(t *testing.T) {
	url := MustRedisURL(t)
	s := MustOpen(t, redis.Options{URL: url, Prefix: MustPrefix(t, url)})
	defer s.Close()
	var mu sync.Mutex
	var calls [][]store.FeedKey
	s.Watch(t.Context(), func(k []store.FeedKey) {
		mu.Lock()
		calls = append(calls, k)
		mu.Unlock()
	})
	src := syndicate.SourceRef{ID: "alpha", Name: "Alpha"}
	a := &syndicate.Article{GUID: "g1", CanonicalURL: "https://alpha.example/1", Title: "One", Published: time.Unix(1_800_000_000, 0)}
	a.Hash = a.ContentHash()
	res, err := s.ApplyIngest(t.Context(), &store.Batch{Source: src, Entries: []*store.Entry{{Key: "g1", Article: a}}, Now: a.Published})
	if err != nil {
		t.Fatal(err)
	}
	// Reported before ApplyIngest returned: a request that follows a write
	// on this replica must not be served from a stale cache.
	mu.Lock()
	defer mu.Unlock()
	if !slices.ContainsFunc(calls, func(k []store.FeedKey) bool { return slices.Equal(k, res.Changed) }) {
		t.Errorf("calls when ApplyIngest returned = %v, want one with %v", calls, res.Changed)
	}
}

func TestStore_ModifiedNeverBackwards(t *testing.T) {
	url := MustRedisURL(t)
	s := MustOpen(t, redis.Options{URL: url, Prefix: MustPrefix(t, url)})
	defer s.Close()
	t1 := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	ingest := func(n int, now time.Time) {
		t.Helper()
		a := &syndicate.Article{GUID: fmt.Sprint(n), CanonicalURL: fmt.Sprintf("https://alpha.example/%d", n), Title: "T", Published: t1}
		a.Hash = a.ContentHash()
		if _, err := s.ApplyIngest(t.Context(), &store.Batch{Source: syndicate.SourceRef{ID: "alpha"}, Entries: []*store.Entry{{Key: a.GUID, Article: a}}, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	ingest(1, t1)
	ingest(2, t1.Add(-time.Hour)) // a writer whose clock is behind
	st, err := s.FeedStates(t.Context(), []store.FeedKey{store.FeedAll})
	if err != nil {
		t.Fatal(err)
	}
	if got := st[store.FeedAll]; got.Version != 2 || !got.Modified.Equal(t1) {
		t.Errorf("state = %+v, want version 2 modified %v", got, t1)
	}
}
