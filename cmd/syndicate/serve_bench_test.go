package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// benchWriter is the cheapest http.ResponseWriter: what the stack costs
// above net/http's own write path.
type benchWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
func (w *benchWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// benchServe builds `syndicate serve` on the embedded store with one
// file: source, waits for its feed, and returns the whole handler chain
// (middleware, mux, handlers) and the base URL.
func benchServe(b *testing.B) (http.Handler, string) {
	b.Helper()
	dir := b.TempDir()
	feed, err := filepath.Abs("testdata/wordpress.rss")
	if err != nil {
		b.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "syndicate.yaml")
	yaml := `listen: "127.0.0.1:0"
base_url: "http://127.0.0.1:8080"
store: {data_dir: "` + filepath.Join(dir, "data") + `"}
feeds: {default_limit: 50}
log: {level: warn}
partners:
  - name: bench
    key: "bench-partner-key-0123456789abcdef"
sources:
  - id: perf
    name: "Perf Partner"
    url: "file:` + feed + `"
    site_url: "https://perf.example/"
`
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	a := buildApp(b, cfgPath)
	addr := make(chan string, 1)
	a.ready = func(s string) { addr <- s }
	ctx, cancel := context.WithCancel(context.Background())
	go a.Run(ctx)
	b.Cleanup(func() { cancel(); a.Close() })
	base := "http://" + <-addr
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/feed.rss")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), "<item>") {
				break
			}
		}
		if i > 200 {
			b.Fatal("feed never filled")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return a.srv.Handler, base
}

// buildApp loads the config at path and builds the app `serve` would
// run, without running it.
func buildApp(tb testing.TB, path string) *app {
	tb.Helper()
	m, _, errb := testMain(nil)
	cfg, code := m.loadConfig(path)
	if cfg == nil {
		tb.Fatalf("config: %d %s", code, errb.String())
	}
	a, err := m.build(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func benchPath(b *testing.B, h http.Handler, path string, hdr map[string]string, parallel bool) {
	newReq := func() (*http.Request, *benchWriter) {
		req := httptest.NewRequest("GET", path, nil)
		req.RemoteAddr = "127.0.0.1:5555"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return req, &benchWriter{h: http.Header{}}
	}
	req, w := newReq()
	h.ServeHTTP(w, req)
	if w.code != 0 && w.code != 200 && w.code != 304 || hdr["If-None-Match"] != "" && w.code != 304 {
		b.Fatalf("%s: status %d", path, w.code)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			req, w := newReq()
			for pb.Next() {
				clear(w.h)
				w.code = 0
				h.ServeHTTP(w, req)
			}
		})
		return
	}
	for range b.N {
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, req)
	}
}

// BenchmarkServe_Stack measures a cached hit through the whole handler
// chain of `syndicate serve` (recover, metrics, pull analytics, mux,
// handler), in process: the per-request cost the server adds to the
// network path serve-bench measures.
func BenchmarkServe_Stack(b *testing.B) { benchStack(b, false) }

// BenchmarkServe_StackParallel is the same on every core at once: what
// the hits cost each other (shared locks and counters). With no sharing
// its ns/op is Stack's divided by GOMAXPROCS.
func BenchmarkServe_StackParallel(b *testing.B) { benchStack(b, true) }

func benchStack(b *testing.B, parallel bool) {
	h, base := benchServe(b)
	resp, err := http.Get(base + "/feed.rss")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	id := regexp.MustCompile(`/articles/[^/<"]+`).FindString(string(body))
	page := id + "/comments"
	etagOf := func(path string) string {
		resp, err := http.Get(base + path)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.Header.Get("ETag")
	}
	const partner = "/partners/bench/feed.rss?key=bench-partner-key-0123456789abcdef"
	pageTag, articleTag, jsonTag, partnerTag := etagOf(page), etagOf(id+".html"), etagOf(id), etagOf(partner)
	for _, tc := range []struct {
		name, path string
		hdr        map[string]string
	}{
		{"feed", "/feed.rss", nil},
		{"feed-gzip", "/feed.rss", map[string]string{"Accept-Encoding": "gzip"}},
		{"feed-304", "/feed.rss", map[string]string{"If-None-Match": etag}},
		{"page", page, nil},
		{"page-304", page, map[string]string{"If-None-Match": pageTag}},
		{"article", id + ".html", nil},
		{"article-304", id + ".html", map[string]string{"If-None-Match": articleTag}},
		{"json", id, nil},
		{"json-304", id, map[string]string{"If-None-Match": jsonTag}},
		{"partner", partner, nil},
		{"partner-304", partner, map[string]string{"If-None-Match": partnerTag}},
	} {
		b.Run(tc.name, func(b *testing.B) { benchPath(b, h, tc.path, tc.hdr, parallel) })
	}
}
