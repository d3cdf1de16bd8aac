package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"syndicate"
)

// TestServe_Retractions: on both stores, an editor's takedown (with a
// reason) and a partner's at:deleted-entry leave our feeds as RFC 6721
// deleted entries in Atom and _syndication.deleted in JSON Feed, and our
// hub is pinged for the feeds they changed.
func TestServe_Retractions(t *testing.T) {
	t.Run("Embedded", func(t *testing.T) { testRetractions(t, "") })
	t.Run("Redis", func(t *testing.T) { testRetractions(t, redisStore(t)) })
}

func testRetractions(t *testing.T, storeExtra string) {
	raw, err := os.ReadFile("testdata/wordpress.rss")
	if err != nil {
		t.Fatal(err)
	}
	// The partner's second version deletes its second story.
	start := bytes.Index(raw, []byte("<item>\n    <title>Second story"))
	end := bytes.Index(raw[start:], []byte("</item>")) + start + len("</item>")
	v2 := slices.Concat(raw[:start], []byte(`<at:deleted-entry ref="PARTNER/?p=100" when="2026-11-21T08:00:00Z"/>`), raw[end:])
	v2 = bytes.Replace(v2, []byte(`xmlns:slash=`), []byte(`xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns:slash=`), 1)
	var deleted atomic.Bool
	var p *httptest.Server
	p = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := raw
		if deleted.Load() {
			body = v2
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=UTF-8")
		w.Write(bytes.ReplaceAll(body, []byte("PARTNER"), []byte(p.URL)))
	}))
	t.Cleanup(p.Close)
	hub := &hubRecorder{}
	hs := httptest.NewServer(hub)
	t.Cleanup(hs.Close)
	cfg, _ := writeConfigStore(t, p.URL+"/feed/", "", storeExtra)
	conf, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append([]byte(fmt.Sprintf("websub:\n  hub_url: %q\nadmin:\n  tokens: [{name: ops, token: \"tok-123456-0123456\"}]\n", hs.URL+"/hub")), conf...), 0o644)
	base, errb, _ := startServe(t, cfg)
	api := func(method, path string) (int, string) {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer tok-123456-0123456")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s; log:\n%s", what, errb.String())
			}
		}
	}
	waitFor("the start-up ingest stored nothing", func() bool { return len(getFeed(t, base+"/feed.rss").Items) == 2 })
	waitFor("no hub ping for the start-up ingest", func() bool { return len(hub.got()) > 0 })

	// An editor takes the first story down, with a reason.
	hub.mu.Lock()
	hub.topics = nil
	hub.mu.Unlock()
	first := syndicate.MintArticleID("partner", p.URL+"/?p=101")
	if code, body := api("DELETE", "/api/articles/"+first+"?reason=Retracted+at+the+partner%27s+request"); code != 204 {
		t.Fatalf("takedown = %d %s", code, body)
	}
	want := `<at:deleted-entry ref="` + p.URL + `/?p=101" when="`
	atom := rawGet(t, base+"/feed.atom")
	if !strings.Contains(atom, want) || !strings.Contains(atom, "<at:comment>Retracted at the partner&#39;s request</at:comment>") || strings.Contains(atom, "<id>"+p.URL+"/?p=101</id>") {
		t.Errorf("Atom after the takedown:\n%s", atom)
	}
	waitFor("no hub ping for the takedown", func() bool {
		return slices.Contains(hub.got(), "https://feeds.example.com/feed.atom") && slices.Contains(hub.got(), "https://feeds.example.com/categories/politics/feed.json")
	})

	// The partner deletes its second story; the next pass retires it.
	deleted.Store(true)
	if code, body := api("POST", "/api/sources/partner/refresh"); code != 200 {
		t.Fatalf("refresh = %d %s", code, body)
	}
	second := syndicate.MintArticleID("partner", p.URL+"/?p=100")
	if n := len(getFeed(t, base+"/feed.rss").Items); n != 0 {
		t.Errorf("the site feed lists %d items, want none", n)
	}
	js := rawGet(t, base+"/feed.json")
	if !strings.Contains(js, `"id": "`+p.URL+`/?p=100"`) || !strings.Contains(js, `"article_id": "`+second+`"`) || !strings.Contains(js, `"article_id": "`+first+`"`) {
		t.Errorf("JSON Feed _syndication.deleted after the partner's deletion:\n%s", js)
	}
	if !strings.Contains(rawGet(t, base+"/sources/partner/feed.atom"), `<at:deleted-entry ref="`+p.URL+`/?p=100"`) {
		t.Error("the source's Atom feed does not announce the partner's deletion")
	}
	if r, err := http.Get(base + "/articles/" + second + ".json"); err != nil || r.StatusCode != 404 {
		t.Errorf("the retired article is still served: %v %v", r.StatusCode, err)
	}
}

// TestServe_EveryWriteReachesTheHub: writes other than an ingest pass
// reach the one stream of changes too: a comment's approval pings our hub
// for the article's comment feed and the site-wide one (that a pending
// comment changes no feed is the store's conformance suite's to prove),
// and an editor's hold pings it for the feeds the article leaves.
func TestServe_EveryWriteReachesTheHub(t *testing.T) {
	p := partner(t)
	hub := &hubRecorder{}
	hs := httptest.NewServer(hub)
	t.Cleanup(hs.Close)
	cfg, _ := writeConfig(t, p.URL+"/feed/", "")
	conf, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append([]byte(fmt.Sprintf("websub:\n  hub_url: %q\nadmin:\n  tokens: [\"tok-abcdef-0123456\"]\n", hs.URL+"/hub")), conf...), 0o644)
	base, errb, _ := startServe(t, cfg)
	aid := firstArticle(t, base)
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s; hub got %v; log:\n%s", what, hub.got(), errb.String())
			}
		}
	}
	waitFor("no hub ping for the start-up ingest", func() bool { return len(hub.got()) > 0 })
	commentFeed := "https://feeds.example.com/articles/" + aid + "/comments.atom"
	code, c := postJSON(t, base+"/articles/"+aid+"/comments", "", `{"author":"Ann Reader","email":"ann@example.com","body":"Well said."}`)
	if code != 201 || c["status"] != "pending" {
		t.Fatalf("submit = %d %v", code, c)
	}
	if code, out := postJSON(t, base+"/api/comments/"+c["id"].(string)+"/approve", "tok-abcdef-0123456", ""); code != 200 {
		t.Fatalf("approve = %d %v", code, out)
	}
	waitFor("no hub ping for the approval", func() bool {
		return slices.Contains(hub.got(), commentFeed) && slices.Contains(hub.got(), "https://feeds.example.com/comments.rss")
	})

	// An editor's hold takes the article out of the site feed: the hub
	// hears of it too.
	hub.mu.Lock()
	hub.topics = nil
	hub.mu.Unlock()
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	req, _ := http.NewRequest("PUT", base+"/api/articles/"+aid+"/hold", strings.NewReader(`{"until":"`+until+`"}`))
	req.Header.Set("Authorization", "Bearer tok-abcdef-0123456")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("hold = %d", resp.StatusCode)
	}
	waitFor("no hub ping for the hold", func() bool { return slices.Contains(hub.got(), "https://feeds.example.com/feed.atom") })
}
