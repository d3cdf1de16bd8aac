package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	goredis "github.com/redis/go-redis/v9"
)

// partner serves testdata/wordpress.rss with its own URL filled in.
func partner(t *testing.T) *httptest.Server {
	t.Helper()
	raw, err := os.ReadFile("testdata/wordpress.rss")
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=UTF-8")
		w.Write(bytes.ReplaceAll(raw, []byte("PARTNER"), []byte(srv.URL)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// writeConfig writes a config with one source at feedURL and returns its path.
func writeConfig(t *testing.T, feedURL string, extra string) (path, dataDir string) {
	t.Helper()
	return writeConfigStore(t, feedURL, extra, "")
}

// writeConfigStore is writeConfig with extra lines in the store section.
func writeConfigStore(t *testing.T, feedURL, extra, storeExtra string) (path, dataDir string) {
	t.Helper()
	dir := t.TempDir()
	dataDir = filepath.Join(dir, "data")
	cfg := fmt.Sprintf(`listen: "127.0.0.1:0"
base_url: "https://feeds.example.com"
site:
  title: "Example News"
store:
  data_dir: %q
%singest:
  allow_private_networks: true
  timeout: 5s
log:
  level: warn
sources:
  - id: partner
    name: "Partner Daily"
    url: %q
    site_url: "https://partner.example/"
    categories: ["Local"]
%s`, dataDir, storeExtra, feedURL, extra)
	path = filepath.Join(dir, "syndicate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, dataDir
}

// syncBuffer is a bytes.Buffer safe for a server goroutine and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testMain(env map[string]string) (*Main, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return &Main{
		Stdout: out, Stderr: errb, Now: time.Now,
		Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		// The WebSub tests' hubs grant leases of seconds.
		websubMinRenewal: time.Second,
	}, out, errb
}

// startServe runs `syndicate serve` in-process and returns its base URL.
func startServe(t testing.TB, cfgPath string) (string, *syncBuffer, func() int) {
	t.Helper()
	m, _, errb := testMain(nil)
	addr := make(chan string, 1)
	m.Ready = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--config", cfgPath}) }()
	var stopped bool
	stop := func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop")
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	select {
	case a := <-addr:
		return "http://" + a, errb, stop
	case code := <-done:
		t.Fatalf("serve exited with %d: %s", code, errb.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not start: %s", errb.String())
	}
	return "", nil, nil
}

func getFeed(t *testing.T, url string) *gofeed.Feed {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d: %s", url, resp.StatusCode, b)
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	f, err := p.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", url, err, b)
	}
	return f
}

// redisStore returns config lines that put the store on the test Redis
// under a fresh key prefix, and removes those keys afterwards.
func redisStore(t testing.TB) string {
	t.Helper()
	url := os.Getenv("SYNDICATE_TEST_REDIS_URL")
	if url == "" {
		t.Fatal("SYNDICATE_TEST_REDIS_URL is not set: run `make test` (it starts a private Redis) or set SYNDICATE_TEST_REDIS_URL")
	}
	prefix := fmt.Sprintf("e2e%d", time.Now().UnixNano())
	t.Cleanup(func() {
		opts, err := goredis.ParseURL(url)
		if err != nil {
			return
		}
		c := goredis.NewClient(opts)
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return fmt.Sprintf("  redis_url: %q\n  redis_prefix: %q\n", url, prefix)
}

// TestServe_EndToEnd: a WordPress-style partner → scheduled start-up
// ingest → our HTTP feeds → parsed back with gofeed, on both stores.
func TestServe_EndToEnd(t *testing.T) {
	t.Run("Embedded", func(t *testing.T) { testEndToEnd(t, "") })
	t.Run("Redis", func(t *testing.T) { testEndToEnd(t, redisStore(t)) })
}

func testEndToEnd(t *testing.T, storeExtra string) {
	p := partner(t)
	cfg, _ := writeConfigStore(t, p.URL+"/feed/", "", storeExtra)
	base, errb, stop := startServe(t, cfg)

	var feed *gofeed.Feed
	deadline := time.Now().Add(15 * time.Second)
	for {
		feed = getFeed(t, base+"/feed.rss")
		if len(feed.Items) == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(feed.Items) != 2 {
		t.Fatalf("feed has %d items after the start-up ingest; log:\n%s", len(feed.Items), errb.String())
	}
	for _, ext := range []string{"rss", "atom", "json"} {
		t.Run(ext, func(t *testing.T) {
			f := getFeed(t, base+"/feed."+ext)
			it := f.Items[0]
			canonical := p.URL + "/2026/11/council-budget/"
			if it.Title != "Council passes budget & tax plan" || it.Link != canonical {
				t.Errorf("item = %q %q; want the title decoded once and the canonical link without utm_*", it.Title, it.Link)
			}
			if len(it.Authors) == 0 || it.Authors[0].Name != "Jane Roe" {
				t.Errorf("authors = %+v", it.Authors)
			}
			if it.PublishedParsed == nil || !it.PublishedParsed.Equal(time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)) {
				t.Errorf("published = %v", it.PublishedParsed)
			}
			wantLine := `A previous version of this article was published on <a href="` + canonical + `">Partner Daily</a>.`
			if !strings.Contains(it.Content, wantLine) {
				t.Errorf("content lacks the attribution line %q:\n%s", wantLine, it.Content)
			}
			if strings.Contains(it.Content, "<script") || strings.Contains(it.Content, "onclick") {
				t.Errorf("unsanitized content: %s", it.Content)
			}
			if !strings.Contains(it.Content, `href="`+p.URL+`/2026/10/earlier/"`) {
				t.Errorf("relative link not made absolute: %s", it.Content)
			}
			if !containsFold(it.Categories, "Politics") || !containsFold(it.Categories, "Local") {
				t.Errorf("categories = %v, want the partner's and the source's", it.Categories)
			}
			switch ext {
			case "rss":
				src := f.OriginalFeed().(interface{}) // *rss.Feed
				_ = src
				if !strings.Contains(rawGet(t, base+"/feed.rss"), `<source url="`+p.URL+`/feed/">Partner Daily</source>`) {
					t.Error("RSS lacks <source url=PARTNER_FEED_URL>")
				}
			case "atom":
				raw := rawGet(t, base+"/feed.atom")
				for _, want := range []string{"<source>", `<link href="` + p.URL + `/feed/" rel="self">`, "<published>2026-11-20T09:30:00Z</published>"} {
					if !strings.Contains(raw, want) {
						t.Errorf("Atom lacks %s", want)
					}
				}
			case "json":
				raw := rawGet(t, base+"/feed.json")
				for _, want := range []string{`"external_url": "` + canonical + `"`, `"source_id": "partner"`, `"source_feed_url": "` + p.URL + `/feed/"`, `"authors"`} {
					if !strings.Contains(raw, want) {
						t.Errorf("JSON Feed lacks %s", want)
					}
				}
			}
		})
	}
	for _, path := range []string{"/sources/partner/feed.atom", "/categories/local/feed.json", "/healthz", "/readyz"} {
		if r, err := http.Get(base + path); err != nil || r.StatusCode != 200 {
			t.Errorf("GET %s = %v %v", path, r.StatusCode, err)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d after SIGTERM-like cancel; log:\n%s", code, errb.String())
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func rawGet(t testing.TB, url string) string {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

func TestIngest_Command(t *testing.T) {
	p := partner(t)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(broken.Close)
	cfg, _ := writeConfig(t, p.URL+"/feed/", fmt.Sprintf(`  - id: broken
    name: "Broken"
    url: %q
`, broken.URL+"/feed"))

	m, out, errb := testMain(nil)
	code := m.Run(t.Context(), []string{"ingest", "--config", cfg})
	if code != 1 {
		t.Errorf("exit = %d, want 1 (one source failed); stderr:\n%s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("output = %q, want one line per source", out.String())
	}
	if !strings.HasPrefix(lines[0], "id=partner status=ok http=200 new=2 updated=0 unchanged=0 skipped=0 pruned=0 duration=") {
		t.Errorf("line 1 = %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "id=broken status=failed http=503 new=0") || !strings.Contains(lines[1], `error="fetch `) {
		t.Errorf("line 2 = %q", lines[1])
	}

	// Again, only the healthy source: unchanged, exit 0 (file mtimes aside,
	// the partner sends no validators, so it is parsed and compared).
	m, out, _ = testMain(nil)
	if code := m.Run(t.Context(), []string{"ingest", "--config", cfg, "--source", "partner"}); code != 0 {
		t.Errorf("exit = %d", code)
	}
	if !strings.Contains(out.String(), "id=partner status=ok http=200 new=0 updated=0 unchanged=2") {
		t.Errorf("second pass = %q", out.String())
	}
	m, _, errb = testMain(nil)
	if code := m.Run(t.Context(), []string{"ingest", "--config", cfg, "--source", "nope"}); code != 2 || !strings.Contains(errb.String(), `no source "nope"`) {
		t.Errorf("unknown --source: exit %d, %q", code, errb.String())
	}
}

func TestIngest_WhileServeHoldsTheStore(t *testing.T) {
	p := partner(t)
	cfg, _ := writeConfig(t, p.URL+"/feed/", "")
	startServe(t, cfg)
	m, _, errb := testMain(nil)
	code := m.Run(t.Context(), []string{"ingest", "--config", cfg})
	if code == 0 || !strings.Contains(errb.String(), "syndicate serve") || !strings.Contains(errb.String(), "/refresh") {
		t.Errorf("exit %d, stderr %q; want a clear error naming serve and the refresh API", code, errb.String())
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("listen: \":8080\"\ncolour: red\nsources:\n  - id: a\n    name: A\n    url: \"https://a.example/feed\"\n    schedule: \"61 * * * *\"\n"), 0o644)
	m, _, errb := testMain(nil)
	if code := m.Run(t.Context(), []string{"check-config", "--config", bad}); code != 2 {
		t.Errorf("exit = %d, want 2", code)
	}
	for _, want := range []string{bad + ":2: colour", bad + ":7: sources[0].schedule"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	m, out, _ := testMain(nil)
	if code := m.Run(t.Context(), []string{"check-config", "--config", "../../examples/demo.yaml"}); code != 0 || !strings.Contains(out.String(), "ok:") {
		t.Errorf("demo config: exit %d, %q", code, out.String())
	}
}

func TestVersionAndUsage(t *testing.T) {
	m, out, _ := testMain(nil)
	if code := m.Run(t.Context(), []string{"version"}); code != 0 || !strings.Contains(out.String(), "go1.") {
		t.Errorf("version: %d %q", code, out.String())
	}
	m, _, errb := testMain(nil)
	if code := m.Run(t.Context(), []string{"frobnicate"}); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Errorf("unknown command: %d %q", code, errb.String())
	}
	m, _, errb = testMain(nil)
	if code := m.Run(t.Context(), []string{"serve", "--help"}); code != 0 || !strings.Contains(errb.String(), "-config") {
		t.Errorf("serve --help: %d %q", code, errb.String())
	}
}

// hubRecorder is an httptest WebSub hub that records publish pings.
type hubRecorder struct {
	mu     sync.Mutex
	topics []string
}

func (h *hubRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if r.Form.Get("hub.mode") == "publish" {
		h.mu.Lock()
		h.topics = append(h.topics, r.Form["hub.url"]...)
		h.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *hubRecorder) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]string(nil), h.topics...)
	slices.Sort(out)
	return out
}

func TestWebSub_PingsExactlyTheChangedFeeds(t *testing.T) {
	p := partner(t)
	hub := &hubRecorder{}
	hs := httptest.NewServer(hub)
	t.Cleanup(hs.Close)
	cfg, _ := writeConfig(t, p.URL+"/feed/", "")
	raw, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append([]byte(fmt.Sprintf("websub:\n  hub_url: %q\n", hs.URL+"/hub")), raw...), 0o644)

	base, errb, _ := startServe(t, cfg)
	want := []string{}
	for _, path := range []string{"/feed", "/sources/partner/feed", "/categories/politics/feed", "/categories/local/feed"} {
		for _, ext := range []string{"rss", "atom", "json"} {
			want = append(want, "https://feeds.example.com"+path+"."+ext)
		}
	}
	slices.Sort(want)
	deadline := time.Now().Add(15 * time.Second)
	for !slices.Equal(hub.got(), want) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := hub.got(); !slices.Equal(got, want) {
		t.Fatalf("hub got\n%v\nwant\n%v\nlog: %s", got, want, errb.String())
	}
	// Every feed advertises the hub and itself.
	raw2 := rawGet(t, base+"/feed.atom")
	if !strings.Contains(raw2, `<link href="`+hs.URL+`/hub" rel="hub">`) || !strings.Contains(raw2, `rel="self"`) {
		t.Error("the Atom feed lacks rel=hub / rel=self")
	}
	if !strings.Contains(rawGet(t, base+"/feed.json"), `"hubs"`) {
		t.Error("the JSON Feed lacks hubs")
	}
}

// TestAPI_SourceAddedIsFetchedWithoutRestart: a source created through
// the admin API is ingested by the running scheduler at once.
func TestAPI_SourceAddedIsFetchedWithoutRestart(t *testing.T) {
	p := partner(t)
	cfg, _ := writeConfig(t, p.URL+"/feed/", "")
	raw, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append([]byte("admin:\n  tokens: [{name: ops, token: \"tok-123456-0123456\"}]\n"), raw...), 0o644)
	base, errb, _ := startServe(t, cfg)

	body := fmt.Sprintf(`{"id":"added","name":"Added Later","url":%q,"site_url":"https://added.example/","schedule":"@every 1h"}`, p.URL+"/feed/?v=2")
	req, _ := http.NewRequest("POST", base+"/api/sources", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok-123456-0123456")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create = %d %s", resp.StatusCode, b)
	}
	deadline := time.Now().Add(15 * time.Second)
	var n int
	for time.Now().Before(deadline) {
		r, err := http.Get(base + "/sources/added/feed.json")
		if err == nil {
			raw, _ := io.ReadAll(r.Body)
			r.Body.Close()
			n = strings.Count(string(raw), `"article_id"`)
			if r.StatusCode == 200 && n > 0 {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The partner's articles already belong to "partner" (same canonical
	// URLs): the new source carries them too, attributed to the original.
	if n != 2 {
		t.Fatalf("the source added through the API lists %d articles; log:\n%s", n, errb.String())
	}
	// The status is saved just after the articles: wait for it.
	for deadline := time.Now().Add(10 * time.Second); ; {
		req, _ = http.NewRequest("GET", base+"/api/sources/added", nil)
		req.Header.Set("Authorization", "Bearer tok-123456-0123456")
		resp, _ = http.DefaultClient.Do(req)
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), `"article_count": 2`) && strings.Contains(string(b), `"last_success": "`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status after the first run: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHealthcheckAndMetrics(t *testing.T) {
	p := partner(t)
	cfg, _ := writeConfig(t, p.URL+"/feed/", "")
	base, _, stop := startServe(t, cfg)
	firstArticle(t, base)
	rawGet(t, base+"/feed.rss")
	rawGet(t, base+"/feed.rss")
	m, out, _ := testMain(nil)
	if code := m.Run(t.Context(), []string{"healthcheck", "--url", base + "/healthz"}); code != 0 || !strings.Contains(out.String(), "ok") {
		t.Errorf("healthcheck = %d %q", code, out.String())
	}
	metrics := rawGet(t, base+"/metrics")
	for _, want := range []string{
		`syndicate_http_requests_total{code="200",route="GET /feed.rss"}`,
		`syndicate_feed_cache_hits_total`,
		`syndicate_ingest_runs_total{source="partner",status="ok"} 1`,
		`syndicate_ingest_items_total{result="new",source="partner"} 2`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	stop()
	m, _, errb := testMain(nil)
	if code := m.Run(t.Context(), []string{"healthcheck", "--url", base + "/healthz", "--timeout", "1s"}); code != 1 {
		t.Errorf("healthcheck of a stopped server = %d (%s)", code, errb.String())
	}
}

// TestServe_ListenFails: a listen address already in use is an error exit
// that names it, and the store opened before is closed again (build's
// error path once called Close on the nil app it was returning, a panic).
func TestServe_ListenFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg, _ := writeConfig(t, "http://127.0.0.1:1/feed/", "")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	taken := strings.Replace(string(b), `listen: "127.0.0.1:0"`, fmt.Sprintf("listen: %q", ln.Addr().String()), 1)
	if err := os.WriteFile(cfg, []byte(taken), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _, errb := testMain(nil)
	code := m.Run(t.Context(), []string{"serve", "--config", cfg})
	if code == 0 || !strings.Contains(errb.String(), "listen on") {
		t.Fatalf("exit %d, stderr %q; want an error naming the listen address", code, errb.String())
	}
	// The store was closed: a second attempt opens it instead of finding it locked.
	m, _, errb = testMain(nil)
	if code := m.Run(t.Context(), []string{"serve", "--config", cfg}); code == 0 || strings.Contains(errb.String(), "another `syndicate serve`") {
		t.Errorf("second try: exit %d, stderr %q; want the listen error again, not a locked store", code, errb.String())
	}
}
