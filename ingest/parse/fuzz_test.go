package parse_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ext "github.com/mmcdole/gofeed/extensions"
	"golang.org/x/text/encoding/unicode"

	"syndicate"
	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
	"syndicate/sanitize"
)

// extDepth returns how deep the extension elements of e nest.
func extDepth(e ext.Extensions) int {
	deepest := 0
	var walk func(children map[string][]ext.Extension, d int)
	walk = func(children map[string][]ext.Extension, d int) {
		deepest = max(deepest, d)
		for _, list := range children {
			for _, x := range list {
				walk(x.Children, d+1)
			}
		}
	}
	for _, byName := range e {
		walk(byName, 1)
	}
	return deepest
}

// plainXML reports whether body is UTF-8 XML that Read hands to the
// decoder unchanged (no charset, control bytes or references to repair).
func plainXML(body []byte) bool {
	t := bytes.TrimLeft(body, " \t\r\n")
	if !utf8.Valid(body) || len(t) == 0 || t[0] != '<' || bytes.Contains(body, []byte("&#")) || bytes.Contains(body, []byte("encoding")) {
		return false
	}
	for _, c := range body {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return !bytes.Contains(body, []byte("\uFFFE")) && !bytes.Contains(body, []byte("\uFFFF"))
}

// FuzzReadNormalize feeds arbitrary bytes through Read and Normalize and
// checks what every caller relies on: no panic; an error or a document,
// never both; the structural bounds hold (no extension nests deeper than
// MaxDepth, at most MaxItems items, an XML document nesting deeper than
// MaxDepth is refused); skipped positions are real; and every normalized
// article's text is valid UTF-8 without characters XML forbids.
func FuzzReadNormalize(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, "")
		}
	}
	for _, s := range []string{
		rssHead + "<item><title>a&#0;b&#x1;c</title><x:a><x:a><x:a>v</x:a></x:a></x:a></item>" + rssTail,
		rssHead + "<item>" + nested("<x:a>", "</x:a>", 300) + "</item>" + rssTail,
		rssHead + "<item><title>one</title></item><item><title>tw",
		rssHead + "<item>" + manyAttrs(65) + "</item>" + rssTail,
		atomHead + `<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x<b>y</b></div></title><id>urn:1</id></entry>`,
		`<rss version="2.0" xmlns:a10="http://www.w3.org/2005/Atom" xmlns:m="https://search.yahoo.com/mrss/"><channel><item><a10:link href="https://p.example/"/><m:content url="https://p.example/i.jpg"/></item></channel></rss>`,
		jsonDoc(`{"id":1,"tags":"a,b","url":["https://p.example/"],"title":{"x":1}}`, `"junk"`, `{"id":"2","content_html":"<p>\u0000x</p>"}`),
		`{"version":"https://jsonfeed.org/version/1","items":[{"id":"1"},{"id":"2","title":"cu`,
		jsonHead + strings.Repeat("[", 300),
		"\xff\xfe<\x00r\x00s\x00s\x00>\x00",
		"<\x00r\x00s\x00s\x00>\x00<\x00c\x00h\x00a\x00n\x00n\x00e\x00l\x00>\x00",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item><title>\x93q\x94</title></item></channel></rss>",
	} {
		f.Add([]byte(s), "")
	}
	for _, s := range []string{dotnetA10, truncatedWordPress, jsonWrongTypes} {
		f.Add([]byte(s), "")
	}
	f.Add(encode(f, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), atomNorwegian), "")
	f.Add([]byte(rssDoc("", "t", "d")), "application/rss+xml; charset=windows-1252")
	src := syndicate.Source{ID: "fuzz", Name: "Fuzz", URL: "https://feeds.partner.example/feed", SiteURL: "https://partner.example/", Enabled: true}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		doc, err := parse.Read(body, contentType)
		if err != nil {
			if doc != nil {
				t.Fatalf("a document and an error %v", err)
			}
			var le *parse.LimitError
			if errors.As(err, &le) && !strings.Contains(err.Error(), "at line ") {
				t.Fatalf("limit error %q does not say where", err)
			}
			return
		}
		if doc == nil || doc.Feed == nil {
			t.Fatal("no error and no feed")
		}
		if plainXML(body) {
			var le *parse.LimitError
			if err := parse.CheckXML(body, 0); errors.As(err, &le) && le.Limit == "nesting" {
				t.Fatalf("a document nesting deeper than %d was read", parse.MaxDepth)
			}
		}
		fd := doc.Feed
		if len(fd.Items) > parse.MaxItems {
			t.Fatalf("%d items, over %d", len(fd.Items), parse.MaxItems)
		}
		if d := extDepth(fd.Extensions); d > parse.MaxDepth {
			t.Fatalf("feed extensions nest %d deep", d)
		}
		for i, it := range fd.Items {
			if d := extDepth(it.Extensions); d > parse.MaxDepth {
				t.Fatalf("item %d extensions nest %d deep", i, d)
			}
		}
		for _, s := range doc.Skipped {
			if s.Index < 0 || s.Reason == "" {
				t.Fatalf("skip %+v", s)
			}
		}
		res := normalize.Normalize(fd, src, normalize.Options{FeedURL: src.URL, Now: now})
		for i, e := range res.Entries {
			a := e.Article
			for field, s := range map[string]string{"title": a.Title, "content": a.Content, "summary": a.Summary} {
				if !utf8.ValidString(s) || sanitize.ValidXML(s) != s {
					t.Fatalf("entry %d: %s %q is not valid XML text", i, field, s)
				}
			}
		}
	})
}
