package parse_test

import (
	"testing"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"

	"syndicate/ingest/parse"
)

// extValue returns the value of the first extension element prefix:name of it.
func extValue(e ext.Extensions, prefix, name string) string {
	if l := e[prefix][name]; len(l) > 0 {
		if l[0].Value != "" {
			return l[0].Value
		}
		for _, k := range []string{"href", "url", "ref"} {
			if v := l[0].Attrs[k]; v != "" {
				return v
			}
		}
		return "(present)"
	}
	return ""
}

// gofeed keys extension elements by the conventional prefix of a
// namespace it knows, whatever prefix the partner bound it to; Read makes
// it know the spellings partners use (https, no trailing slash, other
// case, the RFC 4685 threading URI, iTunes' real lower-case URI).
func TestRead_NamespacePrefixes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		decl   string // namespace declarations on <rss>
		item   string // item children
		prefix string // the key gofeed must file it under
		local  string
		want   string
		check  func(*gofeed.Item) bool
	}{
		{"DotNetAtom", `xmlns:a10="http://www.w3.org/2005/Atom"`, `<a10:link href="https://p.example/a10"/><a10:updated>2026-11-20T10:00:00Z</a10:updated>`, "atom", "link", "https://p.example/a10", nil},
		{"AtomHTTPS", `xmlns:at="https://www.w3.org/2005/Atom/"`, `<at:updated>2026-11-20T10:00:00Z</at:updated>`, "atom", "updated", "2026-11-20T10:00:00Z", nil},
		{"MediaHTTPS", `xmlns:m="https://search.yahoo.com/mrss/"`, `<m:content url="https://p.example/i.jpg" medium="image"/>`, "media", "content", "https://p.example/i.jpg", nil},
		{"MediaNoSlash", `xmlns:mrss="http://search.yahoo.com/mrss"`, `<mrss:thumbnail url="https://p.example/t.jpg"/>`, "media", "thumbnail", "https://p.example/t.jpg", nil},
		{"MediaRSSBoard", `xmlns:mr="http://www.rssboard.org/media-rss"`, `<mr:thumbnail url="https://p.example/t.jpg"/>`, "media", "thumbnail", "https://p.example/t.jpg", nil},
		{"DCNoSlash", `xmlns:d="http://purl.org/dc/elements/1.1"`, `<d:creator>Ann Lee</d:creator>`, "dc", "creator", "Ann Lee",
			func(it *gofeed.Item) bool { return len(it.Authors) > 0 && it.Authors[0].Name == "Ann Lee" }},
		{"DCTerms", `xmlns:terms="http://purl.org/dc/terms"`, `<terms:modified>2026-11-20</terms:modified>`, "dcterms", "modified", "2026-11-20", nil},
		{"ContentOtherPrefix", `xmlns:c="https://purl.org/rss/1.0/modules/content"`, `<c:encoded>&lt;p&gt;full&lt;/p&gt;</c:encoded>`, "", "", "",
			func(it *gofeed.Item) bool { return it.Content == "<p>full</p>" }},
		{"ITunesLowerCaseURI", `xmlns:it="http://www.itunes.com/dtds/podcast-1.0.dtd"`, `<it:summary>Show notes</it:summary><it:image href="https://p.example/c.jpg"/>`, "itunes", "summary", "Show notes",
			func(it *gofeed.Item) bool {
				return it.ITunesExt != nil && it.ITunesExt.Summary == "Show notes" && it.ITunesExt.Image == "https://p.example/c.jpg"
			}},
		{"WFWCapitalised", `xmlns:w="http://wellformedweb.org/CommentAPI/"`, `<w:commentRss>https://p.example/c/feed</w:commentRss>`, "wfw", "commentRss", "https://p.example/c/feed", nil},
		{"SlashOtherPrefix", `xmlns:sl="http://purl.org/rss/1.0/modules/slash"`, `<sl:comments>4</sl:comments>`, "slash", "comments", "4", nil},
		{"ThreadingRFC4685", `xmlns:t="http://purl.org/syndication/thread/1.0"`, `<t:in-reply-to ref="urn:parent"/>`, "thr", "in-reply-to", "urn:parent", nil},
		{"UnknownKeepsItsPrefix", `xmlns:geo="http://www.w3.org/2003/01/geo/wgs84_pos#" xmlns:zz="urn:zz"`, `<zz:thing>v</zz:thing>`, "zz", "thing", "v", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `<?xml version="1.0"?><rss version="2.0" ` + tc.decl + `><channel><title>T</title><link>https://p.example/</link>` +
				`<item><title>t</title><link>https://p.example/1</link>` + tc.item + `</item></channel></rss>`
			doc, err := parse.Read([]byte(body), "")
			if err != nil {
				t.Fatal(err)
			}
			it := doc.Feed.Items[0]
			if tc.prefix != "" {
				if got := extValue(it.Extensions, tc.prefix, tc.local); got != tc.want {
					t.Errorf("%s:%s = %q, want %q (extensions %v)", tc.prefix, tc.local, got, tc.want, it.Extensions)
				}
			}
			if tc.check != nil && !tc.check(it) {
				t.Errorf("item %+v", it)
			}
		})
	}
}

// Atom under a namespace URI partners misspell, or under a prefix, is
// still Atom with its entries.
func TestRead_AtomNamespaceSpellings(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"TrailingSlash", `<feed xmlns="http://www.w3.org/2005/Atom/"><title>T</title><entry><title>e</title><id>urn:e</id><link href="https://p.example/e"/></entry></feed>`},
		{"HTTPS", `<feed xmlns="https://www.w3.org/2005/Atom"><title>T</title><entry><title>e</title><id>urn:e</id><link href="https://p.example/e"/></entry></feed>`},
		{"Prefixed", `<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>T</a:title><a:entry><a:title>e</a:title><a:id>urn:e</a:id><a:link href="https://p.example/e"/></a:entry></a:feed>`},
		{"RepliesWithOtherThreadPrefix", `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:re="http://purl.org/syndication/thread/1.0"><title>T</title><entry><title>e</title><id>urn:e</id><link href="https://p.example/e"/><re:in-reply-to ref="urn:p"/></entry></feed>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parse.Read([]byte(tc.body), "")
			if err != nil {
				t.Fatal(err)
			}
			f := doc.Feed
			if f.FeedType != "atom" || f.Title != "T" || len(f.Items) != 1 || f.Items[0].Title != "e" || f.Items[0].Link != "https://p.example/e" {
				t.Fatalf("feed %s %q, %d items", f.FeedType, f.Title, len(f.Items))
			}
			if tc.name == "RepliesWithOtherThreadPrefix" && extValue(f.Items[0].Extensions, "thr", "in-reply-to") != "urn:p" {
				t.Errorf("thr:in-reply-to not found: %v", f.Items[0].Extensions)
			}
		})
	}
}
