package ingest_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/store"
	"syndicate/store/embedded"
)

// A config file: source may link comment feeds as file: paths inside its
// own directory (offline demos); one that points out of it is not read.
func TestIngester_FileCommentFeeds(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "partners")
	os.MkdirAll(filepath.Join(dir, "comments"), 0o755)
	now := time.Now().UTC().Truncate(time.Second)
	day := now.Add(-time.Hour).Format(time.RFC1123Z)
	feed := `<?xml version="1.0"?><rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/"><channel><title>P</title><link>https://p.example/</link>
<item><title>In</title><link>https://p.example/in</link><guid>https://p.example/in</guid><pubDate>` + day + `</pubDate><wfw:commentRss>file:comments/in.rss</wfw:commentRss></item>
<item><title>Out</title><link>https://p.example/out</link><guid>https://p.example/out</guid><pubDate>` + day + `</pubDate><wfw:commentRss>file:../secret.rss</wfw:commentRss></item>
</channel></rss>`
	comments := `<?xml version="1.0"?><rss version="2.0" xmlns:thr="http://purl.org/syndication/thread/1.0"><channel><title>C</title><link>https://p.example/in</link>
<item><title>By: B</title><guid isPermaLink="false">c2</guid><thr:in-reply-to ref="c1"/><author>b@example.com (B)</author><pubDate>` + day + `</pubDate><description>reply</description></item>
<item><title>By: A</title><guid isPermaLink="false">c1</guid><author>a@example.com (A)</author><pubDate>` + day + `</pubDate><description>first</description></item>
</channel></rss>`
	for name, body := range map[string]string{
		filepath.Join(dir, "feed.rss"): feed, filepath.Join(dir, "comments", "in.rss"): comments, filepath.Join(root, "secret.rss"): comments,
	} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := ingest.New(st, ingest.Options{Fetcher: fetch.New(fetch.Options{}), MaxCommentFeeds: 5, CommentsWindow: 72 * time.Hour})
	src := syndicate.Source{ID: "p", Name: "P", URL: "file:" + filepath.Join(dir, "feed.rss"), SiteURL: "https://p.example/",
		Comments: true, Enabled: true, Managed: syndicate.ManagedConfig}
	if sum := in.Run(t.Context(), src, true); sum.Status != ingest.StatusOK {
		t.Fatalf("ingest = %+v", sum)
	}
	count := func(guid string) int {
		v, err := st.Article(t.Context(), syndicate.MintArticleID("p", guid))
		if err != nil {
			t.Fatal(err)
		}
		return v.CommentCount
	}
	if n := count("https://p.example/in"); n != 2 {
		t.Errorf("comments from the file inside the source's directory = %d, want 2", n)
	}
	if n := count("https://p.example/out"); n != 0 {
		t.Errorf("comments read from outside the source's directory = %d, want 0", n)
	}
	pg, _ := st.Comments(t.Context(), store.ArticleCommentsFeed(syndicate.MintArticleID("p", "https://p.example/in")), 0, 5)
	ids := map[string]*syndicate.Comment{}
	for _, c := range pg.Items {
		ids[c.GUID] = c
	}
	if ids["c1"] == nil || ids["c2"] == nil || ids["c2"].ParentID != ids["c1"].ID {
		t.Errorf("threading lost: %+v", pg.Items)
	}
}
