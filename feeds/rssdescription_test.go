package feeds_test

import (
	"encoding/xml"
	"html"
	"testing"
	"time"

	"syndicate"
	"syndicate/feeds"
	"syndicate/store"
)

// An RSS description is HTML. The plain-text summary written beside full
// content, and the title an item without one falls back to, are escaped
// for it, so that a reader shows the partner's text: "<...>" stays text
// instead of becoming a tag, "AT&T" is valid HTML.
func TestRSS_PlainTextDescription(t *testing.T) {
	pub := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	src := syndicate.SourceRef{ID: "p", Name: "Partner", SiteURL: "https://partner.example/", FeedURL: "https://partner.example/feed"}
	article := func(id, title, summary string, at time.Time) store.ArticleView {
		return store.ArticleView{Article: &syndicate.Article{
			ID: "p-" + id, EntryID: "https://partner.example/" + id, Source: src, Carriers: []string{"p"},
			CanonicalURL: "https://partner.example/" + id, Title: title, Summary: summary, Content: "<p>Body.</p>",
			Published: at, Updated: at, FirstSeen: at,
		}}
	}
	const summary = `Mail.Ru <...> supports Tarantool & AT&T: SELECT * FROM cars WHERE a > 1;`
	const title = `1 < 2 & "quoted" <b>`
	items := []store.ArticleView{
		article("with-summary", "With a summary", summary, pub),
		article("no-summary", title, "", pub.Add(-time.Hour)),
	}
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News", Description: "Partner articles", Language: "en"}, nil)
	self := base + "/feed.rss"
	got, err := r.ArticleFeed(feeds.Doc{Format: feeds.RSS, ID: base + "/feed", Title: "Example News", HomeURL: base + "/", Created: created,
		Links: feeds.Links{Self: self, First: self, Last: self}}, items, nil)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Items []struct {
			Title       string `xml:"title"`
			Description string `xml:"description"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(got, &doc); err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	if len(doc.Items) != 2 {
		t.Fatalf("%d items, want 2\n%s", len(doc.Items), got)
	}
	for i, want := range []string{summary, title} {
		d := doc.Items[i].Description
		if html.UnescapeString(d) != want {
			t.Errorf("item %d: description %q reads as %q, want %q", i, d, html.UnescapeString(d), want)
		}
		for _, c := range d {
			if c == '<' || c == '>' {
				t.Errorf("item %d: description %q holds markup the partner wrote as text", i, d)
				break
			}
		}
	}
	if doc.Items[1].Title != title {
		t.Errorf("title %q, want the text %q", doc.Items[1].Title, title)
	}
}
