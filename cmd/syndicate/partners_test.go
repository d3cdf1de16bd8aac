package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

const partnerAdminToken = "tok-partners-0123456"

// statusOf GETs url (with an optional bearer key) and returns the status.
func statusOf(t *testing.T, url, bearer string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// eventually waits until url answers want (replicas learn of changes
// through the store's notifications).
func eventually(t *testing.T, url, bearer string, want int, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := statusOf(t, url, bearer)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: GET %s = %d, want %d", what, url, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServe_Partners: partners of the config file and of the API pull
// their feeds; the file wins a name; rotating or deleting an API partner's
// key refuses the old one at once, on every replica (Redis: two of them).
func TestServe_Partners(t *testing.T) {
	t.Run("Embedded", func(t *testing.T) { testPartners(t, "", false) })
	t.Run("Redis", func(t *testing.T) { testPartners(t, redisStore(t), true) })
}

func testPartners(t *testing.T, storeExtra string, fleet bool) {
	p := partner(t)
	extra := `partners:
  - name: config-partner
    key: "config-partner-key-0123"
    content: excerpt
`
	cfg, _ := writeConfigStore(t, p.URL+"/feed/", extra, storeExtra)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append([]byte("admin:\n  tokens: [\""+partnerAdminToken+"\"]\n"), body...), 0o644)
	a, erra, _ := startServe(t, cfg)
	b := a
	if fleet {
		b, _, _ = startServe(t, cfg)
	}
	firstArticle(t, a)

	// The config partner pulls excerpts.
	feed := rawGet(t, b+"/partners/config-partner/feed.rss?key=config-partner-key-0123")
	if !strings.Contains(feed, "<item>") || strings.Contains(feed, "content:encoded") {
		t.Fatalf("config partner feed:\n%s", feed)
	}
	// The file wins its name.
	if code, out := postJSON(t, a+"/api/partners", partnerAdminToken, `{"name":"config-partner","key":"another-key-0123456789"}`); code != 409 {
		t.Errorf("API create of a config partner = %d %v", code, out)
	}
	code, out := postJSON(t, a+"/api/partners", partnerAdminToken, `{"name":"baltic-daily","sources":["partner"],"comments":true}`)
	if code != 201 {
		t.Fatalf("create = %d %v; log:\n%s", code, out, erra.String())
	}
	key, _ := out["key"].(string)
	if len(key) < 16 {
		t.Fatalf("created partner key = %q", key)
	}
	url := b + "/partners/baltic-daily/feed.atom"
	eventually(t, url+"?key="+key, "", 200, "new partner")
	eventually(t, url, key, 200, "new partner by bearer")
	if code := statusOf(t, a+"/api/partners/baltic-daily", partnerAdminToken); code != 200 {
		t.Errorf("GET partner = %d", code)
	}
	req, _ := http.NewRequest("GET", a+"/api/partners", nil)
	req.Header.Set("Authorization", "Bearer "+partnerAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(list), `"baltic-daily"`) || strings.Contains(string(list), key) || strings.Contains(string(list), "config-partner-key-0123") {
		t.Errorf("partner list = %d %s", resp.StatusCode, list)
	}
	code, out = postJSON(t, a+"/api/partners/baltic-daily/key", partnerAdminToken, "")
	rotated, _ := out["key"].(string)
	if code != 200 || rotated == "" || rotated == key {
		t.Fatalf("rotate = %d %v", code, out)
	}
	eventually(t, url+"?key="+key, "", 404, "old key after rotation")
	eventually(t, url+"?key="+rotated, "", 200, "new key after rotation")
	req, _ = http.NewRequest("DELETE", a+"/api/partners/baltic-daily", nil)
	req.Header.Set("Authorization", "Bearer "+partnerAdminToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("delete = %d", resp.StatusCode)
	}
	eventually(t, url+"?key="+rotated, "", 404, "key of a deleted partner")
}
