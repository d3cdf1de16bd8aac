package normalize_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
)

// FuzzParseNormalize feeds arbitrary bodies through parse and normalize
// and checks the invariants every stored entry relies on (see
// checkInvariants), that normalizing is deterministic, and that keys and
// hashes do not depend on the clock. The seeds (every fixture, under two
// content types) run as plain tests in go test.
func FuzzParseNormalize(f *testing.F) {
	for _, path := range fixtures(f) {
		body, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, "")
		f.Add(body, "application/rss+xml; charset=iso-8859-1")
	}
	for _, s := range []string{
		rssItem(`<pubDate>Fri, 01 Jan 2100 00:00:00 +0000</pubDate>`),
		atomEntry(`<updated>9999-12-31T23:59:59Z</updated>`),
		jsonItem(`,"date_published":"0001-01-01T00:00:00Z"`),
		`<rss><channel><item><title>&amp;lt;script&amp;gt;x&amp;lt;/script&amp;gt;</title><link> jAvAsCrIpT:alert(1)</link><description>&lt;a href="&amp;#106;avascript:alert(1)"&gt;x&lt;/a&gt;&lt;svg onload=alert(1)&gt;</description></item></channel></rss>`,
		`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"x","url":"//evil.example/\u0000","content_text":"<script>alert(1)</script>","title":"\u0001\ufffe<b>t</b>"}]}`,
		"<rss version=\"2.0\"><channel><link>http://[::1]:99999/</link><item><link>http://a.example/%zz</link><guid>\xff\xfe</guid></item></channel></rss>",
		`<rss xmlns:xhtml="http://www.w3.org/1999/xhtml" xmlns:media="http://search.yahoo.com/mrss/"><channel><item><xhtml:body><xhtml:script>alert(1)</xhtml:script><xhtml:p onclick="x">t</xhtml:p></xhtml:body><media:group><media:description>&lt;script&gt;</media:description><media:thumbnail url="javascript:alert(1)"/></media:group><author><name>a@b.example</name></author></item></channel></rss>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="text">&lt;img src=x onerror=alert(1)&gt;</title><id>urn:d:1</id></entry></feed>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:d:1</id><category>&lt;b&gt;x</category><category><category>n</category></category></entry><entry><link href="/a"/><category/></entry></feed>`,
	} {
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		feed, err := parse.Parse(body, contentType)
		if err != nil {
			if feed != nil {
				t.Fatalf("Parse returned a feed and an error %v", err)
			}
			if errors.Is(err, parse.ErrNotAFeed) && !strings.HasPrefix(err.Error(), parse.ErrNotAFeed.Error()) {
				t.Fatalf("unclear error %q", err)
			}
			return
		}
		opts := normalize.Options{FeedURL: "https://feeds.partner.example/feed", Now: clock, Body: body}
		res := normalize.Normalize(feed, testSource, opts)
		checkInvariants(t, res, clock)

		again := normalize.Normalize(feed, testSource, opts)
		if a, b := mustJSON(t, res), mustJSON(t, again); a != b {
			t.Fatalf("normalize is not deterministic:\n%s\n%s", a, b)
		}
		opts.Now = clock.Add(400 * 24 * time.Hour)
		later := normalize.Normalize(feed, testSource, opts)
		checkInvariants(t, later, opts.Now)
		if len(later.Entries) != len(res.Entries) {
			t.Fatalf("%d entries, then %d at a later clock", len(res.Entries), len(later.Entries))
		}
		for i := range res.Entries {
			if res.Entries[i].Key != later.Entries[i].Key || res.Entries[i].Article.Hash != later.Entries[i].Article.Hash {
				t.Fatalf("entry %d: key/hash moved with the clock: %q %s, then %q %s", i,
					res.Entries[i].Key, res.Entries[i].Article.Hash, later.Entries[i].Key, later.Entries[i].Article.Hash)
			}
		}
	})
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// FuzzCanonical checks that a canonical URL is an absolute http(s) URL
// with a host, no fragment, user info, tracking parameter or character a
// URI may not hold, and that canonicalizing it again changes nothing.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		"https://Partner.Example:443/a/../b?utm_source=x&id=1#frag",
		"//cdn.example/x y",
		"../rel?fbclid=1&&q=é",
		"HTTP://[2001:DB8::1]:80/",
		"https://Bücher.example/straße",
		"https://user:pw@example.com:8080",
		"javascript:alert(1)",
		"http://example.com/a\tb\nc",
		"https://example.com/%zz",
		"http://%41.example/",
		"https://xn--bcher-kva.example/?a=%E2%82%AC",
	} {
		f.Add(s, "https://partner.example/blog/post/")
	}
	f.Fuzz(func(t *testing.T, raw, baseRaw string) {
		base, err := url.Parse(baseRaw)
		if err != nil || !base.IsAbs() {
			base = nil
		}
		got, err := normalize.Canonical(raw, base, []string{"ref"})
		if err != nil {
			return
		}
		if problem := notHTTP(got); problem != "" {
			t.Fatalf("Canonical(%q, %q) = %q: %s", raw, baseRaw, got, problem)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("Canonical(%q) = %q does not parse: %v", raw, got, err)
		}
		if u.Fragment != "" || u.User != nil || strings.Contains(got, "#") {
			t.Fatalf("Canonical(%q) = %q keeps a fragment or user info", raw, got)
		}
		for _, p := range strings.Split(u.RawQuery, "&") {
			name, _, _ := strings.Cut(p, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			name = strings.ToLower(name)
			if strings.HasPrefix(name, "utm_") || name == "fbclid" || name == "gclid" || name == "ref" {
				t.Fatalf("Canonical(%q) = %q keeps tracking parameter %q", raw, got, name)
			}
		}
		again, err := normalize.Canonical(got, nil, []string{"ref"})
		if err != nil || again != got {
			t.Fatalf("not idempotent: Canonical(%q) = %q, then %q (%v)", raw, got, again, err)
		}
	})
}
