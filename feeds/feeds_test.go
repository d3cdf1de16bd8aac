package feeds_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"syndicate"
	"syndicate/feeds"
	"syndicate/store"
	"syndicate/store/embedded"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var (
	t0      = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	created = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	base    = "https://feeds.example.com"
)

var sources = []syndicate.Source{
	{ID: "westernjournal", Name: "The Western Journal", URL: "https://www.westernjournal.example/feed/", SiteURL: "https://www.westernjournal.example/",
		Enabled: true, Managed: syndicate.ManagedConfig},
	{ID: "att", Name: `AT&T <News>`, URL: "file:/srv/partners/att.xml", SiteURL: "https://att.example/?a=1&b=2",
		Attribution: `Originally on <a href="{{.CanonicalURL}}">{{.SourceName}}</a> by {{.Author}}.`, Enabled: true, Managed: syndicate.ManagedConfig},
}

func entry(src string, n int, published time.Time, mod func(*syndicate.Article)) *store.Entry {
	a := &syndicate.Article{
		GUID:         "https://www." + src + ".example/?p=" + itoa(n),
		EntryID:      "https://www." + src + ".example/?p=" + itoa(n),
		CanonicalURL: "https://www." + src + ".example/2026/11/story-" + itoa(n) + "/",
		Title:        "Story " + itoa(n) + " from " + src,
		Summary:      "Summary of story " + itoa(n) + ".",
		Content:      "<p>Body of story " + itoa(n) + " with <a href=\"https://www." + src + ".example/more\">a link</a>.</p>",
		Authors:      []syndicate.Author{{Name: "Jane Roe", Email: "jane@" + src + ".example"}},
		Categories:   []string{"Politics", "Économie"},
		Published:    published,
		Updated:      published,
	}
	if mod != nil {
		mod(a)
	}
	a.Hash = a.ContentHash()
	return &store.Entry{Key: a.GUID, Article: a}
}

func itoa(n int) string { return fmt.Sprintf("%02d", n) }

func srcRef(id string) syndicate.SourceRef {
	for _, s := range sources {
		if s.ID == id {
			return s.Ref()
		}
	}
	panic(id)
}

// fixture is a populated embedded store and a feed server over it.
type fixture struct {
	st   *embedded.Store
	srv  *feeds.Server
	http *httptest.Server
	aid  string // the article with comments
}

func newFixture(t testing.TB, populate bool) *fixture {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{Now: func() time.Time { return created }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st}
	if populate {
		ctx := t.Context()
		_, err := st.ApplyIngest(ctx, &store.Batch{Source: srcRef("westernjournal"), Now: t0, Entries: []*store.Entry{
			entry("westernjournal", 1, t0, func(a *syndicate.Article) {
				a.Enclosures = []syndicate.Enclosure{{URL: "https://cdn.westernjournal.example/ep1.mp3", Type: "audio/mpeg", Length: 123456}}
				a.Authors = append(a.Authors, syndicate.Author{Name: "John Doe", URL: "https://www.westernjournal.example/author/jd"})
				a.Rights = "© 2026 The Western Journal"
			}),
			entry("westernjournal", 2, t0.Add(time.Hour), func(a *syndicate.Article) {
				a.Updated = t0.Add(3 * time.Hour)
				a.Title = `Quotes "and" <angles> & ampersands`
			}),
			entry("westernjournal", 3, t0.Add(2*time.Hour), func(a *syndicate.Article) {
				a.GUID, a.EntryID = "42", "https://www.westernjournal.example/2026/11/story-03/"
				a.Content = ""
			}),
		}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.ApplyIngest(ctx, &store.Batch{Source: srcRef("att"), Now: t0, Entries: []*store.Entry{
			entry("att", 1, t0.Add(30*time.Minute), func(a *syndicate.Article) { a.Categories = []string{"Business"} }),
			// att also republishes one of westernjournal's: one article, two carriers.
			entry("att", 2, t0.Add(4*time.Hour), func(a *syndicate.Article) {
				a.CanonicalURL = "https://www.westernjournal.example/2026/11/story-02/"
			}),
		}})
		if err != nil {
			t.Fatal(err)
		}
		f.aid = syndicate.MintArticleID("westernjournal", "https://www.westernjournal.example/?p=01")
		_, _, err = st.AddPartnerComments(ctx, f.aid, []*syndicate.Comment{
			{GUID: "https://www.westernjournal.example/?p=01#comment-1", EntryID: "https://www.westernjournal.example/?p=01#comment-1",
				Author: syndicate.Author{Name: "Ann Reader", Email: "ann@example.com"}, URL: "https://www.westernjournal.example/2026/11/story-01/#comment-1",
				Content: "<p>First!</p>", Published: t0.Add(10 * time.Minute)},
			{GUID: "c-2", ParentGUID: "https://www.westernjournal.example/?p=01#comment-1", Author: syndicate.Author{Name: "Bob Replier"},
				Content: "<p>A reply to Ann.</p>", Published: t0.Add(20 * time.Minute)},
			{GUID: "c-3", ParentGUID: "c-2", Author: syndicate.Author{Name: "Cy"}, Content: "<p>Reply to a reply.</p>", Published: t0.Add(30 * time.Minute)},
		})
		if err != nil {
			t.Fatal(err)
		}
		// Reader comments next to the partner's: an approved reply to Ann
		// (published) and a pending one (not).
		ann := store.PartnerCommentID(f.aid, "https://www.westernjournal.example/?p=01#comment-1")
		for _, c := range []*syndicate.Comment{
			{ID: "clocalreply0000000001", ArticleID: f.aid, ParentID: ann, Author: syndicate.Author{Name: "Dee Local", Email: "dee@example.com", URL: "https://dee.example/"},
				Content: "<p>Replying here, on the republished copy.</p>", Published: t0.Add(40 * time.Minute), Status: syndicate.StatusApproved, IP: "192.0.2.1"},
			{ID: "clocalpending00000002", ArticleID: f.aid, Author: syndicate.Author{Name: "Pending Pete", Email: "pete@example.com"},
				Content: "<p>Not yet approved.</p>", Published: t0.Add(50 * time.Minute), Status: syndicate.StatusPending},
		} {
			if _, _, err := st.AddComment(ctx, c, 5); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.srv = feeds.NewServer(feeds.Options{
		Renderer:    feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News", Description: "Partner articles", Language: "en"}, nil),
		Store:       st,
		CacheMaxAge: 300 * time.Second,
	})
	f.srv.SetSources(sources)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f.srv.Start(ctx)
	mux := http.NewServeMux()
	f.srv.Routes(mux)
	f.http = httptest.NewServer(mux)
	t.Cleanup(f.http.Close)
	return f
}

func (f *fixture) get(t *testing.T, path string, hdr ...string) *http.Response {
	t.Helper()
	return f.do(t, http.MethodGet, path, hdr...)
}

func (f *fixture) do(t *testing.T, method, path string, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, f.http.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1]) // a name twice: two header lines
	}
	// Ask for identity explicitly: the transport would otherwise add gzip.
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func goldenCases(aid string) []struct{ name, path string } {
	var out []struct{ name, path string }
	for _, ext := range []string{"rss", "atom", "json"} {
		out = append(out,
			struct{ name, path string }{"site." + ext, "/feed." + ext},
			struct{ name, path string }{"source-att." + ext, "/sources/att/feed." + ext},
			struct{ name, path string }{"category-economie." + ext, "/categories/economie/feed." + ext},
			struct{ name, path string }{"paged-2." + ext, "/feed." + ext + "?limit=2&page=2&utm_source=ignored"},
			struct{ name, path string }{"comments-article." + ext, "/articles/" + aid + "/comments." + ext},
			struct{ name, path string }{"comments-all." + ext, "/comments." + ext},
		)
	}
	return out
}

// TestGolden renders every kind of feed from fixed data and compares the
// bytes with testdata/golden (go test ./feeds -update rewrites them).
func TestGolden(t *testing.T) {
	f := newFixture(t, true)
	empty := newFixture(t, false)
	cases := goldenCases(f.aid)
	for _, ext := range []string{"rss", "atom", "json"} {
		cases = append(cases, struct{ name, path string }{"empty." + ext, "/feed." + ext})
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := f
			if strings.HasPrefix(tc.name, "empty.") {
				fx = empty
			}
			resp := fx.get(t, tc.path)
			got := body(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d: %s", tc.path, resp.StatusCode, got)
			}
			// Article ids are minted from fixed inputs; keep files stable.
			path := filepath.Join("testdata", "golden", tc.name)
			seen[path] = true
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./feeds -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("GET %s differs from %s (go test ./feeds -update rewrites it)\n--- got ---\n%s", tc.path, path, got)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if len(files) == 0 {
		t.Fatal("no golden files found")
	}
	for _, p := range files {
		if !seen[p] {
			t.Errorf("stale golden file %s: no test renders it", p)
		}
	}
}

// TestGolden_Parse parses every golden file with gofeed and checks the
// fields readers rely on: the in-repo guard for validity (CI has no W3C
// validator).
func TestGolden_Parse(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if len(files) == 0 {
		t.Fatal("no golden files found")
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.ContainsAny(data, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f") {
				t.Error("XML-invalid control character in output")
			}
			feed, err := gofeed.NewParser().Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("gofeed cannot parse it: %v", err)
			}
			if feed.Title == "" {
				t.Error("feed has no title")
			}
			if strings.HasPrefix(filepath.Base(p), "empty.") {
				if len(feed.Items) != 0 {
					t.Errorf("empty feed has %d items", len(feed.Items))
				}
				if strings.HasSuffix(p, ".json") && !bytes.Contains(data, []byte(`"items": []`)) {
					t.Error(`empty JSON Feed lacks "items": []`)
				}
				return
			}
			if len(feed.Items) == 0 {
				t.Fatal("no items")
			}
			for i, it := range feed.Items {
				if it.Title == "" || it.Link == "" || it.GUID == "" {
					t.Errorf("item %d: title=%q link=%q guid=%q", i, it.Title, it.Link, it.GUID)
				}
				if it.PublishedParsed == nil {
					t.Errorf("item %d %q: no parseable published date", i, it.Title)
				}
				if len(it.Authors) == 0 || it.Authors[0].Name == "" {
					t.Errorf("item %d %q: no author", i, it.Title)
				}
				if strings.Contains(it.Content+it.Description, "@") && strings.Contains(it.Content+it.Description, "example.com") {
					t.Errorf("item %d: an e-mail address was published", i)
				}
			}
		})
	}
}

// TestArticleFeed_RoundTrip reads our feeds back with gofeed and checks
// the attribution each format must carry.
func TestArticleFeed_RoundTrip(t *testing.T) {
	f := newFixture(t, true)
	for _, ext := range []string{"rss", "atom", "json"} {
		t.Run(ext, func(t *testing.T) {
			p := gofeed.NewParser()
			p.KeepOriginalFeed = true
			feed, err := p.Parse(bytes.NewReader(body(t, f.get(t, "/feed."+ext))))
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Items) != 4 {
				t.Fatalf("%d items, want 4", len(feed.Items))
			}
			// Newest published first.
			first := feed.Items[0]
			if first.Title != "Story 03 from westernjournal" || first.Link != "https://www.westernjournal.example/2026/11/story-03/" {
				t.Errorf("first item = %q %q", first.Title, first.Link)
			}
			if !first.PublishedParsed.Equal(t0.Add(2 * time.Hour)) {
				t.Errorf("published = %v, want %v", first.PublishedParsed, t0.Add(2*time.Hour))
			}
			if first.Authors[0].Name != "Jane Roe" {
				t.Errorf("author = %+v", first.Authors[0])
			}
			if !strings.Contains(first.Content, `A previous version of this article was published on <a href="https://www.westernjournal.example/2026/11/story-03/">The Western Journal</a>.`) {
				t.Errorf("content lacks the attribution line: %q", first.Content)
			}
			second := feed.Items[1]
			if second.Title != `Quotes "and" <angles> & ampersands` {
				t.Errorf("escaped title came back as %q", second.Title)
			}
			if ext != "rss" && (second.UpdatedParsed == nil || !second.UpdatedParsed.Equal(t0.Add(3*time.Hour))) { // RSS has no updated
				t.Errorf("updated = %v", second.UpdatedParsed)
			}
			att := feed.Items[2]
			if !strings.Contains(att.Content, `Originally on <a href="https://www.att.example/2026/11/story-01/">AT&amp;T &lt;News&gt;</a> by Jane Roe.`) {
				t.Errorf("the att attribution was not escaped as HTML: %q", att.Content)
			}
		})
	}
}

func TestServer_Conditional(t *testing.T) {
	f := newFixture(t, true)
	resp := f.get(t, "/feed.rss")
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	full := body(t, resp)
	if resp.Header.Get("Content-Type") != "application/rss+xml; charset=utf-8" || etag == "" || lm == "" ||
		resp.Header.Get("Cache-Control") != "public, max-age=300" || resp.Header.Get("Vary") != "Accept-Encoding" ||
		resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("headers = %v", resp.Header)
	}
	if lm != t0.Format(http.TimeFormat) {
		t.Errorf("Last-Modified = %s, want the stored time of the last change %s", lm, t0.Format(http.TimeFormat))
	}
	tests := []struct {
		name   string
		method string
		hdr    []string
		status int
	}{
		{"IfNoneMatch", "GET", []string{"If-None-Match", etag}, 304},
		{"IfNoneMatchList", "GET", []string{"If-None-Match", `"x", ` + etag}, 304},
		{"IfNoneMatchWeak", "GET", []string{"If-None-Match", "W/" + etag}, 304},
		{"IfNoneMatchTwoLines", "GET", []string{"If-None-Match", `"x"`, "If-None-Match", etag}, 304},
		{"IfNoneMatchStale", "GET", []string{"If-None-Match", `"stale"`}, 200},
		{"IfNoneMatchWinsOverIMS", "GET", []string{"If-None-Match", `"stale"`, "If-Modified-Since", lm}, 200},
		{"IfModifiedSince", "GET", []string{"If-Modified-Since", lm}, 304},
		{"IfModifiedSinceLater", "GET", []string{"If-Modified-Since", t0.Add(time.Hour).Format(http.TimeFormat)}, 304},
		{"IfModifiedSinceEarlier", "GET", []string{"If-Modified-Since", t0.Add(-time.Hour).Format(http.TimeFormat)}, 200},
		{"Head", "HEAD", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, tt.method, "/feed.rss", tt.hdr...)
			b := body(t, r)
			if r.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", r.StatusCode, tt.status)
			}
			if r.Header.Get("ETag") != etag || r.Header.Get("Last-Modified") != lm || r.Header.Get("Cache-Control") == "" || r.Header.Get("Vary") == "" {
				t.Errorf("validators not repeated: %v", r.Header)
			}
			switch {
			case tt.status == 304 && len(b) != 0:
				t.Errorf("304 with a body")
			case tt.method == "HEAD" && (len(b) != 0 || r.Header.Get("Content-Length") != strconv.Itoa(len(full))):
				t.Errorf("HEAD: body %d bytes, Content-Length %s", len(b), r.Header.Get("Content-Length"))
			case tt.status == 200 && tt.method == "GET" && !bytes.Equal(b, full):
				t.Errorf("body differs")
			}
		})
	}
	t.Run("Gzip", func(t *testing.T) {
		r := f.get(t, "/feed.rss", "Accept-Encoding", "br, gzip;q=0.8")
		if r.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding = %q", r.Header.Get("Content-Encoding"))
		}
		gzTag := r.Header.Get("ETag")
		if gzTag == etag || gzTag == "" {
			t.Errorf("gzip ETag %q must differ from the identity one %q", gzTag, etag)
		}
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if !bytes.Equal(plain, full) {
			t.Error("gzip body does not decode to the full body")
		}
		if r2 := f.get(t, "/feed.rss", "Accept-Encoding", "gzip", "If-None-Match", gzTag); r2.StatusCode != 304 {
			t.Errorf("gzip ETag revalidation = %d", r2.StatusCode)
		}
		if r3 := f.get(t, "/feed.rss", "Accept-Encoding", "gzip;q=0"); r3.Header.Get("Content-Encoding") != "" {
			t.Error("gzip;q=0 still got gzip")
		}
	})
}

// TestServer_CachedWithoutRendering proves an unchanged feed is served from
// the cache, and that an ingest that changes it is seen at once.
func TestServer_CachedWithoutRendering(t *testing.T) {
	f := newFixture(t, true)
	first := body(t, f.get(t, "/feed.atom"))
	n := f.srv.Renders()
	for range 5 {
		f.get(t, "/feed.atom")
		f.get(t, "/feed.atom", "Accept-Encoding", "gzip")
	}
	if got := f.srv.Renders(); got != n {
		t.Fatalf("renders went %d → %d for an unchanged feed", n, got)
	}
	_, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: srcRef("westernjournal"), Now: t0.Add(5 * time.Hour),
		Entries: []*store.Entry{entry("westernjournal", 9, t0.Add(5*time.Hour), nil)}})
	if err != nil {
		t.Fatal(err)
	}
	second := body(t, f.get(t, "/feed.atom"))
	if bytes.Equal(first, second) || !bytes.Contains(second, []byte("Story 09")) {
		t.Fatal("the feed did not change after an ingest changed it")
	}
	if got := f.srv.Renders(); got != n+1 {
		t.Errorf("renders = %d, want %d", got, n+1)
	}
	// A feed the ingest did not touch is not re-rendered.
	body(t, f.get(t, "/sources/att/feed.rss"))
	n = f.srv.Renders()
	_, _ = f.st.ApplyIngest(t.Context(), &store.Batch{Source: srcRef("westernjournal"), Now: t0.Add(6 * time.Hour),
		Entries: []*store.Entry{entry("westernjournal", 10, t0.Add(6*time.Hour), func(a *syndicate.Article) { a.Categories = nil })}})
	body(t, f.get(t, "/sources/att/feed.rss"))
	if got := f.srv.Renders(); got != n {
		t.Errorf("an unrelated ingest re-rendered the att feed (%d → %d)", n, got)
	}
}

func TestServer_Errors(t *testing.T) {
	f := newFixture(t, true)
	tests := []struct {
		name, path string
		status     int
		says       string
	}{
		{"UnknownSource", "/sources/nobody/feed.rss", 404, "unknown source"},
		{"UnknownCategory", "/categories/nothing/feed.rss", 404, "unknown category"},
		{"UnknownArticle", "/articles/nope", 404, "unknown article"},
		{"UnknownArticleComments", "/articles/nope/comments.rss", 404, "not found"},
		{"BadFormat", "/sources/att/feed.xml", 404, "feed.rss"},
		{"BadLimit", "/feed.rss?limit=0", 400, "limit"},
		{"LimitTooBig", "/feed.rss?limit=101", 400, "limit"},
		{"BadPage", "/feed.rss?page=x", 400, "page"},
		{"PagePastEnd", "/feed.rss?page=3", 404, "past the end"},
		{"EmptyFirstPage", "/categories/business/feed.json?page=1", 200, "Business"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.get(t, tt.path)
			b := body(t, r)
			if r.StatusCode != tt.status || !strings.Contains(string(b), tt.says) {
				t.Errorf("GET %s = %d %q, want %d mentioning %q", tt.path, r.StatusCode, b, tt.status, tt.says)
			}
		})
	}
}

func TestServer_Article(t *testing.T) {
	f := newFixture(t, true)
	r := f.get(t, "/articles/"+f.aid)
	b := string(body(t, r))
	if r.StatusCode != 200 {
		t.Fatalf("status %d: %s", r.StatusCode, b)
	}
	for _, want := range []string{`"_syndication"`, `"article_id": "` + f.aid + `"`, `"source_id": "westernjournal"`, `"comment_count": 4`,
		`"canonical_url": "https://www.westernjournal.example/2026/11/story-01/"`, `"external_url"`} {
		if !strings.Contains(b, want) {
			t.Errorf("article JSON lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(b, "@westernjournal.example") {
		t.Errorf("an author e-mail was published:\n%s", b)
	}
	etag := r.Header.Get("ETag")
	if r2 := f.get(t, "/articles/"+f.aid, "If-None-Match", etag); etag == "" || r2.StatusCode != 304 {
		t.Errorf("revalidation = %d (ETag %q)", r2.StatusCode, etag)
	}
	// A new comment changes the body and its ETag.
	if _, _, err := f.st.AddPartnerComments(t.Context(), f.aid, []*syndicate.Comment{{GUID: "late", Author: syndicate.Author{Name: "Late"}, Content: "x", Published: t0}}); err != nil {
		t.Fatal(err)
	}
	r3 := f.get(t, "/articles/"+f.aid, "If-None-Match", etag)
	if b3 := string(body(t, r3)); r3.StatusCode != 200 || !strings.Contains(b3, `"comment_count": 5`) {
		t.Errorf("after a new comment = %d %s", r3.StatusCode, b3)
	}
}

// TestServer_CacheBound: the rendered-feed cache stays under its byte
// bound, dropping the least recently used documents.
func TestServer_CacheBound(t *testing.T) {
	f := newFixture(t, true)
	small := feeds.NewServer(feeds.Options{
		Renderer: feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil), Store: f.st, CacheBytes: 40 << 10,
	})
	small.SetSources(sources)
	mux := http.NewServeMux()
	small.Routes(mux)
	for i := 1; i <= 100; i++ {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/feed.atom?limit=%d", i), nil))
		if rec.Code != 200 {
			t.Fatalf("limit=%d: %d", i, rec.Code)
		}
	}
	if n := small.Cached(); n == 0 || n >= 100 {
		t.Errorf("cache holds %d documents after 100 distinct ones under a 40 KiB bound", n)
	}
}
