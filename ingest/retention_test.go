package ingest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/store"
	"syndicate/store/embedded"
)

func TestIngester_Retention(t *testing.T) {
	var broken atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		var items strings.Builder
		base := time.Now().UTC().Add(-time.Hour)
		for i := range 5 {
			fmt.Fprintf(&items, `<item><title>T%d</title><link>http://%s/a/%d</link><pubDate>%s</pubDate><description>d</description></item>`,
				i, r.Host, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
		}
		// One very old item, beyond the age limit.
		fmt.Fprintf(&items, `<item><title>Ancient</title><link>http://%s/old</link><pubDate>Mon, 02 Jan 2006 15:04:05 +0000</pubDate></item>`, r.Host)
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>P</title><link>http://%s/</link><description>d</description>%s</channel></rss>`, r.Host, items.String())
	}))
	defer srv.Close()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := ingest.New(st, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), RetainItems: 3, RetainFor: 24 * time.Hour})
	src := syndicate.Source{ID: "p", Name: "P", URL: srv.URL + "/feed", Enabled: true}
	ctx := t.Context()
	// A pass stores at most the retention count, newest first: the two
	// oldest and the 2006 item are skipped, not stored and pruned.
	if sum := in.Run(ctx, src, true); sum.Status != ingest.StatusOK || sum.New != 3 || sum.Skipped != 3 || sum.Pruned != 0 {
		t.Fatalf("first pass: %s", sum)
	}
	if s, _ := st.SourceStatus(ctx, "p"); s.ArticleCount != 3 {
		t.Errorf("article_count after pruning = %d, want 3", s.ArticleCount)
	}
	page, _ := st.Articles(ctx, store.SourceFeed("p"), 0, 10)
	if page.Total != 3 || page.Items[0].Title != "T4" || page.Items[2].Title != "T2" {
		t.Fatalf("after retention: total %d, items %v", page.Total, titles(page.Items))
	}
	// The partner keeps listing all six: nothing comes back.
	if sum := in.Run(ctx, src, true); sum.New != 0 {
		t.Errorf("second pass: %s", sum)
	}
	if page, _ = st.Articles(ctx, store.SourceFeed("p"), 0, 10); page.Total != 3 {
		t.Errorf("pruned articles came back: %v", titles(page.Items))
	}
	// A failing pass prunes nothing.
	in2 := ingest.New(st, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), RetainItems: 1})
	broken.Store(true)
	if sum := in2.Run(ctx, src, true); sum.Status != ingest.StatusFailed {
		t.Fatalf("broken pass: %s", sum)
	}
	if page, _ = st.Articles(ctx, store.SourceFeed("p"), 0, 10); page.Total != 3 {
		t.Errorf("a failed pass pruned: %v", titles(page.Items))
	}
	if s, _ := st.SourceStatus(ctx, "p"); s.ArticleCount != 3 {
		t.Errorf("article_count = %d, want 3", s.ArticleCount)
	}
}

func titles(vs []store.ArticleView) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Title)
	}
	return out
}
