package normalize_test

import (
	"strings"
	"testing"

	"syndicate"
	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
)

// TestNormalize_LinkBase checks docs/decisions/links.md: item links resolve
// against xml:base, else the channel's website link, else the feed URL
// (for a file: source, its site URL); content URLs against xml:base, else
// the canonical URL. No file: or other non-http base ever leaks in.
func TestNormalize_LinkBase(t *testing.T) {
	const item = `<item><title>T</title><link>story/1</link><description>&lt;img src="pic.jpg"&gt;</description></item>`
	for _, tc := range []struct {
		name, doc, feedURL, link, img string
	}{
		{"ChannelLink", `<rss version="2.0"><channel><title>C</title><link>https://site.example/news/</link>` + item + `</channel></rss>`,
			"https://feeds.example/f.xml", "https://site.example/news/story/1", "https://site.example/news/story/pic.jpg"},
		{"RelativeChannelLink", `<rss version="2.0"><channel><title>C</title><link>/news/</link>` + item + `</channel></rss>`,
			"https://feeds.example/f.xml", "https://feeds.example/news/story/1", "https://feeds.example/news/story/pic.jpg"},
		{"FeedURL", `<rss version="2.0"><channel><title>C</title>` + item + `</channel></rss>`,
			"https://feeds.example/x/f.xml", "https://feeds.example/x/story/1", "https://feeds.example/x/story/pic.jpg"},
		{"SiteURLForFileSource", `<rss version="2.0"><channel><title>C</title>` + item + `</channel></rss>`,
			"file:/srv/feeds/f.xml", "https://partner.example/story/1", "https://partner.example/story/pic.jpg"},
		{"XMLBaseOnChannel", `<rss version="2.0"><channel xml:base="https://base.example/b/"><title>C</title><link>https://site.example/</link>` + item + `</channel></rss>`,
			"https://feeds.example/f.xml", "https://base.example/b/story/1", "https://base.example/b/pic.jpg"},
		{"FileXMLBaseIgnored", `<rss version="2.0"><channel xml:base="file:///etc/"><title>C</title><link>https://site.example/</link>` + item + `</channel></rss>`,
			"https://feeds.example/f.xml", "", ""},
		{"JavaScriptChannelLink", `<rss version="2.0"><channel><title>C</title><link>javascript:alert(1)</link>` + item + `</channel></rss>`,
			"https://feeds.example/f.xml", "https://feeds.example/story/1", "https://feeds.example/story/pic.jpg"},
		{"AtomAlternate", `<feed xmlns="http://www.w3.org/2005/Atom"><title>C</title><link rel="alternate" href="https://site.example/blog/"/><link rel="self" href="https://feeds.example/a.atom"/>` +
			`<entry><id>tag:x,2026:1</id><title>T</title><link href="story/1"/><content type="html">&lt;img src="pic.jpg"&gt;</content></entry></feed>`,
			"https://feeds.example/a.atom", "https://site.example/blog/story/1", "https://site.example/blog/story/pic.jpg"},
		{"AtomUnusableFirstAlternate", `<feed xmlns="http://www.w3.org/2005/Atom"><title>C</title><link rel="alternate" href="https://site.example/blog/"/>` +
			`<entry><id>tag:x,2026:1</id><title>T</title><link href="javascript:alert(1)"/><link rel="related" href="https://other.example/"/><link rel="alternate" type="text/html" href="https://site.example/one"/><content type="html">&lt;img src="pic.jpg"&gt;</content></entry></feed>`,
			"https://feeds.example/a.atom", "https://site.example/one", "https://site.example/pic.jpg"},
		{"JSONHomePage", `{"version":"https://jsonfeed.org/version/1.1","title":"C","home_page_url":"https://site.example/j/","items":[{"id":"1","url":"story/1","content_html":"<img src=\"pic.jpg\">"}]}`,
			"https://feeds.example/f.json", "https://site.example/j/story/1", "https://site.example/j/story/pic.jpg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parse.Parse([]byte(tc.doc), "")
			if err != nil {
				t.Fatal(err)
			}
			res := normalize.Normalize(f, testSource, normalize.Options{FeedURL: tc.feedURL, Now: clock})
			if len(res.Entries) != 1 {
				t.Fatalf("%d entries, problems %q", len(res.Entries), res.Problems)
			}
			a := res.Entries[0].Article
			if a.CanonicalURL != tc.link {
				t.Errorf("canonical %q, want %q", a.CanonicalURL, tc.link)
			}
			if tc.img != "" && !strings.Contains(a.Content, `src="`+tc.img+`"`) {
				t.Errorf("content %q, want the image at %s", a.Content, tc.img)
			}
			if strings.Contains(a.Content, "file:") {
				t.Errorf("content %q holds a file: URL", a.Content)
			}
			checkInvariants(t, res, clock)
		})
	}
}

// A double-escaped title or summary decodes to "<script>...": it is text,
// but a reader that renders titles as HTML would run it.
func TestNormalize_DoubleEscapedScriptTitle(t *testing.T) {
	doc := rssItem(`<pubDate>Tue, 24 Nov 2026 09:00:00 +0000</pubDate>`)
	doc = strings.Replace(doc, "<title>Dated</title>", `<title>&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Breaking &amp;amp; news</title>`, 1)
	doc = strings.Replace(doc, "<description>Body.</description>", `<description>&amp;lt;img src=x onerror=alert(2)&amp;gt;Summary</description><content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">Full text.</content:encoded>`, 1)
	a := MustNormalizeDoc(t, doc, clock).Entries[0].Article
	if a.Title != "Breaking & news" {
		t.Errorf("title %q, want %q", a.Title, "Breaking & news")
	}
	if a.Summary != "Summary" {
		t.Errorf("summary %q, want %q", a.Summary, "Summary")
	}
	// Plain comparisons survive: a '<' that starts no tag is text.
	doc = strings.Replace(rssItem(""), "<title>Dated</title>", `<title>1 &lt; 2 and 3 &gt; 2</title>`, 1)
	if a := MustNormalizeDoc(t, doc, clock).Entries[0].Article; a.Title != "1 < 2 and 3 > 2" {
		t.Errorf("title %q, want %q", a.Title, "1 < 2 and 3 > 2")
	}
}

// An RSS title's angle brackets that make no HTML element are text, as
// feedparser reads them; one with an element or a character reference
// is HTML, as before.
func TestNormalize_RSSTitleBracketsWithoutElement(t *testing.T) {
	for _, tc := range []struct{ title, want string }{
		{`Nice &#x3C;gorilla&#x3E; what's he weigh?`, "Nice <gorilla> what's he weigh?"},
		{`Why Vec&lt;T&gt; beats []T`, "Why Vec<T> beats []T"},
		{`&lt;b&gt;Bold&lt;/b&gt; &lt;gorilla&gt; name`, "Bold name"},
		{`Vec&lt;T&gt; &amp;amp; more`, "Vec & more"},
		{`The &#x26;amp; entity`, "The & entity"},
		{`&lt;gorilla onclick="x()"&gt; hi`, "hi"},
	} {
		doc := strings.Replace(rssItem(""), "<title>Dated</title>", "<title>"+tc.title+"</title>", 1)
		if a := MustNormalizeDoc(t, doc, clock).Entries[0].Article; a.Title != tc.want {
			t.Errorf("title %s: got %q, want %q", tc.title, a.Title, tc.want)
		}
	}
}

// Atom content of type "text" (the default) is plain text: angle brackets
// in it are characters, not tags to strip.
func TestNormalize_AtomTextContentEscaped(t *testing.T) {
	for _, tc := range []struct{ attr, want string }{
		{`type="text"`, "<p>Use &lt;dialog&gt; &amp; friends.</p>"},
		{``, "<p>Use &lt;dialog&gt; &amp; friends.</p>"},
		{`type="html"`, "Use  &amp; friends."},
	} {
		doc := strings.Replace(atomEntry(""), `<content type="html">Body.</content>`, `<content `+tc.attr+`>Use &lt;dialog&gt; &amp;amp; friends.</content>`, 1)
		if tc.attr != `type="html"` {
			doc = strings.Replace(doc, "&amp;amp;", "&amp;", 1)
		}
		a := MustNormalizeDoc(t, doc, clock).Entries[0].Article
		if a.Content != tc.want {
			t.Errorf("content %s: %q, want %q", tc.attr, a.Content, tc.want)
		}
	}
}

func TestNormalize_StripParamsOption(t *testing.T) {
	doc := strings.Replace(rssItem(""), "https://partner.example/a", "https://partner.example/a?ref=feed&amp;utm_source=x&amp;p=2", 1)
	f, err := parse.Parse([]byte(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	res := normalize.Normalize(f, testSource, normalize.Options{Now: clock, StripParams: []string{"ref"}})
	if got := res.Entries[0].Article.CanonicalURL; got != "https://partner.example/a?p=2" {
		t.Errorf("canonical %q", got)
	}
}

// Identity: the key is the guid, else the canonical URL, else a content
// hash; the entry id is the guid when it is an absolute IRI, else the
// canonical URL.
func TestNormalize_Identity(t *testing.T) {
	for _, tc := range []struct {
		name, inner, key, entryID string
	}{
		{"PermalinkGUID", `<guid>https://partner.example/a</guid>`, "https://partner.example/a", "https://partner.example/a"},
		{"OpaqueGUID", `<guid isPermaLink="false">post-17</guid>`, "post-17", "https://partner.example/a"},
		{"TagGUID", `<guid isPermaLink="false">tag:partner.example,2026:17</guid>`, "tag:partner.example,2026:17", "tag:partner.example,2026:17"},
		{"URNGUID", `<guid isPermaLink="false">urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427</guid>`, "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
		{"GUIDWithSpaces", `<guid isPermaLink="false">  post 17  </guid>`, "post 17", "https://partner.example/a"},
		{"NoGUID", ``, "https://partner.example/a", "https://partner.example/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := MustNormalizeDoc(t, rssItem(tc.inner), clock).Entries[0]
			if e.Key != tc.key || e.Article.EntryID != tc.entryID {
				t.Errorf("key %q entry id %q, want %q %q", e.Key, e.Article.EntryID, tc.key, tc.entryID)
			}
		})
	}
	t.Run("NoGUIDNoLink", func(t *testing.T) {
		doc := strings.Replace(rssItem(""), "<link>https://partner.example/a</link>", "", 1)
		e := MustNormalizeDoc(t, doc, clock).Entries[0]
		if !strings.HasPrefix(e.Key, "h:") || e.Article.EntryID != "" || e.Article.CanonicalURL != "" {
			t.Errorf("key %q entry id %q canonical %q", e.Key, e.Article.EntryID, e.Article.CanonicalURL)
		}
		again := MustNormalizeDoc(t, doc, clock.Add(48*60*60*1e9)).Entries[0]
		if again.Key != e.Key {
			t.Errorf("content-hash key moved: %q, then %q", e.Key, again.Key)
		}
	})
}

// Nothing is resolved against, or published as, a file: URL.
func TestNormalize_FileFeedURL(t *testing.T) {
	src := testSource
	src.URL = "file:/srv/partner.xml"
	f, err := parse.Parse([]byte(`<rss version="2.0"><channel><title>C</title><item><title>T</title><link>a.html</link></item></channel></rss>`), "")
	if err != nil {
		t.Fatal(err)
	}
	res := normalize.Normalize(f, src, normalize.Options{FeedURL: src.URL, Now: clock})
	if got := res.Entries[0].Article.CanonicalURL; got != "https://partner.example/a.html" {
		t.Errorf("canonical %q, want it resolved against the site URL", got)
	}
	var _ syndicate.Source = src
}

// Image, author and enclosure URLs get the same host treatment as
// canonical URLs: punycode, lower case, no user info.
func TestNormalize_OtherURLHosts(t *testing.T) {
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","url":"https://partner.example/a",` +
		`"content_html":"x","image":"https://Bücher.Example/i.jpg","authors":[{"name":"A","url":"https://user:pw@EXAMPLE.com/p"}],` +
		`"attachments":[{"url":"http://CDN.Example:8080/a.mp3","mime_type":"audio/mpeg"},{"url":"https://a\"b.example/x"},{"url":"http://[2001:DB8::1]/b.mp3"}]}]}`
	a := MustNormalizeDoc(t, doc, clock).Entries[0].Article
	if a.Image != "https://xn--bcher-kva.example/i.jpg" {
		t.Errorf("image %q", a.Image)
	}
	if len(a.Authors) != 1 || a.Authors[0].URL != "https://example.com/p" {
		t.Errorf("authors %+v", a.Authors)
	}
	if len(a.Enclosures) != 1 || a.Enclosures[0].URL != "http://cdn.example:8080/a.mp3" {
		t.Errorf("enclosures %+v", a.Enclosures)
	}
}
