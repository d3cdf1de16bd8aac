package normalize_test

import (
	"fmt"
	"strings"
	"testing"

	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
)

// A feed-level value is copied into every entry: unbounded, one partner
// document of a few megabytes would be stored once per article.
func TestNormalize_FeedLevelFieldsAreBounded(t *testing.T) {
	big := strings.Repeat("x", 200_000)
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://partner.example/</link>`+
		`<language>%s</language><copyright>%s</copyright>`, big, big)
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&b, `<item><title>item %d</title><link>https://partner.example/%d</link></item>`, i, i)
	}
	b.WriteString(`</channel></rss>`)
	f, err := parse.Parse([]byte(b.String()), "")
	if err != nil {
		t.Fatal(err)
	}
	res := normalize.Normalize(f, testSource, normalize.Options{FeedURL: "https://partner.example/feed", Now: clock})
	if len(res.Entries) != 5 {
		t.Fatalf("%d entries", len(res.Entries))
	}
	for _, e := range res.Entries {
		if n := len(e.Article.Language); n > 35 {
			t.Errorf("language of %d bytes stored with the article", n)
		}
		if n := len([]rune(e.Article.Rights)); n > normalize.MaxRightsLength {
			t.Errorf("rights of %d runes stored with the article", n)
		}
	}
}

func TestNormalize_LanguageIsATag(t *testing.T) {
	for in, want := range map[string]string{
		"en-US": "en-US", " en ": "en", "de_DE": "de-DE", `en"><script>`: "", "x": "", "": "",
		"zh-Hant-TW": "zh-Hant-TW", "english": "", "en-": "",
	} {
		body := `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"https://partner.example/1","url":"https://partner.example/1","title":"t","language":` + fmt.Sprintf("%q", in) + `}]}`
		f, err := parse.Parse([]byte(body), "")
		if err != nil {
			t.Fatal(err)
		}
		res := normalize.Normalize(f, testSource, normalize.Options{FeedURL: "https://partner.example/feed.json", Now: clock})
		if len(res.Entries) != 1 {
			t.Fatalf("%q: %d entries", in, len(res.Entries))
		}
		if got := res.Entries[0].Article.Language; got != want {
			t.Errorf("language %q stored as %q, want %q", in, got, want)
		}
	}
}
