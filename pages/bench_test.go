package pages_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"syndicate/pages"
)

// discard is a ResponseWriter that keeps headers and drops the body.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkPage_Cached is a cache hit on the reader pages: the article
// page (chosen by Accept) and the embeddable thread, whole, gzip and 304.
func BenchmarkPage_Cached(b *testing.B) {
	f := newFixture(b, pages.CommentRules{Enabled: true})
	article, thread := "/articles/"+f.ferry, "/articles/"+f.ferry+"/comments"
	etag := f.get(b, thread).Header().Get("ETag")
	f.get(b, article)
	cases := []struct {
		name, path string
		hdr        map[string]string
	}{
		{"Article", article, map[string]string{"Accept": browserAccept}},
		{"Thread", thread, nil},
		{"ThreadGzip", thread, map[string]string{"Accept-Encoding": "gzip"}},
		{"ThreadNotModified", thread, map[string]string{"If-None-Match": etag}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", base+c.path, nil)
			for k, v := range c.hdr {
				req.Header.Set(k, v)
			}
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				f.mux.ServeHTTP(w, req)
			}
		})
	}
}
