package main

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"syndicate/config"
	"syndicate/store"
)

// TestServe_PullAnalytics: feed pulls are counted per feed and day, 304s
// apart, exported as totals on /metrics, and flushed to the store when
// serve stops; on Redis two replicas add up.
func TestServe_PullAnalytics(t *testing.T) {
	t.Run("Embedded", func(t *testing.T) { testPullAnalytics(t, "", 1) })
	t.Run("Redis", func(t *testing.T) { testPullAnalytics(t, redisStore(t), 2) })
}

func testPullAnalytics(t *testing.T, storeExtra string, replicas int) {
	p := partner(t)
	cfgPath, _ := writeConfigStore(t, p.URL+"/feed/", "", storeExtra)
	var stops []func() int
	for i := range replicas {
		base, _, stop := startServe(t, cfgPath)
		stops = append(stops, stop)
		if i == 0 {
			firstArticle(t, base)
		}
		const ua = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; feed-id=x)"
		get := func(path, etag string) (int, string) {
			req, _ := http.NewRequest("GET", base+path, nil)
			req.Header.Set("User-Agent", ua)
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode, resp.Header.Get("ETag")
		}
		code, etag := get("/feed.atom?limit=5", "")
		if code != 200 || etag == "" {
			t.Fatalf("GET /feed.atom = %d, ETag %q", code, etag)
		}
		if code, _ := get("/feed.atom?limit=5", etag); code != 304 {
			t.Fatalf("conditional GET = %d, want 304", code)
		}
		get("/sources/nope/feed.atom", "") // 404: not a pull
		metrics := rawGet(t, base+"/metrics")
		for _, want := range []string{
			`syndicate_feed_pulls_total{kind="public",status="200"}`,
			`syndicate_feed_pulls_total{kind="public",status="304"} 1`,
			`syndicate_feed_pulls_total{kind="partner",status="200"} 0`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s:\n%s", want, grepLines(metrics, "syndicate_feed_"))
			}
		}
	}
	for _, stop := range stops {
		if code := stop(); code != 0 {
			t.Fatalf("serve exited with %d", code)
		}
	}
	cfg, err := config.Load(cfgPath, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := (&Main{Now: time.Now}).openStore(t.Context(), cfg, slog.New(slog.DiscardHandler), time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	today := time.Now().UTC().Format(store.PullDayFormat)
	r, err := st.(store.PullStats).Pulls(t.Context(), today)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Days[today]["/feed.atom"]
	// firstArticle polled /feed.json; /feed.atom was pulled twice per replica.
	if got.Pulls != int64(2*replicas) || got.NotModified != int64(replicas) {
		t.Errorf("stored /feed.atom today = %+v, want %d pulls, %d not modified (all: %v)", got, 2*replicas, replicas, r.Days[today])
	}
	if _, ok := r.Days[today]["/sources/nope/feed.atom"]; ok {
		t.Error("a 404 was counted as a pull")
	}
	if r.Subscribers["/feed.atom"]["Feedly"] != 42 || r.Last["/feed.atom"].IsZero() {
		t.Errorf("subscribers %v, last %v", r.Subscribers, r.Last)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}
