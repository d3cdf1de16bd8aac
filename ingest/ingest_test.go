package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/store"
	"syndicate/store/embedded"
)

// fakeClock is the ingester's clock; tests move it by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// partnerSite is an httptest partner whose paths each answer with a
// behaviour the test sets (and may change) and count their hits.
type partnerSite struct {
	*httptest.Server
	mu       sync.Mutex
	handlers map[string]http.HandlerFunc
	hits     map[string]int
	headers  map[string]http.Header // the last request's headers, by path
}

func newPartnerSite(t *testing.T) *partnerSite {
	t.Helper()
	p := &partnerSite{handlers: map[string]http.HandlerFunc{}, hits: map[string]int{}, headers: map[string]http.Header{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		h := p.handlers[r.URL.Path]
		p.hits[r.URL.Path]++
		p.headers[r.URL.Path] = r.Header.Clone()
		p.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *partnerSite) handle(path string, h http.HandlerFunc) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handlers[path] = h
}

func (p *partnerSite) hitsOf(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

func (p *partnerSite) header(path, name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.headers[path].Get(name)
}

// rssFeed returns an RSS 2.0 feed of n items whose links live on host.
func rssFeed(host, prefix string, n int) string {
	var items strings.Builder
	for i := range n {
		fmt.Fprintf(&items, `<item><title>%s %d</title><link>http://%s/%s/%d</link><guid isPermaLink="false">%s-%d</guid>`+
			`<pubDate>Tue, 24 Nov 2026 %02d:00:00 +0000</pubDate><description>Story %d.</description></item>`,
			prefix, i, host, prefix, i, prefix, i, 10+i, i)
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>http://%s/</link><description>d</description>%s</channel></rss>`,
		prefix, host, items.String())
}

// serveFeed answers with an RSS feed of n items, with an ETag, and a 304
// to a matching If-None-Match.
func serveFeed(prefix string, n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		etag := fmt.Sprintf(`"%s-%d"`, prefix, n)
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, rssFeed(r.Host, prefix, n))
	}
}

func serveStatus(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, http.StatusText(code))
	}
}

type ingestEnv struct {
	store *embedded.Store
	in    *ingest.Ingester
	clock *fakeClock
	site  *partnerSite
}

// MustIngestEnv returns an ingester on a real embedded store in a temp
// dir, with a fake clock and one partner site.
func MustIngestEnv(t *testing.T, fo fetch.Options) *ingestEnv {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := newFakeClock()
	fo.AllowPrivate = true
	in := ingest.New(st, ingest.Options{Fetcher: fetch.New(fo), Now: clock.Now})
	return &ingestEnv{store: st, in: in, clock: clock, site: newPartnerSite(t)}
}

func (e *ingestEnv) source(id, path string) syndicate.Source {
	return syndicate.Source{ID: id, Name: strings.ToUpper(id), URL: e.site.URL + path, SiteURL: e.site.URL + "/", Enabled: true, Managed: syndicate.ManagedConfig}
}

func (e *ingestEnv) status(t *testing.T, id string) *syndicate.SourceStatus {
	t.Helper()
	s, err := e.store.SourceStatus(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *ingestEnv) articleCount(t *testing.T, id string) int {
	t.Helper()
	page, err := e.store.Articles(t.Context(), store.SourceFeed(id), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return page.Total
}

func (e *ingestEnv) versions(t *testing.T, keys ...store.FeedKey) map[store.FeedKey]store.FeedState {
	t.Helper()
	v, err := e.store.FeedStates(t.Context(), keys)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func wantStatus(t *testing.T, sum ingest.Summary, status string, http int) {
	t.Helper()
	if sum.Status != status || sum.HTTP != http {
		t.Fatalf("summary %s, want status=%s http=%d", sum, status, http)
	}
}

// One partner failing (5xx, garbage, empty body, a hang) never breaks
// another's pass, and never loses its own stored articles.
func TestIngester_FailingSourceNextToHealthy(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{Timeout: 300 * time.Millisecond})
	env.site.handle("/healthy", serveFeed("healthy", 2))
	env.site.handle("/flaky", serveFeed("flaky", 3))
	healthy, flaky := env.source("healthy", "/healthy"), env.source("flaky", "/flaky")
	ctx := t.Context()

	sums := env.in.RunAll(ctx, []syndicate.Source{healthy, flaky}, false)
	wantStatus(t, sums[0], ingest.StatusOK, 200)
	wantStatus(t, sums[1], ingest.StatusOK, 200)
	if sums[1].New != 3 || env.articleCount(t, "flaky") != 3 {
		t.Fatalf("flaky first pass: %s, %d stored", sums[1], env.articleCount(t, "flaky"))
	}
	flakyFeed := store.SourceFeed("flaky")
	before := env.versions(t, flakyFeed, store.FeedAll)

	for i, tc := range []struct {
		name    string
		handler http.HandlerFunc
		http    int
		err     string
	}{
		{"ServerError", serveStatus(http.StatusInternalServerError), 500, "status 500"},
		{"HTMLPage", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<!DOCTYPE html><html><body>We moved!</body></html>")
		}, 200, "HTML page"},
		{"EmptyBody", func(w http.ResponseWriter, r *http.Request) {}, 200, "empty body"},
		{"Truncated", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, rssFeed(r.Host, "flaky", 3)[:200])
		}, 200, "parse"},
		{"Hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, 0, "ingest.timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.site.handle("/flaky", tc.handler)
			env.clock.Add(time.Minute)
			// force: our own backoff would otherwise skip the retries.
			sums := env.in.RunAll(ctx, []syndicate.Source{healthy, flaky}, true)
			wantStatus(t, sums[0], ingest.StatusNotModified, 304)
			wantStatus(t, sums[1], ingest.StatusFailed, tc.http)
			if sums[1].Err == nil || !strings.Contains(sums[1].Err.Error(), tc.err) {
				t.Errorf("error %v, want one saying %q", sums[1].Err, tc.err)
			}
			s := env.status(t, "flaky")
			if s.LastStatus != ingest.StatusFailed || !strings.Contains(s.LastError, tc.err) || s.ConsecutiveFailures != i+1 {
				t.Errorf("status: last %q error %q failures %d, want failed, %q, %d", s.LastStatus, s.LastError, s.ConsecutiveFailures, tc.err, i+1)
			}
			if !s.BackoffUntil.After(env.clock.Now()) {
				t.Errorf("backoff until %v, not after now %v", s.BackoffUntil, env.clock.Now())
			}
			if s.ArticleCount != 3 || env.articleCount(t, "flaky") != 3 {
				t.Errorf("article_count %d, stored %d: the failing partner lost articles", s.ArticleCount, env.articleCount(t, "flaky"))
			}
			if got := env.versions(t, flakyFeed, store.FeedAll); got[flakyFeed] != before[flakyFeed] || got[store.FeedAll] != before[store.FeedAll] {
				t.Errorf("a failed pass wrote: versions %v, then %v", before, got)
			}
		})
	}

	t.Run("Recovers", func(t *testing.T) {
		env.site.handle("/flaky", serveFeed("flaky", 4))
		env.clock.Add(7 * time.Hour) // past any backoff
		sum := env.in.Run(ctx, flaky, false)
		wantStatus(t, sum, ingest.StatusOK, 200)
		if sum.New != 1 || sum.Unchanged != 3 {
			t.Errorf("summary %s, want 1 new and 3 unchanged", sum)
		}
		s := env.status(t, "flaky")
		if s.ConsecutiveFailures != 0 || s.LastError != "" || !s.BackoffUntil.IsZero() || s.LastStatus != ingest.StatusOK || !s.LastSuccess.Equal(env.clock.Now()) {
			t.Errorf("status after recovery: %+v", s)
		}
	})
}

// A 304 records the status and writes no article: no feed version moves.
func TestIngester_NotModified(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	env.site.handle("/feed", serveFeed("p", 2))
	src := env.source("p", "/feed")
	ctx := t.Context()
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusOK, 200)
	keys := []store.FeedKey{store.FeedAll, store.SourceFeed("p")}
	before := env.versions(t, keys...)

	env.clock.Add(time.Hour)
	sum := env.in.Run(ctx, src, false)
	wantStatus(t, sum, ingest.StatusNotModified, 304)
	if sum.New+sum.Updated+sum.Unchanged != 0 || sum.Err != nil || len(sum.Changed) != 0 {
		t.Errorf("summary %s (changed %v), want nothing counted or changed", sum, sum.Changed)
	}
	if got := env.site.header("/feed", "If-None-Match"); got != `"p-2"` {
		t.Errorf("If-None-Match %q, want the stored ETag", got)
	}
	if after := env.versions(t, keys...); after[keys[0]] != before[keys[0]] || after[keys[1]] != before[keys[1]] {
		t.Errorf("feed versions moved on a 304: %v, then %v", before, after)
	}
	s := env.status(t, "p")
	if s.LastStatus != ingest.StatusNotModified || s.HTTPStatus != 304 || s.ETag != `"p-2"` || !s.LastSuccess.Equal(env.clock.Now()) || s.ArticleCount != 2 {
		t.Errorf("status after 304: %+v", s)
	}
}

// A 304 that repeats no ETag keeps the next fetch conditional.
func TestIngester_BareNotModifiedStaysConditional(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	env.site.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" {
			w.WriteHeader(http.StatusNotModified) // and no ETag
			return
		}
		w.Header().Set("ETag", `"v"`)
		io.WriteString(w, rssFeed(r.Host, "p", 1))
	})
	src := env.source("p", "/feed")
	for i, want := range []string{ingest.StatusOK, ingest.StatusNotModified, ingest.StatusNotModified} {
		if sum := env.in.Run(t.Context(), src, false); sum.Status != want {
			t.Fatalf("pass %d: %s, want %s", i+1, sum, want)
		}
	}
}

// 410 Gone disables the source with a reason; later passes do not fetch,
// even when forced; a new URL in the config re-enables it.
func TestIngester_Gone(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	env.site.handle("/gone", serveStatus(http.StatusGone))
	env.site.handle("/new", serveFeed("p", 1))
	src := env.source("p", "/gone")
	ctx := t.Context()

	sum := env.in.Run(ctx, src, false)
	wantStatus(t, sum, ingest.StatusDisabled, 410)
	s := env.status(t, "p")
	if !strings.Contains(s.Disabled, "410") || !strings.Contains(s.Disabled, "/gone") || s.LastStatus != ingest.StatusDisabled {
		t.Fatalf("status %+v, want disabled with a reason naming 410 and the URL", s)
	}
	for _, force := range []bool{false, true} {
		env.clock.Add(24 * time.Hour)
		sum := env.in.Run(ctx, src, force)
		wantStatus(t, sum, ingest.StatusDisabled, 0)
		if sum.Err == nil || !strings.Contains(sum.Err.Error(), "410") {
			t.Errorf("force=%v: error %v, want the disable reason", force, sum.Err)
		}
	}
	if n := env.site.hitsOf("/gone"); n != 1 {
		t.Errorf("the gone feed was fetched %d times, want 1", n)
	}
	if got := env.in.RunAll(ctx, []syndicate.Source{src}, true)[0]; got.Status != ingest.StatusDisabled {
		t.Errorf("RunAll: %s", got)
	}

	src.URL = env.site.URL + "/new"
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusOK, 200)
	if s := env.status(t, "p"); s.Disabled != "" || s.FeedURL != src.URL {
		t.Errorf("status after a new URL: %+v", s)
	}
}

// A partner's Retry-After holds even for a forced (explicit) run.
func TestIngester_RetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value string
	}{
		{"Seconds", "3600"},
		{"HTTPDate", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := MustIngestEnv(t, fetch.Options{})
			env.site.handle("/feed", serveStatus(http.StatusTooManyRequests, "Retry-After", tc.value))
			src := env.source("p", "/feed")
			ctx := t.Context()
			wantStatus(t, env.in.Run(ctx, src, true), ingest.StatusFailed, 429)
			s := env.status(t, "p")
			if d := s.RetryAfter.Sub(env.clock.Now()); d < 55*time.Minute || d > time.Hour {
				t.Fatalf("retry_after %v is %v from now, want about an hour", s.RetryAfter, d)
			}
			env.site.handle("/feed", serveFeed("p", 1))
			env.clock.Add(30 * time.Minute)
			sum := env.in.Run(ctx, src, true)
			wantStatus(t, sum, ingest.StatusFailed, 0)
			if sum.Err == nil || !strings.Contains(sum.Err.Error(), "Retry-After") {
				t.Errorf("error %v, want one naming Retry-After", sum.Err)
			}
			if n := env.site.hitsOf("/feed"); n != 1 {
				t.Errorf("fetched %d times inside the Retry-After window, want 1", n)
			}
			env.clock.Add(31 * time.Minute)
			wantStatus(t, env.in.Run(ctx, src, true), ingest.StatusOK, 200)
		})
	}
}

// Our own failure backoff is skipped by a forced run and honoured by a
// scheduled one.
func TestIngester_Backoff(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	env.site.handle("/feed", serveStatus(http.StatusBadGateway))
	src := env.source("p", "/feed")
	ctx := t.Context()

	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusFailed, 502)
	until := env.status(t, "p").BackoffUntil
	if d := until.Sub(env.clock.Now()); d < ingest.BackoffBase/2 || d > ingest.BackoffBase {
		t.Fatalf("first backoff %v, want within [%v, %v]", d, ingest.BackoffBase/2, ingest.BackoffBase)
	}

	sum := env.in.Run(ctx, src, false)
	wantStatus(t, sum, ingest.StatusFailed, 0)
	if sum.Err == nil || !strings.Contains(sum.Err.Error(), "backing off") || env.site.hitsOf("/feed") != 1 {
		t.Fatalf("scheduled run during backoff: %s, %d fetches", sum, env.site.hitsOf("/feed"))
	}

	wantStatus(t, env.in.Run(ctx, src, true), ingest.StatusFailed, 502)
	s := env.status(t, "p")
	if env.site.hitsOf("/feed") != 2 || s.ConsecutiveFailures != 2 {
		t.Fatalf("forced run: %d fetches, %d failures; want 2, 2", env.site.hitsOf("/feed"), s.ConsecutiveFailures)
	}
	if d := s.BackoffUntil.Sub(env.clock.Now()); d < ingest.BackoffBase || d > 2*ingest.BackoffBase {
		t.Errorf("second backoff %v, want within [%v, %v]", d, ingest.BackoffBase, 2*ingest.BackoffBase)
	}

	env.site.handle("/feed", serveFeed("p", 1))
	env.clock.Add(s.BackoffUntil.Sub(env.clock.Now()) + time.Second)
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusOK, 200)
}

// A permanent redirect (301/308 all the way) is recorded and fetched
// directly from then on; a temporary one is not.
func TestIngester_PermanentRedirect(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	redirect := func(to string, code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, code) }
	}
	env.site.handle("/old", redirect("/moved", http.StatusMovedPermanently))
	env.site.handle("/moved", redirect("/new", http.StatusPermanentRedirect))
	env.site.handle("/temp", redirect("/new", http.StatusFound))
	env.site.handle("/new", serveFeed("p", 2))
	ctx := t.Context()

	src := env.source("p", "/old")
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusOK, 200)
	if s := env.status(t, "p"); s.PermanentURL != env.site.URL+"/new" {
		t.Fatalf("permanent_url %q, want %q", s.PermanentURL, env.site.URL+"/new")
	}
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusNotModified, 304)
	if env.site.hitsOf("/old") != 1 || env.site.hitsOf("/new") != 2 {
		t.Errorf("hits: /old %d, /new %d; want 1 and 2", env.site.hitsOf("/old"), env.site.hitsOf("/new"))
	}

	tmp := env.source("t", "/temp")
	wantStatus(t, env.in.Run(ctx, tmp, false), ingest.StatusOK, 200)
	wantStatus(t, env.in.Run(ctx, tmp, false), ingest.StatusNotModified, 304)
	if s := env.status(t, "t"); s.PermanentURL != "" || env.site.hitsOf("/temp") != 2 {
		t.Errorf("temporary redirect: permanent_url %q, %d hits on /temp", s.PermanentURL, env.site.hitsOf("/temp"))
	}
}

// A permanent redirect to something that is no feed (an expired domain's
// parking page) is not adopted: the next pass tries the configured URL.
func TestIngester_PermanentRedirectToGarbageNotAdopted(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	env.site.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/parked", http.StatusMovedPermanently)
	})
	env.site.handle("/parked", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html><body>This domain is for sale</body></html>")
	})
	src := env.source("p", "/feed")
	ctx := t.Context()
	wantStatus(t, env.in.Run(ctx, src, true), ingest.StatusFailed, 200)
	if s := env.status(t, "p"); s.PermanentURL != "" {
		t.Fatalf("permanent_url %q adopted from a failed pass", s.PermanentURL)
	}
	env.site.handle("/feed", serveFeed("p", 1)) // the partner fixes it
	wantStatus(t, env.in.Run(ctx, src, true), ingest.StatusOK, 200)
	if env.site.hitsOf("/feed") != 2 {
		t.Errorf("/feed fetched %d times, want 2", env.site.hitsOf("/feed"))
	}
}

// A new URL in the config starts the status afresh: no validators of the
// old URL are sent, no failures or backoff carried over.
func TestIngester_URLChangeResetsStatus(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	env.site.handle("/a", serveFeed("p", 1))
	env.site.handle("/b", serveFeed("p", 1)) // same ETag as /a
	env.site.handle("/broken", serveStatus(http.StatusInternalServerError))
	ctx := t.Context()

	src := env.source("p", "/a")
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusOK, 200)
	src.URL = env.site.URL + "/b"
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusOK, 200)
	if got := env.site.header("/b", "If-None-Match"); got != "" {
		t.Errorf("the old URL's ETag %q was sent to the new one", got)
	}

	src.URL = env.site.URL + "/broken"
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusFailed, 500)
	src.URL = env.site.URL + "/a"
	// No backoff from /broken applies to /a, even unforced.
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusOK, 200)
	if s := env.status(t, "p"); s.ConsecutiveFailures != 0 || !s.BackoffUntil.IsZero() || s.FeedURL != src.URL {
		t.Errorf("status after the URL change: %+v", s)
	}
}

// file: sources are read from disk (config-file sources only), and their
// relative links resolve against the site URL, never the file.
func TestIngester_FileSource(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	dir := t.TempDir()
	path := dir + "/partner.xml"
	body := `<rss version="2.0"><channel><title>F</title><item><title>On disk</title><link>/a/1</link></item></channel></rss>`
	if err := writeFile(path, body); err != nil {
		t.Fatal(err)
	}
	src := syndicate.Source{ID: "f", Name: "F", URL: "file:" + path, SiteURL: "https://files.example/", Enabled: true, Managed: syndicate.ManagedConfig}
	ctx := t.Context()
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusOK, 200)
	page, err := env.store.Articles(ctx, store.SourceFeed("f"), 0, 10)
	if err != nil || page.Total != 1 {
		t.Fatalf("stored %v, %v", page, err)
	}
	if a := page.Items[0]; a.CanonicalURL != "https://files.example/a/1" || a.Source.FeedURL != "https://files.example/" {
		t.Errorf("canonical %q source feed %q: a file: URL leaked or was used as a base", a.CanonicalURL, a.Source.FeedURL)
	}
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusNotModified, 304)

	api := src
	api.ID, api.Managed = "api", syndicate.ManagedAPI
	if sum := env.in.Run(ctx, api, false); sum.Status != ingest.StatusFailed || !strings.Contains(sum.Err.Error(), "config file") {
		t.Errorf("an API source read a file: %s", sum)
	}
}

func TestIngester_ConfigDisabled(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	env.site.handle("/feed", serveFeed("p", 1))
	src := env.source("p", "/feed")
	src.Enabled = false
	sum := env.in.RunAll(t.Context(), []syndicate.Source{src}, true)[0]
	wantStatus(t, sum, ingest.StatusDisabled, 0)
	if env.site.hitsOf("/feed") != 0 {
		t.Error("a source disabled in the config was fetched")
	}
}

// `syndicate ingest` prints one line per source, in a format scripts parse.
func TestSummary_String(t *testing.T) {
	for _, tc := range []struct {
		name string
		sum  ingest.Summary
		want string
	}{
		{"OK", ingest.Summary{SourceID: "westernjournal", Status: ingest.StatusOK, HTTP: 200, New: 3, Updated: 1, Unchanged: 46, Skipped: 2, Pruned: 5, Duration: 182 * time.Millisecond},
			`id=westernjournal status=ok http=200 new=3 updated=1 unchanged=46 skipped=2 pruned=5 duration=182ms`},
		{"NotModified", ingest.Summary{SourceID: "p", Status: ingest.StatusNotModified, HTTP: 304, Duration: 1234567 * time.Microsecond},
			`id=p status=not-modified http=304 new=0 updated=0 unchanged=0 skipped=0 pruned=0 duration=1.235s`},
		{"Failed", ingest.Summary{SourceID: "broken", Status: ingest.StatusFailed, HTTP: 503, Duration: 41 * time.Millisecond, Err: errors.New(`fetch https://x.example/feed: status 503 "Service Unavailable"`)},
			`id=broken status=failed http=503 new=0 updated=0 unchanged=0 skipped=0 pruned=0 duration=41ms error="fetch https://x.example/feed: status 503 \"Service Unavailable\""`},
		{"Disabled", ingest.Summary{SourceID: "gone", Status: ingest.StatusDisabled, Err: errors.New("410 Gone\nfrom partner")},
			`id=gone status=disabled http=0 new=0 updated=0 unchanged=0 skipped=0 pruned=0 duration=0s error="410 Gone\nfrom partner"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.sum.String(); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}

	t.Run("FromARun", func(t *testing.T) {
		env := MustIngestEnv(t, fetch.Options{})
		env.site.handle("/feed", serveFeed("p", 2))
		env.site.handle("/bad", serveStatus(http.StatusServiceUnavailable))
		pattern := regexp.MustCompile(`^id=[a-z0-9-]+ status=(ok|not-modified|failed|disabled) http=\d+ new=\d+ updated=\d+ unchanged=\d+ skipped=\d+ pruned=\d+ duration=\S+( error="(?:[^"\\]|\\.)*")?$`)
		for _, sum := range env.in.RunAll(t.Context(), []syndicate.Source{env.source("p", "/feed"), env.source("bad", "/bad")}, true) {
			if line := sum.String(); !pattern.MatchString(line) {
				t.Errorf("%q does not match the §10 format", line)
			}
		}
	})
}

func writeFile(path, body string) error { return os.WriteFile(path, []byte(body), 0o644) }

// syncBuffer is a log sink tests read while the ingester writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveBody answers with a fixed RSS body.
func serveBody(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, body)
	}
}

func rssOf(items ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>P</title><link>http://p.example/</link><description>d</description>` +
		strings.Join(items, "") + `</channel></rss>`
}

func rssItem(guid, title, date string) string {
	d := ""
	if date != "" {
		d = "<pubDate>" + date + "</pubDate>"
	}
	return fmt.Sprintf(`<item><title>%s</title><link>http://p.example/%s</link><guid isPermaLink="false">%s</guid>%s<description>Story %s.</description></item>`, title, guid, guid, d, guid)
}

// The republishing clock: with the default retention (500 items, a year),
// articles the partner dated years ago are kept and listed after ingest,
// and age retention removes them a year after they were first seen here.
func TestIngester_RepublishingClock(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	in := ingest.New(env.store, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), Now: env.clock.Now,
		RetainItems: 500, RetainFor: 8760 * time.Hour})
	env.site.handle("/feed", serveBody(rssOf(
		rssItem("seed", "The seed article", "Mon, 14 Mar 2022 09:00:00 +0000"),
		rssItem("older", "Older", "Tue, 02 Feb 2021 09:00:00 +0000"),
		rssItem("recent", "Recent", "Tue, 24 Nov 2026 09:00:00 +0000"),
	)))
	src := env.source("p", "/feed")
	ctx := t.Context()
	sum := in.Run(ctx, src, true)
	if sum.Status != ingest.StatusOK || sum.New != 3 || sum.Pruned != 0 || sum.Skipped != 0 {
		t.Fatalf("first pass: %s", sum)
	}
	if n := env.articleCount(t, "p"); n != 3 {
		t.Fatalf("listed after ingest: %d, want 3 (the 2022 and 2021 articles included)", n)
	}
	env.clock.Add(24 * time.Hour)
	if sum := in.Run(ctx, src, true); sum.Pruned != 0 || sum.Unchanged != 3 {
		t.Errorf("a day later: %s", sum)
	}
	if st := env.status(t, "p"); st.ArticleCount != 3 { // counted by retention
		t.Errorf("status a day later: count %d, want 3", st.ArticleCount)
	}
	// A year and a day after first sight, age retention takes all three,
	// the recently dated one too: age counts from first_seen only.
	env.clock.Add(8760 * time.Hour)
	if sum := in.Run(ctx, src, true); sum.Pruned != 3 || !strings.Contains(sum.String(), " pruned=3 ") {
		t.Errorf("a year on: %s", sum)
	}
	if st := env.status(t, "p"); st.ItemsPruned != 3 || st.ArticleCount != 0 {
		t.Errorf("status after pruning: pruned %d, count %d", st.ItemsPruned, st.ArticleCount)
	}
}

// Every entry a pass leaves out is counted in `skipped`, logged once with
// its position and reason, and recorded in the source status.
func TestIngester_SkippedEntries(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	logs := &syncBuffer{}
	in := ingest.New(env.store, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), Now: env.clock.Now,
		RetainItems: 2, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	env.site.handle("/feed", serveBody(rssOf(
		rssItem("a", "A", "Tue, 24 Nov 2026 10:00:00 +0000"),
		`<item></item>`, // nothing to republish
		rssItem("b", "B", "Tue, 24 Nov 2026 11:00:00 +0000"),
		rssItem("a", "A again", "Tue, 24 Nov 2026 10:00:00 +0000"), // the same guid
		rssItem("c", "C", "Fri, 10 Jan 2020 14:33:00 +0000"),       // beyond the newest two
	)))
	sum := in.Run(t.Context(), env.source("p", "/feed"), true)
	if sum.Status != ingest.StatusOK || sum.New != 2 || sum.Skipped != 3 || !strings.Contains(sum.String(), " skipped=3 pruned=0 ") {
		t.Fatalf("pass: %s", sum)
	}
	out := logs.String()
	for _, want := range []struct {
		pos    int
		reason string
	}{
		{1, "no title, content, link or enclosure"},
		{3, "same entry as position 0"},
		{4, "newest 2 entries"},
	} {
		re := regexp.MustCompile(fmt.Sprintf(`msg="partner entry skipped" .*position=%d reason=".*%s`, want.pos, regexp.QuoteMeta(want.reason)))
		if n := len(re.FindAllString(out, -1)); n != 1 {
			t.Errorf("position %d (%s) logged %d times, want once:\n%s", want.pos, want.reason, n, out)
		}
	}
	if n := strings.Count(out, `msg="partner entry skipped"`); n != 3 {
		t.Errorf("%d skip lines, want 3:\n%s", n, out)
	}
	if strings.Contains(out, `problem="item 1:`) {
		t.Errorf("the skipped item was logged a second time as a problem:\n%s", out)
	}
	st := env.status(t, "p")
	if st.ItemsRead != 5 || st.ItemsSkipped != 3 || st.ItemsSeen != 4 {
		t.Errorf("status read=%d skipped=%d seen=%d, want 5, 3, 4", st.ItemsRead, st.ItemsSkipped, st.ItemsSeen)
	}
	if n := env.articleCount(t, "p"); n != 2 {
		t.Errorf("stored %d, want the newest 2", n)
	}
}

// chunkStore records the size of every ApplyIngest, and can cancel the
// pass after a number of them.
type chunkStore struct {
	*embedded.Store
	mu          sync.Mutex
	sizes       []int
	cancelAfter int
	cancel      func()
}

func (c *chunkStore) ApplyIngest(ctx context.Context, b *store.Batch) (*store.Result, error) {
	res, err := c.Store.ApplyIngest(ctx, b)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sizes = append(c.sizes, len(b.Entries))
	if c.cancel != nil && len(c.sizes) == c.cancelAfter {
		c.cancel()
	}
	return res, err
}

// A large pass is written in batches of at most store.ChunkSize entries
// and store.ChunkBytes of text, one transaction each (the embedded
// store's write lock is held per batch, not per pass), and a cancelled
// pass stops between two batches.
func TestIngester_WritesInChunks(t *testing.T) {
	base := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	feedOf := func(n int, text string) string {
		var items []string
		for i := range n {
			date := base.Add(-time.Duration(i) * time.Minute).Format(time.RFC1123Z)
			items = append(items, fmt.Sprintf(`<item><title>Entry %d</title><link>http://p.example/e%d</link><guid isPermaLink="false">e%d</guid><pubDate>%s</pubDate><description><![CDATA[<p>%s</p>]]></description></item>`, i, i, i, date, text))
		}
		return rssOf(items...)
	}
	n := 2*store.ChunkSize + store.ChunkSize/2
	// Entries of a third of ChunkBytes each: three to a batch.
	big := strings.Repeat("word ", store.ChunkBytes/3/5-100)
	for _, tc := range []struct {
		name        string
		body        string
		cancelAfter int
		wantSizes   []int
		wantStored  int
	}{
		{"whole pass", feedOf(n, "Story."), 0, []int{store.ChunkSize, store.ChunkSize, store.ChunkSize / 2}, n},
		{"cancelled after the first batch", feedOf(n, "Story."), 1, []int{store.ChunkSize}, store.ChunkSize},
		{"large entries", feedOf(10, big), 0, []int{3, 3, 3, 1}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := MustIngestEnv(t, fetch.Options{})
			env.site.handle("/feed", serveBody(tc.body))
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			cs := &chunkStore{Store: env.store, cancelAfter: tc.cancelAfter}
			if tc.cancelAfter > 0 {
				cs.cancel = cancel
			}
			in := ingest.New(cs, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), Now: env.clock.Now})
			sum := in.Run(ctx, env.source("p", "/feed"), true)
			if !slices.Equal(cs.sizes, tc.wantSizes) {
				t.Errorf("batch sizes %v, want %v", cs.sizes, tc.wantSizes)
			}
			if got := env.articleCount(t, "p"); got != tc.wantStored {
				t.Errorf("stored %d, want %d", got, tc.wantStored)
			}
			if tc.cancelAfter > 0 && (sum.Status != ingest.StatusFailed || !errors.Is(sum.Err, context.Canceled)) {
				t.Errorf("cancelled pass: %s", sum)
			}
			if tc.cancelAfter == 0 && (sum.Status != ingest.StatusOK || sum.New != tc.wantStored) {
				t.Errorf("pass: %s", sum)
			}
		})
	}
}

// Undated entries are dated from the pass's clock to the millisecond:
// two replicas (two Ingesters, which do not share the range one process
// keeps apart, see TestIngester_UndatedPassesAtOneInstant) ingesting
// within one second do not date theirs alike (a site feed would show
// both at one atom:updated).
func TestIngester_UndatedAcrossReplicasInOneSecond(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	env.site.handle("/a", serveBody(rssOf(rssItem("a1", "A one", ""))))
	env.site.handle("/b", serveBody(rssOf(rssItem("b1", "B one", ""))))
	ctx := t.Context()
	if sum := env.in.Run(ctx, env.source("a", "/a"), true); sum.New != 1 {
		t.Fatalf("a: %s", sum)
	}
	env.clock.Add(300 * time.Millisecond)
	replica := ingest.New(env.store, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), Now: env.clock.Now})
	if sum := replica.Run(ctx, env.source("b", "/b"), true); sum.New != 1 {
		t.Fatalf("b: %s", sum)
	}
	dates := map[string]time.Time{}
	for _, id := range []string{"a", "b"} {
		page, err := env.store.Articles(ctx, store.SourceFeed(id), 0, 10)
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("%s: %v, %d articles", id, err, len(page.Items))
		}
		dates[id] = page.Items[0].Published
	}
	if !dates["a"].Before(dates["b"]) {
		t.Errorf("undated entries dated %v (a) and %v (b): want b's later, within the same second", dates["a"], dates["b"])
	}
}

// A repeated entry's skip says why it is the same: its id or link, or,
// with neither, its title and content (the podcast feed that lists one
// episode twice with only an enclosure was told "same id or link").
func TestIngester_RepeatedEntryReason(t *testing.T) {
	bare := `<item><title>Episode</title><enclosure url="http://p.example/e.mp3" type="audio/mpeg" length="1"/></item>`
	for _, tc := range []struct {
		name, items, reason string
	}{
		{"same guid", rssItem("a", "A", "") + rssItem("a", "A again", ""), "the same entry as position 0 (same id or link)"},
		{"same link", `<item><title>A</title><link>http://p.example/x</link></item><item><title>A</title><link>http://p.example/x</link></item>`,
			"the same entry as position 0 (same id or link)"},
		{"neither", bare + bare, "the same entry as position 0 (no id or link, the same title and content)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := MustIngestEnv(t, fetch.Options{})
			logs := &syncBuffer{}
			in := ingest.New(env.store, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), Now: env.clock.Now,
				Logger: slog.New(slog.NewTextHandler(logs, nil))})
			env.site.handle("/feed", serveBody(rssOf(tc.items)))
			if sum := in.Run(t.Context(), env.source("p", "/feed"), true); sum.New != 1 || sum.Skipped != 1 {
				t.Fatalf("pass: %s", sum)
			}
			if want := `position=1 reason="` + tc.reason + `: the first is kept"`; !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %s:\n%s", want, logs.String())
			}
		})
	}
}

// Passes that run at once (one ingest's workers, one clock reading) do
// not date their undated entries alike: each takes the milliseconds past
// the previous one's, so no two entries share a
// date in the site feed (one atom:updated for two, a validator warning).
func TestIngester_UndatedPassesAtOneInstant(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	env.site.handle("/a", serveBody(rssOf(rssItem("a1", "A one", ""), rssItem("a2", "A two", ""))))
	env.site.handle("/b", serveBody(rssOf(rssItem("b1", "B one", ""), rssItem("b2", "B two", ""))))
	env.site.handle("/c", serveBody(rssOf(rssItem("c1", "C one", "Tue, 24 Nov 2026 09:00:00 +0000"))))
	ctx := t.Context()
	for _, id := range []string{"a", "b", "c"} {
		if sum := env.in.Run(ctx, env.source(id, "/"+id), true); sum.New == 0 {
			t.Fatalf("%s: %s", id, sum)
		}
	}
	seen := map[time.Time]string{}
	for _, id := range []string{"a", "b"} {
		page, err := env.store.Articles(ctx, store.SourceFeed(id), 0, 10)
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("%s: %v, %d articles", id, err, len(page.Items))
		}
		for _, v := range page.Items {
			if other, dup := seen[v.Published]; dup {
				t.Errorf("%s and %s both dated %v", other, v.Title, v.Published)
			}
			seen[v.Published] = v.Title
		}
	}
	page, err := env.store.Articles(ctx, store.SourceFeed("c"), 0, 10)
	if err != nil || len(page.Items) != 1 || !page.Items[0].Published.Equal(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("a dated entry keeps its date: %v %+v", err, page.Items)
	}
}
