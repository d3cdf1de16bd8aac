package normalize_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
)

// normalizeAll parses and normalizes doc with the document at hand.
func normalizeAll(tb testing.TB, doc string) *normalize.Result {
	tb.Helper()
	f, err := parse.Parse([]byte(doc), "")
	if err != nil {
		tb.Fatalf("parse: %v", err)
	}
	res := normalize.Normalize(f, testSource, normalize.Options{FeedURL: "https://partner.example/feed", Now: clock, Body: []byte(doc)})
	checkInvariants(tb, res, clock)
	return res
}

const (
	rssHead  = `<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xhtml="http://www.w3.org/1999/xhtml"><channel><title>T</title><link>https://partner.example/</link><description>d</description>`
	rssTail  = `</channel></rss>`
	atomHead = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><id>tag:partner.example,2026:f</id><title>T</title><updated>2026-11-01T00:00:00Z</updated>`
)

func rssDoc(items ...string) string { return rssHead + strings.Join(items, "") + rssTail }

// Undated entries: counted, dated by the store from first_seen minus their
// position (Entry.Order), unreadable dates counted as lost.
func TestNormalize_Undated(t *testing.T) {
	res := normalizeAll(t, rssDoc(
		`<item><title>A</title><link>https://partner.example/a</link></item>`,
		`<item><title>B</title><link>https://partner.example/b</link><pubDate>Tue, 24 Nov 2026 09:00:00 +0000</pubDate></item>`,
		`<item><title>C</title><link>https://partner.example/c</link><pubDate>the other day</pubDate></item>`,
		`<item><title>D</title><link>https://partner.example/d</link><dcterms:modified>2026-11-20T10:00</dcterms:modified></item>`,
	))
	if len(res.Entries) != 4 {
		t.Fatalf("%d entries", len(res.Entries))
	}
	for i, e := range res.Entries {
		if e.Order != i {
			t.Errorf("entry %d: order %d", i, e.Order)
		}
	}
	if res.Undated != 2 {
		t.Errorf("undated %d, want 2 (A and C)", res.Undated)
	}
	if res.Lost["date"] != 1 {
		t.Errorf("lost dates %d, want 1 (C)", res.Lost["date"])
	}
	if got := res.Entries[3].Article.Published; !got.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("dcterms:modified gave %v", got)
	}
	if !res.Entries[0].Article.Published.IsZero() || !res.Entries[2].Article.Published.IsZero() {
		t.Error("an undated entry got a date from the normalizer (the store dates it)")
	}
}

// Dates in every element real feeds use for them.
func TestNormalize_DateElements(t *testing.T) {
	want := time.Date(2018, 1, 6, 8, 0, 0, 0, time.UTC)
	for name, doc := range map[string]string{
		"RSSISOWithoutSeconds": rssDoc(`<item><title>x</title><link>https://partner.example/a</link><pubDate>2018-01-06T08:00</pubDate></item>`),
		"RSSSlashes":           rssDoc(`<item><title>x</title><link>https://partner.example/a</link><pubDate>2018/1/6 08:00:00</pubDate></item>`),
		"RSSNoWeekdayGMTPlus":  rssDoc(`<item><title>x</title><link>https://partner.example/a</link><pubDate>6 Jan 2018 09:00:00 GMT+1</pubDate></item>`),
		"RSSGofeedLayout":      rssDoc(`<item><title>x</title><link>https://partner.example/a</link><pubDate>2018-01-06T09:00:00+01:00:00</pubDate></item>`),
		"DCTermsCreated":       rssDoc(`<item><title>x</title><link>https://partner.example/a</link><dcterms:created>2018-01-06T08:00:00Z</dcterms:created></item>`),
		"DCTermsIssued":        rssDoc(`<item><title>x</title><link>https://partner.example/a</link><dcterms:issued>2018-01-06T09:00:00+01:00</dcterms:issued></item>`),
		"DCDate":               rssDoc(`<item><title>x</title><link>https://partner.example/a</link><dc:date>2018-01-06T08:00Z</dc:date></item>`),
		"Atom03Issued": `<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title><modified>2018-01-07T00:00:00Z</modified>` +
			`<entry><title>x</title><link rel="alternate" type="text/html" href="https://partner.example/a"/><id>tag:partner.example,2018:a</id><issued>2018-01-06T08:00:00Z</issued><modified>2018-01-06T08:00:00Z</modified></entry></feed>`,
		"Atom03ModifiedOnly": `<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title><modified>2018-01-07T00:00:00Z</modified>` +
			`<entry><title>x</title><link rel="alternate" type="text/html" href="https://partner.example/a"/><id>tag:partner.example,2018:a</id><modified>2018-01-06T08:00</modified></entry></feed>`,
		"AtomPublishedNoZone": atomHead + `<entry><id>tag:partner.example,2018:a</id><title>x</title><link href="https://partner.example/a"/><published>2018-01-06T08:00</published><updated>2018-01-06T08:00</updated></entry></feed>`,
		"JSONNoSeconds":       `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1","url":"https://partner.example/a","title":"x","content_text":"b","date_published":"2018-01-06T08:00"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			res := normalizeAll(t, doc)
			if len(res.Entries) != 1 {
				t.Fatalf("%d entries", len(res.Entries))
			}
			if got := res.Entries[0].Article.Published; !got.Equal(want) {
				t.Errorf("published %v, want %v (problems %q)", got, want, res.Problems)
			}
			if res.Undated != 0 || len(res.Lost) != 0 {
				t.Errorf("undated %d lost %v", res.Undated, res.Lost)
			}
		})
	}
}

// The fields real feeds put their text, images and people in.
func TestNormalize_Fields(t *testing.T) {
	type want struct {
		title, summary, content, image string
		authors                        []string
		emails                         []string
		enclosures                     []string
		lost                           string
	}
	for _, tc := range []struct {
		name string
		doc  string
		want want
	}{
		{"MediaGroupDescription", rssDoc(`<item><title>Video</title><link>https://partner.example/v</link><media:group><media:title>Video</media:title><media:description>What the video shows &amp; tells.</media:description><media:thumbnail url="https://i.partner.example/v.jpg" width="480"/><media:content url="https://v.partner.example/v.mp4" type="video/mp4"/></media:group></item>`),
			want{title: "Video", summary: "What the video shows & tells.", content: "<p>What the video shows &amp; tells.</p>", image: "https://i.partner.example/v.jpg"}},
		{"MediaContentAudioIsEnclosure", rssDoc(`<item><title>Pod</title><link>https://partner.example/p</link><description>d</description><media:content url="https://partner.example/p.mp3" fileSize="99" type="audio/mpeg"/></item>`),
			want{title: "Pod", summary: "d", content: "d", enclosures: []string{"https://partner.example/p.mp3 audio/mpeg 99"}}},
		{"HTMLOnlyTitle", rssDoc(`<item><title>&lt;img src="x.png"&gt;</title><link>https://partner.example/p</link><description>Text instead.</description></item>`),
			want{title: "Text instead.", summary: "Text instead.", content: "Text instead.", lost: "title"}},
		{"MediaDescriptionOnly", rssDoc(`<item><link>https://partner.example/m</link><media:description>A photo of the harbour at dawn.</media:description><media:content url="/img/harbour.jpg" medium="image"/></item>`),
			want{title: "A photo of the harbour at dawn.", summary: "A photo of the harbour at dawn.", content: "<p>A photo of the harbour at dawn.</p>", image: "https://partner.example/img/harbour.jpg"}},
		{"MediaContentImageByType", rssDoc(`<item><title>x</title><link>https://partner.example/a</link><description>d</description><media:content url="https://i.partner.example/a.png" type="image/png"/></item>`),
			want{title: "x", summary: "d", content: "d", image: "https://i.partner.example/a.png"}},
		{"MediaThumbnailInContent", rssDoc(`<item><title>x</title><link>https://partner.example/a</link><description>d</description><media:content url="https://v.partner.example/a.mp4" type="video/mp4"><media:thumbnail url="https://i.partner.example/t.jpg"/></media:content></item>`),
			want{title: "x", summary: "d", content: "d", image: "https://i.partner.example/t.jpg"}},
		{"ITunesSummaryAndImage", rssDoc(`<item><title>Episode 1</title><link>https://partner.example/e1</link><itunes:summary>We talk about boats.</itunes:summary><itunes:image href="https://i.partner.example/e1.jpg"/><itunes:author>Pod Host</itunes:author><enclosure url="https://partner.example/e1.mp3" length="100" type="audio/mpeg"/></item>`),
			want{title: "Episode 1", summary: "We talk about boats.", content: "We talk about boats.", image: "https://i.partner.example/e1.jpg", authors: []string{"Pod Host"}}},
		// Google Play's episode text (googleplay:description) is the
		// episode's text before the itunes:subtitle tagline.
		{"GooglePlayDescription", rssDoc(`<item><title>Episode 2</title><link>https://partner.example/e2</link><itunes:subtitle>A short primer on knots</itunes:subtitle><googleplay:description xmlns:googleplay="http://www.google.com/schemas/play-podcasts/1.0">This week we tie knots &amp; compare ropes.</googleplay:description></item>`),
			want{title: "Episode 2", summary: "This week we tie knots & compare ropes.", content: "<p>This week we tie knots &amp; compare ropes.</p>"}},
		{"ITunesSummaryOverGooglePlay", rssDoc(`<item><title>Episode 3</title><link>https://partner.example/e3</link><googleplay:description xmlns:googleplay="http://www.google.com/schemas/play-podcasts/1.0">Google's text.</googleplay:description><itunes:summary>Apple's text.</itunes:summary></item>`),
			want{title: "Episode 3", summary: "Apple's text.", content: "Apple&#39;s text."}},
		{"XHTMLBody", rssDoc(`<item><title>x</title><link>https://partner.example/a</link><xhtml:body><xhtml:p>Hello <xhtml:b>bold</xhtml:b> world.</xhtml:p><xhtml:p>Second.</xhtml:p></xhtml:body></item>`),
			want{title: "x", summary: "Hello bold world. Second.", content: "<p>Hello <b>bold</b> world.</p><p>Second.</p>"}},
		{"XHTMLBodyDefaultNamespace", rssDoc(`<item><title>x</title><link>https://partner.example/a</link><body xmlns="http://www.w3.org/1999/xhtml"><p>Hi <a href="/there">there</a>.</p></body></item>`),
			want{title: "x", summary: "Hi there.", content: `<p>Hi <a href="https://partner.example/there">there</a>.</p>`}},
		{"RSSAuthorChildren", rssDoc(`<item><title>x</title><link>https://partner.example/a</link><description>d</description><author><name>Jane Roe</name><email>jane@partner.example</email></author></item>`),
			want{title: "x", summary: "d", content: "d", authors: []string{"Jane Roe"}, emails: []string{"jane@partner.example"}}},
		{"RSSAuthorEmailThenName", rssDoc(`<item><title>x</title><link>https://partner.example/a</link><description>d</description><author>jane@x.com (Jane)</author></item>`),
			want{title: "x", summary: "d", content: "d", authors: []string{"Jane"}, emails: []string{"jane@x.com"}}},
		{"RSSAuthorBareEmail", rssDoc(`<item><title>x</title><link>https://partner.example/a</link><description>d</description><author>jane@x.com</author></item>`),
			want{title: "x", summary: "d", content: "d"}},
		{"DCCreatorNameAndAddress", rssDoc(`<item><title>x</title><link>https://partner.example/a</link><description>d</description><dc:creator>Jane Roe &lt;jane@x.com&gt;</dc:creator><dc:creator>jane roe</dc:creator><dc:creator>Bob</dc:creator></item>`),
			want{title: "x", summary: "d", content: "d", authors: []string{"Jane Roe", "Bob"}, emails: []string{"jane@x.com", ""}}},
		{"NameWithAddressInside", rssDoc(`<item><title>x</title><link>https://partner.example/a</link><description>d</description><dc:creator>Jane (mailto:jane@x.com) Roe</dc:creator></item>`),
			want{title: "x", summary: "d", content: "d", authors: []string{"Jane Roe"}}},
		{"BidiInTitleAndName", rssDoc("<item><title>Pay \u202eslx.exe</title><link>https://partner.example/a</link><description>d</description><dc:creator>Ann\u2066 Lee\u2069</dc:creator></item>"),
			want{title: "Pay slx.exe", summary: "d", content: "d", authors: []string{"Ann Lee"}}},
		{"AtomTextTitleKeepsMarkup", atomHead + `<entry><id>tag:partner.example,2026:1</id><title type="text">Use &lt;img&gt; &amp; &lt;b&gt; tags</title><link href="https://partner.example/a"/><updated>2026-11-01T00:00:00Z</updated><content type="html">&lt;p&gt;b&lt;/p&gt;</content></entry></feed>`,
			want{title: "Use <img> & <b> tags", summary: "b", content: "<p>b</p>"}},
		{"AtomTextTitleActiveMarkupStripped", atomHead + `<entry><id>tag:partner.example,2026:1</id><title type="text">Hi &lt;img src=x onerror=alert(1)&gt; &lt;script&gt;alert(2)&lt;/script&gt;there</title><link href="https://partner.example/a"/><updated>2026-11-01T00:00:00Z</updated><content type="html">&lt;p&gt;b&lt;/p&gt;</content></entry></feed>`,
			want{title: "Hi there", summary: "b", content: "<p>b</p>"}},
		{"AtomDefaultTitleIsText", atomHead + `<entry><id>tag:partner.example,2026:1</id><title>1 &lt; 2 &lt;em&gt;really&lt;/em&gt;</title><link href="https://partner.example/a"/><updated>2026-11-01T00:00:00Z</updated><content type="html">&lt;p&gt;b&lt;/p&gt;</content></entry></feed>`,
			want{title: "1 < 2 <em>really</em>", summary: "b", content: "<p>b</p>"}},
		{"AtomHTMLTitleIsStripped", atomHead + `<entry><id>tag:partner.example,2026:1</id><title type="html">A &lt;em&gt;big&lt;/em&gt; day</title><link href="https://partner.example/a"/><updated>2026-11-01T00:00:00Z</updated><content type="html">&lt;p&gt;b&lt;/p&gt;</content></entry></feed>`,
			want{title: "A big day", summary: "b", content: "<p>b</p>"}},
		{"AtomMediaThumbnail", atomHead + `<entry><id>tag:partner.example,2026:1</id><title>x</title><link href="https://partner.example/a"/><updated>2026-11-01T00:00:00Z</updated><summary>s</summary><media:group><media:thumbnail url="https://i.partner.example/yt.jpg"/></media:group></entry></feed>`,
			want{title: "x", summary: "s", content: "s", image: "https://i.partner.example/yt.jpg"}},
		{"JSONImage", `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1","url":"https://partner.example/a","title":"x","content_text":"b","image":"/i/a.jpg"}]}`,
			want{title: "x", summary: "b", content: "<p>b</p>", image: "https://partner.example/i/a.jpg"}},
		{"UntitledFromText", rssDoc(`<item><link>https://partner.example/a</link><description>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.</description></item>`),
			want{title: "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor…", summary: "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.", content: "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua."}},
		{"UntitledNoText", rssDoc(`<item><link>https://partner.example/2026/a-story</link><enclosure url="https://partner.example/media/Episode%2012.mp3" type="audio/mpeg" length="1"/></item>`),
			want{title: "Episode 12.mp3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := normalizeAll(t, tc.doc)
			if len(res.Entries) != 1 {
				t.Fatalf("%d entries (problems %q)", len(res.Entries), res.Problems)
			}
			a := res.Entries[0].Article
			if a.Title != tc.want.title || a.Summary != tc.want.summary || a.Content != tc.want.content || a.Image != tc.want.image {
				t.Errorf("got title %q summary %q content %q image %q\nwant title %q summary %q content %q image %q",
					a.Title, a.Summary, a.Content, a.Image, tc.want.title, tc.want.summary, tc.want.content, tc.want.image)
			}
			var names, emails []string
			for _, au := range a.Authors {
				names = append(names, au.Name)
				emails = append(emails, au.Email)
			}
			if fmt.Sprint(names) != fmt.Sprint(tc.want.authors) && !(len(names) == 0 && len(tc.want.authors) == 0) {
				t.Errorf("authors %q, want %q", names, tc.want.authors)
			}
			if tc.want.emails != nil && fmt.Sprint(emails) != fmt.Sprint(tc.want.emails) {
				t.Errorf("emails %q, want %q", emails, tc.want.emails)
			}
			var encs []string
			for _, e := range a.Enclosures {
				encs = append(encs, fmt.Sprintf("%s %s %d", e.URL, e.Type, e.Length))
			}
			if tc.want.enclosures != nil && fmt.Sprint(encs) != fmt.Sprint(tc.want.enclosures) {
				t.Errorf("enclosures %q, want %q", encs, tc.want.enclosures)
			}
			if tc.want.lost != "" && res.Lost[tc.want.lost] != 1 {
				t.Errorf("lost %v, want one %s", res.Lost, tc.want.lost)
			}
		})
	}
}

// Links, ids, categories and enclosures survive as valid values.
func TestNormalize_Translation(t *testing.T) {
	res := normalizeAll(t, rssDoc(
		`<item><title>Frag</title><link>https://partner.example/a b/[1]/é?q=[x]#Part 2</link><guid isPermaLink="false">urn:d:1</guid><description>d</description>`+
			`<category>Россия</category><category>日本語</category><category>हिन्दी</category><category>!!!</category><category>Économie, Finances</category>`+
			`<enclosure url="https://partner.example/ep.mp3" type="mp3" length="10"/><enclosure url="https://partner.example/ep2.ogg" type="audio/ogg; codecs=opus" length="x"/><enclosure url="https://partner.example/unknown" type="bogus" length="1"/><enclosure url="javascript:alert(1)" type="audio/mpeg"/></item>`,
		`<item><title>Tag</title><link>https://partner.example/b</link><guid>tag:partner.example,2026:b</guid><description>d</description></item>`,
		`<item><title>UUID</title><link>https://partner.example/c</link><guid>urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66</guid><description>d</description></item>`,
		`<item><title>BadTag</title><link>https://partner.example/d</link><guid isPermaLink="false">tag:nodate</guid><description>d</description></item>`,
	))
	if len(res.Entries) != 4 {
		t.Fatalf("%d entries", len(res.Entries))
	}
	a := res.Entries[0].Article
	if a.CanonicalURL != "https://partner.example/a%20b/%5B1%5D/%C3%A9?q=%5Bx%5D" || a.Fragment != "Part%202" {
		t.Errorf("canonical %q fragment %q", a.CanonicalURL, a.Fragment)
	}
	if a.Link() != "https://partner.example/a%20b/%5B1%5D/%C3%A9?q=%5Bx%5D#Part%202" {
		t.Errorf("link %q", a.Link())
	}
	if a.EntryID != a.CanonicalURL {
		t.Errorf("entry id %q: urn:d:1 is no URN, want the canonical URL", a.EntryID)
	}
	if got := strings.Join(a.Categories, "|"); got != "Россия|日本語|हिन्दी|Économie|Finances|Syndicated" {
		t.Errorf("categories %q", got)
	}
	var encs []string
	for _, e := range a.Enclosures {
		encs = append(encs, e.URL+" "+e.Type)
	}
	if got := strings.Join(encs, "|"); got != "https://partner.example/ep.mp3 audio/mpeg|https://partner.example/ep2.ogg audio/ogg; codecs=opus|https://partner.example/unknown " {
		t.Errorf("enclosures %q", got)
	}
	if res.Lost["category"] != 1 || res.Lost["enclosure"] != 1 {
		t.Errorf("lost %v, want 1 category (!!!) and 1 enclosure (javascript:)", res.Lost)
	}
	for i, want := range []string{"", "tag:partner.example,2026:b", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", "https://partner.example/d"} {
		if i == 0 {
			continue
		}
		if got := res.Entries[i].Article.EntryID; got != want {
			t.Errorf("entry %d: id %q, want %q", i, got, want)
		}
	}
}

// FeedBurner's redirecting link gives way to feedburner:origLink; Blogger's
// kind category is no label; a Media RSS credit names the author.
func TestNormalize_FeedBurnerBloggerCredit(t *testing.T) {
	res := normalizeAll(t, `<?xml version="1.0"?><rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title><link>https://partner.example/</link><description>d</description>`+
		`<item><title>x</title><link>https://feedproxy.example/~r/p/~3/abc/</link><feedburner:origLink>https://partner.example/2026/11/story/</feedburner:origLink><description>d</description><media:credit role="author">Photo Desk</media:credit></item></channel></rss>`)
	a := res.Entries[0].Article
	if a.CanonicalURL != "https://partner.example/2026/11/story/" {
		t.Errorf("canonical %q, want the origLink", a.CanonicalURL)
	}
	if len(a.Authors) != 1 || a.Authors[0].Name != "Photo Desk" {
		t.Errorf("authors %+v", a.Authors)
	}
	res = normalizeAll(t, atomHead+`<entry><id>tag:blogger.com,1999:blog-1.post-2</id><title>x</title><link rel="alternate" href="https://partner.example/p"/><updated>2026-11-01T00:00:00Z</updated>`+
		`<category scheme="http://schemas.google.com/g/2005#kind" term="http://schemas.google.com/blogger/2008/kind#post"/><category scheme="http://www.blogger.com/atom/ns#" term="Travel"/><content type="html">b</content></entry></feed>`)
	if got := strings.Join(res.Entries[0].Article.Categories, "|"); got != "Travel|Syndicated" {
		t.Errorf("categories %q", got)
	}
}

// A republisher's JSON Feed item: its external_url is the original.
func TestNormalize_JSONExternalURL(t *testing.T) {
	res := normalizeAll(t, `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[`+
		`{"id":"1","url":"https://partner.example/copy/1","external_url":"https://original.example/story?utm_source=x#top","title":"x","content_text":"b"},`+
		`{"id":"2","url":"https://partner.example/2","external_url":"https://partner.example/2","title":"y","content_text":"b"}]}`)
	if got := res.Entries[0].Article.CanonicalURL; got != "https://original.example/story" {
		t.Errorf("canonical %q, want the external_url", got)
	}
	if got := res.Entries[0].Article.Fragment; got != "top" {
		t.Errorf("fragment %q", got)
	}
	if got := res.Entries[1].Article.CanonicalURL; got != "https://partner.example/2" {
		t.Errorf("canonical %q", got)
	}
}

// Per-item bounds: huge ids and links skip the entry with its position;
// authors, categories and enclosures are capped; thousands of authors
// cost a set lookup each.
func TestNormalize_Bounds(t *testing.T) {
	huge := "https://partner.example/" + strings.Repeat("a", 40<<10)
	var many strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&many, "<dc:creator>Author %d</dc:creator><category>c%d</category><enclosure url=\"https://partner.example/%d.mp3\" type=\"audio/mpeg\" length=\"1\"/>", i, i, i)
	}
	res := normalizeAll(t, rssDoc(
		`<item><title>ok</title><link>https://partner.example/ok</link></item>`,
		`<item><title>big guid</title><guid>`+huge+`</guid></item>`,
		`<item><title>big link</title><link>`+huge+`</link></item>`,
		`<item><title>many</title><link>https://partner.example/many</link>`+many.String()+`</item>`,
		`<item><title>`+strings.Repeat("word ", 1000)+`</title><link>https://partner.example/long</link></item>`,
	))
	if len(res.Entries) != 3 {
		t.Fatalf("%d entries, want 3", len(res.Entries))
	}
	if len(res.Skipped) != 2 || res.Skipped[0].Index != 1 || res.Skipped[1].Index != 2 || !strings.Contains(res.Skipped[0].Reason, "over the limit") {
		t.Errorf("skipped %+v", res.Skipped)
	}
	m := res.Entries[1].Article
	if len(m.Authors) != normalize.MaxAuthors || len(m.Categories) != normalize.MaxCategories+1 || len(m.Enclosures) != normalize.MaxEnclosures {
		t.Errorf("%d authors, %d categories, %d enclosures", len(m.Authors), len(m.Categories), len(m.Enclosures))
	}
	if res.Lost["author"] == 0 || res.Lost["category"] == 0 || res.Lost["enclosure"] == 0 {
		t.Errorf("lost %v", res.Lost)
	}
	if n := len([]rune(res.Entries[2].Article.Title)); n > normalize.MaxTitleLength {
		t.Errorf("title of %d runes", n)
	}
	for _, e := range res.Entries {
		if len(e.Key) > normalize.MaxIDLength {
			t.Errorf("key of %d bytes", len(e.Key))
		}
	}
}

func TestDeriveTitle(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Short text.", "Short text."},
		{strings.Repeat("abc ", 30), "abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc…"},
		{strings.Repeat("日", 100), strings.Repeat("日", 79) + "…"},
	} {
		got := normalize.DeriveTitle(tc.in)
		if got != tc.want {
			t.Errorf("DeriveTitle(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if n := len([]rune(got)); n > normalize.DerivedTitleLength {
			t.Errorf("DeriveTitle(%q) has %d runes", tc.in, n)
		}
	}
}

func TestIsAbsoluteIRI_Strict(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"urn:d:1", false},
		{"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", true},
		{"urn:isbn:0451450523", true},
		{"urn:" + strings.Repeat("a", 33) + ":x", false},
		{"urn:ab:", false},
		{"tag:partner.example,2026:1", true},
		{"tag:jane@partner.example,2026-11-24:post/1", true},
		{"tag:partner.example:1", false},
		{"tag:nodate", false},
		{"https://partner.example/?p=1", true},
		{"https:opaque", false},
		{"mailto:a@b.example", false},
		{"https://partner.example/a[1]", false},
		{"https://partner.example/a%5B1%5D", true},
		// What the W3C feed validator refuses as an Atom id or RSS guid
		// (its RFC 2396, RFC 2141 and RFC 4151 grammars): published, each
		// made the feed invalid.
		{"https://[::1]/a", false},
		{"http://[2001:db8::1]:8080/a", false},
		{"tag:Partner.Example,2026:1", false},
		{"TAG:partner.example,2026:1", false},
		{"tag:JANE@partner.example,2026:1", false},
		{"tag:j+ane@partner.example,2026:1", false},
		{"urn:uuid:1234", false},
		{"urn:UUID:6E8BC430-9C3A-11D9-9669-0800200C9A66", true},
		{"urn:ab:a/b", false},
		{"urn:ab:a?b", false},
		{"urn:ab:a#b", false},
		{"urn:ab:a~b", false},
		{"urn:ab:a&b", false},
		{"urn:ab:a%2Fb", true},
		{"urn:ab:a%2", false},
		{"tag:partner.example,2026:a~b#c", true},
		{"tag:j.a_ne-x@partner.example,2026-11:a", true},
		{"https://partner.example/é", false},
		{"https://partner.example/100%", false},
		{"urn:x-a:b[c]", false},
	} {
		if got := syndicate.IsAbsoluteIRI(tc.in); got != tc.want {
			t.Errorf("IsAbsoluteIRI(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// Items without a guid that share one link (a podcast whose episodes all
// link to the show's page) stay distinct entries; the same item repeated
// is still one key, and a guid is an identity even when links differ.
func TestNormalize_SharedLinkKeys(t *testing.T) {
	ep := func(title, mp3 string) string {
		enc := ""
		if mp3 != "" {
			enc = `<enclosure url="https://cdn.partner.example/` + mp3 + `" type="audio/mpeg" length="1"/>`
		}
		return `<item><title>` + title + `</title><link>https://partner.example/show</link>` + enc + `</item>`
	}
	for _, tc := range []struct {
		name  string
		items []string
		keys  int  // distinct keys
		plain bool // the first entry's key is the plain canonical URL
	}{
		{"episodes", []string{ep("One", "1.mp3"), ep("Two", "2.mp3"), ep("Three", "3.mp3")}, 3, false},
		{"no enclosures, distinct titles", []string{ep("One", ""), ep("Two", "")}, 2, false},
		{"same item twice", []string{ep("One", "1.mp3"), ep("One", "1.mp3")}, 1, true},
		{"alone with its link", []string{ep("One", "1.mp3"), `<item><title>X</title><link>https://partner.example/x</link></item>`}, 2, true},
		{"same guid", []string{`<item><guid>https://partner.example/show</guid><title>A</title><link>https://partner.example/show</link></item>`, `<item><guid>https://partner.example/show</guid><title>B</title><link>https://partner.example/show</link></item>`}, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := normalizeAll(t, rssDoc(tc.items...))
			keys := map[string]bool{}
			for _, e := range res.Entries {
				keys[e.Key] = true
			}
			if len(keys) != tc.keys {
				t.Errorf("%d distinct keys, want %d: %v", len(keys), tc.keys, keys)
			}
			if got := res.Entries[0].Key == res.Entries[0].Article.CanonicalURL; got != tc.plain {
				t.Errorf("first key %q plain=%v, want %v", res.Entries[0].Key, got, tc.plain)
			}
		})
	}
}

// An Atom category is its term; its label stands in only when it spells
// the term for display, or when the term is no name.
func TestNormalize_AtomCategoryTermOrLabel(t *testing.T) {
	for _, tc := range []struct{ cat, want string }{
		{`<category term="science" label="Science"/>`, "Science"},
		{`<category term="tech-news" label="Tech News"/>`, "Tech News"},
		{`<category term="rust" label="r/rust"/>`, "rust"},
		{`<category label="Magnitude" term="Magnitude 3"/>`, "Magnitude 3"},
		{`<category term="zerotrust" label="Zero Trust"/>`, "zerotrust"},
		{`<category term="https://partner.example/tags/boats" label="Boats"/>`, "Boats"},
		{`<category term="1234" label="Politics"/>`, "Politics"},
		{`<category term="" label="Only a label"/>`, "Only a label"},
		{`<category term="Plain"/>`, "Plain"},
		{`<category>ebmpapst</category>`, "ebmpapst"},
		{`<category> Written as text </category><category term="second"/>`, "Written as text"},
	} {
		doc := atomHead + `<entry><id>tag:partner.example,2026:1</id><title>T</title><link href="https://partner.example/1"/><updated>2026-11-01T00:00:00Z</updated>` + tc.cat + `</entry></feed>`
		got := normalizeAll(t, doc).Entries[0].Article.Categories
		if len(got) == 0 || got[0] != tc.want { // then the source's own
			t.Errorf("%s: categories %q, want %q", tc.cat, got, tc.want)
		}
	}
}

// Media RSS keywords and categories become categories, after the item's own.
func TestNormalize_MediaKeywords(t *testing.T) {
	res := normalizeAll(t, rssDoc(`<item><title>V</title><link>https://partner.example/v</link><category>News</category><media:keywords>Boats, harbour ,news</media:keywords><media:group><media:keywords>Dawn</media:keywords></media:group><media:category scheme="urn:flickr:tags">atlanta georgia</media:category></item>`))
	got := strings.Join(res.Entries[0].Article.Categories, "|")
	if want := "News|Boats|harbour|Dawn|atlanta georgia|Syndicated"; got != want {
		t.Errorf("categories %q, want %q", got, want)
	}
}

// Categories some generators wrap in a <categories> element are read.
func TestNormalize_WrappedCategories(t *testing.T) {
	res := normalizeAll(t, rssDoc(`<item><title>W</title><link>https://partner.example/w</link><categories>
		<category>Connected Home</category>
		<category><![CDATA[Bluetooth & more]]></category>
		<category></category>
	</categories></item>`))
	got := strings.Join(res.Entries[0].Article.Categories, "|")
	if want := "Connected Home|Bluetooth & more|Syndicated"; got != want {
		t.Errorf("categories %q, want %q", got, want)
	}
}

// An item with only an image (no title, text or link) is named by the
// image's alternative text.
func TestNormalize_UntitledImageOnly(t *testing.T) {
	for _, tc := range []struct{ desc, want string }{
		{`&lt;img src="https://i.partner.example/a.jpg" alt="The harbour &amp;amp; boats" /&gt;`, "The harbour & boats"},
		{`&lt;a href="https://partner.example/"&gt;&lt;img src="https://i.partner.example/a.jpg" alt=""&gt;&lt;img src="https://i.partner.example/b.jpg" alt="Second"&gt;&lt;/a&gt;`, "Second"},
	} {
		res := normalizeAll(t, rssDoc(`<item><description>`+tc.desc+`</description></item>`))
		if len(res.Entries) != 1 || res.Entries[0].Article.Title != tc.want {
			t.Errorf("%s: entries %d, title %q, want %q (content %q)", tc.desc, len(res.Entries), res.Entries[0].Article.Title, tc.want, res.Entries[0].Article.Content)
		}
	}
}

// Atom feeds (Atom 0.3 generators above all) that write an entry's title,
// text, author, subjects and date in Dublin Core instead of Atom: each is
// read where Atom's own is missing, and Atom's own wins where both are.
func TestNormalize_AtomDublinCore(t *testing.T) {
	const dcNS = ` xmlns:dc="http://purl.org/dc/elements/1.1/"`
	doc := `<?xml version="1.0"?><feed xmlns="http://purl.org/atom/ns#" version="0.3"` + dcNS + `><title>T</title><link rel="alternate" href="https://partner.example/"/><modified>2026-11-01T00:00:00Z</modified>` +
		`<entry><id>tag:partner.example,2026:dc</id><link rel="alternate" href="https://partner.example/dc"/><dc:title>Harbour &amp; boats</dc:title><dc:description>The ferry runs again.</dc:description>` +
		`<dc:creator>Jane Roe</dc:creator><dc:creator>Ann Lee</dc:creator><dc:subject>Boats</dc:subject><dc:subject>Coast</dc:subject><dc:date>2026-11-20T10:00:00Z</dc:date></entry>` +
		`<entry><id>tag:partner.example,2026:own</id><link rel="alternate" href="https://partner.example/own"/><title>Atom title</title><summary>Atom summary.</summary><author><name>Atom Author</name></author><issued>2026-11-21T10:00:00Z</issued>` +
		`<dc:title>DC title</dc:title><dc:description>DC text.</dc:description><dc:creator>DC Creator</dc:creator><dc:date>2026-11-02T10:00:00Z</dc:date></entry></feed>`
	res := normalizeAll(t, doc)
	if len(res.Entries) != 2 {
		t.Fatalf("%d entries, skipped %v", len(res.Entries), res.Skipped)
	}
	dc, own := res.Entries[0].Article, res.Entries[1].Article
	var names []string
	for _, au := range dc.Authors {
		names = append(names, au.Name)
	}
	if dc.Title != "Harbour & boats" || dc.Summary != "The ferry runs again." || fmt.Sprint(names) != "[Jane Roe Ann Lee]" ||
		len(dc.Categories) < 2 || fmt.Sprint(dc.Categories[:2]) != "[Boats Coast]" || !dc.Published.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("Dublin Core entry: title %q summary %q authors %q categories %q published %v", dc.Title, dc.Summary, names, dc.Categories, dc.Published)
	}
	if own.Title != "Atom title" || own.Summary != "Atom summary." || len(own.Authors) != 1 || own.Authors[0].Name != "Atom Author" ||
		!own.Published.Equal(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("Atom's own elements must win: title %q summary %q authors %v published %v", own.Title, own.Summary, own.Authors, own.Published)
	}
}

// An author written as an address alone is lost (addresses are not
// published) only when nothing else names the entry's author: a podcast
// episode's <author>address</author> beside its <itunes:author> loses
// nothing.
func TestNormalize_AddressOnlyAuthorLoss(t *testing.T) {
	res := normalizeAll(t, rssDoc(
		`<item><title>A</title><link>https://partner.example/a</link><author>show@partner.example</author><itunes:author>The Show</itunes:author></item>`,
		`<item><title>B</title><link>https://partner.example/b</link><author>show@partner.example</author></item>`,
	))
	if len(res.Entries) != 2 {
		t.Fatalf("%d entries", len(res.Entries))
	}
	if au := res.Entries[0].Article.Authors; len(au) != 1 || au[0].Name != "The Show" {
		t.Errorf("authors %+v, want The Show", au)
	}
	if res.Lost["author"] != 1 {
		t.Errorf("lost %d authors, want 1 (the entry whose only author is an address)", res.Lost["author"])
	}
}

// The partner's page of comments is kept: RSS <comments>, an Atom replies
// link to HTML (a replies link to a feed is the comment feed).
func TestNormalize_CommentsPage(t *testing.T) {
	rs := normalizeAll(t, rssDoc(`<item><title>A</title><link>https://partner.example/a</link><comments>/a#comments</comments></item>`))
	if got := rs.Entries[0].Article.CommentsPage; got != "https://partner.example/a#comments" {
		t.Errorf("rss: comments page %q", got)
	}
	as := normalizeAll(t, atomHead+`<entry><id>tag:partner.example,2026:a</id><title>A</title><updated>2026-11-01T00:00:00Z</updated>`+
		`<link rel="alternate" href="https://partner.example/a"/>`+
		`<link rel="replies" type="application/atom+xml" href="https://partner.example/a/feed"/>`+
		`<link rel="replies" type="text/html" href="https://partner.example/a#comments"/></entry></feed>`)
	if a := as.Entries[0].Article; a.CommentsPage != "https://partner.example/a#comments" || a.CommentsURL != "https://partner.example/a/feed" {
		t.Errorf("atom: comments page %q, comment feed %q", a.CommentsPage, a.CommentsURL)
	}
}
