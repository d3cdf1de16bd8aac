package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `syndicate try` reports per document what a pass would republish, skip
// and lose, with the configured bounds, and stores nothing.
func TestTry_Command(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	item := func(guid, title, date string) string {
		return fmt.Sprintf(`<item><title>%s</title><link>https://p.example/%s</link><guid isPermaLink="false">%s</guid><pubDate>%s</pubDate><description>Story.</description></item>`, title, guid, guid, date)
	}
	rss := func(items ...string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>P</title><link>https://p.example/</link><description>d</description>` + strings.Join(items, "") + `</channel></rss>`
	}
	good := write("good.xml", rss(
		item("a", "A", "Mon, 14 Mar 2022 09:00:00 +0000"),
		`<item></item>`,
		item("b", "B", "Tue, 15 Mar 2022 09:00:00 +0000"),
		item("a", "A again", "Mon, 14 Mar 2022 09:00:00 +0000"),
		item("c", "C", "Fri, 10 Jan 2020 14:33:00 +0000"),
	))
	notFeed := write("page.html", `<!doctype html><html><head><title>Home</title></head><body><p>Hello</p></body></html>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rss(item("x", "X", "Tue, 24 Nov 2026 09:00:00 +0000")))
	}))
	t.Cleanup(srv.Close)
	data := filepath.Join(dir, "data")
	cfg := write("syndicate.yaml", fmt.Sprintf("store:\n  data_dir: %q\ningest:\n  allow_private_networks: true\n  retention:\n    max_items_per_source: 2\n", data))
	strict := write("strict.yaml", fmt.Sprintf("store:\n  data_dir: %q\n", data))

	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"file", []string{"--config", cfg, good}, 0, []string{
			"doc=" + good + " status=ok http=0 read=5 republish=2 skipped=3 undated=0 lost_date=0 lost_author=0 lost_image=0 lost_category=0",
			`  skipped position=1 reason="no title, content or link: skipped"`,
			`  skipped position=3 reason="the same entry as position 0 (same id or link): the first is kept"`,
			`  skipped position=4 reason="older than the newest 2 entries this source keeps (ingest.retention.max_items_per_source)"`,
		}},
		{"url", []string{"--config", cfg, srv.URL + "/feed"}, 0, []string{
			"doc=" + srv.URL + "/feed status=ok http=200 read=1 republish=1 skipped=0 undated=0 lost_date=0 lost_author=0 lost_image=0 lost_category=0",
		}},
		{"failing url next to a good file", []string{"--config", cfg, srv.URL + "/down", good}, 1, []string{
			"doc=" + srv.URL + `/down status=failed http=503 error="fetch ` + srv.URL + `/down: status 503 Service Unavailable from ` + srv.URL + `/down"`,
			"doc=" + good + " status=ok http=0 read=5 republish=2 skipped=3",
		}},
		{"the fetcher's bounds apply", []string{"--config", strict, srv.URL + "/feed"}, 1, []string{
			"doc=" + srv.URL + `/feed status=failed error="fetch ` + srv.URL + `/feed: refusing to connect to non-public address 127.0.0.1`,
		}},
		{"not a feed", []string{"--config", cfg, notFeed}, 1, []string{
			"doc=" + notFeed + ` status=failed error="parse file://` + notFeed + `: `,
		}},
		{"missing file", []string{"--config", cfg, filepath.Join(dir, "nope.xml")}, 1, []string{
			"doc=" + filepath.Join(dir, "nope.xml") + ` status=failed error="fetch file://` + filepath.Join(dir, "nope.xml") + `: `,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, out, errb := testMain(nil)
			if code := m.Run(t.Context(), append([]string{"try"}, tc.args...)); code != tc.code {
				t.Errorf("exit = %d, want %d; stderr:\n%s", code, tc.code, errb.String())
			}
			lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
			if len(lines) < len(tc.want) {
				t.Fatalf("output:\n%s\nwant at least %d lines", out.String(), len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d:\n got %s\nwant %s…", i, lines[i], w)
				}
			}
		})
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("try opened or created a store in %s (%v)", data, err)
	}
	m, _, errb := testMain(nil)
	if code := m.Run(t.Context(), []string{"try", "--config", cfg}); code != 2 || !strings.Contains(errb.String(), "FILE_OR_URL") {
		t.Errorf("no document: exit %d, stderr %q", code, errb.String())
	}
}
