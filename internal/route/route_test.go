package route

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// patterns are the server's route shapes (feeds, pages, partners, admin,
// API, comments, WebSub), with method-less and other-method neighbours.
var patterns = []string{
	"GET /feed.rss", "GET /feed.atom", "GET /feed.json", "GET /comments.rss",
	"GET /sources/{id}/{file}", "GET /categories/{slug}/{file}", "GET /articles/{id}/{file}",
	"GET /articles/{id}", "GET /{$}", "GET /sources/{$}", "GET /categories/{$}", "GET /feeds.opml",
	"GET /partners/{name}/{file}", "GET /partners/{name}/sources/{id}/{file}", "GET /partners/{name}/categories/{slug}/{file}",
	"GET /assets/pages.css", "GET /articles/{id}/comments", "GET /sources/{id}/{$}", "GET /categories/{slug}/{$}",
	"GET /articles/{id}/comments/{cid}", "POST /articles/{id}/comments", "OPTIONS /articles/{id}/comments",
	"GET /admin", "GET /admin/{$}", "GET /admin/sources/{id}/edit", "POST /admin/comments/{id}/approve",
	"GET /api/sources", "GET /api/sources.opml", "GET /api/sources/{id}", "DELETE /api/sources/{id}",
	"GET /websub/callback/{id}", "POST /websub/callback/{id}", "GET /healthz", "/metrics", "/x/{a}/b", "GET /x/{a}/b",
}

// echo answers with the pattern and the wildcards it was routed with.
func echo(names ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var vals []string
		for _, n := range names {
			vals = append(vals, n+"="+Value(r, n))
		}
		w.Write([]byte(r.Pattern + " " + strings.Join(vals, ",")))
	})
}

func wildNames(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if len(s) > 2 && s[0] == '{' && s != "{$}" {
			out = append(out, s[1:len(s)-1])
		}
	}
	return out
}

func build(ps []string) (*Mux, *http.ServeMux) {
	m, std := New(), http.NewServeMux()
	for _, p := range ps {
		m.Handle(p, echo(wildNames(p)...))
		std.Handle(p, echo(wildNames(p)...))
	}
	return m, std
}

func same(t *testing.T, m *Mux, std *http.ServeMux, method, target string) {
	t.Helper()
	got, want := httptest.NewRecorder(), httptest.NewRecorder()
	m.ServeHTTP(got, httptest.NewRequest(method, target, nil))
	std.ServeHTTP(want, httptest.NewRequest(method, target, nil))
	if got.Code != want.Code || got.Body.String() != want.Body.String() || got.Header().Get("Location") != want.Header().Get("Location") {
		t.Errorf("%s %s: got %d %q, the ServeMux says %d %q", method, target, got.Code, got.Body, want.Code, want.Body)
	}
}

func TestMux_RoutesLikeServeMux(t *testing.T) {
	m, std := build(patterns)
	if m.off {
		t.Fatal("the server's shapes turned the fast path off")
	}
	paths := []string{
		"/", "/feed.rss", "/feed.atom", "/feed.xml", "/comments.rss", "/feeds.opml", "/sources/", "/sources",
		"/sources/wj/", "/sources/wj/feed.rss", "/sources/wj/x/y", "/categories/", "/categories/news/", "/categories/news/feed.json",
		"/articles/abc", "/articles/abc.html", "/articles/abc.json", "/articles/abc/", "/articles/abc/comments",
		"/articles/abc/comments.rss", "/articles/abc/comments/c1", "/articles/abc/comments/c1/x",
		"/partners/p/feed.rss", "/partners/p/sources/s/feed.atom", "/partners/p/categories/c/feed.json", "/partners/p/other/x/y",
		"/partners/p/sources/feed.rss", "/admin", "/admin/", "/admin/sources/a/edit", "/admin/comments/c/approve",
		"/api/sources", "/api/sources.opml", "/api/sources/a", "/websub/callback/1", "/healthz", "/metrics", "/metrics/",
		"/x/1/b", "/x/b/b", "/nope", "//feed.rss", "/./feed.rss", "/sources/../feed.rss", "/sources/a%2Fb/feed.rss",
		"/articles/a%20b", "/articles/%61bc", "/articles/%C3%A9", "/assets/pages.css", "/feed.rss?x=1",
	}
	for _, method := range []string{"GET", "HEAD", "POST", "OPTIONS", "DELETE"} {
		for _, p := range paths {
			same(t, m, std, method, p)
		}
	}
}

// A pattern the tree cannot model turns the fast path off, and the
// ServeMux still routes everything.
func TestMux_UnmodelledPatternsTurnItOff(t *testing.T) {
	for _, p := range []string{"GET /files/{path...}", "GET /static/", "HEAD /feed.rss", "example.com/feed.rss", "GET /a%62", "GET /sources/{other}/feed.rss"} {
		m, std := build(append([]string{"GET /feed.rss", "GET /sources/{id}/{file}"}, p))
		if !m.off {
			t.Errorf("%q kept the fast path on", p)
		}
		for _, target := range []string{"/feed.rss", "/files/a/b", "/static/x", "/sources/a/feed.rss", "/a/x1", "/ab"} {
			same(t, m, std, "GET", target)
			same(t, m, std, "HEAD", target)
		}
	}
}

func FuzzMux(f *testing.F) {
	for _, p := range []string{"/articles/abc/comments", "/partners/p/sources/s/feed.atom", "/", "/a//b", "/x/1/b"} {
		f.Add("GET", p)
	}
	m, std := build(patterns)
	f.Fuzz(func(t *testing.T, method, path string) {
		if method != "GET" && method != "HEAD" {
			method = "GET"
		}
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#\x00 \t\r\n") {
			return
		}
		req := httptest.NewRequest(method, "/", nil)
		req.URL.Path, req.URL.RawPath = path, ""
		req2 := httptest.NewRequest(method, "/", nil)
		req2.URL.Path, req2.URL.RawPath = path, ""
		got, want := httptest.NewRecorder(), httptest.NewRecorder()
		m.ServeHTTP(got, req)
		std.ServeHTTP(want, req2)
		if got.Code != want.Code || got.Body.String() != want.Body.String() {
			t.Errorf("%s %q: got %d %q, the ServeMux says %d %q", method, path, got.Code, got.Body, want.Code, want.Body)
		}
	})
}

func BenchmarkMux(b *testing.B) {
	m, std := New(), http.NewServeMux()
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, p := range patterns {
		m.Handle(p, nop)
		std.Handle(p, nop)
	}
	for _, target := range []string{"/feed.rss", "/articles/perf-vkkql7p2liqec7ug.html", "/partners/bench/feed.rss"} {
		for name, h := range map[string]http.Handler{"fast": m, "servemux": std} {
			b.Run(name+target, func(b *testing.B) {
				req := httptest.NewRequest("GET", target, nil)
				w := httptest.NewRecorder()
				b.ReportAllocs()
				for range b.N {
					w.Body.Reset()
					h.ServeHTTP(w, req)
				}
			})
		}
	}
}

// A fast-path request binds its wildcards without allocating: Value reads
// them from the path.
func TestValue_NoAllocation(t *testing.T) {
	m := New()
	m.Handle("GET /partners/{name}/sources/{id}/{file}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		valueSink = Value(r, "name") + "|" + Value(r, "id") + "|" + Value(r, "file")
	}))
	m.Handle("GET /n/{name}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { valueSink = Value(r, "name") }))
	w := httptest.NewRecorder()
	m.ServeHTTP(w, httptest.NewRequest("GET", "/partners/baltic/sources/wj/feed.atom", nil))
	if valueSink != "baltic|wj|feed.atom" {
		t.Errorf("values %q", valueSink)
	}
	if m.off {
		t.Fatal("the fast path is off")
	}
	rn := httptest.NewRequest("GET", "/n/abc", nil)
	if n := testing.AllocsPerRun(100, func() { m.ServeHTTP(w, rn) }); n != 0 || valueSink != "abc" {
		t.Errorf("routing a wildcard allocated %v times (value %q), want none", n, valueSink)
	}
	// A {name...} wildcard (which the ServeMux routes) reads the rest.
	r := httptest.NewRequest("GET", "/rest/a/b/c", nil)
	r.Pattern = "GET /rest/{path...}"
	if v := Value(r, "path"); v != "a/b/c" {
		t.Errorf("rest wildcard = %q, want a/b/c", v)
	}
}

var valueSink string

// Handlers behind a Mux read their wildcards with Value: r.PathValue is
// empty on the fast path. No code outside this package (tests aside) may
// call it.
func TestNoPathValueOutsideRoute(t *testing.T) {
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name != ".." && strings.HasPrefix(name, ".") || name == "testdata" || path == filepath.Join(root, "internal", "route") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), ".PathValue(") {
			t.Errorf("%s calls PathValue: read wildcards with route.Value (the fast path binds none)", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
