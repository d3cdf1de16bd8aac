package metrics_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"syndicate/metrics"
)

// A server counting per connection: the counts of an open connection
// and of a closed one both show in a scrape, each once.
func TestMetrics_PerConnection(t *testing.T) {
	m := metrics.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed.rss", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) })
	mux.HandleFunc("GET /teapot", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	closed := make(chan struct{}, 8)
	srv := &http.Server{
		Handler:     m.Middleware(mux),
		ConnContext: m.ConnContext,
		ConnState: func(c net.Conn, s http.ConnState) {
			m.ConnState(c, s)
			if s == http.StateClosed {
				closed <- struct{}{}
			}
		},
	}
	wg.Go(func() { srv.Serve(ln) })
	defer func() { srv.Close(); wg.Wait() }()

	// requests sends n requests for path on one connection.
	requests := func(path string, n int) net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		for range n {
			io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return c
	}
	first := requests("/feed.rss", 3)
	second := requests("/feed.rss", 2)
	teapot := requests("/teapot", 1)
	want := []string{
		`syndicate_http_requests_total{code="200",route="GET /feed.rss"} 5`,
		`syndicate_http_requests_total{code="418",route="GET /teapot"} 1`,
		`syndicate_http_request_duration_seconds_count{route="GET /feed.rss"} 5`,
		`syndicate_http_request_duration_seconds_bucket{route="GET /feed.rss",le="+Inf"} 5`,
	}
	check := func(when string) {
		t.Helper()
		out := scrape(t, m)
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: metrics lack %s", when, w)
			}
		}
	}
	check("all open")
	first.Close()
	<-closed
	check("one closed")
	second.Close()
	teapot.Close()
	<-closed
	<-closed
	check("all closed")
}
