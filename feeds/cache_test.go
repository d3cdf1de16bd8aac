package feeds_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"syndicate"
	"syndicate/feeds"
	"syndicate/store"
	"syndicate/store/embedded"
)

// states is a version source for cache tests: every feed at version v.
type states struct {
	v     atomic.Int64
	fail  atomic.Bool
	reads atomic.Int64
}

func (s *states) read(_ context.Context, fs []store.FeedKey) (map[store.FeedKey]store.FeedState, error) {
	s.reads.Add(1)
	if s.fail.Load() {
		return nil, errors.New("store unreachable")
	}
	m := map[store.FeedKey]store.FeedState{}
	for _, f := range fs {
		m[f] = store.FeedState{Version: s.v.Load(), Modified: t0}
	}
	return m, nil
}

func body200(n int) feeds.RenderFunc {
	return func(context.Context, feeds.RenderInput) (feeds.Content, error) {
		return feeds.Content{Body: bytes.Repeat([]byte("<p>x</p>"), n), Type: "text/html"}, nil
	}
}

// TestCache_Accounting: the cache counts every document's buffers by
// capacity, its strings and a fixed bookkeeping share, keeps the total
// equal to the sum of what it holds, and stays under its bound.
func TestCache_Accounting(t *testing.T) {
	st := &states{}
	c := feeds.NewCache(feeds.CacheOptions{Bytes: 1 << 20, States: st.read})
	deps := feeds.Deps{Feeds: []store.FeedKey{store.FeedAll}}
	var sum int64
	for i := range 10 {
		// A render's buffer with lots of spare room: the cache keeps (and
		// counts) an exact copy.
		render := func(context.Context, feeds.RenderInput) (feeds.Content, error) {
			b := make([]byte, 0, 64<<10)
			b = append(b, strings.Repeat("abc", 1000*(i+1))...)
			return feeds.Content{Body: b, Type: "text/plain", Memo: "memo"}, nil
		}
		d, _, err := c.Get(t.Context(), feeds.Key{Name: "doc", Page: i}, deps, render)
		if err != nil {
			t.Fatal(err)
		}
		if n := d.Size(); n < int64(len(d.Body()))+int64(len(d.ETag())*2)+int64(len("memo")) || n > int64(len(d.Body()))*2+4096 {
			t.Errorf("doc %d: size %d for a %d-byte body", i, n, len(d.Body()))
		}
		if cap(d.Body()) >= 64<<10 {
			t.Errorf("doc %d keeps the render's spare capacity (%d)", i, cap(d.Body()))
		}
		sum += d.Size()
	}
	if got := c.Bytes(); got != sum {
		t.Errorf("Bytes() = %d, want the sum of sizes %d", got, sum)
	}
	// Replacing a document does not count it twice.
	st.v.Add(1)
	c.Invalidate(nil)
	d, _, _ := c.Get(t.Context(), feeds.Key{Name: "doc", Page: 0}, deps, body200(10))
	if c.Len() != 10 || c.Bytes() >= sum {
		t.Errorf("after a replacement: %d docs, %d bytes (was %d)", c.Len(), c.Bytes(), sum)
	}
	_ = d
	// Over the bound, the least recently used go first, down to 90%.
	small := feeds.NewCache(feeds.CacheOptions{Bytes: 100 << 10, States: st.read})
	for i := range 100 {
		if _, _, err := small.Get(t.Context(), feeds.Key{Name: "doc", Page: i}, deps, body200(1000)); err != nil {
			t.Fatal(err)
		}
		if small.Bytes() > 100<<10 {
			t.Fatalf("after %d documents the cache holds %d bytes, over its 100 KiB bound", i+1, small.Bytes())
		}
	}
	if n := small.Len(); n == 0 || n >= 100 {
		t.Errorf("cache holds %d documents", n)
	}
}

// TestCache_AccountingMatchesHeap: what the cache counts is what the heap
// holds for it, within a fifth (gzip of random-ish text, header values,
// map slots and all).
func TestCache_AccountingMatchesHeap(t *testing.T) {
	// Goroutines other tests left behind may allocate or let go of memory
	// while this one measures: the heap is read just before and just after
	// the filled cache is dropped, so only those two collections apart
	// count, and the middle of three fills is the measure (the count is
	// the same every time).
	var heaps []int64
	var counted int64
	for range 3 {
		h, n := fillAndMeasure(t)
		heaps, counted = append(heaps, h), n
	}
	slices.Sort(heaps)
	heap := heaps[1]
	t.Logf("counted %d bytes, heap held %d bytes (fills: %v)", counted, heap, heaps)
	if counted < heap*4/5 || counted > heap*6/5 {
		t.Errorf("the cache counts %d bytes for %d bytes of heap", counted, heap)
	}
}

// fillAndMeasure fills a new cache with 400 documents and returns how much
// heap the cache held (the heap with it, less the heap once it is dropped)
// and what the cache counts.
func fillAndMeasure(t *testing.T) (heap, counted int64) {
	st := &states{}
	deps := feeds.Deps{Feeds: []store.FeedKey{store.FeedAll}}
	c := feeds.NewCache(feeds.CacheOptions{Bytes: 1 << 30, States: st.read})
	for i := range 400 {
		render := func(context.Context, feeds.RenderInput) (feeds.Content, error) {
			var b bytes.Buffer
			for j := range 200 {
				fmt.Fprintf(&b, "<item><title>Story %d/%d</title><guid>%x</guid></item>\n", i, j, i*7919+j*104729)
			}
			return feeds.Content{Body: b.Bytes(), Type: "application/rss+xml"}, nil
		}
		if _, _, err := c.Get(t.Context(), feeds.Key{Name: "feed", Variant: "rss", Page: i, Limit: 30}, deps, render); err != nil {
			t.Fatal(err)
		}
	}
	var with, without runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&with)
	counted = c.Bytes()
	runtime.KeepAlive(c)
	c = nil
	runtime.GC()
	runtime.ReadMemStats(&without)
	return int64(with.HeapAlloc) - int64(without.HeapAlloc), counted
}

// TestCache_RenderBound: a burst of distinct uncached documents queues
// behind the render bound instead of rendering all at once.
func TestCache_RenderBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const bound, burst = 3, 10
		st := &states{}
		c := feeds.NewCache(feeds.CacheOptions{Renders: bound, States: st.read})
		var running, peak, done atomic.Int32
		release := make(chan struct{})
		render := func(context.Context, feeds.RenderInput) (feeds.Content, error) {
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			<-release
			running.Add(-1)
			return feeds.Content{Body: []byte("ok"), Type: "text/plain"}, nil
		}
		var wg sync.WaitGroup
		for i := range burst {
			wg.Go(func() {
				if _, _, err := c.Get(context.Background(), feeds.Key{Name: fmt.Sprint("doc", i)}, feeds.Deps{}, render); err != nil {
					t.Error(err)
				}
				done.Add(1)
			})
		}
		for finished := 0; finished < burst; finished++ {
			synctest.Wait() // every goroutine is blocked: rendering or queued
			if want := int32(min(bound, burst-finished)); running.Load() != want {
				t.Fatalf("%d renders running with %d done, want %d", running.Load(), finished, want)
			}
			release <- struct{}{}
		}
		wg.Wait()
		if peak.Load() != bound || done.Load() != burst || c.Renders() != burst {
			t.Errorf("peak %d, done %d, renders %d", peak.Load(), done.Load(), c.Renders())
		}
	})
}

// TestCache_SingleFlightAndStale: one render serves every concurrent
// request for a document; when the store fails the last good copy serves.
func TestCache_SingleFlightAndStale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &states{}
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		var clock atomic.Int64
		clock.Store(now.UnixNano())
		c := feeds.NewCache(feeds.CacheOptions{States: st.read, Now: func() time.Time { return time.Unix(0, clock.Load()) }})
		gate := make(chan struct{})
		render := func(context.Context, feeds.RenderInput) (feeds.Content, error) {
			<-gate
			return feeds.Content{Body: []byte("v1"), Type: "text/plain"}, nil
		}
		deps := feeds.Deps{Feeds: []store.FeedKey{store.FeedAll}}
		key := feeds.Key{Name: "/"}
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() { c.Get(context.Background(), key, deps, render) })
		}
		synctest.Wait()
		close(gate)
		wg.Wait()
		if c.Renders() != 1 {
			t.Fatalf("%d renders for 5 concurrent requests", c.Renders())
		}
		st.fail.Store(true)
		c.Invalidate(nil)
		d, stale, err := c.Get(context.Background(), key, deps, render)
		if err != nil || !stale || string(d.Body()) != "v1" {
			t.Fatalf("during an outage: %v stale=%v err=%v", d, stale, err)
		}
		// Within the outage window the copy serves without asking the store.
		reads := st.reads.Load()
		if _, _, err := c.Get(context.Background(), key, deps, render); err != nil || st.reads.Load() != reads {
			t.Errorf("the store was asked again within the outage window (err %v)", err)
		}
		clock.Add(int64(3 * time.Second))
		if _, _, err := c.Get(context.Background(), key, deps, render); err != nil || st.reads.Load() != reads+1 {
			t.Errorf("after the window the store is asked again (reads %d → %d, err %v)", reads, st.reads.Load(), err)
		}
		// Never a copy of an older generation (a source's rights or a
		// partner's profile may have narrowed since).
		clock.Add(int64(3 * time.Second))
		if d, stale, err := c.Get(context.Background(), key, feeds.Deps{Feeds: deps.Feeds, Gen: 1}, render); err == nil {
			t.Errorf("an older generation's copy served during an outage: %v stale=%v", d, stale)
		}
		// Not found is never served stale, and nothing is cached for it.
		nf := func(context.Context, feeds.RenderInput) (feeds.Content, error) {
			return feeds.Content{}, syndicate.Errorf(syndicate.ENotFound, "no such page")
		}
		st.fail.Store(false)
		if _, _, err := c.Get(context.Background(), feeds.Key{Name: "/nope"}, deps, nf); syndicate.ErrorKind(err) != syndicate.ENotFound {
			t.Errorf("not found = %v", err)
		}
	})
}

// failingStore fails every read while down is set.
type failingStore struct {
	feeds.Store
	down atomic.Bool
}

// errDown is what a store that cannot be reached returns (an EUnavailable,
// as the Redis store classifies its connection errors).
var errDown = syndicate.Errorf(syndicate.EUnavailable, "store unreachable")

func (f *failingStore) FeedStates(ctx context.Context, fs []store.FeedKey) (map[store.FeedKey]store.FeedState, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.FeedStates(ctx, fs)
}

func (f *failingStore) Article(ctx context.Context, id string) (store.ArticleView, error) {
	if f.down.Load() {
		return store.ArticleView{}, errDown
	}
	return f.Store.Article(ctx, id)
}

func (f *failingStore) Categories(ctx context.Context) (map[string]string, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.Categories(ctx)
}

func (f *failingStore) CategoryPage(ctx context.Context, offset, limit int) (store.Page[store.Category], error) {
	if f.down.Load() {
		return store.Page[store.Category]{}, errDown
	}
	return f.Store.CategoryPage(ctx, offset, limit)
}

func (f *failingStore) CategoryLabel(ctx context.Context, slug string) (string, bool, error) {
	if f.down.Load() {
		return "", false, errDown
	}
	return f.Store.CategoryLabel(ctx, slug)
}

// TestServer_StaleIfError: while the store is away, the index, the OPML,
// the lists and an article are served from their last good copies.
func TestServer_StaleIfError(t *testing.T) {
	f := newFixture(t, true)
	fs := &failingStore{Store: f.st}
	srv := feeds.NewServer(feeds.Options{Renderer: feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil), Store: fs})
	srv.SetSources(sources)
	mux := http.NewServeMux()
	srv.Routes(mux)
	paths := []string{"/", "/feeds.opml", "/sources/", "/categories/", "/articles/" + f.aid, "/feed.rss"}
	good := map[string]string{}
	for _, p := range paths {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 200 || rec.Header().Get("ETag") == "" {
			t.Fatalf("GET %s = %d (ETag %q)", p, rec.Code, rec.Header().Get("ETag"))
		}
		good[p] = rec.Body.String()
	}
	renders := srv.Renders()
	fs.down.Store(true)
	srv.Invalidate(nil)
	for _, p := range paths {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 200 || rec.Body.String() != good[p] {
			t.Errorf("GET %s during the outage = %d", p, rec.Code)
		}
	}
	if srv.Renders() != renders {
		t.Errorf("renders %d → %d during the outage", renders, srv.Renders())
	}
	// Unknown documents are still 404, known but never rendered 503.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/feed.atom", nil))
	if rec.Code != 503 {
		t.Errorf("an uncached feed during the outage = %d, want 503", rec.Code)
	}
}

// countingStore counts article reads.
type countingStore struct {
	*embedded.Store
	one, batch atomic.Int64
}

func (c *countingStore) Article(ctx context.Context, id string) (store.ArticleView, error) {
	c.one.Add(1)
	return c.Store.Article(ctx, id)
}

func (c *countingStore) ArticlesByID(ctx context.Context, ids []string) (map[string]*syndicate.Article, error) {
	c.batch.Add(1)
	return c.Store.ArticlesByID(ctx, ids)
}

// TestServer_CommentFeedsReadArticlesInOneBatch: a comment feed reads the
// articles of its comments in one batch, not one read per comment.
func TestServer_CommentFeedsReadArticlesInOneBatch(t *testing.T) {
	f := newFixture(t, true)
	cs := &countingStore{Store: f.st}
	srv := feeds.NewServer(feeds.Options{Renderer: feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil), Store: cs})
	srv.SetSources(sources)
	mux := http.NewServeMux()
	srv.Routes(mux)
	for _, tt := range []struct {
		path     string
		one      int64 // the article feed's title
		comments int
	}{{"/comments.atom", 0, 4}, {"/articles/" + f.aid + "/comments.rss", 1, 4}} {
		cs.one.Store(0)
		cs.batch.Store(0)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		if n := strings.Count(rec.Body.String(), "<entry>") + strings.Count(rec.Body.String(), "<item>"); rec.Code != 200 || n != tt.comments {
			t.Fatalf("GET %s = %d with %d comments, want %d", tt.path, rec.Code, n, tt.comments)
		}
		if cs.batch.Load() != 1 || cs.one.Load() != tt.one {
			t.Errorf("GET %s: %d batch reads and %d single reads, want 1 and %d", tt.path, cs.batch.Load(), cs.one.Load(), tt.one)
		}
	}
}
