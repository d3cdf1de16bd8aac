package feeds_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"syndicate"
	"syndicate/feeds"
	"syndicate/store"
)

// BenchmarkServer_Cached measures serving an unchanged feed from the
// cache, the hot path of every reader poll: full, gzip and 304.
func BenchmarkServer_Cached(b *testing.B) {
	f := newFixture(b, true)
	mux := http.NewServeMux()
	f.srv.Routes(mux)
	first := httptest.NewRecorder()
	mux.ServeHTTP(first, httptest.NewRequest("GET", "/feed.rss", nil))
	etag := first.Header().Get("ETag")
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/sources/westernjournal/feed.atom", nil))
	cases := []struct {
		name, path string
		hdr        map[string]string
	}{
		{"Full", "/feed.rss", nil},
		{"Gzip", "/feed.rss", map[string]string{"Accept-Encoding": "gzip"}},
		{"NotModified", "/feed.rss", map[string]string{"If-None-Match": etag}},
		{"SourceFeed", "/sources/westernjournal/feed.atom", nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", c.path, nil)
			for k, v := range c.hdr {
				req.Header.Set(k, v)
			}
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				mux.ServeHTTP(w, req)
			}
		})
	}
}

type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(code int)        { d.code = code }

// BenchmarkRender measures rendering a page of the site feed in each
// format (what a cache miss costs).
func BenchmarkRender(b *testing.B) {
	f := newFixture(b, true)
	page, err := f.st.Articles(b.Context(), store.FeedAll, 0, 30)
	if err != nil {
		b.Fatal(err)
	}
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil)
	srcs := map[string]syndicate.Source{}
	for _, s := range sources {
		srcs[s.ID] = s
	}
	for _, format := range feeds.Formats {
		b.Run(string(format), func(b *testing.B) {
			doc := feeds.Doc{Format: format, ID: base + "/feed.atom", Title: "Example News", HomeURL: base + "/", Links: feeds.Links{Self: base + "/feed." + string(format)}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.ArticleFeed(doc, page.Items, srcs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServer_PartnerCached is BenchmarkServer_Cached for a partner
// feed: the key check and private headers on top of the same cached
// document (compare with PublicFull).
func BenchmarkServer_PartnerCached(b *testing.B) {
	f := newFixture(b, true)
	f.srv.SetPartners([]syndicate.Partner{{Name: "baltic-daily", Key: "baltic-0123456789abcdef"}})
	mux := http.NewServeMux()
	f.srv.Routes(mux)
	for _, c := range []struct{ name, path, auth string }{
		{"PublicFull", "/feed.rss", ""},
		{"PartnerQueryKey", "/partners/baltic-daily/feed.rss?key=baltic-0123456789abcdef", ""},
		{"PartnerBearer", "/partners/baltic-daily/feed.rss", "Bearer baltic-0123456789abcdef"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", c.path, nil)
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			w := &discard{h: http.Header{}}
			mux.ServeHTTP(w, req)
			if w.code != http.StatusOK {
				b.Fatalf("GET %s = %d", c.path, w.code)
			}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				mux.ServeHTTP(w, req)
			}
		})
	}
}
