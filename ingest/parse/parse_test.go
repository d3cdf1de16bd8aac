package parse_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"syndicate/ingest/parse"
)

func TestParse_Formats(t *testing.T) {
	for _, tc := range []struct {
		file, feedType, version, title, itemTitle, itemLink string
	}{
		{"rss-0.91.xml", "rss", "0.91", "Old Town Crier", "Mill pond frozen\u00a0early", "http://oldtown.example/news/mill-pond"},
		{"rss-0.92.xml", "rss", "0.92", "Radio Hollow", "", ""},
		{"rss-1.0.rdf", "rss", "1.0", "Ridge Weekly", "New trail opens above the quarry", "http://ridge.example/2026/11/trail"},
		{"rss-2.0.xml", "rss", "2.0", "Crème Daily", "Crème brûlée for “everyone” — €5", "https://creme.example/2026/11/creme-brulee"},
		{"atom-0.3.xml", "atom", "0.3", "Fen Journal", "Heron count up for the third year", "http://fen.example/2026/11/herons"},
		{"atom-1.0.xml", "atom", "1.0", "Quay Post", "King tide floods the <em>lower</em> quay", "https://quay.example/2026/11/tide"},
		{"jsonfeed-1.0.json", "json", "https://jsonfeed.org/version/1", "Pinecone Notes", "Library extends Sunday hours", "https://pinecone.example/notes/library"},
		{"jsonfeed-1.1.json", "json", "https://jsonfeed.org/version/1.1", "Meadow Bulletin", "County fair returns to the meadow", "https://meadow.example/b/fair"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := parse.Parse(body, "")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.FeedType != tc.feedType || f.FeedVersion != tc.version {
				t.Errorf("type %s %s, want %s %s", f.FeedType, f.FeedVersion, tc.feedType, tc.version)
			}
			if f.Title != tc.title {
				t.Errorf("title %q, want %q", f.Title, tc.title)
			}
			if len(f.Items) == 0 {
				t.Fatal("no items")
			}
			if f.OriginalFeed() == nil {
				t.Error("the original typed feed was not kept")
			}
			it := f.Items[0]
			if it.Title != tc.itemTitle || it.Link != tc.itemLink {
				t.Errorf("first item %q <%s>, want %q <%s>", it.Title, it.Link, tc.itemTitle, tc.itemLink)
			}
		})
	}
}

// encode returns s in enc (nil: UTF-8), failing the test on an
// unrepresentable character.
func encode(tb testing.TB, enc encoding.Encoding, s string) []byte {
	tb.Helper()
	if enc == nil {
		return []byte(s)
	}
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func rssDoc(decl, title, desc string) string {
	prolog := `<?xml version="1.0"?>`
	if decl != "" {
		prolog = `<?xml version="1.0" encoding="` + decl + `"?>`
	}
	return prolog + "\n<rss version=\"2.0\"><channel><title>" + title + "</title><link>https://partner.example/</link><description>d</description>" +
		"<item><title>" + title + "</title><description>" + desc + "</description><link>https://partner.example/a</link></item></channel></rss>"
}

func TestParse_Charsets(t *testing.T) {
	const latin1Title = "Crème brûlée © 2026"
	const cp1252Title = "“Smart quotes” – €5 Crème brûlée"
	latin1, cp1252 := charmap.ISO8859_1, charmap.Windows1252
	for _, tc := range []struct {
		name        string
		decl        string            // encoding in the XML prolog
		contentType string            // HTTP Content-Type
		enc         encoding.Encoding // how the bytes are really encoded (nil: UTF-8)
		title       string
	}{
		{"PrologLatin1", "ISO-8859-1", "", latin1, latin1Title},
		{"PrologLatin1LowerCase", "iso-8859-1", "application/rss+xml", latin1, latin1Title},
		{"PrologWindows1252", "windows-1252", "", cp1252, cp1252Title},
		{"HeaderLatin1", "", "application/rss+xml; charset=ISO-8859-1", latin1, latin1Title},
		{"HeaderQuotedCharset", "", `text/xml; charset="iso-8859-1"`, latin1, latin1Title},
		{"HeaderWindows1252", "", "application/xml; charset=windows-1252", cp1252, cp1252Title},
		{"UndeclaredLatin1", "", "", latin1, latin1Title},
		{"UndeclaredWindows1252", "", "application/rss+xml", cp1252, cp1252Title},
		{"MislabelledUTF8InProlog", "UTF-8", "", cp1252, cp1252Title},
		{"MislabelledUTF8InHeader", "", "application/rss+xml; charset=utf-8", cp1252, cp1252Title},
		{"MislabelledUTF8InBoth", "utf-8", "text/xml; charset=UTF-8", latin1, latin1Title},
		// Declared twice: decoded once, never twice.
		{"DeclaredInPrologAndHeader", "ISO-8859-1", "application/rss+xml; charset=ISO-8859-1", latin1, latin1Title},
		{"DeclaredWindows1252Twice", "windows-1252", "text/xml; charset=windows-1252", cp1252, cp1252Title},
		// Labelled legacy, but the bytes are UTF-8 (a server default or a
		// CMS setting gone stale): decoding them as Latin-1 would give "CrÃ¨me".
		{"HeaderLatin1BodyUTF8", "", "application/rss+xml; charset=ISO-8859-1", nil, cp1252Title},
		{"PrologLatin1BodyUTF8", "ISO-8859-1", "", nil, cp1252Title},
		{"UTF8", "UTF-8", "application/rss+xml; charset=utf-8", nil, cp1252Title},
		{"UTF8Undeclared", "", "", nil, cp1252Title},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := encode(t, tc.enc, rssDoc(tc.decl, tc.title, tc.title))
			f, err := parse.Parse(body, tc.contentType)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Title != tc.title || f.Items[0].Title != tc.title || f.Items[0].Description != tc.title {
				t.Errorf("got channel %q item %q desc %q, want %q", f.Title, f.Items[0].Title, f.Items[0].Description, tc.title)
			}
		})
	}
}

// A UTF-8 feed with one stray Latin-1 byte sequence pasted in: the UTF-8
// text stays as it is and only the invalid bytes are read as windows-1252.
func TestParse_MixedUTF8AndLatin1(t *testing.T) {
	body := []byte(rssDoc("UTF-8", "Crème brûlée", "“quoted” and "))
	body = []byte(strings.Replace(string(body), "and </description>", "and caf\xe9 \x80</description>", 1))
	f, err := parse.Parse(body, "application/rss+xml; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Items[0].Description, "“quoted” and café €"; got != want {
		t.Errorf("description %q, want %q", got, want)
	}
	if f.Items[0].Title != "Crème brûlée" {
		t.Errorf("title %q, want %q", f.Items[0].Title, "Crème brûlée")
	}
}

// A UTF-8 feed labelled Latin-1 (in the prolog, the header or both) with
// one Latin-1 string pasted in: the UTF-8 of every item stays as it is and
// only the stray byte is read as Latin-1, instead of decoding the whole
// document as Latin-1 ("NÃ¸hr"). Latin-1 text in which a pair of letters
// happens to form a UTF-8 sequence ("Ã©") is still Latin-1.
func TestParse_LegacyLabelMostlyUTF8(t *testing.T) {
	items := strings.Repeat("<item><title>Mikkel Nøhr — søndag</title><description>Brøndby mod Horsens på søndag</description><link>https://partner.example/a</link></item>", 3)
	doc := func(decl string) []byte {
		prolog := `<?xml version="1.0"?>`
		if decl != "" {
			prolog = `<?xml version="1.0" encoding="` + decl + `"?>`
		}
		return []byte(prolog + "<rss version=\"2.0\"><channel><title>Bold</title><link>https://partner.example/</link>" +
			"<description>Klik for at bes\xf8ge.</description>" + items + "</channel></rss>")
	}
	for _, tc := range []struct{ name, decl, contentType string }{
		{"Prolog", "ISO-8859-1", ""},
		{"Header", "", "application/rss+xml; charset=iso-8859-1"},
		{"Both", "ISO-8859-1", "text/xml; charset=ISO-8859-1"},
		{"PrologWindows1252", "windows-1252", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parse.Parse(doc(tc.decl), tc.contentType)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Description != "Klik for at besøge." {
				t.Errorf("channel description %q, want %q", f.Description, "Klik for at besøge.")
			}
			for i, it := range f.Items {
				if it.Title != "Mikkel Nøhr — søndag" || it.Description != "Brøndby mod Horsens på søndag" {
					t.Errorf("item %d: title %q, description %q", i, it.Title, it.Description)
				}
			}
		})
	}
	t.Run("Latin1WithUTF8LookingPair", func(t *testing.T) {
		const title = "Ã© crème brûlée"
		f, err := parse.Parse(encode(t, charmap.ISO8859_1, rssDoc("ISO-8859-1", title, title)), "")
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if f.Items[0].Title != title {
			t.Errorf("title %q, want %q", f.Items[0].Title, title)
		}
	})
}

func TestParse_ByteOrderMarks(t *testing.T) {
	const title = "Crème brûlée — €5"
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"UTF8BOM", append([]byte("\xef\xbb\xbf"), rssDoc("UTF-8", title, "x")...)},
		{"UTF8BOMUndeclared", append([]byte("\xef\xbb\xbf"), rssDoc("", title, "x")...)},
		{"UTF16LE", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), rssDoc("UTF-16", title, "x"))},
		{"UTF16BE", encode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM), rssDoc("UTF-16", title, "x"))},
		{"UTF16Undeclared", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), rssDoc("", title, "x"))},
		{"UTF8BOMJSON", append([]byte("\xef\xbb\xbf"), `{"version":"https://jsonfeed.org/version/1.1","title":"`+title+`","items":[{"id":"1","title":"`+title+`"}]}`...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parse.Parse(tc.body, "")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Items[0].Title != title {
				t.Errorf("title %q, want %q", f.Items[0].Title, title)
			}
		})
	}
}

func TestParse_JSONCharsets(t *testing.T) {
	const title = "“Smart quotes” – €5 Crème brûlée"
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","title":"` + title + `"}]}`
	for _, tc := range []struct {
		name, contentType string
		enc               encoding.Encoding
	}{
		{"UTF8", "application/feed+json", nil},
		{"UTF8LabelledLatin1", "application/feed+json; charset=iso-8859-1", nil},
		{"Windows1252Labelled", "application/json; charset=windows-1252", charmap.Windows1252},
		{"Windows1252Unlabelled", "application/json", charmap.Windows1252},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parse.Parse(encode(t, tc.enc, doc), tc.contentType)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Items[0].Title != title {
				t.Errorf("title %q, want %q", f.Items[0].Title, title)
			}
		})
	}
}

func TestParse_NotAFeed(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"Empty", "", "empty"},
		{"Whitespace", " \r\n\t ", "empty"},
		{"HTMLPage", "<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body><p>Our feed moved.</p></body></html>", "HTML page"},
		{"HTMLNoDoctype", "<html lang=en><body>hi</body></html>", "HTML page"},
		{"HTMLWithFeedLink", `<!doctype html><html><head><link rel="alternate" type="application/rss+xml" title="RSS" href="https://partner.example/feed/"></head><body></body></html>`, `links a feed at "https://partner.example/feed/"`},
		{"HTMLAfterComment", "<!-- cached page -->\n<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><html></html>", "HTML page"},
		{"XHTML", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>`, "HTML page"},
		{"OtherXML", `<?xml version="1.0"?><note><to>you</to></note>`, "root element is <note>"},
		{"EntryOutsideAtom", `<?xml version="1.0"?><entry><id>urn:x:1</id><title>One</title></entry>`, "outside the Atom namespace"},
		{"OPML", `<?xml version="1.0"?><opml version="2.0"><body><outline xmlUrl="https://partner.example/feed"/></body></opml>`, "OPML outline"},
		{"PlainText", "Service temporarily unavailable, try later", "starts with"},
		{"Binary", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "starts with"},
		{"JSONNotAFeed", `{"error": "not found", "status": 404}`, "starts with"},
		{"JSONArray", `[1, 2, 3]`, "starts with"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parse.Parse([]byte(tc.body), "text/html; charset=utf-8")
			if !errors.Is(err, parse.ErrNotAFeed) {
				t.Fatalf("got feed %v, err %v; want ErrNotAFeed", f, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q should say %q", err, tc.want)
			}
		})
	}
}

// A broken feed fails, with a parse error rather than a panic or an
// empty feed.
func TestParse_Broken(t *testing.T) {
	for _, body := range []string{
		`<rss version="2.0"><channel><title>T</title><item><title>cut off`,
		`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":`,
	} {
		if f, err := parse.Parse([]byte(body), ""); err == nil && len(f.Items) > 0 && f.Items[0].Title != "" {
			t.Errorf("Parse(%q) = %+v, want an error", body, f.Items[0])
		}
	}
}

// External entities and DTDs are never fetched or expanded.
func TestParse_NoExternalEntities(t *testing.T) {
	body := `<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY big "BIGBIGBIGBIG">]>
<rss version="2.0"><channel><title>T</title><item><title>a &xxe; &big; b</title></item></channel></rss>`
	f, err := parse.Parse([]byte(body), "")
	if err != nil {
		return // refusing is fine too
	}
	if got := f.Items[0].Title; strings.Contains(got, "root:") || strings.Contains(got, "BIG") {
		t.Errorf("entity expanded: %q", got)
	}
}

// ISO-2022-JP is all ASCII bytes: a label in the Content-Type must still
// decode it.
func TestParse_SevenBitCharset(t *testing.T) {
	const title = "日本語のニュース"
	body := encode(t, japanese.ISO2022JP, rssDoc("", title, "x"))
	f, err := parse.Parse(body, "application/rss+xml; charset=ISO-2022-JP")
	if err != nil {
		t.Fatal(err)
	}
	if f.Items[0].Title != title {
		t.Errorf("title %q, want %q", f.Items[0].Title, title)
	}
	declared := encode(t, japanese.ISO2022JP, rssDoc("ISO-2022-JP", title, "x"))
	if f, err = parse.Parse(declared, ""); err != nil {
		t.Fatal(err)
	}
	if f.Items[0].Title != title {
		t.Errorf("declared in the prolog: title %q, want %q", f.Items[0].Title, title)
	}
}

// A label nobody knows does not make the feed unreadable.
func TestParse_UnknownCharset(t *testing.T) {
	for _, tc := range []struct{ decl, contentType string }{
		{"x-no-such-charset", ""},
		{"", "text/xml; charset=x-no-such-charset"},
	} {
		body := encode(t, charmap.Windows1252, rssDoc(tc.decl, "Crème", "x"))
		f, err := parse.Parse(body, tc.contentType)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if f.Items[0].Title != "Crème" {
			t.Errorf("%+v: title %q", tc, f.Items[0].Title)
		}
	}
}

// gofeed resolves RSS links against xml:base but not content; Parse
// records the base in scope for each item.
func TestParse_XMLBaseRecorded(t *testing.T) {
	body := `<?xml version="1.0"?><rss version="2.0" xml:base="https://a.example/root/"><channel xml:base="chan/">` +
		`<item><title>1</title></item><item xml:base="https://b.example/x/"><title>2</title></item>` +
		`<item xml:base="file:///etc/"><title>3</title></item><item xml:base="../up/"><title>4</title></item></channel></rss>`
	f, err := parse.Parse([]byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://a.example/root/chan/", "https://b.example/x/", "file:///etc/", "https://a.example/root/up/"}
	for i, it := range f.Items {
		if got := it.Custom[parse.BaseKey]; got != want[i] {
			t.Errorf("item %d: base %q, want %q", i, got, want[i])
		}
	}
	plain, err := parse.Parse([]byte(`<rss version="2.0"><channel><item><title>1</title></item></channel></rss>`), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.Items[0].Custom[parse.BaseKey]; ok {
		t.Error("a base recorded for a feed without xml:base")
	}
}

// A feed whose root tag itself is malformed fails with the XML error and
// its line, not "not an RSS, Atom or JSON feed".
func TestParse_MalformedRoot(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"RSSUnclosedTag", "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"<channel><title>T</title></channel></rss>"},
		{"AtomAfterComment", "<?xml version=\"1.0\"?>\n<!-- a feed -->\n<feed xmlns=\"http://www.w3.org/2005/Atom\" <title>T</title></feed>"},
		{"RDFBadAttribute", "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" =\"x\"><channel/></rdf:RDF>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse.Parse([]byte(tc.body), "application/xml")
			if err == nil || errors.Is(err, parse.ErrNotAFeed) {
				t.Fatalf("err %v; want the root element's syntax error", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "root element is malformed") || !strings.Contains(msg, "line") {
				t.Errorf("error %q should say the root element is malformed, and on which line", msg)
			}
		})
	}
}
