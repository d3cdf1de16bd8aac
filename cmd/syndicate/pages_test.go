package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/admin"
	"syndicate/config"
)

// The one-time sign-in link exists only on loopback with no token.
func TestSignInLinkToken(t *testing.T) {
	for _, tc := range []struct {
		listen string
		tokens []admin.Token
		want   bool
	}{
		{"127.0.0.1:8080", nil, true},
		{"[::1]:8080", nil, true},
		{"localhost:8080", nil, true},
		{":8080", nil, false},
		{"0.0.0.0:8080", nil, false},
		{"192.0.2.10:8080", nil, false},
		{"127.0.0.1:8080", []admin.Token{{Name: "token-1", Value: "configured-token-value"}}, false},
		{"not an address", nil, false},
	} {
		cfg := &config.Config{Listen: tc.listen}
		got := signInLinkToken(cfg, tc.tokens)
		if (got != nil) != tc.want {
			t.Errorf("signInLinkToken(%q, %d tokens) = %v, want a link %v", tc.listen, len(tc.tokens), got, tc.want)
		}
		if got != nil && len(got.Value) < 32 {
			t.Errorf("link token value %q is short", got.Value)
		}
	}
}

// The first README command's demo shows a threaded conversation under the
// ferry story and prints a sign-in link that opens /admin once.
func TestServe_DemoPagesAndSignInLink(t *testing.T) {
	m, _, errb := testMain(map[string]string{
		"SYNDICATE_LISTEN": "127.0.0.1:0", "SYNDICATE_DATA_DIR": t.TempDir(), "SYNDICATE_LOG_FORMAT": "json",
	})
	addr := make(chan string, 1)
	m.Ready = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--config", "../../examples/demo.yaml"}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case code := <-done:
		t.Fatalf("serve exited with %d: %s", code, errb.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not start: %s", errb.String())
	}
	get := func(client *http.Client, path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	ferry := "/articles/" + syndicate.MintArticleID("harbor-dispatch", "tag:harbordispatch.example,2026-11-24:/news/ferry-winter-schedule")
	var body string
	for i := 0; i < 100; i++ {
		if _, body = get(http.DefaultClient, ferry); strings.Contains(body, "5 thoughts on") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, s := range []string{"5 thoughts on “Winter ferry schedule drops two Pellan Island sailings”", `<ol class="children">`, "Lena Sorvik", "Kerrin Mbeki", "Leave a Comment"} {
		if !strings.Contains(body, s) {
			t.Errorf("the ferry story's page lacks %q", s)
		}
	}
	link := regexp.MustCompile(`/admin/signin/[A-Za-z0-9_-]+`).FindString(errb.String())
	if link == "" {
		t.Fatalf("no sign-in link in the log:\n%s", errb.String())
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	if resp, _ := get(browser, link); resp.StatusCode != 200 || resp.Request.URL.Path != "/admin" {
		t.Errorf("the sign-in link led to %d %s", resp.StatusCode, resp.Request.URL)
	}
	if resp, _ := get(&http.Client{}, link); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the link worked twice: %d", resp.StatusCode)
	}
}
