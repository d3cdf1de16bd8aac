package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestFleet_FreshEverywhere: two replicas on one Redis; when one of them
// changes a feed, the other serves the new version at once (pub/sub
// invalidation), without a store round trip per request meanwhile.
func TestFleet_FreshEverywhere(t *testing.T) {
	raw, err := os.ReadFile("testdata/wordpress.rss")
	if err != nil {
		t.Fatal(err)
	}
	var extra atomic.Bool
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := bytes.ReplaceAll(raw, []byte("PARTNER"), []byte(srv.URL))
		if extra.Load() {
			item := fmt.Sprintf(`<item><title>Breaking: a third story</title><link>%s/2026/11/third/</link><guid>%s/?p=102</guid><pubDate>Sat, 21 Nov 2026 10:00:00 +0000</pubDate><description>3</description></item></channel>`, srv.URL, srv.URL)
			body = bytes.Replace(body, []byte("</channel>"), []byte(item), 1)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	cfg, _ := writeConfigStore(t, srv.URL+"/feed/", "", redisStore(t))
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append([]byte("admin:\n  tokens: [\"tok-fleet01-0123456\"]\n"), body...), 0o644)
	a, _, _ := startServe(t, cfg)
	b, errb, _ := startServe(t, cfg)
	firstArticle(t, a)
	firstArticle(t, b)
	before := rawGet(t, b+"/feed.rss") // B caches it
	if strings.Contains(before, "third story") {
		t.Fatal("too early")
	}
	extra.Store(true)
	if code, out := postJSON(t, a+"/api/sources/partner/refresh", "tok-fleet01-0123456", ""); code != 200 || out["new"] != float64(1) {
		t.Fatalf("refresh on A = %d %v", code, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(rawGet(t, b+"/feed.rss"), "Breaking: a third story") {
		if time.Now().After(deadline) {
			t.Fatalf("replica B never served the change made through A; log:\n%s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFleet_OneFetchPerTick: three replicas on one Redis with a 1 s
// schedule; the partner sees at most one fetch per tick, and one on
// (nearly) every tick.
func TestFleet_OneFetchPerTick(t *testing.T) {
	raw, err := os.ReadFile("testdata/wordpress.rss")
	if err != nil {
		t.Fatal(err)
	}
	var mu = make(chan struct{}, 1)
	perSecond := map[int64]int{}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu <- struct{}{}
		perSecond[time.Now().Unix()]++
		<-mu
		w.Write(bytes.ReplaceAll(raw, []byte("PARTNER"), []byte(srv.URL)))
	}))
	t.Cleanup(srv.Close)
	cfg, _ := writeConfigStore(t, srv.URL+"/feed/", "", redisStore(t))
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), `site_url: "https://partner.example/"`, "site_url: \"https://partner.example/\"\n    schedule: \"@every 1s\"", 1)), 0o644)
	var stops []func() int
	start := time.Now()
	for range 3 {
		_, _, stop := startServe(t, cfg)
		stops = append(stops, stop)
	}
	time.Sleep(4200 * time.Millisecond)
	for _, stop := range stops {
		stop()
	}
	ticks := int(time.Since(start)/time.Second) + 2 // the start-up tick and one boundary
	mu <- struct{}{}
	defer func() { <-mu }()
	total := 0
	for _, n := range perSecond {
		total += n
	}
	// Three replicas without leases would fetch about three times a tick.
	if total > ticks || total < 3 {
		t.Errorf("%d fetches by three replicas over at most %d ticks: want one per tick (per second: %v)", total, ticks, perSecond)
	}
}
