package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// redisProc is a private redis-server this test can stop and restart.
type redisProc struct {
	t    *testing.T
	port string
	dir  string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisProc {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not installed: run `make test` (it installs it)")
	}
	addr := freePort(t)
	r := &redisProc{t: t, port: addr[strings.LastIndexByte(addr, ':')+1:], dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisProc) url() string { return "redis://127.0.0.1:" + r.port + "/0" }

func (r *redisProc) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", r.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
		"--appendfsync", "always", "--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	opts, _ := goredis.ParseURL(r.url())
	c := goredis.NewClient(opts)
	defer c.Close()
	for i := 0; i < 100; i++ {
		if c.Ping(r.t.Context()).Err() == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatal("redis-server did not start")
}

func (r *redisProc) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Signal(os.Interrupt)
		r.cmd.Wait()
		r.cmd = nil
	}
}

func readyz(base string) (int, string) {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var m map[string]string
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m["status"]
}

// TestRedisOutage: while Redis is away, cached feeds keep being served
// (zero 5xx), readiness says degraded, editors' writes get 503; when it
// comes back everything resumes without a restart.
func TestRedisOutage(t *testing.T) {
	r := startRedis(t)
	p := partner(t)
	cfg, _ := writeConfigStore(t, p.URL+"/feed/", "", fmt.Sprintf("  redis_url: %q\n", r.url()))
	raw, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append([]byte("admin:\n  tokens: [\"tok-outage1-0123456\"]\n"), raw...), 0o644)
	base, errb, _ := startServe(t, cfg)
	aid := firstArticle(t, base)
	feedsToCheck := []string{"/feed.rss", "/feed.atom", "/sources/partner/feed.json", "/articles/" + aid + "/comments.rss",
		"/", "/feeds.opml", "/sources/", "/categories/", "/articles/" + aid}
	for _, f := range feedsToCheck {
		rawGet(t, base+f) // cache them
	}
	if code, st := readyz(base); code != 200 || st != "ok" {
		t.Fatalf("readyz before = %d %s", code, st)
	}

	r.stop()
	var fivexx, served int
	degraded := false
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) && (!degraded || served < 40) {
		for _, f := range feedsToCheck {
			resp, err := http.Get(base + f)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				fivexx++
			} else {
				served++
			}
		}
		if code, st := readyz(base); code == 200 && st == "degraded" {
			degraded = true
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fivexx != 0 || served == 0 {
		t.Errorf("during the outage: %d 5xx, %d served; want zero 5xx", fivexx, served)
	}
	if !degraded {
		t.Error("readyz never reported degraded")
	}
	code, body := postJSON(t, base+"/api/sources", "tok-outage1-0123456", `{"id":"during","name":"During","url":"https://during.example/feed"}`)
	if code != 503 || !strings.Contains(fmt.Sprint(body["error"]), "unavailable") {
		t.Errorf("admin write during the outage = %d %v, want 503", code, body)
	}

	r.start()
	deadline = time.Now().Add(15 * time.Second)
	for {
		if code, st := readyz(base); code == 200 && st == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz did not recover; log:\n%s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Nothing lost: the articles are there, writes work again.
	if n := strings.Count(rawGet(t, base+"/feed.json"), `"article_id"`); n != 2 {
		t.Errorf("after the outage the feed lists %d articles", n)
	}
	code, c := postJSON(t, base+"/articles/"+aid+"/comments", "", `{"author":"Back","email":"back@example.com","body":"Redis is back."}`)
	if code != 201 {
		t.Errorf("comment after recovery = %d %v", code, c)
	}
	if code, body := postJSON(t, base+"/api/sources", "tok-outage1-0123456", `{"id":"after","name":"After","url":"https://after.example/feed"}`); code != 201 {
		t.Errorf("admin write after recovery = %d %v", code, body)
	}
}
