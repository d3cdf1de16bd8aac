package parse_test

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"

	"syndicate/ingest/parse"
)

// Whole documents shaped like the ones real partners send, one per
// defect, written for these tests.
const (
	dotnetA10 = `<?xml version="1.0" encoding="utf-8"?><rss xmlns:a10="http://www.w3.org/2005/Atom" version="2.0"><channel><title>Harbor Council News</title><link>https://harbor.example/news</link><description>Council notices</description><a10:link rel="self" type="application/rss+xml" href="https://harbor.example/news/rss" /><item><guid isPermaLink="false">urn:uuid:6f1c1d4e-0b7a-4e43-9d7e-3c6a2f0b9a11</guid><link>https://harbor.example/news/ferry-timetable</link><a10:author><a10:name>Clerk's Office</a10:name></a10:author><title>Winter ferry timetable</title><description>The winter timetable starts on 1 December.</description><a10:updated>2026-11-20T09:30:00Z</a10:updated></item><item><guid isPermaLink="false">urn:uuid:0d9e8f77-5c21-4b8a-a2f4-91e3b7c6d502</guid><link>https://harbor.example/news/pier-repairs</link><title>Pier repairs</title><description>Repairs close the north pier for two weeks.</description><a10:updated>2026-11-18T14:00:00Z</a10:updated></item></channel></rss>`

	truncatedWordPress = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
	<title>Valley Gazette</title>
	<link>https://valley.example</link>
	<description>News from the valley</description>
	<item>
		<title>Orchard harvest breaks record</title>
		<link>https://valley.example/2026/11/orchard-harvest/</link>
		<dc:creator><![CDATA[Mara Quill]]></dc:creator>
		<pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate>
		<guid isPermaLink="false">https://valley.example/?p=101</guid>
		<description><![CDATA[Growers report the best year since 1998.]]></description>
		<content:encoded><![CDATA[<p>Growers report the best year since 1998.</p>]]></content:encoded>
		<wfw:commentRss>https://valley.example/2026/11/orchard-harvest/feed/</wfw:commentRss>
	</item>
	<item>
		<title>Bridge reopens</title>
		<link>https://valley.example/2026/11/bridge-reopens/</link>
		<dc:creator><![CDATA[Ned Ashby]]></dc:creator>
		<pubDate>Sun, 22 Nov 2026 17:30:00 +0000</pubDate>
		<guid isPermaLink="false">https://valley.example/?p=100</guid>
		<description><![CDATA[The river bridge is open to traffic again.]]></description>
	</item>
	<item>
		<title>School board meets</title>
		<link>https://valley.example/2026/11/school-board/</link>
		<description><![CDATA[The board will discuss the new
`

	jsonWrongTypes = `{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Lakeside Digest",
  "home_page_url": "https://lakeside.example/",
  "items": [
    {
      "id": 2041,
      "url": ["https://lakeside.example/p/2041", "https://lakeside.example/amp/2041"],
      "title": "Boat launch opens early",
      "content_html": "<p>The launch opens on Friday.</p>",
      "tags": "boating, parks",
      "author": "Lee Carver",
      "date_published": "2026-11-21T07:00:00Z"
    },
    "broken item written by a template bug",
    {
      "id": "2039",
      "url": "https://lakeside.example/p/2039",
      "title": {"en": "Library hours"},
      "content_text": "New library hours from December.",
      "attachments": {"url": "https://lakeside.example/a/2039.mp3", "mime_type": "audio/mpeg", "size_in_bytes": "48213"}
    }
  ]
}`

	atomNorwegian = `<?xml version="1.0" encoding="UTF-16"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:t="http://purl.org/syndication/thread/1.0"><title>Fjord Radio</title><id>tag:fjord.example,2026:feed</id><updated>2026-11-20T10:00:00Z</updated><entry><title>Nordlys i kveld — sjå opp!</title><id>tag:fjord.example,2026:nordlys</id><link href="https://fjord.example/nordlys"/><updated>2026-11-20T10:00:00Z</updated><summary>Klårt vêr og sterkt nordlys.</summary><t:in-reply-to ref="tag:fjord.example,2026:feed"/></entry></feed>
`
)

func TestRead_PartnerShapedDocuments(t *testing.T) {
	utf16 := encode(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), atomNorwegian)
	for _, tc := range []struct {
		name    string
		body    []byte
		titles  string
		skipped int
		repair  string
		check   func(t *testing.T, doc *parse.Document)
	}{
		{"DotNetSyndicationFeed", []byte(dotnetA10), "Winter ferry timetable|Pier repairs", 0, "", func(t *testing.T, doc *parse.Document) {
			if got := extValue(doc.Feed.Extensions, "atom", "link"); got != "https://harbor.example/news/rss" {
				t.Errorf("channel atom:link %q", got)
			}
			if got := extValue(doc.Feed.Items[0].Extensions, "atom", "updated"); got != "2026-11-20T09:30:00Z" {
				t.Errorf("item atom:updated %q", got)
			}
		}},
		{"TruncatedWordPress", []byte(truncatedWordPress), "Orchard harvest breaks record|Bridge reopens", 0, "kept the 2 complete items before the break", func(t *testing.T, doc *parse.Document) {
			if it := doc.Feed.Items[0]; it.Content != "<p>Growers report the best year since 1998.</p>" || len(it.Authors) == 0 || it.Authors[0].Name != "Mara Quill" {
				t.Errorf("first item %+v", it)
			}
		}},
		{"JSONFeedWrongTypes", []byte(jsonWrongTypes), "Boat launch opens early|", 1, "JSON Feed fields of the wrong type", func(t *testing.T, doc *parse.Document) {
			a, b := doc.Feed.Items[0], doc.Feed.Items[1]
			if a.GUID != "2041" || a.Link != "https://lakeside.example/p/2041" || strings.Join(a.Categories, ",") != "boating,parks" || a.Authors[0].Name != "Lee Carver" {
				t.Errorf("first item %+v", a)
			}
			if b.GUID != "2039" || b.Content != "New library hours from December." || len(b.Enclosures) != 1 || b.Enclosures[0].Length != "48213" {
				t.Errorf("second item %+v", b)
			}
			if s := doc.Skipped[0]; s.Index != 1 || doc.Position(1) != 2 {
				t.Errorf("skipped %+v, position of the second item %d", s, doc.Position(1))
			}
		}},
		{"UTF16WithoutBOM", utf16, "Nordlys i kveld — sjå opp!", 0, "", func(t *testing.T, doc *parse.Document) {
			if got := extValue(doc.Feed.Items[0].Extensions, "thr", "in-reply-to"); got != "tag:fjord.example,2026:feed" {
				t.Errorf("thr:in-reply-to %q", got)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parse.Read(tc.body, "")
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, it := range doc.Feed.Items {
				titles = append(titles, it.Title)
			}
			if got := strings.Join(titles, "|"); got != tc.titles {
				t.Errorf("titles %q, want %q", got, tc.titles)
			}
			if len(doc.Skipped) != tc.skipped {
				t.Errorf("skipped %v, want %d", doc.Skipped, tc.skipped)
			}
			if tc.repair == "" && len(doc.Repairs) > 0 || tc.repair != "" && (len(doc.Repairs) != 1 || !strings.Contains(doc.Repairs[0], tc.repair)) {
				t.Errorf("repairs %q, want %q", doc.Repairs, tc.repair)
			}
			tc.check(t, doc)
		})
	}
}
