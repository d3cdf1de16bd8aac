package main

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// feedIDs returns the article ids of base's site feed.
func feedIDs(t *testing.T, base string) []string {
	t.Helper()
	r, err := http.Get(base + "/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var f struct {
		Items []struct {
			Syndication struct {
				ArticleID string `json:"article_id"`
			} `json:"_syndication"`
		} `json:"items"`
	}
	json.NewDecoder(r.Body).Decode(&f)
	var out []string
	for _, it := range f.Items {
		out = append(out, it.Syndication.ArticleID)
	}
	return out
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServe_Embargo: a source's hold keeps its articles out of the feeds
// until a timer releases them; an editor's hold, set through one
// replica, hides an article on every replica until it is lifted.
func TestServe_Embargo(t *testing.T) {
	t.Run("Embedded", func(t *testing.T) { testEmbargoServe(t, "", false) })
	t.Run("Redis", func(t *testing.T) { testEmbargoServe(t, redisStore(t), true) })
}

func testEmbargoServe(t *testing.T, storeExtra string, fleet bool) {
	p := partner(t)
	cfg, _ := writeConfigStore(t, p.URL+"/feed/", "    hold: 5s\n", storeExtra)
	body, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append([]byte("admin:\n  tokens: [\""+partnerAdminToken+"\"]\n"), body...), 0o644)
	t0 := time.Now() // every article is first seen after this: held until t0+5s at least
	a, erra, _ := startServe(t, cfg)
	b := a
	if fleet {
		b, _, _ = startServe(t, cfg)
	}
	// The start-up ingest stores the articles; they are held for 5s.
	waitUntil(t, "the start-up ingest", func() bool {
		req, _ := http.NewRequest("GET", a+"/api/sources/partner", nil)
		req.Header.Set("Authorization", "Bearer "+partnerAdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var v struct {
			Status struct {
				ArticleCount int `json:"article_count"`
			} `json:"status"`
		}
		json.NewDecoder(resp.Body).Decode(&v)
		return v.Status.ArticleCount > 0
	})
	// Before t0+5s the hold must hide them (a loaded machine may get
	// here later, when the release may rightly have come).
	if ids := feedIDs(t, b); len(ids) != 0 && time.Since(t0) < 5*time.Second {
		t.Errorf("held articles in the feed right after ingest: %v", ids)
	}
	waitUntil(t, "the hold's release", func() bool { return len(feedIDs(t, b)) > 0 })
	id := feedIDs(t, b)[0]

	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	req, _ := http.NewRequest("PUT", a+"/api/articles/"+id+"/hold", strings.NewReader(`{"until":"`+until+`"}`))
	req.Header.Set("Authorization", "Bearer "+partnerAdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("hold = %d; log:\n%s", resp.StatusCode, erra.String())
	}
	has := func(ids []string) bool {
		for _, x := range ids {
			if x == id {
				return true
			}
		}
		return false
	}
	waitUntil(t, "the editor's hold on every replica", func() bool { return !has(feedIDs(t, b)) && statusOf(t, b+"/articles/"+id+".json", "") == 404 })
	req, _ = http.NewRequest("DELETE", a+"/api/articles/"+id+"/hold", nil)
	req.Header.Set("Authorization", "Bearer "+partnerAdminToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("lift = %d", resp.StatusCode)
	}
	waitUntil(t, "the lifted hold on every replica", func() bool { return has(feedIDs(t, b)) })
}
