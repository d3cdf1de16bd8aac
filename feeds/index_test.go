package feeds_test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/feeds"
	"syndicate/store"
	"syndicate/store/storetest"
)

func TestServer_Index(t *testing.T) {
	f := newFixture(t, true)
	r := f.get(t, "/")
	b := string(body(t, r))
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET / = %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	links := regexp.MustCompile(`<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">`).FindAllStringSubmatch(b, -1)
	var hrefs []string
	for _, l := range links {
		hrefs = append(hrefs, l[2])
	}
	for _, want := range []string{
		base + "/feed.rss", base + "/feed.atom", base + "/feed.json", base + "/comments.rss",
		base + "/sources/westernjournal/feed.atom", base + "/sources/att/feed.json",
		base + "/categories/politics/feed.rss", base + "/categories/economie/feed.atom", base + "/categories/business/feed.json",
	} {
		if !slices.Contains(hrefs, want) {
			t.Errorf("no autodiscovery link for %s", want)
		}
	}
	if !strings.Contains(b, `title="AT&amp;T &lt;News&gt; (rss)"`) {
		t.Error("source names are not escaped in the page")
	}
	if r := f.get(t, "/nope"); r.StatusCode != 404 {
		t.Errorf("GET /nope = %d", r.StatusCode)
	}
}

func TestServer_OPML(t *testing.T) {
	f := newFixture(t, true)
	r := f.get(t, "/feeds.opml")
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/x-opml") {
		t.Fatalf("GET /feeds.opml = %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	var doc struct {
		Version string `xml:"version,attr"`
		Title   string `xml:"head>title"`
		Body    []struct {
			Text   string `xml:"text,attr"`
			Type   string `xml:"type,attr"`
			XMLURL string `xml:"xmlUrl,attr"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(body(t, r), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.0" || doc.Title == "" || len(doc.Body) != 2+2+3 {
		t.Fatalf("opml = %+v", doc)
	}
	if doc.Body[0].XMLURL != base+"/feed.rss" || doc.Body[0].Type != "rss" || doc.Body[2].Text != "AT&T <News>" {
		t.Errorf("outlines = %+v", doc.Body)
	}
}

func TestTopicURLs(t *testing.T) {
	got := feeds.TopicURLs(base+"/", []store.FeedKey{store.FeedAll, store.SourceFeed("wj"), store.ArticleCommentsFeed("wj-abc"), "bogus"})
	want := []string{
		base + "/feed.rss", base + "/feed.atom", base + "/feed.json",
		base + "/sources/wj/feed.rss", base + "/sources/wj/feed.atom", base + "/sources/wj/feed.json",
		base + "/articles/wj-abc/comments.rss", base + "/articles/wj-abc/comments.atom", base + "/articles/wj-abc/comments.json",
	}
	if !slices.Equal(got, want) {
		t.Errorf("TopicURLs = %v\nwant %v", got, want)
	}
}

// TestServer_ListsPaged: the index shows the first page of sources, the
// source list is paged, the OPML lists every feed, and each is rendered
// once per change.
func TestServer_ListsPaged(t *testing.T) {
	f := newFixture(t, true)
	var many []syndicate.Source
	for i := range 250 {
		many = append(many, syndicate.Source{ID: fmt.Sprintf("s%03d", i), Name: fmt.Sprintf("Source %03d", i), URL: "file:/x", Enabled: true})
	}
	f.srv.SetSources(many)
	items := regexp.MustCompile(`<li>Source \d+ `)
	tests := []struct {
		path   string
		status int
		items  int
		says   string
	}{
		{"/", 200, 20, `href="` + base + `/sources/">All 250 sources`},
		{"/sources/", 200, 100, `rel="next" href="` + base + `/sources/?page=2"`},
		{"/sources/?page=2", 200, 100, `rel="prev" href="` + base + `/sources/"`},
		{"/sources/?page=3&utm=x", 200, 50, "page 3 of 3"},
		{"/sources/?page=4", 404, 0, "past the end"},
		{"/sources/?page=0", 400, 0, "page"},
		{"/categories/", 200, 0, "Category: Politics"},
	}
	for _, tt := range tests {
		r := f.get(t, tt.path)
		b := string(body(t, r))
		if r.StatusCode != tt.status || len(items.FindAllString(b, -1)) != tt.items || !strings.Contains(b, tt.says) {
			t.Errorf("GET %s = %d with %d items, want %d with %d mentioning %q:\n%.600s", tt.path, r.StatusCode,
				len(items.FindAllString(b, -1)), tt.status, tt.items, tt.says, b)
		}
	}
	opml := string(body(t, f.get(t, "/feeds.opml")))
	if n := strings.Count(opml, "<outline "); n != 2+250+3 {
		t.Errorf("the OPML lists %d feeds, want %d", n, 2+250+3)
	}
	n := f.srv.Renders()
	for _, p := range []string{"/", "/sources/?page=2", "/feeds.opml", "/categories/"} {
		r := f.get(t, p, "Accept-Encoding", "gzip")
		if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s gzip = %d %q", p, r.StatusCode, r.Header.Get("Content-Encoding"))
		}
		if r2 := f.get(t, p, "If-None-Match", r.Header.Get("ETag")); r2.StatusCode != 304 {
			t.Errorf("GET %s revalidation = %d", p, r2.StatusCode)
		}
	}
	if got := f.srv.Renders(); got != n {
		t.Errorf("unchanged lists were rendered again (%d → %d)", n, got)
	}
	// An ingest that adds an article in a known category changes the site
	// feed, not what the lists show: they keep their bytes (and
	// Last-Modified) without being rendered again.
	lm := map[string]string{}
	for _, p := range []string{"/", "/feeds.opml", "/categories/", "/feed.rss"} {
		lm[p] = f.get(t, p).Header.Get("Last-Modified")
	}
	if _, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: srcRef("att"), Now: t0.Add(30 * time.Hour),
		Entries: []*store.Entry{entry("att", 6, t0.Add(30*time.Hour), func(a *syndicate.Article) { a.Categories = []string{"Business"} })}}); err != nil {
		t.Fatal(err)
	}
	for p, was := range lm {
		now := f.get(t, p).Header.Get("Last-Modified")
		if changed := now != was; changed != (p == "/feed.rss") {
			t.Errorf("GET %s: Last-Modified %q → %q after an ingest that left the lists alone", p, was, now)
		}
	}
	// An ingest (new category) changes the index and the category list.
	_, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: srcRef("att"), Now: t0.Add(5 * time.Hour),
		Entries: []*store.Entry{entry("att", 7, t0.Add(5*time.Hour), func(a *syndicate.Article) { a.Categories = []string{"Sports"} })}})
	if err != nil {
		t.Fatal(err)
	}
	if b := string(body(t, f.get(t, "/categories/"))); !strings.Contains(b, "Category: Sports") {
		t.Errorf("the category list did not change after an ingest:\n%s", b)
	}
}

// TestServer_CategoriesPaged: with more categories than a page shows, the
// index shows the first of them with a link to the full list, the list
// is paged (?page=N, 100 a page, past the end 404), and neither they nor
// a category feed read more than one page of categories from the store:
// only the OPML, one document of every feed by design, reads them all.
func TestServer_CategoriesPaged(t *testing.T) {
	f := newFixture(t, true)
	var es []*store.Entry
	for i := range 250 {
		es = append(es, entry("att", 100+i, t0.Add(time.Duration(i)*time.Minute), func(a *syndicate.Article) {
			a.Categories = []string{fmt.Sprintf("Topic %03d", i)}
		}))
	}
	for from := 0; from < len(es); from += 100 {
		if _, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: srcRef("att"), Now: t0, Entries: es[from:min(from+100, len(es))]}); err != nil {
			t.Fatal(err)
		}
	}
	reads := &storetest.CategoryReads{Store: f.st}
	srv := feeds.NewServer(feeds.Options{Renderer: feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil), Store: reads})
	srv.SetSources(sources)
	mux := http.NewServeMux()
	srv.Routes(mux)
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	const total = 250 + 3 // and the fixture's Business, Politics, Économie
	items := regexp.MustCompile(`<li>Category: `)
	tests := []struct {
		path   string
		status int
		items  int
		says   []string
	}{
		{"/", 200, 20, []string{`href="` + base + `/categories/">All 253 categories`, "Category: Business", "Category: Topic 016"}},
		{"/categories/", 200, 100, []string{`rel="next" href="` + base + `/categories/?page=2"`, "page 1 of 3", "Category: Business", "Category: Économie", "Category: Topic 096"}},
		{"/categories/?page=2", 200, 100, []string{`rel="prev" href="` + base + `/categories/"`, "Category: Topic 097", "Category: Topic 196"}},
		{"/categories/?page=3&utm=x", 200, 53, []string{"page 3 of 3", "Category: Topic 197", "Category: Topic 249", `rel="prev" href="` + base + `/categories/?page=2"`}},
		{"/categories/?page=4", 404, 0, []string{"past the end"}},
		{"/categories/?page=99999999999999999", 404, 0, []string{"past the end"}},
		{"/categories/topic-123/feed.rss", 200, 0, []string{"<title>Topic 123 — Example News</title>"}},
		{"/categories/nope/feed.rss", 404, 0, nil},
	}
	for _, tt := range tests {
		code, b := get(tt.path)
		n := len(items.FindAllString(b, -1))
		if code != tt.status || n != tt.items {
			t.Errorf("GET %s = %d with %d categories, want %d with %d:\n%.600s", tt.path, code, n, tt.status, tt.items, b)
		}
		for _, want := range tt.says {
			if !strings.Contains(b, want) {
				t.Errorf("GET %s does not say %q", tt.path, want)
			}
		}
		seen := reads.Take()
		whole, limits := seen.Whole, seen.Limits
		if whole != 0 {
			t.Errorf("GET %s read every category %d times", tt.path, whole)
		}
		for _, l := range limits {
			if l > 100 {
				t.Errorf("GET %s read a page of %d categories", tt.path, l)
			}
		}
	}
	// By slug: business, economie, politics, topic-000, …
	_, page1 := get("/categories/")
	order := regexp.MustCompile(`<li>Category: ([^<]+?) <`).FindAllStringSubmatch(page1, 5)
	var got []string
	for _, m := range order {
		got = append(got, m[1])
	}
	if want := []string{"Business", "Économie", "Politics", "Topic 000", "Topic 001"}; !slices.Equal(got, want) {
		t.Errorf("page 1 begins %v, want %v", got, want)
	}
	reads.Take()
	if code, b := get("/feeds.opml"); code != 200 || strings.Count(b, `text="Category: `) != total {
		t.Errorf("GET /feeds.opml = %d with %d categories, want %d", code, strings.Count(b, `text="Category: `), total)
	}
	if whole := reads.Take().Whole; whole != 1 {
		t.Errorf("the OPML read the whole list %d times, want once", whole)
	}
}
