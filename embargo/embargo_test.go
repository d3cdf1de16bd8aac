package embargo_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/embargo"
	"syndicate/feeds"
	"syndicate/pages"
	"syndicate/store"
	"syndicate/store/embedded"
	"syndicate/store/redis"
)

var (
	t0      = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	base    = "https://feeds.example.com"
	sources = []syndicate.Source{
		{ID: "wj", Name: "Western", URL: "https://wj.example/feed", SiteURL: "https://wj.example/", Enabled: true, Hold: "2h"},
		{ID: "open", Name: "Open", URL: "https://open.example/feed", SiteURL: "https://open.example/", Enabled: true},
	}
	partnerKey = "partner-0123456789abcdef"
)

// clock is the injected time every component reads.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

func entry(src, n string, mod func(*syndicate.Article)) *store.Entry {
	a := &syndicate.Article{
		GUID: "https://" + src + ".example/?p=" + n, EntryID: "https://" + src + ".example/?p=" + n,
		CanonicalURL: "https://" + src + ".example/story-" + n + "/", Title: "Story " + n + " of " + src,
		Summary: "S", Content: "<p>Body " + n + "</p>", Categories: []string{"Politics"},
		Authors: []syndicate.Author{{Name: "Ann"}}, Published: t0.Add(-time.Hour), Updated: t0.Add(-time.Hour),
	}
	if mod != nil {
		mod(a)
	}
	a.Hash = a.ContentHash()
	return &store.Entry{Key: a.GUID, Article: a}
}

// replica is one server over a store: feeds, partner feeds and pages
// behind an embargo guard.
type replica struct {
	guard    *embargo.Guard
	hs       *httptest.Server
	released *[][]store.FeedKey
}

func newReplica(t *testing.T, st store.Store, c *clock) *replica {
	t.Helper()
	var mu sync.Mutex
	released := &[][]store.FeedKey{}
	g := embargo.New(embargo.Options{Store: st, Now: c.now, OnRelease: func(_ context.Context, f []store.FeedKey) {
		mu.Lock()
		defer mu.Unlock()
		*released = append(*released, f)
	}})
	g.SetSources(sources)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	rend := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News", Language: "en"}, nil)
	ps := pages.New(pages.Options{Renderer: rend, Store: g, Now: c.now, CacheMaxAge: time.Minute, Comments: pages.CommentRules{Enabled: true, MaxDepth: 5}})
	fs := feeds.NewServer(feeds.Options{Renderer: rend, Store: g, Now: c.now, CacheMaxAge: time.Minute, Pages: ps, Recheck: time.Second})
	fs.SetSources(sources)
	ps.SetSources(sources)
	fs.SetPartners([]syndicate.Partner{{Name: "p", Key: partnerKey}})
	fs.Start(ctx)
	ps.Start(ctx)
	mux := http.NewServeMux()
	fs.Routes(mux)
	ps.Routes(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &replica{guard: g, hs: hs, released: released}
}

// routes are every public place an article of src can appear (the
// global comment feeds when it has comments).
func routes(src, id string, comments bool) []string {
	var out []string
	for _, ext := range []string{"rss", "atom", "json"} {
		out = append(out, "/feed."+ext, "/sources/"+src+"/feed."+ext, "/categories/politics/feed."+ext,
			"/partners/p/feed."+ext+"?key="+partnerKey, "/partners/p/sources/"+src+"/feed."+ext+"?key="+partnerKey)
		if comments {
			out = append(out, "/comments."+ext)
		}
	}
	return append(out, "/", "/articles/"+id+".json", "/articles/"+id+"/comments.json", "html:/articles/"+id)
}

func get(t *testing.T, base, path string) (int, string) {
	t.Helper()
	html := strings.HasPrefix(path, "html:")
	path = strings.TrimPrefix(path, "html:")
	req, _ := http.NewRequest("GET", base+path, nil)
	if html {
		req.Header.Set("Accept", "text/html")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// appears counts the routes where the article's title (or its comment)
// shows, and says which do not.
func appears(t *testing.T, r *replica, src, id, title string) (int, []string) {
	t.Helper()
	n := 0
	var missing []string
	for _, p := range routes(src, id, src == "wj") {
		code, body := get(t, r.hs.URL, p)
		if code == 200 && strings.Contains(body, title) {
			n++
		} else {
			missing = append(missing, p)
		}
	}
	return n, missing
}

func TestEmbargo(t *testing.T) {
	t.Run("Embedded", func(t *testing.T) {
		st, err := embedded.Open(t.TempDir(), embedded.Options{Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		testEmbargo(t, st, st)
	})
	t.Run("Redis", func(t *testing.T) {
		url := os.Getenv("SYNDICATE_TEST_REDIS_URL")
		if url == "" {
			t.Fatal("SYNDICATE_TEST_REDIS_URL is not set: run ./scripts/with-redis.sh go test ./embargo/...")
		}
		prefix := redisPrefix(t, url)
		open := func() store.Store {
			s, err := redis.Open(t.Context(), redis.Options{URL: url, Prefix: prefix, Now: func() time.Time { return t0 }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		testEmbargo(t, open(), open()) // two replicas
	})
}

// testEmbargo: a source's hold and an editor's hold keep articles out of
// every route until their time, on every replica; the tick releases them
// everywhere at once, with their feeds reported for the WebSub ping.
func testEmbargo(t *testing.T, stA, stB store.Store) {
	c := &clock{}
	c.set(t0)
	ctx := t.Context()
	for _, b := range []*store.Batch{
		{Source: sources[0].Ref(), Now: t0, Entries: []*store.Entry{entry("wj", "1", nil)}},
		{Source: sources[1].Ref(), Now: t0, Entries: []*store.Entry{entry("open", "1", nil), entry("open", "2", nil)}},
	} {
		if _, err := stA.ApplyIngest(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	held := syndicate.MintArticleID("wj", "https://wj.example/?p=1")
	open2 := syndicate.MintArticleID("open", "https://open.example/?p=2")
	if _, _, err := stA.AddPartnerComments(ctx, held, []*syndicate.Comment{{GUID: "c1", Author: syndicate.Author{Name: "Bo"}, Content: "<p>x</p>", Published: t0}}); err != nil {
		t.Fatal(err)
	}
	a, b := newReplica(t, stA, c), newReplica(t, stB, c)
	c.add(time.Hour)
	// An editor holds open-2 until 3h, through replica A.
	if err := a.guard.Hold(ctx, open2, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*replica{"A": a, "B": b} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n1, _ := appears(t, r, "wj", held, "Story 1 of wj")
			n2, _ := appears(t, r, "open", open2, "Story 2 of open")
			if n1 == 0 && n2 == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %s shows held articles: wj-1 on %d routes, open-2 on %d", name, n1, n2)
			}
			time.Sleep(50 * time.Millisecond)
		}
		open1 := syndicate.MintArticleID("open", "https://open.example/?p=1")
		if n, missing := appears(t, r, "open", open1, "Story 1 of open"); n != len(routes("open", open1, false)) {
			t.Fatalf("replica %s hides an article that is not held: %v", name, missing)
		}
	}
	if _, _, err := a.guard.AddComment(ctx, &syndicate.Comment{ArticleID: held, Content: "x", Status: syndicate.StatusApproved}, 5); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("comment on a held article = %v, want not found", err)
	}

	// The source hold ends at 2h: the tick on A releases wj-1 everywhere.
	c.set(t0.Add(2*time.Hour + time.Second))
	a.guard.Release(ctx)
	if len(*a.released) == 0 || !slices.Contains((*a.released)[len(*a.released)-1], store.FeedAll) {
		t.Errorf("release reported %v, want the site feed among them", *a.released)
	}
	want := len(routes("wj", held, true))
	for name, r := range map[string]*replica{"A": a, "B": b} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n, missing := appears(t, r, "wj", held, "Story 1 of wj")
			if n == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %s after release: wj-1 missing from %v", name, missing)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if n, _ := appears(t, r, "open", open2, "Story 2 of open"); n != 0 {
			t.Errorf("replica %s shows open-2 before its hold ends (%d routes)", name, n)
		}
	}
	// The editor's hold ends at 3h.
	c.set(t0.Add(3*time.Hour + time.Second))
	a.guard.Release(ctx)
	for name, r := range map[string]*replica{"A": a, "B": b} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n, missing := appears(t, r, "open", open2, "Story 2 of open")
			if n == len(routes("open", open2, false)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %s after the editor's hold: open-2 missing from %v", name, missing)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func redisPrefix(t *testing.T, url string) string {
	var b [6]byte
	rand.Read(b[:])
	prefix := "embargotest-" + hex.EncodeToString(b[:])
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+":*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Unlink(ctx, iter.Val())
		}
	})
	return prefix
}
