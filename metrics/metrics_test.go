package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"syndicate/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMetrics(t *testing.T) {
	m := metrics.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sources/{id}/{file}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(304) })
	mux.HandleFunc("GET /feed.rss", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) })
	h := m.Middleware(mux)
	for _, p := range []string{"/feed.rss", "/feed.rss", "/sources/a/feed.rss", "/sources/b/feed.atom", "/nope"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	m.Cache(true)
	m.Cache(false)
	m.Ingest("wj", "ok", 120*time.Millisecond, 3, 1, 46, false)
	m.Ingest("broken", "failed", time.Second, 0, 0, 0, true)
	m.StoreUnavailable()
	leases := 0.0
	m.CounterFunc("syndicate_leases_acquired_total", "Leases.", func() float64 { leases++; return leases })
	out := scrape(t, m)
	for _, want := range []string{
		`syndicate_http_requests_total{code="200",route="GET /feed.rss"} 2`,
		`syndicate_http_requests_total{code="304",route="GET /sources/{id}/{file}"} 2`,
		`syndicate_http_requests_total{code="404",route="unmatched"} 1`,
		`syndicate_http_request_duration_seconds_count{route="GET /feed.rss"} 2`,
		`syndicate_feed_cache_hits_total 1`, `syndicate_feed_cache_misses_total 1`,
		`syndicate_ingest_runs_total{source="wj",status="ok"} 1`,
		`syndicate_ingest_items_total{result="new",source="wj"} 3`,
		`syndicate_ingest_errors_total{source="broken"} 1`,
		`syndicate_store_unavailable_total 1`,
		`syndicate_leases_acquired_total 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func BenchmarkMiddleware(b *testing.B) {
	m := metrics.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed.rss", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(304) })
	h := m.Middleware(mux)
	req := httptest.NewRequest("GET", "/feed.rss", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// The after hooks see each request with the status it was answered,
// 200 when the handler wrote nothing.
func TestMiddleware_After(t *testing.T) {
	m := metrics.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /a", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(304) })
	mux.HandleFunc("GET /b", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) })
	mux.HandleFunc("GET /c", func(w http.ResponseWriter, r *http.Request) {})
	var got []string
	h := m.Middleware(mux, func(r *http.Request, status int) {
		got = append(got, r.URL.Path+" "+http.StatusText(status))
	})
	for _, p := range []string{"/a", "/b", "/c", "/nope"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	want := []string{"/a Not Modified", "/b OK", "/c OK", "/nope Not Found"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("after hooks saw %q, want %q", got, want)
	}
}
