package normalize_test

import (
	"strings"
	"testing"
	"time"

	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
)

func rssItem(inner string) string {
	return `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title><link>https://partner.example/</link><description>d</description>` +
		`<item><title>Dated</title><link>https://partner.example/a</link>` + inner + `<description>Body.</description></item></channel></rss>`
}

func atomEntry(inner string) string {
	return `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>tag:p,2026:f</id><title>T</title><updated>2026-11-01T00:00:00Z</updated>` +
		`<entry><id>tag:p,2026:1</id><title>Dated</title><link href="https://partner.example/a"/>` + inner + `<content type="html">Body.</content></entry></feed>`
}

func jsonItem(fields string) string {
	return `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1","url":"https://partner.example/a","title":"Dated","content_html":"Body."` + fields + `}]}`
}

// MustNormalizeDoc parses and normalizes one document at the given clock
// and returns its single entry.
func MustNormalizeDoc(tb testing.TB, doc string, now time.Time) *normalize.Result {
	tb.Helper()
	f, err := parse.Parse([]byte(doc), "")
	if err != nil {
		tb.Fatalf("parse %s: %v", doc, err)
	}
	res := normalize.Normalize(f, testSource, normalize.Options{FeedURL: "https://partner.example/feed", Now: now, Body: []byte(doc)})
	if len(res.Entries) != 1 {
		tb.Fatalf("%d entries from %s, want 1 (problems %q)", len(res.Entries), doc, res.Problems)
	}
	return res
}

// TestNormalize_Dates checks docs/decisions/dates.md: published = partner published →
// dc:date → partner updated → first_seen (zero here: the store fills it);
// updated = max(partner updated, published); a date more than 10 minutes
// past the fetch time is clamped to it.
func TestNormalize_Dates(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	now := clock.Format(time.RFC3339)
	for _, tc := range []struct {
		name               string
		doc                string
		published, updated string // RFC 3339; "" = zero
		problem            string // substring of a reported problem
	}{
		{"RSSPubDate", rssItem(`<pubDate>Tue, 24 Nov 2026 09:00:00 +0000</pubDate>`), "2026-11-24T09:00:00Z", "2026-11-24T09:00:00Z", ""},
		{"RSSZoneConverted", rssItem(`<pubDate>Tue, 24 Nov 2026 09:00:00 +0530</pubDate>`), "2026-11-24T03:30:00Z", "2026-11-24T03:30:00Z", ""},
		{"RSSZoneName", rssItem(`<pubDate>Tue, 24 Nov 2026 10:00:00 CET</pubDate>`), "2026-11-24T09:00:00Z", "2026-11-24T09:00:00Z", ""},
		{"RSSDCDateOnly", rssItem(`<dc:date>2026-11-20T08:30:00+01:00</dc:date>`), "2026-11-20T07:30:00Z", "2026-11-20T07:30:00Z", ""},
		{"RSSPubDateThenDCDate", rssItem(`<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate><dc:date>2026-11-24T15:00:00Z</dc:date>`), "2026-11-23T10:00:00Z", "2026-11-24T15:00:00Z", ""},
		{"RSSDCDateBeforePubDate", rssItem(`<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate><dc:date>2026-11-20T00:00:00Z</dc:date>`), "2026-11-23T10:00:00Z", "2026-11-23T10:00:00Z", ""},
		{"RSSBadPubDateFallsBackToDCDate", rssItem(`<pubDate>at noon</pubDate><dc:date>2026-11-20T00:00:00Z</dc:date>`), "2026-11-20T00:00:00Z", "2026-11-20T00:00:00Z", `unparseable published date "at noon"`},
		{"RSSBadPubDate", rssItem(`<pubDate>Tuesday, 24th of November</pubDate>`), "", "", "unparseable published date"},
		{"RSSBadHour", rssItem(`<pubDate>Mon, 23 Nov 2026 25:00:00 +0000</pubDate>`), "", "", "unparseable published date"},
		{"RSSNoDates", rssItem(``), "", "", ""},
		{"RSSFutureClamped", rssItem(`<pubDate>Fri, 01 Jan 2027 00:00:00 +0000</pubDate>`), now, now, ""},
		{"RSSElevenMinutesAheadClamped", rssItem(`<pubDate>Wed, 25 Nov 2026 12:11:00 +0000</pubDate>`), now, now, ""},
		{"RSSTenMinutesAheadKept", rssItem(`<pubDate>Wed, 25 Nov 2026 12:10:00 +0000</pubDate>`), "2026-11-25T12:10:00Z", "2026-11-25T12:10:00Z", ""},
		{"RSSFutureUpdateClamped", rssItem(`<pubDate>Tue, 24 Nov 2026 09:00:00 +0000</pubDate><dc:date>2030-01-01T00:00:00Z</dc:date>`), "2026-11-24T09:00:00Z", now, ""},
		{"AtomPublishedAndUpdated", atomEntry(`<published>2026-11-23T08:00:00-05:00</published><updated>2026-11-24T09:00:00-05:00</updated>`), "2026-11-23T13:00:00Z", "2026-11-24T14:00:00Z", ""},
		{"AtomUpdatedOnly", atomEntry(`<updated>2026-11-22T10:00:00Z</updated>`), "2026-11-22T10:00:00Z", "2026-11-22T10:00:00Z", ""},
		{"AtomUpdatedOnlyFuture", atomEntry(`<updated>2027-03-01T00:00:00Z</updated>`), now, now, ""},
		{"AtomUpdatedFuture", atomEntry(`<published>2026-11-20T00:00:00Z</published><updated>2027-03-01T00:00:00Z</updated>`), "2026-11-20T00:00:00Z", now, ""},
		{"AtomBadPublished", atomEntry(`<published>yesterday</published><updated>2026-11-22T10:00:00Z</updated>`), "2026-11-22T10:00:00Z", "2026-11-22T10:00:00Z", `unparseable published date "yesterday"`},
		{"AtomNoDates", atomEntry(``), "", "", ""},
		{"JSONPublishedAndModified", jsonItem(`,"date_published":"2026-11-18T09:30:00Z","date_modified":"2026-11-18T11:00:00Z"`), "2026-11-18T09:30:00Z", "2026-11-18T11:00:00Z", ""},
		{"JSONModifiedOnly", jsonItem(`,"date_modified":"2026-11-18T11:00:00+02:00"`), "2026-11-18T09:00:00Z", "2026-11-18T09:00:00Z", ""},
		{"JSONBadPublished", jsonItem(`,"date_published":"soon"`), "", "", `unparseable published date "soon"`},
		{"JSONBadModified", jsonItem(`,"date_published":"2026-11-18T09:30:00Z","date_modified":"later"`), "2026-11-18T09:30:00Z", "2026-11-18T09:30:00Z", `unparseable updated date "later"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := MustNormalizeDoc(t, tc.doc, clock)
			a := res.Entries[0].Article
			var wantPub, wantUpd time.Time
			if tc.published != "" {
				wantPub = at(tc.published)
			}
			if tc.updated != "" {
				wantUpd = at(tc.updated)
			}
			if !a.Published.Equal(wantPub) || !a.Updated.Equal(wantUpd) {
				t.Errorf("published %v updated %v, want %v %v", a.Published, a.Updated, wantPub, wantUpd)
			}
			if a.Published.Location() != time.UTC || a.Updated.Location() != time.UTC {
				t.Errorf("dates not in UTC: %v %v", a.Published, a.Updated)
			}
			got := strings.Join(res.Problems, "; ")
			if tc.problem == "" && got != "" || !strings.Contains(got, tc.problem) {
				t.Errorf("problems %q, want one containing %q", got, tc.problem)
			}
			checkInvariants(t, res, clock)
		})
	}
}

// The content hash and the key of an entry do not depend on the clock: an
// undated entry (or one clamped from the future) normalized on two
// different fetches must not look changed.
func TestNormalize_HashIgnoresClock(t *testing.T) {
	later := clock.Add(90 * 24 * time.Hour)
	for _, path := range fixtures(t) {
		a, b := MustNormalize(t, path, clock), MustNormalize(t, path, later)
		if len(a.Entries) != len(b.Entries) {
			t.Fatalf("%s: %d entries, then %d", path, len(a.Entries), len(b.Entries))
		}
		for i := range a.Entries {
			ea, eb := a.Entries[i], b.Entries[i]
			if ea.Key != eb.Key || ea.Article.Hash != eb.Article.Hash {
				t.Errorf("%s entry %d: key %q hash %s at %v, key %q hash %s at %v",
					path, i, ea.Key, ea.Article.Hash, clock, eb.Key, eb.Article.Hash, later)
			}
		}
	}
	undated := rssItem(``)
	a, b := MustNormalizeDoc(t, undated, clock), MustNormalizeDoc(t, undated, later)
	if a.Entries[0].Article.Hash != b.Entries[0].Article.Hash {
		t.Errorf("undated entry: hash %s, then %s", a.Entries[0].Article.Hash, b.Entries[0].Article.Hash)
	}
}

// An Atom entry without <published> is dated by <updated>, but the hash
// sees no published date: a partner that touches <updated> on every build
// does not make the entry look changed when nothing else did.
func TestNormalize_AtomWithoutPublishedHashIgnoresUpdated(t *testing.T) {
	first := MustNormalizeDoc(t, atomEntry(`<updated>2026-11-22T10:00:00Z</updated>`), clock).Entries[0].Article
	touched := MustNormalizeDoc(t, atomEntry(`<updated>2026-11-24T10:00:00Z</updated>`), clock).Entries[0].Article
	if first.Hash != touched.Hash {
		t.Errorf("hash changed with <updated> alone: %s, then %s", first.Hash, touched.Hash)
	}
	if !first.Published.Equal(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("published %v, want the <updated> date", first.Published)
	}
	withPub := MustNormalizeDoc(t, atomEntry(`<published>2026-11-22T10:00:00Z</published><updated>2026-11-22T10:00:00Z</updated>`), clock).Entries[0].Article
	if withPub.Hash == first.Hash {
		t.Error("an explicit <published> does not reach the hash")
	}
}

// docs/decisions/dates.md: the hash covers title, content, summary, link, published,
// authors and enclosures, not categories.
func TestNormalize_HashInputs(t *testing.T) {
	base := rssItem(`<pubDate>Tue, 24 Nov 2026 09:00:00 +0000</pubDate><category>A</category>`)
	h := func(doc string) string { return MustNormalizeDoc(t, doc, clock).Entries[0].Article.Hash }
	want := h(base)
	for _, tc := range []struct {
		name    string
		doc     string
		changed bool
	}{
		{"Same", base, false},
		{"Category", strings.Replace(base, "<category>A</category>", "<category>B</category>", 1), false},
		{"Title", strings.Replace(base, "<title>Dated</title>", "<title>Dated!</title>", 1), true},
		{"Content", strings.Replace(base, "Body.", "Body!", 1), true},
		{"Link", strings.Replace(base, "https://partner.example/a", "https://partner.example/b", 1), true},
		{"Published", strings.Replace(base, "09:00:00", "10:00:00", 1), true},
		{"Author", strings.Replace(base, "<category>", "<dc:creator>Ann</dc:creator><category>", 1), true},
		{"Enclosure", strings.Replace(base, "<category>", `<enclosure url="https://partner.example/a.mp3" type="audio/mpeg" length="1"/><category>`, 1), true},
		{"TrackingParamOnly", strings.Replace(base, "https://partner.example/a", "https://partner.example/a?utm_source=rss", 1), false},
	} {
		if got := h(tc.doc); (got != want) != tc.changed {
			t.Errorf("%s: hash %s vs %s, want changed=%v", tc.name, got, want, tc.changed)
		}
	}
}
