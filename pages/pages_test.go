package pages_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"syndicate"
	"syndicate/comments"
	"syndicate/feeds"
	"syndicate/pages"
	"syndicate/sanitize"
	"syndicate/store"
	"syndicate/store/embedded"
	"syndicate/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const base = "http://127.0.0.1:8080"

var t0 = time.Date(2026, 11, 24, 15, 15, 0, 0, time.UTC)

var sources = []syndicate.Source{
	{ID: "harbor", Name: "Harbor <Dispatch> & Co", URL: "https://harbor.example/feed", SiteURL: "https://harbor.example/", Enabled: true},
	{ID: "wire", Name: "The Wire", URL: "https://wire.example/feed", SiteURL: "https://wire.example/", Enabled: true, SEO: syndicate.SEONoIndex},
	{ID: "ledger", Name: "The Ledger", URL: "https://ledger.example/feed", SiteURL: "https://ledger.example/", Enabled: true, SEO: syndicate.SEOSelf},
}

type fixture struct {
	st      *embedded.Store
	pages   *pages.Server
	cache   *feeds.Cache // shared by the feeds and the pages
	mux     *http.ServeMux
	ferry   string // harbor's article, with a threaded conversation
	wire    string
	ledger  string
	csvc    *comments.Service
	nowFunc func() time.Time
}

func entry(src, slug, title string, published time.Time, cats ...string) *store.Entry {
	a := &syndicate.Article{
		GUID: "https://" + src + ".example/news/" + slug, EntryID: "https://" + src + ".example/news/" + slug,
		CanonicalURL: "https://" + src + ".example/news/" + slug, Title: title,
		Summary: "Summary of " + title + ".",
		Content: "<p>First paragraph of the story about " + slug + ".</p>\n<p>Second paragraph.</p>",
		Authors: []syndicate.Author{{Name: "Tobias Reinholt", URL: "https://" + src + ".example/staff/tobias", Email: "t@" + src + ".example"}, {Name: "Mara Eklund"}},
		Image:   "https://" + src + ".example/media/" + slug + ".jpg", Language: "en",
		Categories: cats, Published: published, Updated: published.Add(8 * time.Hour),
	}
	a.Hash = a.ContentHash()
	return &store.Entry{Key: a.GUID, Article: a}
}

func newFixture(t testing.TB, rules pages.CommentRules) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := embedded.Open(t.TempDir(), embedded.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := t0.Add(48 * time.Hour)
	f := &fixture{st: st, nowFunc: func() time.Time { return now }}
	apply := func(src string, entries ...*store.Entry) {
		for _, s := range sources {
			if s.ID == src {
				if _, err := st.ApplyIngest(ctx, &store.Batch{Source: s.Ref(), Entries: entries, Now: t0.Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	ferry := entry("harbor", "ferry", `Winter ferry schedule drops two "Pellan" sailings </script><script>alert(1)</script>`, t0, "Ferries", "Pellan Island")
	apply("harbor", ferry, entry("harbor", "light", "Harbor Light restoration backed", t0.Add(-2*time.Hour), "Ferries"))
	apply("wire", entry("wire", "budget", "Budget passes", t0.Add(-time.Hour)))
	bridge := entry("ledger", "bridge", "Bridge levy approved", t0.Add(-3*time.Hour))
	bridge.Article.Content = `<p><img src="https://ledger.example/media/bridge.jpg" alt="The bridge"></p>` + bridge.Article.Content +
		"\n<h3>Tolls</h3>\n<p>Tolls start in spring.</p>"
	bridge.Article.Hash = bridge.Article.ContentHash()
	apply("ledger", bridge)
	f.ferry = syndicate.MintArticleID("harbor", ferry.Key)
	f.wire = syndicate.MintArticleID("wire", "https://wire.example/news/budget")
	f.ledger = syndicate.MintArticleID("ledger", "https://ledger.example/news/bridge")

	// A partner conversation (newest first, as a partner feed lists it)
	// and readers joining it here.
	_, _, err = st.AddPartnerComments(ctx, f.ferry, []*syndicate.Comment{
		{GUID: "p3", ParentGUID: "p2", Author: syndicate.Author{Name: "Ines Kowal"}, Content: "<p>Third, answering Bo.</p>", Published: t0.Add(3 * time.Hour)},
		{GUID: "p2", ParentGUID: "p1", Author: syndicate.Author{Name: "Bo Lindqvist", URL: "https://bo.example/"}, Content: "<p>Bo replies to Ann.</p>", Published: t0.Add(2 * time.Hour)},
		{GUID: "p1", Author: syndicate.Author{Name: "Ann Pellan", URL: "javascript:alert(1)"}, Content: "<p>Ann starts the thread.</p>", Published: t0.Add(time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	p1 := store.PartnerCommentID(f.ferry, "p1")
	for _, c := range []*syndicate.Comment{
		{ID: "c-reader-1", Author: syndicate.Author{Name: "Reader One", Email: "one@readers.example"}, Content: "<p>A second thread, from a reader here.</p>", Published: t0.Add(4 * time.Hour)},
		{ID: "c-reader-2", ParentID: p1, Author: syndicate.Author{Name: "Reader Two", Email: "two@readers.example", URL: "https://two.example/"}, Content: "<p>A reader answers Ann.</p>", Published: t0.Add(5 * time.Hour)},
		{ID: "c-pending", Author: syndicate.Author{Name: "Waiting", Email: "w@readers.example"}, Content: "<p>Not approved yet.</p>", Published: t0.Add(6 * time.Hour), Status: syndicate.StatusPending},
	} {
		c.ArticleID, c.Origin = f.ferry, syndicate.CommentLocal
		if c.Status == "" {
			c.Status = syndicate.StatusApproved
		}
		if _, _, err := st.AddComment(ctx, c, 5); err != nil {
			t.Fatal(err)
		}
	}

	site := feeds.Site{BaseURL: base, Title: "Example News", Description: "Partner articles, republished with attribution", Language: "en"}
	r := feeds.NewRenderer(site, nil)
	if rules.MaxDepth == 0 {
		rules.MaxDepth = 5
	}
	// One cache for feeds and pages, as `syndicate serve` wires them.
	f.cache = feeds.NewCache(feeds.CacheOptions{States: st.FeedStates, CacheControl: "public, max-age=60"})
	f.pages = pages.New(pages.Options{Renderer: r, Store: st, Comments: rules, PageSize: 2, ThreadsPerPage: 50,
		Cache: f.cache, Now: f.nowFunc})
	f.pages.SetSources(sources)
	fsrv := feeds.NewServer(feeds.Options{Renderer: r, Store: st, Pages: f.pages, Cache: f.cache})
	fsrv.SetSources(sources)
	fsrv.Start(t.Context())
	f.mux = http.NewServeMux()
	fsrv.Routes(f.mux)
	f.pages.Routes(f.mux)
	f.csvc = comments.NewService(comments.Options{Store: st, AutoApprove: "known", MaxLength: 10000, MaxAuthorLength: 100,
		MaxLinks: 3, MaxDepth: rules.MaxDepth, RateLimit: 100, RateWindow: time.Minute, Now: f.nowFunc})
	inner := http.NewServeMux()
	comments.NewHandler(f.csvc, comments.HandlerOptions{BaseURL: base}).Routes(inner)
	f.mux.Handle("POST /articles/{id}/comments", f.pages.CommentForm(inner))
	return f
}

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func (f *fixture) get(t testing.TB, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", base+path, nil)
	req.Header.Set("Accept", browserAccept)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) post(t *testing.T, id string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", base+"/articles/"+id+"/comments", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.RemoteAddr = "198.51.100.7:4000"
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	return rec
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pages -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./pages -update rewrites it):\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true, CloseAfter: 720 * time.Hour, AllowedOrigins: []string{"https://cms.partner.example"}})
	for _, tc := range []struct{ name, path string }{
		{"article.html", "/articles/" + f.ferry},
		{"thread.html", "/articles/" + f.ferry + "/comments"},
		{"front.html", "/"},
		{"front-page2.html", "/?page=2"},
		{"source.html", "/sources/harbor/"},
		{"category.html", "/categories/ferries/"},
		{"article-noindex.html", "/articles/" + f.wire},
		{"reply.html", "/articles/" + f.ferry + "?replytocom=" + store.PartnerCommentID(f.ferry, "p2")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.get(t, tc.path)
			if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("GET %s = %d %s: %s", tc.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			golden(t, tc.name, rec.Body.Bytes())
		})
	}
}

func TestArticle_Negotiation(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	for _, tc := range []struct {
		name, path, accept, wantType string
	}{
		{"Browser", "/articles/" + f.ferry, browserAccept, "text/html"},
		{"JSON", "/articles/" + f.ferry, "application/json", "application/json"},
		{"AnyType", "/articles/" + f.ferry, "*/*", "application/json"},
		{"NoAccept", "/articles/" + f.ferry, "", "application/json"},
		{"JSONPath", "/articles/" + f.ferry + ".json", browserAccept, "application/json"},
		{"HTMLOverJSON", "/articles/" + f.ferry, "application/json;q=0.5, text/html", "text/html"},
		{"JSONOverHTML", "/articles/" + f.ferry, "text/html;q=0.5, application/json", "application/json"},
		{"HTMLPath", "/articles/" + f.ferry + ".html", "", "text/html"},
		{"HTMLPathOverAccept", "/articles/" + f.ferry + ".html", "application/json", "text/html"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.get(t, tc.path, "Accept", tc.accept)
			if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.wantType) {
				t.Fatalf("GET %s (Accept %q) = %d %s", tc.path, tc.accept, rec.Code, rec.Header().Get("Content-Type"))
			}
			if !strings.Contains(strings.Join(rec.Header().Values("Vary"), ","), "Accept") {
				t.Errorf("Vary = %q, want Accept", rec.Header().Values("Vary"))
			}
			if tc.wantType == "application/json" {
				var item map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &item); err != nil || item["id"] == nil {
					t.Errorf("JSON item = %v, %s", err, rec.Body)
				}
			}
		})
	}
	if rec := f.get(t, "/articles/nope-aaaaaaaaaaaaaaaa"); rec.Code != 404 {
		t.Errorf("unknown article = %d, want 404", rec.Code)
	}
	if rec := f.get(t, "/articles/nope-aaaaaaaaaaaaaaaa.html"); rec.Code != 404 {
		t.Errorf("unknown article page = %d, want 404", rec.Code)
	}
	// The .html URL is the same document as the negotiated page.
	a, b := f.get(t, "/articles/"+f.ferry, "Accept", browserAccept), f.get(t, "/articles/"+f.ferry+".html")
	if a.Body.String() != b.Body.String() || a.Header().Get("ETag") != b.Header().Get("ETag") {
		t.Error("/articles/{id}.html differs from the page a browser gets at /articles/{id}")
	}
}

var scriptRe = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

// A partner's article whose headings start at <h3> is shown with them
// one below the page's <h1> title: an HTML checker rejects a skipped level.
func TestArticle_HeadingsSkipNoLevel(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	body := f.get(t, "/articles/"+f.ledger+".html").Body.String()
	if !strings.Contains(body, "<h2>Tolls</h2>") || strings.Contains(body, "<h3>Tolls") {
		t.Errorf("the partner's <h3> after the page's <h1> is not shown as <h2>:\n%s", body)
	}
}

// A partner comment's headings sit below the thread's: its <h1> before
// the reply form's <h3> (under the thread's <h2>; on the embeddable page
// an <h2> under its <h1>) skipped a level.
func TestThread_CommentHeadingsBelowTheThreads(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	if _, _, err := f.st.AddPartnerComments(t.Context(), f.wire, []*syndicate.Comment{
		{GUID: "h1", Author: syndicate.Author{Name: "Loud"}, Content: "<h1>Shouting</h1><p>text</p>", Published: t0.Add(time.Hour)},
	}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/articles/" + f.wire + ".html":     "<h3>Shouting</h3>",
		"/articles/" + f.wire + "/comments": "<h2>Shouting</h2>",
	} {
		body := f.get(t, path).Body.String()
		if !strings.Contains(body, want) || strings.Contains(body, "<h1>Shouting") {
			t.Errorf("%s: the comment's <h1> is not shown as %s:\n%s", path, want, body)
		}
	}
}

func TestArticle_SEOAndMetadata(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	for _, tc := range []struct {
		name, id  string
		canonical string // "" = none
		noindex   bool
	}{
		{"Canonical", f.ferry, "https://harbor.example/news/ferry", false},
		{"NoIndex", f.wire, "", true},
		{"Self", f.ledger, base + "/articles/" + f.ledger, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.get(t, "/articles/"+tc.id)
			body := rec.Body.String()
			if got := strings.Contains(body, `<link rel="canonical" href="`+tc.canonical+`">`); tc.canonical != "" && !got {
				t.Errorf("no canonical link to %s", tc.canonical)
			}
			if tc.canonical == "" && strings.Contains(body, `rel="canonical"`) {
				t.Error("a noindex page has a canonical link")
			}
			if got := strings.Contains(body, `<meta name="robots" content="noindex">`); got != tc.noindex {
				t.Errorf("robots noindex meta = %v, want %v", got, tc.noindex)
			}
			if got := rec.Header().Get("X-Robots-Tag") == "noindex"; got != tc.noindex {
				t.Errorf("X-Robots-Tag = %q, want noindex %v", rec.Header().Get("X-Robots-Tag"), tc.noindex)
			}
		})
	}
	// A lead image the content already shows is not shown twice.
	if body := f.get(t, "/articles/"+f.ledger).Body.String(); strings.Contains(body, `<figure class="lead">`) ||
		!strings.Contains(body, `<meta property="og:image" content="https://ledger.example/media/bridge.jpg">`) {
		t.Error("the ledger's lead image is shown twice or not shared")
	}
	body := f.get(t, "/articles/"+f.ferry).Body.String()
	m := scriptRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no JSON-LD")
	}
	if strings.Contains(m[1], "<") {
		t.Errorf("JSON-LD holds a raw '<': %s", m[1])
	}
	var ld map[string]any
	if err := json.Unmarshal([]byte(m[1]), &ld); err != nil {
		t.Fatalf("JSON-LD does not parse: %v", err)
	}
	want := map[string]any{
		"@type": "NewsArticle", "headline": `Winter ferry schedule drops two "Pellan" sailings </script><script>alert(1)</script>`,
		"isBasedOn": "https://harbor.example/news/ferry", "datePublished": "2026-11-24T15:15:00Z", "dateModified": "2026-11-24T23:15:00Z",
	}
	for k, v := range want {
		if ld[k] != v {
			t.Errorf("JSON-LD %s = %v, want %v", k, ld[k], v)
		}
	}
	if pub, _ := ld["publisher"].(map[string]any); pub["name"] != "Example News" {
		t.Errorf("publisher = %v", ld["publisher"])
	}
	if au, _ := ld["author"].([]any); len(au) != 2 {
		t.Errorf("author = %v", ld["author"])
	}
	if img, _ := ld["image"].([]any); len(img) != 1 || img[0] != "https://harbor.example/media/ferry.jpg" {
		t.Errorf("image = %v", ld["image"])
	}
	for _, s := range []string{
		`<meta property="og:title" content="Winter ferry schedule drops two &#34;Pellan&#34; sailings &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;">`,
		`<meta property="og:image" content="https://harbor.example/media/ferry.jpg">`,
		`<link rel="alternate" type="application/atom+xml" title="Comments on: `,
		`href="` + base + `/articles/` + f.ferry + `/comments.rss"`,
		`href="` + base + `/feed.atom"`,
		`<img src="https://harbor.example/media/ferry.jpg" alt="">`,
		`A previous version of this article was published on <a href="https://harbor.example/news/ferry">Harbor &lt;Dispatch&gt; &amp; Co</a>.`,
		`datetime="2026-11-24T16:15:00Z"`, // first_seen: republished here
	} {
		if !strings.Contains(body, s) {
			t.Errorf("article page lacks %s", s)
		}
	}
	if strings.Count(body, "<script") != 1 {
		t.Errorf("the page has %d script elements, want only the JSON-LD", strings.Count(body, "<script"))
	}
	csp := f.get(t, "/articles/"+f.ferry).Header().Get("Content-Security-Policy")
	for _, s := range []string{"default-src 'none'", "style-src 'self'", "img-src https:", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, s) {
			t.Errorf("CSP %q lacks %s", csp, s)
		}
	}
	for _, s := range []string{"script-src", "frame-src", "media-src"} {
		if strings.Contains(csp, s) { // no iframe hosts: no frames; no media element survives sanitizing
			t.Errorf("CSP %q has %s", csp, s)
		}
	}
}

func TestThread(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true, MaxDepth: 1})
	body := f.get(t, "/articles/"+f.ferry).Body.String()
	p1, p2, p3 := store.PartnerCommentID(f.ferry, "p1"), store.PartnerCommentID(f.ferry, "p2"), store.PartnerCommentID(f.ferry, "p3")
	if !strings.Contains(body, "5 thoughts on “Winter ferry") {
		t.Errorf("heading does not count 5 approved comments")
	}
	// Oldest first: Ann's thread (Bo, then Ines flattened at max depth 1,
	// then Reader Two), then Reader One's.
	order := []string{p1, p2, p3, "c-reader-2", "c-reader-1"}
	last := -1
	for _, id := range order {
		i := strings.Index(body, `id="comment-`+id+`"`)
		if i < 0 {
			t.Fatalf("comment %s missing", id)
		}
		if i < last {
			t.Errorf("comment %s out of order", id)
		}
		last = i
	}
	if strings.Contains(body, "c-pending") || strings.Contains(body, "Not approved yet") {
		t.Error("a pending comment is shown")
	}
	for _, s := range []string{
		`<a href="https://bo.example/" rel="nofollow ugc">Bo Lindqvist</a>`,
		`<span class="in-reply-to">replying to <a href="#comment-` + p2 + `">Bo Lindqvist</a></span>`,
		`replytocom=` + p1 + `#respond`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("thread lacks %s", s)
		}
	}
	if strings.Contains(body, "javascript:") {
		t.Error("a javascript: author URL was linked")
	}
	if strings.Contains(body, "replytocom="+p2) {
		t.Error("a comment at the deepest level offers Reply")
	}
	// The embeddable thread may be framed by the site and allowed origins.
	f2 := newFixture(t, pages.CommentRules{Enabled: true, AllowedOrigins: []string{"https://cms.partner.example/"}})
	rec := f2.get(t, "/articles/"+f2.ferry+"/comments")
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' "+base+" https://cms.partner.example") {
		t.Errorf("thread CSP = %q", csp)
	}
	if !strings.Contains(rec.Body.String(), `<meta name="robots" content="noindex">`) {
		t.Error("the embeddable thread may be indexed")
	}
	if rec.Header().Get("X-Frame-Options") != "" || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the embeddable thread sends %v", rec.Header())
	}
}

func TestThread_Paged(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil)
	p := pages.New(pages.Options{Renderer: r, Store: f.st, Comments: pages.CommentRules{Enabled: true}, ThreadsPerPage: 1, Now: f.nowFunc})
	p.SetSources(sources)
	one, err := p.Render(t.Context(), pages.Key{Kind: pages.KindArticle, ID: f.ferry, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	two, err := p.Render(t.Context(), pages.Key{Kind: pages.KindArticle, ID: f.ferry, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(one, []byte(`id="comment-`+store.PartnerCommentID(f.ferry, "p1")+`"`)) || bytes.Contains(one, []byte(`id="comment-c-reader-1"`)) {
		t.Error("page 1 should hold Ann's thread only")
	}
	if !bytes.Contains(two, []byte(`id="comment-c-reader-1"`)) || !bytes.Contains(two, []byte(`rel="prev"`)) {
		t.Error("page 2 should hold Reader One's thread and link back")
	}
	if _, err := p.Render(t.Context(), pages.Key{Kind: pages.KindArticle, ID: f.ferry, Page: 3}); err == nil {
		t.Error("page 3 rendered; want past the end")
	}
}

func TestCache(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	path := "/articles/" + f.ferry
	first := f.get(t, path)
	n := f.pages.Renders()
	again := f.get(t, path)
	if f.pages.Renders() != n || again.Body.String() != first.Body.String() {
		t.Fatal("a second request rendered the page again")
	}
	if rec := f.get(t, path, "If-None-Match", first.Header().Get("ETag")); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match = %d", rec.Code)
	}
	gz := f.get(t, path, "Accept-Encoding", "gzip")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("ETag") == first.Header().Get("ETag") {
		t.Fatalf("gzip response: %v", gz.Header())
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != first.Body.String() {
		t.Error("gzip body differs")
	}
	// A comment approved elsewhere reaches the page through the change stream.
	if _, _, err := f.st.SetCommentStatus(t.Context(), "c-pending", syndicate.StatusApproved); err != nil {
		t.Fatal(err)
	}
	after := f.get(t, path)
	if f.pages.Renders() == n || !strings.Contains(after.Body.String(), "Not approved yet") {
		t.Error("the approved comment did not reach the cached page")
	}
	// Renaming a source re-renders too.
	renamed := append([]syndicate.Source(nil), sources...)
	renamed[0].Name = "Harbor Renamed"
	f.pages.SetSources(renamed)
	if !strings.Contains(f.get(t, path).Body.String(), "Harbor Renamed") {
		t.Error("SetSources did not re-render")
	}
}

func TestCommentForm(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	self := base + "/articles/" + f.ferry
	form := func(kv ...string) url.Values {
		v := url.Values{"redirect": {self}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	t.Run("FieldError", func(t *testing.T) {
		rec := f.post(t, f.ferry, form("author", "Ann <b>", "email", "not-an-address", "url", "https://ann.example/", "body", "My <i>view</i>"))
		body := rec.Body.String()
		if rec.Code != 400 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("status %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		for _, s := range []string{
			`<span class="field-error" id="comment-email-error">Your e-mail &#34;not-an-address&#34; is not an e-mail address</span>`,
			`value="Ann &lt;b&gt;"`, `value="not-an-address"`, `value="https://ann.example/"`, `>My &lt;i&gt;view&lt;/i&gt;</textarea>`,
			`aria-invalid="true" aria-describedby="comment-email-error"`,
		} {
			if !strings.Contains(body, s) {
				t.Errorf("refilled form lacks %s", s)
			}
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Error("a refilled form may be cached")
		}
	})
	t.Run("Pending", func(t *testing.T) {
		rec := f.post(t, f.ferry, form("author", "New Reader", "email", "new@readers.example", "body", "First time here."))
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, self+"?posted=c") || !strings.HasSuffix(loc, "#notice") {
			t.Fatalf("status %d Location %q", rec.Code, loc)
		}
		u, _ := url.Parse(loc)
		page := f.get(t, u.RequestURI())
		if !strings.Contains(page.Body.String(), "awaiting moderation") || page.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("no moderation notice: %s", page.Body)
		}
		if strings.Contains(page.Body.String(), "First time here.") {
			t.Error("a pending comment is shown")
		}
	})
	t.Run("PublishedReply", func(t *testing.T) {
		// Reader One has an approved comment: known commenters are auto-approved.
		p1 := store.PartnerCommentID(f.ferry, "p1")
		rec := f.post(t, f.ferry, form("author", "Reader One", "email", "one@readers.example", "body", "Replying to Ann.", "parent_id", p1))
		loc := rec.Header().Get("Location")
		u, _ := url.Parse(loc)
		cid := u.Query().Get("posted")
		if rec.Code != http.StatusSeeOther || u.Fragment != "comment-"+cid {
			t.Fatalf("status %d Location %q", rec.Code, loc)
		}
		body := f.get(t, u.RequestURI()).Body.String()
		if !strings.Contains(body, "your comment is published") {
			t.Error("no published notice")
		}
		i, j := strings.Index(body, `id="comment-`+p1+`"`), strings.Index(body, `id="comment-`+cid+`"`)
		if i < 0 || j < i || !strings.Contains(body[i:j], `<ol class="children">`) {
			t.Error("the reply is not nested under its parent")
		}
	})
	t.Run("Honeypot", func(t *testing.T) {
		rec := f.post(t, f.ferry, form("author", "Bot", "email", "bot@spam.example", "body", "Buy", "homepage", "https://spam.example/"))
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "meant to catch robots") {
			t.Errorf("honeypot: %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("JSONClientsUntouched", func(t *testing.T) {
		rec := f.post(t, f.ferry, url.Values{"author": {"X"}, "email": {"bad"}, "body": {"b"}})
		if rec.Code != 400 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("a form without our redirect = %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
	})
	t.Run("Embed", func(t *testing.T) {
		v := form("author", "New Reader", "email", "new@readers.example", "body", "From the frame.")
		v.Set("redirect", self+"/comments")
		rec := f.post(t, f.ferry, v)
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, self+"/comments?posted=") {
			t.Errorf("embed post: %d %q", rec.Code, loc)
		}
	})
}

func TestClosed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules pages.CommentRules
		want  string
	}{
		{"Off", pages.CommentRules{Enabled: false}, "Comments are closed on this site."},
		{"Old", pages.CommentRules{Enabled: true, CloseAfter: time.Hour}, "Comments are closed on this article."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.rules)
			body := f.get(t, "/articles/"+f.ferry).Body.String()
			if !strings.Contains(body, tc.want) || strings.Contains(body, "<form") || strings.Contains(body, "replytocom") {
				t.Errorf("closed article page: %s", body)
			}
		})
	}
}

func TestLists(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	for _, tc := range []struct {
		path string
		code int
		has  []string
	}{
		{"/", 200, []string{`href="` + base + `/articles/` + f.ferry + `"`, `rel="next" href="` + base + `/?page=2"`, `href="` + base + `/feeds.opml"`,
			`<link rel="alternate" type="application/rss+xml" title="Example News (RSS)" href="` + base + `/feed.rss">`, `5 comments`}},
		{"/?page=2", 200, []string{`rel="prev" href="` + base + `/"`}},
		{"/?page=3", 404, nil},
		{"/?page=x", 400, []string{"from 1 to 1000000"}},
		{"/?page=1000001", 400, []string{"from 1 to 1000000"}},
		{"/articles/" + f.ferry + "?comments=0", 400, []string{"from 1 to 1000000"}},
		{"/sources/harbor/", 200, []string{`type="application/atom+xml" title="Harbor &lt;Dispatch&gt; &amp; Co — Example News (Atom)" href="` + base + `/sources/harbor/feed.atom"`}},
		{"/sources/nope/", 404, nil},
		{"/categories/ferries/", 200, []string{"<h1>Ferries</h1>", base + "/categories/ferries/feed.json"}},
		{"/categories/nope/", 404, nil},
	} {
		rec := f.get(t, tc.path)
		if rec.Code != tc.code {
			t.Errorf("GET %s = %d, want %d", tc.path, rec.Code, tc.code)
			continue
		}
		for _, s := range tc.has {
			if !strings.Contains(rec.Body.String(), s) {
				t.Errorf("GET %s lacks %s", tc.path, s)
			}
		}
	}
}

func TestPrefersHTML(t *testing.T) {
	for _, tc := range []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", false},
		{"text/html", true},
		{browserAccept, true},
		{"text/html;q=0", false},
		{"text/*", true},
		{"application/feed+json, text/html;q=0.9", false},
		{"TEXT/HTML; q=0.7, application/json; q=0.6", true},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		if got := pages.PrefersHTML(req); got != tc.want {
			t.Errorf("PrefersHTML(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}

// errConnRefused is what a store that cannot be reached returns (an
// EUnavailable, as the Redis store classifies its connection errors).
var errConnRefused = syndicate.Errorf(syndicate.EUnavailable, "connection refused")

// flaky is the store with an outage switch.
type flaky struct {
	pages.Store
	down atomic.Bool
}

func (f *flaky) Article(ctx context.Context, id string) (store.ArticleView, error) {
	if f.down.Load() {
		return store.ArticleView{}, errConnRefused
	}
	return f.Store.Article(ctx, id)
}

func (f *flaky) FeedStates(ctx context.Context, keys []store.FeedKey) (map[store.FeedKey]store.FeedState, error) {
	if f.down.Load() {
		return nil, errConnRefused
	}
	return f.Store.FeedStates(ctx, keys)
}

func (f *flaky) Articles(ctx context.Context, feed store.FeedKey, offset, limit int) (store.Page[store.ArticleView], error) {
	if f.down.Load() {
		return store.Page[store.ArticleView]{}, errConnRefused
	}
	return f.Store.Articles(ctx, feed, offset, limit)
}

// During an outage the last good copy of a page is served; a page never
// rendered is 503.
func TestStaleIfError(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	st := &flaky{Store: f.st}
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil)
	p := pages.New(pages.Options{Renderer: r, Store: st, Comments: pages.CommentRules{Enabled: true}, Now: f.nowFunc})
	p.SetSources(sources)
	mux := http.NewServeMux()
	fsrv := feeds.NewServer(feeds.Options{Renderer: r, Store: f.st, Pages: p})
	fsrv.Routes(mux)
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", base+path, nil)
		req.Header.Set("Accept", browserAccept)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	good := get("/articles/" + f.ferry)
	if good.Code != 200 {
		t.Fatalf("before the outage: %d", good.Code)
	}
	st.down.Store(true)
	p.Invalidate(nil)
	if rec := get("/articles/" + f.ferry); rec.Code != 200 || rec.Body.String() != good.Body.String() {
		t.Errorf("during the outage the cached page = %d", rec.Code)
	}
	if rec := get("/"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("a page never rendered during the outage = %d, want 503", rec.Code)
	}
}

// A cached page whose comments close goes stale at that moment.
func TestCache_ClosesOnTime(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	var now atomic.Int64
	now.Store(t0.Add(2 * time.Hour).Unix())
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil)
	p := pages.New(pages.Options{Renderer: r, Store: f.st, Now: func() time.Time { return time.Unix(now.Load(), 0) },
		Comments: pages.CommentRules{Enabled: true, CloseAfter: 24 * time.Hour}})
	p.SetSources(sources)
	mux := http.NewServeMux()
	feeds.NewServer(feeds.Options{Renderer: r, Store: f.st, Pages: p}).Routes(mux)
	get := func() string {
		req := httptest.NewRequest("GET", base+"/articles/"+f.ferry, nil)
		req.Header.Set("Accept", browserAccept)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	if body := get(); !strings.Contains(body, "<form") {
		t.Fatal("open article without a form")
	}
	now.Store(t0.Add(26 * time.Hour).Unix()) // first_seen (t0+1h) + 24h has passed
	if body := get(); strings.Contains(body, "<form") || !strings.Contains(body, "Comments are closed on this article.") {
		t.Error("the cached page still offers the form after comments closed")
	}
}

// A published comment on a later comment page lands the reader there.
func TestCommentForm_LandsOnItsPage(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil)
	p := pages.New(pages.Options{Renderer: r, Store: f.st, Comments: pages.CommentRules{Enabled: true}, ThreadsPerPage: 1, Now: f.nowFunc})
	p.SetSources(sources)
	inner := http.NewServeMux()
	comments.NewHandler(f.csvc, comments.HandlerOptions{BaseURL: base}).Routes(inner)
	self := base + "/articles/" + f.ferry
	form := url.Values{"redirect": {self}, "author": {"Reader One"}, "email": {"one@readers.example"}, "body": {"A third thread."}}
	req := httptest.NewRequest("POST", self+"/comments", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetPathValue("id", f.ferry)
	rec := httptest.NewRecorder()
	p.CommentForm(inner).ServeHTTP(rec, req)
	loc := rec.Header().Get("Location")
	// Threads oldest first, one a page: Ann's, Reader One's, then this one.
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, self+"?comments=3&posted=c") || !strings.Contains(loc, "#comment-c") {
		t.Errorf("status %d Location %q", rec.Code, loc)
	}
}

// Pages are documents of the feeds' cache: an article page is cached
// next to the article's JSON, and an ingest elsewhere on the site (the
// site feed moves) serves the cached page without rendering it again,
// while a change to the article itself does.
func TestCache_SharedWithFeeds(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	path := "/articles/" + f.ferry
	before := f.cache.Len()
	page := f.get(t, path)
	if json := f.get(t, path, "Accept", "application/json"); !strings.HasPrefix(json.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("JSON = %s", json.Header().Get("Content-Type"))
	}
	f.get(t, "/feed.rss")
	if got := f.cache.Len(); got != before+3 {
		t.Errorf("the cache holds %d documents after a page, its JSON and a feed, want %d", got, before+3)
	}
	n := f.pages.Renders()
	ingest := func(src string, e *store.Entry) {
		t.Helper()
		for _, s := range sources {
			if s.ID == src {
				if _, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: s.Ref(), Entries: []*store.Entry{e}, Now: t0.Add(2 * time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	ingest("wire", entry("wire", "tax", "Tax bill tabled", t0.Add(time.Hour)))
	again := f.get(t, path)
	if f.pages.Renders() != n || again.Body.String() != page.Body.String() || again.Header().Get("ETag") != page.Header().Get("ETag") {
		t.Errorf("another source's article re-rendered the page (%d → %d renders)", n, f.pages.Renders())
	}
	if !strings.Contains(f.get(t, "/").Body.String(), "Tax bill tabled") {
		t.Error("the front page did not show the new article")
	}
	n = f.pages.Renders()
	edited := entry("harbor", "ferry", "Winter ferry schedule restored", t0, "Ferries", "Pellan Island")
	ingest("harbor", edited)
	if got := f.get(t, path); f.pages.Renders() == n || !strings.Contains(got.Body.String(), "Winter ferry schedule restored") {
		t.Error("an edit of the article did not reach its cached page")
	}
}

// A list page names at most FeedListMax sources (and categories) in its
// feed list, however many there are, and links the paged lists for the
// rest: its size does not grow with the site.
func TestLists_FeedListBounded(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	many := slices.Clone(sources)
	for i := range pages.FeedListMax + 5 {
		many = append(many, syndicate.Source{ID: fmt.Sprintf("extra-%02d", i), Name: fmt.Sprintf("Extra %02d", i), URL: "https://extra.example/feed", SiteURL: "https://extra.example/"})
	}
	f.pages.SetSources(many)
	body := f.get(t, "/").Body.String()
	// Each listed source has its page and three feed links.
	if n := strings.Count(body, "/sources/extra-"); n > 4*pages.FeedListMax {
		t.Errorf("the front page links extra sources %d times, want at most %d", n, 4*pages.FeedListMax)
	}
	want := fmt.Sprintf(`<a href="%s/sources/">%d more sources</a>`, base, len(many)-pages.FeedListMax)
	if !strings.Contains(body, want) {
		t.Errorf("front page lacks %s", want)
	}
}

// A list page names at most FeedListMax categories in its feed list and
// links the paged list for the rest, reading one page of categories from
// the store (a category page, its own label), never all of them.
func TestLists_CategoriesBounded(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	var es []*store.Entry
	for i := range pages.FeedListMax + 5 {
		es = append(es, entry("wire", fmt.Sprintf("extra-%02d", i), fmt.Sprintf("Extra story %02d", i), t0.Add(-time.Duration(i+5)*time.Hour), fmt.Sprintf("Extra %02d", i)))
	}
	src := sources[slices.IndexFunc(sources, func(s syndicate.Source) bool { return s.ID == "wire" })]
	if _, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: src.Ref(), Entries: es, Now: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	all, err := f.st.CategoryPage(t.Context(), 0, 1000)
	if err != nil || all.Total != pages.FeedListMax+5+2 { // and Ferries, Pellan Island
		t.Fatalf("categories in use: %d, %v", all.Total, err)
	}
	reads := &storetest.CategoryReads{Store: f.st}
	p := pages.New(pages.Options{Renderer: feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil), Store: reads, PageSize: 2,
		Cache: feeds.NewCache(feeds.CacheOptions{States: f.st.FeedStates}), Now: f.nowFunc})
	p.SetSources(sources)
	for _, k := range []pages.Key{{Kind: pages.KindFront, Page: 1}, {Kind: pages.KindCategory, ID: "extra-03", Page: 1}, {Kind: pages.KindSource, ID: "wire", Page: 2}} {
		body, err := p.Render(t.Context(), k)
		if err != nil {
			t.Fatalf("%+v: %v", k, err)
		}
		b := string(body)
		linked := map[string]bool{}
		for _, m := range regexp.MustCompile(`/categories/([^/"]+)/`).FindAllStringSubmatch(b, -1) {
			linked[m[1]] = true
		}
		if len(linked) != pages.FeedListMax {
			t.Errorf("%+v links %d categories, want %d", k, len(linked), pages.FeedListMax)
		}
		want := fmt.Sprintf(`<a href="%s/categories/">%d more categories</a>`, base, all.Total-pages.FeedListMax)
		if !strings.Contains(b, want) {
			t.Errorf("%+v lacks %s", k, want)
		}
		seen := reads.Take()
		if seen.Whole != 0 {
			t.Errorf("%+v read every category %d times", k, seen.Whole)
		}
		for _, l := range seen.Limits {
			if l > pages.FeedListMax {
				t.Errorf("%+v read a page of %d categories", k, l)
			}
		}
		if k.Kind == pages.KindCategory && (seen.Labels != 1 || !strings.Contains(b, "Extra 03")) {
			t.Errorf("the category page read %d labels (want its own) and shows: %.300s", seen.Labels, b)
		}
	}
	if _, err := p.Render(t.Context(), pages.Key{Kind: pages.KindCategory, ID: "nope", Page: 1}); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("a category not in use = %v, want not found", err)
	}
}

// The pages' CSP allows frames from exactly the hosts the content's
// sanitizing policy keeps iframes of (the renderer's policy).
func TestCSP_FramesFromThePolicysHosts(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	policy := sanitize.New(sanitize.Options{IframeHosts: []string{"www.youtube.com", ".vimeo.com"}})
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, policy)
	p := pages.New(pages.Options{Renderer: r, Store: f.st, Comments: pages.CommentRules{Enabled: true}, Now: f.nowFunc})
	p.SetSources(sources)
	mux := http.NewServeMux()
	p.Routes(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", base+"/articles/"+f.ferry+"/comments", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	if rec.Code != 200 || !strings.Contains(csp, "frame-src https://www.youtube.com https://*.vimeo.com;") {
		t.Errorf("%d, CSP %q: want frames from the policy's iframe hosts", rec.Code, csp)
	}
}
