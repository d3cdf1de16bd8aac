package feeds_test

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/feeds"
	"syndicate/store"
)

// hostileName is an editor-set source name (or an OPML title) that looks
// like markup: every output must carry it as plain text.
const hostileName = `<script>alert(1)</script> & "Q" </source><b>`

// published is what the four published places say of a source: RSS
// <source url>, Atom <source> id and self link, JSON source_feed_url, and
// the attribution template's .SourceFeed. Each also reports the source
// name as a reader of that format reads it.
type published struct {
	rssURL, rssName     string
	atomID, atomSelf    string
	atomTitle, atomType string
	jsonFeed, jsonName  string
	attribution         string // the attribution line as rendered (HTML)
}

func renderPublished(t *testing.T, a *syndicate.Article, srcs map[string]syndicate.Source) published {
	t.Helper()
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News", Language: "en"}, nil)
	items := []store.ArticleView{{Article: a}}
	var p published
	render := func(f feeds.Format) []byte {
		doc := feeds.Doc{Format: f, ID: base + "/feed." + string(f), Title: "Example News", HomeURL: base + "/", Created: created,
			Links: feeds.Links{Self: base + "/feed." + string(f)}}
		out, err := r.ArticleFeed(doc, items, srcs)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		return out
	}

	var rss struct {
		Items []struct {
			Source struct {
				URL  string `xml:"url,attr"`
				Name string `xml:",chardata"`
			} `xml:"source"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(render(feeds.RSS), &rss); err != nil || len(rss.Items) != 1 {
		t.Fatalf("rss: %v, %d items", err, len(rss.Items))
	}
	p.rssURL, p.rssName = rss.Items[0].Source.URL, rss.Items[0].Source.Name

	var atom struct {
		Entries []struct {
			Source struct {
				ID    string `xml:"id"`
				Title struct {
					Type string `xml:"type,attr"`
					Text string `xml:",chardata"`
				} `xml:"title"`
				Links []struct {
					Href string `xml:"href,attr"`
					Rel  string `xml:"rel,attr"`
				} `xml:"link"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(render(feeds.Atom), &atom); err != nil || len(atom.Entries) != 1 {
		t.Fatalf("atom: %v, %d entries", err, len(atom.Entries))
	}
	as := atom.Entries[0].Source
	p.atomID, p.atomTitle, p.atomType = as.ID, as.Title.Text, as.Title.Type
	for _, l := range as.Links {
		if l.Rel == "self" {
			p.atomSelf = l.Href
		}
	}

	var jf struct {
		Items []struct {
			Syn feeds.Syndication `json:"_syndication"`
		} `json:"items"`
	}
	if err := json.Unmarshal(render(feeds.JSON), &jf); err != nil || len(jf.Items) != 1 {
		t.Fatalf("json: %v", err)
	}
	p.jsonFeed, p.jsonName = jf.Items[0].Syn.SourceFeedURL, jf.Items[0].Syn.SourceName
	src, ok := srcs[a.Source.ID]
	if !ok {
		src = syndicate.Source{ID: a.Source.ID, Name: a.Source.Name, SiteURL: a.Source.SiteURL, URL: a.Source.FeedURL}
	}
	p.attribution = r.Attribution(a, src)
	return p
}

// TestPublishedFeedURL: a feed URL with a query string (an API key) or a
// user:password is never published, in any format or in the attribution
// line; site_url stands in unless public_feed_url is set.
func TestPublishedFeedURL(t *testing.T) {
	const attr = `From <a href="{{.SourceFeed}}">{{.SourceName}}</a>.`
	cases := []struct {
		name string
		src  syndicate.Source
		want string
	}{
		{"api key in the query", syndicate.Source{URL: "https://partner.example/feed?api_key=SECRET123", SiteURL: "https://partner.example/"}, "https://partner.example/"},
		{"user and password", syndicate.Source{URL: "https://bot:SECRET123@partner.example/feed", SiteURL: "https://partner.example/"}, "https://partner.example/"},
		{"empty query", syndicate.Source{URL: "https://partner.example/feed?", SiteURL: "https://partner.example/"}, "https://partner.example/"},
		{"no site url: the origin", syndicate.Source{URL: "https://partner.example/feed?key=SECRET123"}, "https://partner.example/"},
		{"public_feed_url wins", syndicate.Source{URL: "https://partner.example/feed?api_key=SECRET123", SiteURL: "https://partner.example/",
			PublicFeed: "https://partner.example/public.xml"}, "https://partner.example/public.xml"},
		{"file: source", syndicate.Source{URL: "file:/srv/SECRET123/feed.xml", SiteURL: "https://partner.example/"}, "https://partner.example/"},
		{"site url without a path: its canonical form", syndicate.Source{URL: "file:/srv/feed.xml", SiteURL: "https://partner.example"}, "https://partner.example/"},
		{"public_feed_url without a path: its canonical form", syndicate.Source{URL: "file:/srv/feed.xml", PublicFeed: "https://partner.example"}, "https://partner.example/"},
		{"plain feed url is published", syndicate.Source{URL: "https://partner.example/feed/", SiteURL: "https://partner.example/"}, "https://partner.example/feed/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src
			src.ID, src.Name, src.Attribution, src.Enabled = "partner", hostileName, attr, true
			a := &syndicate.Article{ID: "a1", Source: src.Ref(), Title: "T", CanonicalURL: "https://partner.example/a1",
				Published: t0, Updated: t0, FirstSeen: t0, Content: "<p>x</p>"}
			if strings.Contains(a.Source.FeedURL, "SECRET123") {
				t.Errorf("the stored snapshot keeps the secret: %q", a.Source.FeedURL)
			}
			for _, live := range []bool{true, false} {
				srcs := map[string]syndicate.Source{}
				if live {
					srcs[src.ID] = src
				}
				p := renderPublished(t, a, srcs)
				got := map[string]string{"rss <source url>": p.rssURL, "atom <source><id>": p.atomID, "atom <source> self link": p.atomSelf, "json source_feed_url": p.jsonFeed}
				for where, v := range got {
					if v != tc.want {
						t.Errorf("live=%v %s = %q, want %q", live, where, v, tc.want)
					}
				}
				if live && !strings.Contains(p.attribution, `href="`+tc.want+`"`) {
					t.Errorf(".SourceFeed: attribution %q does not link %q", p.attribution, tc.want)
				}
				if strings.Contains(p.attribution, "SECRET123") {
					t.Errorf("attribution leaks the secret: %q", p.attribution)
				}
			}
		})
	}
}

// TestSourceName_PlainText: an editor-set name that looks like markup is
// text in RSS, Atom, JSON Feed and the attribution line: it reads back as
// itself and never becomes an element.
func TestSourceName_PlainText(t *testing.T) {
	src := syndicate.Source{ID: "partner", Name: hostileName, URL: "https://partner.example/feed", SiteURL: "https://partner.example/", Enabled: true}
	a := &syndicate.Article{ID: "a1", Source: src.Ref(), Title: "T", CanonicalURL: "https://partner.example/a1",
		Published: t0, Updated: t0, FirstSeen: t0.Add(-time.Hour), Content: "<p>x</p>"}
	p := renderPublished(t, a, map[string]syndicate.Source{src.ID: src})
	if p.rssName != hostileName {
		t.Errorf("rss <source> = %q, want the name as text", p.rssName)
	}
	if p.atomTitle != hostileName || (p.atomType != "" && p.atomType != "text") {
		t.Errorf("atom <source><title type=%q> = %q, want text %q", p.atomType, p.atomTitle, hostileName)
	}
	if p.jsonName != hostileName {
		t.Errorf("json source_name = %q", p.jsonName)
	}
	if strings.Contains(p.attribution, "<script") || strings.Contains(p.attribution, "<b>") || !strings.Contains(p.attribution, "&lt;script&gt;") {
		t.Errorf("attribution does not escape the name: %q", p.attribution)
	}
}

// TestAttribution_OutputCapped: a template that would repeat a long
// title into megabytes gives the default line instead.
func TestAttribution_OutputCapped(t *testing.T) {
	src := syndicate.Source{ID: "partner", Name: "Partner", URL: "https://partner.example/feed", SiteURL: "https://partner.example/",
		Attribution: strings.Repeat("{{.Title}}", 150), Enabled: true}
	a := &syndicate.Article{ID: "a1", Source: src.Ref(), Title: strings.Repeat("T", 80_000), CanonicalURL: "https://partner.example/a1",
		Published: t0, Updated: t0, FirstSeen: t0}
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News"}, nil)
	line := r.Attribution(a, src)
	if len(line) > syndicate.MaxAttributionBytes || !strings.Contains(line, "A previous version of this article was published on") {
		t.Errorf("attribution is %d bytes: %.200q", len(line), line)
	}
}
