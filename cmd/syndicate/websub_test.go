package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/websub/websubtest"
)

// pushPartner serves an Atom feed that advertises a hub, with an ETag, and
// answers a matching If-None-Match with 304.
type pushPartner struct {
	*httptest.Server
	hub     string
	mu      sync.Mutex
	items   int
	fetches int
	inm     []string // If-None-Match of each fetch
}

func newPushPartner(t testing.TB, hub string) *pushPartner {
	p := &pushPartner{hub: hub, items: 1}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed.atom" {
			http.NotFound(w, r)
			return
		}
		p.mu.Lock()
		p.fetches++
		p.inm = append(p.inm, r.Header.Get("If-None-Match"))
		n := p.items
		p.mu.Unlock()
		etag := fmt.Sprintf(`"v%d"`, n)
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(p.feed(n, ""))
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *pushPartner) self() string { return p.URL + "/feed.atom" }

// feed is the partner's feed up to story n (and one more titled extra).
func (p *pushPartner) feed(n int, extra string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Pushy Partner</title><id>urn:pushy</id>`+
		`<updated>2026-11-20T10:00:00Z</updated><link rel="hub" href="%s"/><link rel="self" href="%s"/><link href="%s/"/>`, p.hub, p.self(), p.URL)
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	entry := func(id, title string, at time.Time) {
		fmt.Fprintf(&b, `<entry><id>urn:pushy:%s</id><title>%s</title><link href="%s/story/%s"/><updated>%s</updated>`+
			`<author><name>Reporter</name></author><summary>About %s.</summary></entry>`, id, title, p.URL, id, at.Format(time.RFC3339), title)
	}
	// The newest ten stories, as a partner's feed would list them.
	for i := n; i >= max(1, n-9); i-- {
		entry(fmt.Sprint(i), fmt.Sprintf("Pushed story %d", i), base.Add(time.Duration(i)*time.Minute))
	}
	if extra != "" {
		entry("x", extra, base.Add(-time.Hour))
	}
	b.WriteString(`</feed>`)
	return []byte(b.String())
}

func (p *pushPartner) set(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.items = n
}

func (p *pushPartner) stats() (int, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches, append([]string(nil), p.inm...)
}

const pushBase = "https://feeds.example.com"

// writePushConfig writes a config without sources (the test adds one
// through the API, to delete it later) whose base_url the hub maps to the
// replicas.
func writePushConfig(t testing.TB, storeLines string) string {
	dir := t.TempDir()
	cfg := fmt.Sprintf(`listen: "127.0.0.1:0"
base_url: %q
admin:
  tokens: ["tok-websub-0123456789"]
store:
  data_dir: %q
%singest:
  allow_private_networks: true
  timeout: 5s
websub:
  fallback_schedule: "0 0 1 1 *"
log:
  level: warn
`, pushBase, filepath.Join(dir, "data"), storeLines)
	path := filepath.Join(dir, "syndicate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func nextRun(t testing.TB, base, id string) time.Time {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/sources/"+id, nil)
	req.Header.Set("Authorization", "Bearer tok-websub-0123456789")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Status struct {
			NextRun time.Time `json:"next_run"`
		} `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Status.NextRun
}

func apiDelete(t testing.TB, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond for up to 15 s (no timing is asserted).
func waitFor(t testing.TB, what string, logs []*syncBuffer, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			var b strings.Builder
			for i, l := range logs {
				fmt.Fprintf(&b, "--- replica %d:\n%s", i, l.String())
			}
			t.Fatalf("timed out waiting for %s; logs:\n%s", what, b.String())
		}
	}
}

func TestWebSub_EndToEnd_Embedded(t *testing.T) {
	testWebSubEndToEnd(t, "", 1)
}

// On Redis, three replicas share the subscription: the hub reaches a
// different one each time, as behind a load balancer.
func TestWebSub_EndToEnd_Redis(t *testing.T) {
	testWebSubEndToEnd(t, redisStore(t), 3)
}

// pushFleet is replicas of serve sharing one store, a partner whose feed
// advertises a hub, and that hub, which reaches base_url through a
// different replica each time, as behind a load balancer.
type pushFleet struct {
	hub     *websubtest.Hub
	partner *pushPartner
	bases   []string
	logs    []*syncBuffer
}

// startPushFleet starts the fleet, adds the partner through the API and
// waits for the hub to verify the subscription.
func startPushFleet(t testing.TB, storeLines string, replicas, lease int) *pushFleet {
	f := &pushFleet{hub: websubtest.New(t)}
	f.hub.Lease = lease
	f.partner = newPushPartner(t, f.hub.URL)
	cfg := writePushConfig(t, storeLines)
	for range replicas {
		base, errb, _ := startServe(t, cfg)
		f.bases, f.logs = append(f.bases, base), append(f.logs, errb)
	}
	var next atomic.Int64
	f.hub.Route = func(callback string) string {
		if !strings.HasPrefix(callback, pushBase+"/") {
			t.Errorf("callback %s is not under base_url", callback)
			return callback
		}
		return f.bases[int(next.Add(1))%len(f.bases)] + strings.TrimPrefix(callback, pushBase)
	}
	if code, out := postJSON(t, f.bases[0]+"/api/sources", "tok-websub-0123456789", fmt.Sprintf(`{"id":"pushy","name":"Pushy","url":%q}`, f.partner.self())); code != 201 {
		t.Fatalf("create source = %d %v", code, out)
	}
	waitFor(t, "the hub to verify a subscription", f.logs, func() bool { return f.hub.Verified("subscribe", f.partner.self()) >= 1 })
	return f
}

// everywhere reports whether every replica serves what in its Atom feed.
func (f *pushFleet) everywhere(t testing.TB, what string) func() bool {
	return func() bool {
		for _, b := range f.bases {
			if !strings.Contains(rawGet(t, b+"/feed.atom"), what) {
				return false
			}
		}
		return true
	}
}

func testWebSubEndToEnd(t *testing.T, storeLines string, replicas int) {
	f := startPushFleet(t, storeLines, replicas, 2) // a short lease, renewed during the test
	hub, partner, bases, logs := f.hub, f.partner, f.bases, f.logs
	self := partner.self()
	subs := hub.Subscribers(self)
	if len(subs) != 1 || !strings.HasPrefix(subs[0].Callback, pushBase+"/websub/callback/") || len(subs[0].Secret) < 32 {
		t.Fatalf("hub subscriptions = %+v", subs)
	}
	sub := subs[0]
	everywhere := func(what string) func() bool { return f.everywhere(t, what) }
	waitFor(t, "the first story", logs, everywhere("Pushed story 1"))
	// While the subscription is live, polling moves to the fallback
	// schedule (yearly here; the default schedule is every 15 minutes).
	waitFor(t, "the fallback schedule on every replica", logs, func() bool {
		for _, b := range bases {
			if next := nextRun(t, b, "pushy"); next.Before(time.Now().Add(24 * time.Hour)) {
				return false
			}
		}
		return true
	})

	// Verification of intent is answered only for what we asked for.
	if code, body, _ := hub.Verify(sub.Callback, map[string][]string{"hub.mode": {"subscribe"}, "hub.topic": {"https://evil.example/feed"}, "hub.challenge": {"c123"}}); code != 404 || body == "c123" {
		t.Errorf("verification for another topic = %d %q, want 404 without the challenge", code, body)
	}

	fetches, _ := partner.stats()
	t.Run("fat pings", func(t *testing.T) {
		for i, method := range []string{"sha256", "sha512"} {
			codes := hub.Deliver(self, partner.feed(2+i, ""), "application/atom+xml", method, "")
			if len(codes) != 1 || codes[0] != http.StatusAccepted {
				t.Fatalf("%s delivery answered %v", method, codes)
			}
			waitFor(t, "every replica to serve the pushed story", logs, everywhere(fmt.Sprintf("Pushed story %d", 2+i)))
		}
		if n, _ := partner.stats(); n != fetches {
			t.Errorf("fat pings made %d fetches of the partner, want none", n-fetches)
		}
	})

	t.Run("forged signature refused", func(t *testing.T) {
		forged := partner.feed(3, "Forged story")
		for _, sig := range []string{websubtest.Sign("sha256", "not-the-secret", forged), "", "sha1=" + strings.Repeat("0", 40)} {
			if code := hub.DeliverTo(sub, forged, "application/atom+xml", "", sig); code != http.StatusForbidden {
				t.Errorf("signature %q answered %d, want 403", sig, code)
			}
		}
	})

	t.Run("thin ping fetches conditionally", func(t *testing.T) {
		partner.set(4)
		if codes := hub.Deliver(self, nil, "", "sha256", ""); len(codes) != 1 || codes[0] != http.StatusAccepted {
			t.Fatalf("thin delivery answered %v", codes)
		}
		waitFor(t, "the story fetched after a thin ping", logs, everywhere("Pushed story 4"))
		n, inm := partner.stats()
		if n != fetches+1 || inm[len(inm)-1] == "" {
			t.Errorf("thin ping: %d fetches (If-None-Match %q), want one conditional fetch", n-fetches, inm[len(inm)-1])
		}
		for _, b := range bases {
			if strings.Contains(rawGet(t, b+"/feed.atom"), "Forged story") {
				t.Error("a forged delivery was ingested")
			}
		}
	})

	t.Run("freshness metric", func(t *testing.T) {
		found := false
		for _, b := range bases {
			found = found || strings.Contains(rawGet(t, b+"/metrics"), `syndicate_change_fresh_seconds_count{trigger="delivery"}`)
		}
		if !found {
			t.Error("no replica reports syndicate_change_fresh_seconds for deliveries")
		}
	})

	t.Run("lease renewed", func(t *testing.T) {
		waitFor(t, "a renewal", logs, func() bool { return hub.Verified("subscribe", self) >= 3 })
		if subs := hub.Subscribers(self); len(subs) != 1 || subs[0].Secret != sub.Secret || subs[0].Callback != sub.Callback {
			t.Errorf("after renewal: %+v", subs)
		}
	})

	t.Run("unsubscribed on delete", func(t *testing.T) {
		if code := apiDelete(t, bases[0]+"/api/sources/pushy", "tok-websub-0123456789"); code != 204 && code != 200 {
			t.Fatalf("delete = %d", code)
		}
		waitFor(t, "the hub to verify the unsubscription", logs, func() bool {
			return hub.Verified("unsubscribe", self) >= 1 && len(hub.Subscribers(self)) == 0
		})
		waitFor(t, "deliveries to be refused", logs, func() bool {
			return hub.DeliverTo(sub, nil, "", "sha256", "") == http.StatusGone
		})
	})
}

// The subscriber is on by default unless base_url is loopback (a hub
// could not call it back), and websub.subscribe turns it off.
func TestWebSub_SubscribeSwitch(t *testing.T) {
	tests := []struct {
		name, lines string
		code        int
	}{
		{"public base_url", "", http.StatusGone}, // the callback answers: no such subscription
		{"turned off", "websub:\n  subscribe: false\n", http.StatusNotFound},
		{"loopback base_url", "base_url: \"http://127.0.0.1:8080\"\n", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writePushConfig(t, "")
			body, _ := os.ReadFile(cfg)
			text := string(body)
			switch {
			case strings.HasPrefix(tt.lines, "base_url:"):
				text = strings.Replace(text, fmt.Sprintf("base_url: %q\n", pushBase), tt.lines, 1)
			case tt.lines != "":
				text = strings.Replace(text, "websub:\n", tt.lines, 1)
			}
			os.WriteFile(cfg, []byte(text), 0o644)
			base, _, _ := startServe(t, cfg)
			resp, err := http.Post(base+"/websub/callback/wnone", "application/atom+xml", strings.NewReader("<feed/>"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Errorf("delivery to the callback = %d, want %d", resp.StatusCode, tt.code)
			}
		})
	}
}
