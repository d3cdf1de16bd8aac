package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// `syndicate ingest` stops when it is told to (SIGINT or SIGTERM cancel
// the context main hands to Run): a partner that never answers does not
// keep it running, and the source is reported failed.
func TestIngest_StopsWhenCancelled(t *testing.T) {
	asked := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		<-r.Context().Done() // never answers
	}))
	t.Cleanup(slow.Close)
	cfg, _ := writeConfig(t, slow.URL+"/feed/", "")
	// A fetch timeout far beyond the test: only the cancellation ends it.
	raw := strings.Replace(mustRead(t, cfg), "timeout: 5s", "timeout: 1h", 1)
	mustWrite(t, cfg, raw)

	m, out, errb := testMain(nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"ingest", "--config", cfg}) }()
	select {
	case <-asked:
	case code := <-done:
		t.Fatalf("ingest ended before fetching: exit %d, stderr %s", code, errb.String())
	}
	cancel() // what the signal does
	select {
	case code := <-done:
		if code != exitFailed {
			t.Errorf("exit = %d, want %d", code, exitFailed)
		}
	case <-time.After(time.Minute):
		t.Fatal("ingest did not stop after its context was cancelled")
	}
	if line := out.String(); !strings.HasPrefix(line, "id=partner status=failed ") || !strings.Contains(line, "context canceled") {
		t.Errorf("summary = %q", line)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustWrite(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Deleting a source during a slow fetch of it: the run is cancelled, and
// none of the source's articles stays published, on both stores.
func TestDelete_DuringSlowFetch(t *testing.T) {
	for _, backend := range []string{"embedded", "redis"} {
		t.Run(backend, func(t *testing.T) {
			var hits atomic.Int32
			asked, cancelled, release := make(chan struct{}, 1), make(chan struct{}, 1), make(chan struct{})
			slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := 3
				if hits.Add(1) > 1 {
					// Every later fetch hangs until it is cancelled or the
					// test releases it (then with more articles).
					asked <- struct{}{}
					select {
					case <-r.Context().Done():
						cancelled <- struct{}{}
						return
					case <-release:
						n = 6
					}
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				fmt.Fprintf(w, `<rss version="2.0"><channel><title>Slow</title><link>http://%s/</link><description>d</description>`, r.Host)
				for i := range n {
					fmt.Fprintf(w, `<item><title>Slow %d</title><link>http://%s/s/%d</link><description>Story.</description></item>`, i, r.Host, i)
				}
				io.WriteString(w, `</channel></rss>`)
			}))
			t.Cleanup(slow.Close)
			p := partner(t)
			storeLines := ""
			if backend == "redis" {
				storeLines = redisStore(t)
			}
			cfg, _ := writeConfigStore(t, p.URL+"/feed/", "", storeLines)
			mustWrite(t, cfg, "admin:\n  tokens: [{name: ops, token: \"tok-1234567890abcdef\"}]\n"+mustRead(t, cfg))
			base, errb, _ := startServe(t, cfg)
			api := func(method, path, body string) (int, string) {
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer tok-1234567890abcdef")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			body := fmt.Sprintf(`{"id":"slow","name":"Slow","url":%q,"site_url":"https://slow.example/","schedule":"@every 1h"}`, slow.URL+"/feed")
			if code, b := api("POST", "/api/sources", body); code != 201 {
				t.Fatalf("create = %d %s", code, b)
			}
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if _, b := api("GET", "/api/sources/slow", ""); strings.Contains(b, `"article_count": 3`) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the first pass did not store 3 articles; log:\n%s", errb.String())
				}
			}
			refreshed := make(chan string, 1)
			go func() {
				code, b := api("POST", "/api/sources/slow/refresh", "")
				refreshed <- fmt.Sprint(code, " ", b)
			}()
			<-asked // the refresh is waiting on the partner
			if code, b := api("DELETE", "/api/sources/slow", ""); code != 204 {
				t.Fatalf("delete = %d %s", code, b)
			}
			select {
			case <-cancelled:
			default:
				t.Error("the delete returned before the run of the source was cancelled")
			}
			close(release) // a run that outlived the delete would now store six articles
			if r := <-refreshed; !strings.Contains(r, `"status": "failed"`) {
				t.Errorf("the refresh cut short by the delete = %s", r)
			}
			resp, err := http.Get(base + "/feed.json")
			if err != nil {
				t.Fatal(err)
			}
			all, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(all), "Slow ") {
				t.Errorf("the deleted source's articles are still published:\n%s", all)
			}
			if code, _ := api("GET", "/api/sources/slow", ""); code != 404 {
				t.Errorf("the deleted source answers %d", code)
			}
		})
	}
}

// `serve` stops within http.shutdown_timeout while an ingest is under
// way: the scheduler cancels the run at the deadline, and the run returns.
func TestServe_StopsMidIngest(t *testing.T) {
	asked, cancelled := make(chan struct{}, 1), make(chan struct{}, 1)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		<-r.Context().Done()
		select {
		case cancelled <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(hang.Close)
	cfg, _ := writeConfig(t, hang.URL+"/feed/", "")
	raw := strings.Replace(mustRead(t, cfg), "timeout: 5s", "timeout: 1h", 1)
	mustWrite(t, cfg, "http:\n  shutdown_timeout: 200ms\n"+raw)
	_, errb, stop := startServe(t, cfg)
	<-asked // the start-up run is fetching
	if code := stop(); code != exitOK {
		t.Errorf("serve exit = %d; log:\n%s", code, errb.String())
	}
	// The partner sees the connection go (its side learns of it a moment
	// after ours).
	select {
	case <-cancelled:
	case <-time.After(20 * time.Second):
		t.Errorf("the partner fetch was never cancelled; log:\n%s", errb.String())
	}
}
