package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
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
// schedule; every fetch the partner sees was leased by exactly one replica,
// and there is at most one fetch per tick. The test waits for fetches to
// happen (bounded polling), never for a fixed time.
func TestFleet_OneFetchPerTick(t *testing.T) {
	raw, err := os.ReadFile("testdata/wordpress.rss")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var fetches []time.Time // when the partner answered, as it saw it
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetches = append(fetches, time.Now())
		mu.Unlock()
		w.Write(bytes.ReplaceAll(raw, []byte("PARTNER"), []byte(srv.URL)))
	}))
	t.Cleanup(srv.Close)
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(fetches)
	}
	cfg, _ := writeConfigStore(t, srv.URL+"/feed/", "", redisStore(t))
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(body), `site_url: "https://partner.example/"`, "site_url: \"https://partner.example/\"\n    schedule: \"@every 1s\"", 1)), 0o644)
	var replicas []string
	var stops []func() int
	for range 3 {
		addr, _, stop := startServe(t, cfg)
		replicas = append(replicas, addr)
		stops = append(stops, stop)
	}
	const want = 5
	deadline := time.Now().Add(30 * time.Second)
	for count() < want {
		if time.Now().After(deadline) {
			t.Fatalf("the partner saw %d fetches in 30s; want %d (one per tick)", count(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Every fetch follows a lease, so leases read after the fetches are
	// at least as many; replicas fetching without a lease would break it.
	seen := count()
	leases := 0
	for _, addr := range replicas {
		leases += leasesAcquired(t, addr)
	}
	for _, stop := range stops {
		stop()
	}
	if seen > leases {
		t.Errorf("the partner saw %d fetches but the replicas acquired %d leases: some fetches were not leased", seen, leases)
	}
	// And there is at most one fetch per tick: the fetches lie within
	// last-first whole seconds of each other, so they cover at most that
	// many ticks plus the first, plus one for a fetch that started late.
	mu.Lock()
	defer mu.Unlock()
	first, last := fetches[0], fetches[len(fetches)-1]
	ticks := int(last.Unix()-first.Unix()) + 2
	if len(fetches) > ticks {
		t.Errorf("%d fetches by three replicas over at most %d ticks: want at most one per tick", len(fetches), ticks)
	}
}

// leasesAcquired reads a replica's syndicate_leases_acquired_total.
func leasesAcquired(t *testing.T, base string) int {
	t.Helper()
	for _, line := range strings.Split(rawGet(t, base+"/metrics"), "\n") {
		if v, ok := strings.CutPrefix(line, "syndicate_leases_acquired_total "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s/metrics: bad lease count %q", base, v)
			}
			return int(n)
		}
	}
	t.Fatalf("%s/metrics has no syndicate_leases_acquired_total: is the Redis leaser wired?", base)
	return 0
}
