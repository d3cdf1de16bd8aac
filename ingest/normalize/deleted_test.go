package normalize_test

import (
	"slices"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
)

func TestDeletedEntries(t *testing.T) {
	src := syndicate.Source{ID: "p", Name: "P", SiteURL: "https://p.example/"}
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"atom", `<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0">
  <title>P</title><id>tag:p.example,2026:feed</id><updated>2026-11-20T10:00:00Z</updated>
  <at:deleted-entry ref="tag:p.example,2026:1" when="2026-11-20T10:00:00Z"><at:comment>gone</at:comment></at:deleted-entry>
  <at:deleted-entry ref=" https://p.example/2026/11/two?utm_source=x " when="2026-11-20T10:00:00Z"/>
  <entry><title>Kept</title><id>tag:p.example,2026:3</id><updated>2026-11-20T09:00:00Z</updated><link href="https://p.example/3"/></entry>
</feed>`, []string{"tag:p.example,2026:1", "https://p.example/2026/11/two?utm_source=x", "https://p.example/2026/11/two"}},
		{"atom, another prefix", `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:tomb='http://purl.org/atompub/tombstones/1.0'>
  <title>P</title><id>tag:p.example,2026:feed</id><updated>2026-11-20T10:00:00Z</updated>
  <tomb:deleted-entry ref="tag:p.example,2026:1" when="2026-11-20T10:00:00Z"/>
</feed>`, []string{"tag:p.example,2026:1"}},
		{"rss with the namespace", `<rss version="2.0" xmlns:at="http://purl.org/atompub/tombstones/1.0"><channel>
  <title>P</title><link>https://p.example/</link><description>d</description>
  <at:deleted-entry ref="https://p.example/?p=7" when="Thu, 20 Nov 2026 10:00:00 +0000"/>
  <item><title>Kept</title><guid>https://p.example/?p=8</guid></item>
</channel></rss>`, []string{"https://p.example/?p=7"}},
		{"another namespace's deleted-entry is no retraction", `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="https://evil.example/ns">
  <title>P</title><id>tag:p.example,2026:feed</id><updated>2026-11-20T10:00:00Z</updated>
  <at:deleted-entry ref="tag:p.example,2026:1" when="2026-11-20T10:00:00Z"/>
</feed>`, nil},
		{"no ref", `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0">
  <title>P</title><id>tag:p.example,2026:feed</id><updated>2026-11-20T10:00:00Z</updated>
  <at:deleted-entry when="2026-11-20T10:00:00Z"/><at:deleted-entry ref="  "/>
</feed>`, nil},
		{"none", `<rss version="2.0"><channel><title>P</title><link>https://p.example/</link><description>d</description>
  <item><title>Kept</title><guid>https://p.example/?p=8</guid></item></channel></rss>`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.doc)
			f, err := parse.Parse(body, "")
			if err != nil {
				t.Fatal(err)
			}
			res := normalize.Normalize(f, src, normalize.Options{FeedURL: "https://p.example/feed", Now: time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC), StripParams: []string{"utm_*"}, Body: body})
			if !slices.Equal(res.Deleted, tc.want) {
				t.Errorf("Deleted = %q, want %q", res.Deleted, tc.want)
			}
		})
	}
}
