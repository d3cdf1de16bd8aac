package feeds_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
	cases := []struct {
		name string
		hdr  map[string]string
	}{
		{"Full", nil},
		{"Gzip", map[string]string{"Accept-Encoding": "gzip"}},
		{"NotModified", map[string]string{"If-None-Match": etag}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/feed.rss", nil)
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
