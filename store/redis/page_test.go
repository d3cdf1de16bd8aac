package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

// readCounter counts the commands a client sends, the elements the
// replies carry and the round trips (a command sent alone, or a pipeline).
type readCounter struct{ cmds, elems, trips atomic.Int64 }

func (r *readCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (r *readCounter) count(cmds ...goredis.Cmder) {
	for _, c := range cmds {
		r.cmds.Add(1)
		switch c := c.(type) {
		case *goredis.StringSliceCmd:
			r.elems.Add(int64(len(c.Val())))
		case *goredis.SliceCmd:
			r.elems.Add(int64(len(c.Val())))
		case *goredis.ZSliceCmd:
			r.elems.Add(int64(len(c.Val())))
		default:
			r.elems.Add(1)
		}
	}
}

func (r *readCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		r.trips.Add(1)
		r.count(cmd)
		return err
	}
}

func (r *readCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		r.trips.Add(1)
		r.count(cmds...)
		return err
	}
}

// openScratch opens a store on the test Redis under a fresh prefix
// starting with name, and deletes its keys when the test ends.
func openScratch(t *testing.T, name string) *Store {
	t.Helper()
	url := os.Getenv("SYNDICATE_TEST_REDIS_URL")
	if url == "" {
		t.Fatal("SYNDICATE_TEST_REDIS_URL is not set: run `make test` (it starts a private Redis) or set SYNDICATE_TEST_REDIS_URL")
	}
	var b [6]byte
	rand.Read(b[:])
	s, err := Open(t.Context(), Options{URL: url, Prefix: name + hex.EncodeToString(b[:])})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := s.rdb.Scan(c, 0, s.k.p+":*", 1000).Iterator()
		for iter.Next(c) {
			s.rdb.Del(c, iter.Val())
		}
		s.Close()
	})
	return s
}

// TestArticles_DeepPageReadsAPage: a deep page of a large feed costs what
// the first page costs: a rank range (ZREVRANGE, O(log n + page) in
// Redis) and one read per listed article, whatever the offset.
func TestArticles_DeepPageReadsAPage(t *testing.T) {
	ctx := t.Context()
	s := openScratch(t, "synpage")
	src := syndicate.SourceRef{ID: "big", Name: "Big"}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 2000
	for from := 0; from < n; from += 500 {
		var es []*store.Entry
		for i := from; i < from+500; i++ {
			a := &syndicate.Article{
				GUID: fmt.Sprint("g", i), EntryID: fmt.Sprint("e", i), CanonicalURL: fmt.Sprint("https://big.example/", i),
				Title: fmt.Sprint("Story ", i), Content: "<p>x</p>", Published: t0.Add(time.Duration(i) * time.Minute),
			}
			a.Updated = a.Published
			a.Hash = a.ContentHash()
			es = append(es, &store.Entry{Key: a.GUID, Article: a})
		}
		if _, err := s.ApplyIngest(ctx, &store.Batch{Source: src, Now: t0, Entries: es}); err != nil {
			t.Fatal(err)
		}
	}
	rc := &readCounter{}
	s.rdb.AddHook(rc)
	const limit = 30
	cost := map[int][2]int64{}
	for _, offset := range []int{0, n / 2, n - limit} {
		c0, e0 := rc.cmds.Load(), rc.elems.Load()
		p, err := s.Articles(ctx, store.SourceFeed("big"), offset, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != limit || p.Total != n || p.Items[0].Title != fmt.Sprint("Story ", n-1-offset) {
			t.Fatalf("page at %d: %d items of %d, first %q", offset, len(p.Items), p.Total, p.Items[0].Title)
		}
		cost[offset] = [2]int64{rc.cmds.Load() - c0, rc.elems.Load() - e0}
	}
	// The articles of a comment page: one pipeline, unknown ids left out.
	ids := []string{syndicate.MintArticleID("big", "g1"), "nope", syndicate.MintArticleID("big", "g2")}
	c0 := rc.cmds.Load()
	arts, err := s.ArticlesByID(ctx, ids)
	if err != nil || len(arts) != 2 || arts[ids[2]].Title != "Story 2" || rc.cmds.Load()-c0 != 3 {
		t.Errorf("ArticlesByID = %d articles, %v, %d commands", len(arts), err, rc.cmds.Load()-c0)
	}
	for offset, c := range cost {
		if c != cost[0] || c[1] > 3*limit+2 {
			t.Errorf("page at offset %d costs %d commands and %d reply elements; the first page %d and %d", offset, c[0], c[1], cost[0][0], cost[0][1])
		}
	}
}
