package feeds_test

import (
	"encoding/xml"
	"regexp"
	"slices"
	"strings"
	"testing"

	"syndicate/feeds"
	"syndicate/store"
)

func TestServer_Index(t *testing.T) {
	f := newFixture(t, true)
	r := f.get(t, "/")
	b := string(body(t, r))
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET / = %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	links := regexp.MustCompile(`<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">`).FindAllStringSubmatch(b, -1)
	var hrefs []string
	for _, l := range links {
		hrefs = append(hrefs, l[2])
	}
	for _, want := range []string{
		base + "/feed.rss", base + "/feed.atom", base + "/feed.json", base + "/comments.rss",
		base + "/sources/westernjournal/feed.atom", base + "/sources/att/feed.json",
		base + "/categories/politics/feed.rss", base + "/categories/economie/feed.atom", base + "/categories/business/feed.json",
	} {
		if !slices.Contains(hrefs, want) {
			t.Errorf("no autodiscovery link for %s", want)
		}
	}
	if !strings.Contains(b, `title="AT&amp;T &lt;News&gt; (rss)"`) {
		t.Error("source names are not escaped in the page")
	}
	if r := f.get(t, "/nope"); r.StatusCode != 404 {
		t.Errorf("GET /nope = %d", r.StatusCode)
	}
}

func TestServer_OPML(t *testing.T) {
	f := newFixture(t, true)
	r := f.get(t, "/feeds.opml")
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/x-opml") {
		t.Fatalf("GET /feeds.opml = %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	var doc struct {
		Version string `xml:"version,attr"`
		Title   string `xml:"head>title"`
		Body    []struct {
			Text   string `xml:"text,attr"`
			Type   string `xml:"type,attr"`
			XMLURL string `xml:"xmlUrl,attr"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(body(t, r), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.0" || doc.Title == "" || len(doc.Body) != 2+2+3 {
		t.Fatalf("opml = %+v", doc)
	}
	if doc.Body[0].XMLURL != base+"/feed.rss" || doc.Body[0].Type != "rss" || doc.Body[2].Text != "AT&T <News>" {
		t.Errorf("outlines = %+v", doc.Body)
	}
}

func TestTopicURLs(t *testing.T) {
	got := feeds.TopicURLs(base+"/", []store.FeedKey{store.FeedAll, store.SourceFeed("wj"), store.ArticleCommentsFeed("wj-abc"), "bogus"})
	want := []string{
		base + "/feed.rss", base + "/feed.atom", base + "/feed.json",
		base + "/sources/wj/feed.rss", base + "/sources/wj/feed.atom", base + "/sources/wj/feed.json",
		base + "/articles/wj-abc/comments.rss", base + "/articles/wj-abc/comments.atom", base + "/articles/wj-abc/comments.json",
	}
	if !slices.Equal(got, want) {
		t.Errorf("TopicURLs = %v\nwant %v", got, want)
	}
}
