package parse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"

	"syndicate/ingest/parse"
)

func jsonDoc(items ...string) string {
	return jsonHead + strings.Join(items, ",") + "]}"
}

// One JSON Feed field of the wrong type costs that field at most, never
// the item or the feed.
func TestRead_JSONWrongTypes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		item  string
		check func(*gofeed.Item) bool
	}{
		{"TagsString", `{"id":"1","tags":"politics"}`, func(it *gofeed.Item) bool { return strings.Join(it.Categories, "|") == "politics" }},
		{"TagsCommaString", `{"id":"1","tags":"a, b,,c"}`, func(it *gofeed.Item) bool { return strings.Join(it.Categories, "|") == "a|b|c" }},
		{"TagsMixedList", `{"id":"1","tags":["a",2,{"x":1},null,"b"]}`, func(it *gofeed.Item) bool { return strings.Join(it.Categories, "|") == "a|2|b" }},
		{"URLArray", `{"id":"1","url":["https://p.example/a","https://p.example/b"]}`, func(it *gofeed.Item) bool { return it.Link == "https://p.example/a" }},
		{"URLObject", `{"id":"1","url":{"href":"https://p.example/a"},"title":"kept"}`, func(it *gofeed.Item) bool { return it.Link == "" && it.Title == "kept" }},
		{"IDNumber", `{"id":123,"title":"t"}`, func(it *gofeed.Item) bool { return it.GUID == "123" }},
		{"IDFloat", `{"id":1.5e3,"title":"t"}`, func(it *gofeed.Item) bool { return it.GUID == "1.5e3" }},
		{"TitleObject", `{"id":"1","title":{"text":"x"},"content_text":"body"}`, func(it *gofeed.Item) bool { return it.Title == "" && it.Content == "body" }},
		{"TitleNumber", `{"id":"1","title":2024}`, func(it *gofeed.Item) bool { return it.Title == "2024" }},
		{"TitleBoolean", `{"id":"1","title":true,"summary":"s"}`, func(it *gofeed.Item) bool { return it.Title == "" && it.Description == "s" }},
		{"ContentHTMLList", `{"id":"1","content_html":["<p>a</p>"]}`, func(it *gofeed.Item) bool { return it.Content == "<p>a</p>" }},
		{"AuthorString", `{"id":"1","author":"Ann Lee"}`, func(it *gofeed.Item) bool { return len(it.Authors) == 1 && it.Authors[0].Name == "Ann Lee" }},
		{"AuthorNameNumber", `{"id":"1","author":{"name":7,"url":["https://ann.example/"]}}`, func(it *gofeed.Item) bool { return it.Authors[0].Name == "7" }},
		{"AuthorsObject", `{"id":"1","authors":{"name":"Bo"}}`, func(it *gofeed.Item) bool { return len(it.Authors) == 1 && it.Authors[0].Name == "Bo" }},
		{"AuthorsStrings", `{"id":"1","authors":["Cy","",{"name":"Di"},5]}`, func(it *gofeed.Item) bool { return len(it.Authors) == 2 && it.Authors[1].Name == "Di" }},
		{"AttachmentsObject", `{"id":"1","attachments":{"url":"https://p.example/a.mp3","mime_type":"audio/mpeg","size_in_bytes":"1234"}}`, func(it *gofeed.Item) bool {
			return len(it.Enclosures) == 1 && it.Enclosures[0].URL == "https://p.example/a.mp3" && it.Enclosures[0].Length == "1234"
		}},
		{"AttachmentSizeFloatAndJunk", `{"id":"1","attachments":[{"url":"https://p.example/a.mp3","size_in_bytes":12.7,"duration_in_seconds":"long"},"x"]}`, func(it *gofeed.Item) bool {
			return len(it.Enclosures) == 1 && it.Enclosures[0].Length == "12"
		}},
		{"DateNumber", `{"id":"1","date_published":20240105,"title":"t"}`, func(it *gofeed.Item) bool { return it.Title == "t" }},
		{"ExtensionsKept", `{"id":"1","_custom":{"a":[1,2]},"title":"t"}`, func(it *gofeed.Item) bool { return it.Title == "t" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parse.Read([]byte(jsonDoc(tc.item, `{"id":"2","title":"next"}`)), "application/feed+json")
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(doc.Feed.Items) != 2 || doc.Feed.Items[1].Title != "next" {
				t.Fatalf("%d items, want both", len(doc.Feed.Items))
			}
			if !tc.check(doc.Feed.Items[0]) {
				t.Errorf("item %+v", doc.Feed.Items[0])
			}
			if len(doc.Skipped) != 0 {
				t.Errorf("skipped %v", doc.Skipped)
			}
		})
	}
}

func TestRead_JSONFeedLevelWrongTypes(t *testing.T) {
	body := `{"version":"https://jsonfeed.org/version/1.1","title":["Meadow"],"home_page_url":{"x":1},"expired":"false","author":"Ed","language":5,"items":[{"id":"1"}]}`
	doc, err := parse.Read([]byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	if f := doc.Feed; f.Title != "Meadow" || f.Link != "" || len(f.Authors) != 1 || f.Authors[0].Name != "Ed" || len(f.Items) != 1 {
		t.Errorf("feed %+v", f)
	}
	if len(doc.Repairs) != 1 || !strings.Contains(doc.Repairs[0], "5 JSON Feed fields of the wrong type") {
		t.Errorf("repairs %q", doc.Repairs)
	}
}

// An item that cannot be read at all is skipped with its position; the
// others are kept.
func TestRead_JSONUnreadableItems(t *testing.T) {
	doc, err := parse.Read([]byte(jsonDoc(`{"id":"0"}`, `"a string"`, `42`, `null`, `[{"id":"x"}]`, `{"id":"5"}`)), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Feed.Items) != 2 || doc.Feed.Items[0].GUID != "0" || doc.Feed.Items[1].GUID != "5" {
		t.Errorf("items %d, want 0 and 5", len(doc.Feed.Items))
	}
	want := []parse.Skip{
		{Index: 1, Reason: "a string where an item object belongs"},
		{Index: 2, Reason: "a number where an item object belongs"},
		{Index: 3, Reason: "null where an item object belongs"},
		{Index: 4, Reason: "a list where an item object belongs"},
	}
	if len(doc.Skipped) != len(want) {
		t.Fatalf("skipped %v, want %v", doc.Skipped, want)
	}
	for i := range want {
		if doc.Skipped[i] != want[i] {
			t.Errorf("skipped[%d] = %v, want %v", i, doc.Skipped[i], want[i])
		}
	}
}

func TestRead_JSONItemsShapes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		items      int
	}{
		{"ItemsObject", `{"version":"https://jsonfeed.org/version/1","items":{"id":"1","title":"t"}}`, 1},
		{"ItemsString", `{"version":"https://jsonfeed.org/version/1","title":"T","items":"none"}`, 0},
		{"ItemsNull", `{"version":"https://jsonfeed.org/version/1","title":"T","items":null}`, 0},
		{"ItemsMissing", `{"version":"https://jsonfeed.org/version/1","title":"T"}`, 0},
		{"Truncated", `{"version":"https://jsonfeed.org/version/1","items":[{"id":"1"},{"id":"2"},{"id":"3","title":"cut`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parse.Read([]byte(tc.body), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Feed.Items) != tc.items {
				t.Errorf("%d items, want %d", len(doc.Feed.Items), tc.items)
			}
		})
	}
}

// Character references to characters XML forbids are dropped, as gofeed
// drops the raw bytes, instead of failing the whole document.
func TestRead_ForbiddenCharacterReferences(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a&#0;b", "ab"},
		{"a&#x1;b&#X1F;c", "abc"},
		{"a&#x0000000;b", "ab"},
		{"a&#xFFFE;b&#65535;c", "abc"},
		{"a&#xD800;b", "ab"},
		{"a\x00b\x1bc", "abc"},
		{"a\uFFFEb\uFFFFc", "abc"},
		{"tab&#9;nl&#10;", "tab\tnl\n"},
		{"ok&#x10FFFF;", "ok\U0010FFFF"},
		{"&#169; &#x20AC;", "© €"},
		{"a &amp;#0; b", "a &#0; b"},
	} {
		doc, err := parse.Read([]byte(rssDoc("", tc.in, "d")), "")
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := doc.Feed.Items[0].Title; got != tc.want {
			t.Errorf("%q: title %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRead_UTF16WithoutBOM(t *testing.T) {
	const title = "Crème brûlée — €5"
	le := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	be := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	atom := `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>` + title + `</title><id>urn:e</id></entry></feed>`
	json := `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":"` + title + `"}]}`
	for _, tc := range []struct {
		name string
		enc  encoding.Encoding
		doc  string
	}{
		{"LEWithProlog", le, rssDoc("UTF-16", title, "x")},
		{"BEWithProlog", be, rssDoc("UTF-16", title, "x")},
		{"LENoProlog", le, strings.TrimPrefix(rssDoc("", title, "x"), "<?xml version=\"1.0\"?>\n")},
		{"BENoProlog", be, strings.TrimPrefix(rssDoc("", title, "x"), "<?xml version=\"1.0\"?>\n")},
		{"LEAtom", le, atom},
		{"BEAtomLeadingNewline", be, "\n" + atom},
		{"LEJSON", le, json},
		{"BEJSON", be, json},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parse.Read(encode(t, tc.enc, tc.doc), "")
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if got := doc.Feed.Items[0].Title; got != title {
				t.Errorf("title %q, want %q", got, title)
			}
		})
	}
}

// A document labelled ISO-8859-1, latin1 or US-ASCII decodes bytes 0x80–0x9F
// as windows-1252 does (the WHATWG Encoding Standard maps those labels to
// windows-1252): smart quotes and the euro sign, not C1 controls.
func TestRead_Latin1LabelsAreWindows1252(t *testing.T) {
	const raw = "\x93Caf\xe9\x94 \x80 \x85 \x96"
	const want = "“Café” € … –"
	for _, tc := range []struct{ decl, contentType string }{
		{"ISO-8859-1", ""},
		{"iso-8859-1", "application/rss+xml"},
		{"latin1", ""},
		{"us-ascii", ""},
		{"US-ASCII", "text/xml; charset=us-ascii"},
		{"", "application/rss+xml; charset=ISO-8859-1"},
		{"", "text/xml; charset=latin1"},
		{"", "text/xml; charset=us-ascii"},
		{"ISO_8859-1", ""},
		{"l1", ""},
	} {
		doc, err := parse.Read([]byte(rssDoc(tc.decl, raw, raw)), tc.contentType)
		if err != nil {
			t.Errorf("%+v: %v", tc, err)
			continue
		}
		if got := doc.Feed.Items[0].Title; got != want {
			t.Errorf("%+v: title %q, want %q", tc, got, want)
		}
	}
}

// A document broken part-way keeps its complete items, and says what it
// lost; one broken before its first item still fails.
func TestRead_Truncated(t *testing.T) {
	rss := rssHead + "<item><title>one</title></item><item><title>two</title><description><![CDATA[<p>x</p>]]></description></item>"
	atom := atomHead + "<entry><title>one</title><id>urn:1</id></entry><entry><title>two</title><id>urn:2</id></entry>"
	rdf := `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>R</title></channel>` +
		`<item rdf:about="1"><title>one</title><link>https://r.example/1</link></item><item rdf:about="2"><title>two</title><link>https://r.example/2</link></item>`
	for _, tc := range []struct {
		name   string
		body   string
		titles string
	}{
		{"RSSInItem", rss + "<item><title>thr", "one|two"},
		{"RSSInTag", rss + "<item><tit", "one|two"},
		{"RSSInCDATA", rss + "<item><title>three</title><description><![CDATA[<p>cut", "one|two"},
		{"RSSAfterItems", rss + "<lastBuildDate>Mon", "one|two"},
		{"RSSStrayEndTag", rss + "</div><item><title>three</title></item>" + rssTail, "one|two"},
		{"RSSBadSyntax", rss + "<item><title>three</title><<<</item>" + rssTail, "one|two"},
		{"AtomInEntry", atom + "<entry><title>three</title><id>urn:", "one|two"},
		{"AtomInAttribute", atom + `<entry><link href="https://`, "one|two"},
		{"RDF", rdf + `<item rdf:about="3"><title>th`, "one|two"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parse.Read([]byte(tc.body), "")
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			var titles []string
			for _, it := range doc.Feed.Items {
				titles = append(titles, it.Title)
			}
			if got := strings.Join(titles, "|"); got != tc.titles {
				t.Errorf("items %q, want %q", got, tc.titles)
			}
			if len(doc.Repairs) != 1 || !strings.Contains(doc.Repairs[0], "kept the 2 complete items before the break") {
				t.Errorf("repairs %q", doc.Repairs)
			}
		})
	}
	// Nothing complete to keep: the parse error, as before.
	for _, body := range []string{rssHead + "<item><title>cut", atomHead + "<entry><title>cut", `{"version":"https://jsonfeed.org/version/1","items":[{"id":"1`} {
		if doc, err := parse.Read([]byte(body), ""); err == nil {
			t.Errorf("%q: read %d items, want an error", body, len(doc.Feed.Items))
		} else if errors.Is(err, parse.ErrNotAFeed) {
			t.Errorf("%q: %v, want a parse error", body, err)
		}
	}
	// A complete document needs no repair.
	doc, err := parse.Read([]byte(rss+rssTail), "")
	if err != nil || len(doc.Repairs) != 0 || len(doc.Feed.Items) != 2 {
		t.Errorf("complete document: %v, repairs %q", err, doc.Repairs)
	}
}

func TestDocument_Position(t *testing.T) {
	doc := &parse.Document{Skipped: []parse.Skip{{Index: 0}, {Index: 2}, {Index: 3}, {Index: 7}}}
	// Document positions 1, 4, 5, 6, 8 are items 0..4.
	for i, want := range []int{1, 4, 5, 6, 8, 9} {
		if got := doc.Position(i); got != want {
			t.Errorf("Position(%d) = %d, want %d", i, got, want)
		}
	}
	if got := (&parse.Document{}).Position(3); got != 3 {
		t.Errorf("nothing skipped: Position(3) = %d", got)
	}
}

// Structural slips real feeds make: an element left open before the
// items (they would be its children, and no item of the feed), and an
// Atom feed served inside an XHTML page. Both keep every item, with the
// repair said.
func TestRead_MisplacedItems(t *testing.T) {
	for _, tc := range []struct {
		name, body, titles, repair string
	}{
		{"UnclosedChannelElement", `<?xml version="1.0"?><rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>P</title>` +
			`<itunes:category text="Technology"><itunes:category text="Gadgets"/>` +
			`<item><title>one</title><guid>https://p.example/1</guid></item><item><title>two</title><guid>https://p.example/2</guid></item></channel></rss>`,
			"one|two", "inside <itunes:category>"},
		{"UnclosedAtomElement", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><subtitle type="text">s` +
			`<entry><title>one</title><id>urn:x:1</id></entry><entry><title>two</title><id>urn:x:2</id></entry></feed>`,
			"one|two", "inside <subtitle>"},
		{"AtomInXHTML", `<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">` +
			`<html xmlns="http://www.w3.org/1999/xhtml"><body><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>` +
			`<entry><title>one</title><id>urn:x:1</id></entry><entry><title>two</title><id>urn:x:2</id></entry></feed></body></html>`,
			"one|two", "wrapped in a <html> document"},
		{"AtomEntryDocument", `<?xml version="1.0"?><entry xmlns="http://www.w3.org/2005/Atom"><id>urn:x:1</id><title>One</title><updated>2026-11-30T10:00:00Z</updated></entry>`,
			"One", "an Atom entry document"},
		{"ItemInItemIsNotMoved", `<?xml version="1.0"?><rss version="2.0"><channel><title>P</title>` +
			`<item><title>one</title><source><item>x</item></source></item></channel></rss>`,
			"one", ""},
		// A generator's stray empty <item /> inside a complete item is
		// no unclosed item: nothing is closed early, and every item stays.
		{"EmptyItemInItem", `<?xml version="1.0"?><rss version="2.0"><channel><title>P</title>` +
			`<item><title>one</title><description>d</description><item /><guid>https://p.example/1</guid></item>` +
			`<item><title>two</title><item/><guid>https://p.example/2</guid></item>` +
			`<item><title>three</title><guid>https://p.example/3</guid></item></channel></rss>`,
			"one|two|three", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parse.Read([]byte(tc.body), "")
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			var titles []string
			for _, it := range doc.Feed.Items {
				titles = append(titles, it.Title)
			}
			if got := strings.Join(titles, "|"); got != tc.titles {
				t.Errorf("items %q, want %q", got, tc.titles)
			}
			got := strings.Join(doc.Repairs, "; ")
			if tc.repair == "" && got != "" || !strings.Contains(got, tc.repair) {
				t.Errorf("repairs %q, want one saying %q", got, tc.repair)
			}
		})
	}
	// An HTML page without a feed inside is still refused as a page.
	if _, err := parse.Read([]byte(`<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>&lt;feed xmlns="http://www.w3.org/2005/Atom"&gt;</p></body></html>`), ""); !errors.Is(err, parse.ErrNotAFeed) {
		t.Errorf("page: %v, want ErrNotAFeed", err)
	}
}
