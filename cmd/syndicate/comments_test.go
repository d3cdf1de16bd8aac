package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"syndicate/store/embedded"
)

// TestMain lets a test run this binary as `syndicate` in a child process
// (SYNDICATE_TEST_MAIN holds the arguments), to kill it like a crash.
func TestMain(m *testing.M) {
	if args := os.Getenv("SYNDICATE_TEST_MAIN"); args != "" {
		os.Exit(NewMain().Run(context.Background(), strings.Fields(args)))
	}
	os.Exit(m.Run())
}

func postJSON(t testing.TB, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func firstArticle(t *testing.T, base string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(base + "/feed.json"); err == nil {
			var f struct {
				Items []struct {
					Syndication struct {
						ArticleID string `json:"article_id"`
					} `json:"_syndication"`
				} `json:"items"`
			}
			json.NewDecoder(r.Body).Decode(&f)
			r.Body.Close()
			if len(f.Items) > 0 {
				return f.Items[0].Syndication.ArticleID
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no article was ingested")
	return ""
}

// TestComments_PublishedOnApproval: a reader's comment waits for an
// editor, and is in the article's comment feed and counts as soon as the
// approval returns (the cache is invalidated by the write).
func TestComments_PublishedOnApproval(t *testing.T) {
	p := partner(t)
	cfg, _ := writeConfig(t, p.URL+"/feed/", "")
	raw, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append([]byte("admin:\n  tokens: [\"tok-abcdef-0123456\"]\n"), raw...), 0o644)
	base, _, _ := startServe(t, cfg)
	aid := firstArticle(t, base)
	commentsURL := base + "/articles/" + aid + "/comments.rss"
	before := rawGet(t, commentsURL) // cached now
	if strings.Contains(before, "<item>") {
		t.Fatal("comments before any was posted")
	}
	code, c := postJSON(t, base+"/articles/"+aid+"/comments", "", `{"author":"Ann Reader","email":"ann@example.com","body":"Well said."}`)
	if code != 201 || c["status"] != "pending" {
		t.Fatalf("submit = %d %v", code, c)
	}
	// The 201's Location answers, through the whole server.
	if got := rawGet(t, base+"/articles/"+aid+"/comments/"+c["id"].(string)); !strings.Contains(got, `"status"`) || !strings.Contains(got, c["id"].(string)) {
		t.Errorf("GET the new comment = %s", got)
	}
	if strings.Contains(rawGet(t, commentsURL), "Ann Reader") {
		t.Fatal("a pending comment was published")
	}
	code, out := postJSON(t, base+"/api/comments/"+c["id"].(string)+"/approve", "tok-abcdef-0123456", "")
	if code != 200 || out["status"] != "approved" {
		t.Fatalf("approve = %d %v", code, out)
	}
	after := rawGet(t, commentsURL)
	if !strings.Contains(after, "<title>By: Ann Reader</title>") || strings.Contains(after, "ann@example.com") {
		t.Errorf("after approval the comment feed is:\n%s", after)
	}
	if !strings.Contains(rawGet(t, base+"/feed.rss"), "<slash:comments>1</slash:comments>") {
		t.Error("the article feed's slash:comments did not move")
	}
	if !strings.Contains(rawGet(t, base+"/comments.atom"), "Comment on Council passes budget &amp; tax plan by Ann Reader") {
		t.Error("the site-wide comment feed lacks it")
	}
	req, _ := http.NewRequest("GET", base+"/api/comments?status=approved", nil)
	req.Header.Set("Authorization", "Bearer tok-abcdef-0123456")
	resp, _ := http.DefaultClient.Do(req)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"total": 1`) {
		t.Errorf("moderation list = %d %s", resp.StatusCode, b)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestComments_SurviveACrash: a comment answered with 201 is on disk even
// when the server is killed right after, with no shutdown at all.
func TestComments_SurviveACrash(t *testing.T) {
	p := partner(t)
	cfg, dataDir := writeConfig(t, p.URL+"/feed/", "")
	addr := freePort(t)
	raw, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(raw), `listen: "127.0.0.1:0"`, fmt.Sprintf("listen: %q", addr), 1)), 0o644)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SYNDICATE_TEST_MAIN=serve --config "+cfg)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	go io.Copy(io.Discard, bufio.NewReader(stderr))
	base := "http://" + addr
	aid := firstArticle(t, base)
	code, c := postJSON(t, base+"/articles/"+aid+"/comments", "", `{"author":"Last Words","email":"lw@example.com","body":"Written just before the crash."}`)
	if code != 201 {
		t.Fatalf("submit = %d %v", code, c)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	st, err := embedded.Open(dataDir, embedded.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Comment(t.Context(), c["id"].(string))
	if err != nil || got.Author.Name != "Last Words" || got.Status != "pending" {
		t.Fatalf("after the crash: %+v, %v", got, err)
	}
}
