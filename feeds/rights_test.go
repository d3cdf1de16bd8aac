package feeds_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"syndicate"
	"syndicate/feeds"
	"syndicate/store"
	"syndicate/store/embedded"
)

// rightsSources are three sources, one per redistribute level.
var rightsSources = []syndicate.Source{
	{ID: "open", Name: "Open Wire", URL: "https://www.open.example/feed", SiteURL: "https://www.open.example/", Enabled: true,
		Rights: "© 2026 Open Wire, some rights reserved", License: "https://creativecommons.org/licenses/by/4.0/"},
	{ID: "teaser", Name: "Teaser Times", URL: "https://www.teaser.example/feed", SiteURL: "https://www.teaser.example/", Enabled: true,
		Rights: "© 2026 Teaser Times", License: "https://www.teaser.example/terms", Redistribute: syndicate.RedistributeExcerpt},
	{ID: "private", Name: "Private Post", URL: "https://www.private.example/feed", SiteURL: "https://www.private.example/", Enabled: true,
		Rights: "© 2026 Private Post", Redistribute: syndicate.RedistributeNone},
}

// rightsStore stores two articles of each rights source; their content
// holds a BODY-<source> marker that must only appear where allowed.
func rightsStore(t testing.TB, st interface {
	ApplyIngest(context.Context, *store.Batch) (*store.Result, error)
}) {
	t.Helper()
	for i, src := range rightsSources {
		var entries []*store.Entry
		for n := 1; n <= 2; n++ {
			entries = append(entries, entry(src.ID, n, t0.Add(time.Duration(i*2+n)*time.Hour), func(a *syndicate.Article) {
				a.Content = "<p>Lead of story " + itoa(n) + ", then BODY-" + src.ID + ".</p>"
				a.Categories = []string{"Politics"}
				if n == 2 {
					a.Summary = "" // an excerpt is then made from the content's start
					a.Content = "<p>Lead" + strings.Repeat(" <b>word</b>", 80) + "</p><p>BODY-" + src.ID + "</p>"
				}
			}))
		}
		if _, err := st.ApplyIngest(t.Context(), &store.Batch{Source: src.Ref(), Now: t0, Entries: entries}); err != nil {
			t.Fatal(err)
		}
	}
}

func newRightsServer(t testing.TB) (*httptest.Server, *embedded.Store) {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{Now: func() time.Time { return created }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rightsStore(t, st)
	srv := feeds.NewServer(feeds.Options{
		Renderer: feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News", Description: "Partner articles", Language: "en"}, nil),
		Store:    st, CacheMaxAge: 300 * time.Second,
	})
	srv.SetSources(rightsSources)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv.Start(ctx)
	mux := http.NewServeMux()
	srv.Routes(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs, st
}

func getURL(t *testing.T, url string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, body(t, resp)
}

// TestRights_Golden pins the site feed with a rights notice and licence
// on every entry, full and excerpt entries side by side (the files pass
// the W3C validator; see README, "Rights").
func TestRights_Golden(t *testing.T) {
	hs, _ := newRightsServer(t)
	for _, ext := range []string{"rss", "atom", "json"} {
		t.Run(ext, func(t *testing.T) {
			code, got := getURL(t, hs.URL+"/feed."+ext)
			if code != http.StatusOK {
				t.Fatalf("GET /feed.%s = %d: %s", ext, code, got)
			}
			path := filepath.Join("testdata", "rights", "site."+ext)
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
				t.Errorf("GET /feed.%s differs from %s (go test ./feeds -update rewrites it)\n--- got ---\n%s", ext, path, got)
			}
		})
	}
}

// TestRights_EveryFormat reads the feeds back and checks each entry's
// rights, licence and content against its source's level.
func TestRights_EveryFormat(t *testing.T) {
	hs, _ := newRightsServer(t)
	for _, ext := range []string{"rss", "atom", "json"} {
		t.Run(ext, func(t *testing.T) {
			_, data := getURL(t, hs.URL+"/feed."+ext)
			feed, err := gofeed.NewParser().Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Items) != 4 {
				t.Fatalf("%d items, want 4 (the none source's 2 left out)", len(feed.Items))
			}
			for _, it := range feed.Items {
				all := it.Content + it.Description
				switch {
				case strings.Contains(it.Title, "open"):
					if !strings.Contains(it.Content, "BODY-open") {
						t.Errorf("%q: full source without its content: %q", it.Title, it.Content)
					}
				case strings.Contains(it.Title, "teaser"):
					if it.Content != "" && ext != "json" || strings.Contains(it.Content, "<") {
						t.Errorf("%q: excerpt source has content %q", it.Title, it.Content)
					}
					if !strings.Contains(all, "www.teaser.example/2026/11/") {
						t.Errorf("%q: excerpt lacks the attribution link: %q", it.Title, all)
					}
				default:
					t.Errorf("unexpected item %q", it.Title)
				}
			}
			switch ext {
			case "rss":
				for _, want := range []string{"<dc:rights>© 2026 Teaser Times</dc:rights>", `<atom:link href="https://creativecommons.org/licenses/by/4.0/" rel="license"></atom:link>`} {
					if !bytes.Contains(data, []byte(want)) {
						t.Errorf("RSS lacks %s", want)
					}
				}
				if bytes.Count(data, []byte("<content:encoded>")) != 2 {
					t.Errorf("RSS has %d content:encoded, want 2 (the full source's)", bytes.Count(data, []byte("<content:encoded>")))
				}
			case "atom":
				for _, want := range []string{"<rights>© 2026 Open Wire, some rights reserved</rights>", `<link href="https://www.teaser.example/terms" rel="license"></link>`} {
					if !bytes.Contains(data, []byte(want)) {
						t.Errorf("Atom lacks %s", want)
					}
				}
				if bytes.Count(data, []byte("<content ")) != 2 {
					t.Errorf("Atom has %d content, want 2", bytes.Count(data, []byte("<content ")))
				}
			case "json":
				var doc struct {
					Items []struct {
						Title       string `json:"title"`
						ContentHTML string `json:"content_html"`
						ContentText string `json:"content_text"`
						Summary     string `json:"summary"`
						Syn         struct {
							Rights  string `json:"rights"`
							License string `json:"license"`
						} `json:"_syndication"`
					} `json:"items"`
				}
				if err := json.Unmarshal(data, &doc); err != nil {
					t.Fatal(err)
				}
				for _, it := range doc.Items {
					if it.Syn.Rights == "" || it.Syn.License == "" {
						t.Errorf("%q: _syndication rights=%q license=%q", it.Title, it.Syn.Rights, it.Syn.License)
					}
					if strings.Contains(it.Title, "teaser") && (it.ContentHTML != "" || it.Summary == "" || it.ContentText == "") {
						t.Errorf("%q: excerpt item content_html=%q summary=%q content_text=%q", it.Title, it.ContentHTML, it.Summary, it.ContentText)
					}
				}
			}
		})
	}
}

// TestRights_NoLeak walks every public route: an excerpt source's
// content and a none source's articles appear in none of them.
func TestRights_NoLeak(t *testing.T) {
	hs, _ := newRightsServer(t)
	teaser := syndicate.MintArticleID("teaser", "https://www.teaser.example/?p=01")
	private := syndicate.MintArticleID("private", "https://www.private.example/?p=01")
	var routes []string
	for _, ext := range []string{"rss", "atom", "json"} {
		routes = append(routes, "/feed."+ext, "/feed."+ext+"?limit=1&page=2", "/sources/teaser/feed."+ext, "/sources/open/feed."+ext,
			"/categories/politics/feed."+ext, "/comments."+ext, "/articles/"+teaser+"/comments."+ext)
	}
	routes = append(routes, "/articles/"+teaser+".json", "/articles/"+teaser, "/feeds.opml", "/sources/", "/categories/", "/")
	for _, p := range routes {
		code, data := getURL(t, hs.URL+p)
		if code != http.StatusOK {
			t.Errorf("GET %s = %d: %s", p, code, data)
			continue
		}
		for _, bad := range []string{"BODY-teaser", "BODY-private", "from private", "www.private.example", "sources/private"} {
			if bytes.Contains(data, []byte(bad)) {
				t.Errorf("GET %s contains %q", p, bad)
			}
		}
	}
	for _, ext := range []string{"rss", "atom", "json"} {
		if code, _ := getURL(t, hs.URL+"/sources/private/feed."+ext); code != http.StatusNotFound {
			t.Errorf("GET /sources/private/feed.%s = %d, want 404", ext, code)
		}
	}
	// The none source's article keeps its excerpt shape on the JSON route
	// (our own HTML pages show it; package pages serves them).
	code, data := getURL(t, hs.URL+"/articles/"+private+".json")
	if code != http.StatusOK || bytes.Contains(data, []byte("BODY-private")) || bytes.Contains(data, []byte("content_html")) {
		t.Errorf("GET /articles/%s.json = %d: %s", private, code, data)
	}
	// Paging counts only what the feed lists: 4 articles, 4 pages of 1.
	_, data = getURL(t, hs.URL+"/feed.json?limit=1")
	if !bytes.Contains(data, []byte(`"next_url": "`+base+`/feed.json?limit=1&page=2"`)) {
		t.Errorf("page 1 of 1 lacks its next page: %s", data)
	}
	if code, _ := getURL(t, hs.URL+"/feed.json?limit=1&page=5"); code != http.StatusNotFound {
		t.Errorf("page 5 of 4 = %d, want 404", code)
	}
	if code, _ := getURL(t, hs.URL+"/feed.json?limit=1&page=4"); code != http.StatusOK {
		t.Errorf("page 4 of 4 = %d, want 200", code)
	}
}
