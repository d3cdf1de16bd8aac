package normalize_test

import (
	"strings"
	"testing"

	"syndicate"
	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
)

// An article or comment whose sanitized content is over MaxContentBytes
// is skipped, with its position, as an over-long guid is: the body cap
// bounds one document, not what accumulates in the store, and a feed
// page of max_limit such entries would be rendered whole on every miss.
func TestNormalize_ContentOverTheLimitIsSkipped(t *testing.T) {
	huge := "<p>" + strings.Repeat("word ", normalize.MaxContentBytes/5+1) + "</p>"
	res := normalizeAll(t, rssDoc(
		`<item><title>ok</title><link>https://partner.example/ok</link><description>fine</description></item>`,
		`<item><title>huge</title><link>https://partner.example/huge</link><description><![CDATA[`+huge+`]]></description></item>`,
	))
	if len(res.Entries) != 1 || res.Entries[0].Article.Title != "ok" {
		t.Fatalf("%d entries, want only the small one", len(res.Entries))
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Index != 1 || !strings.Contains(res.Skipped[0].Reason, "over the limit") {
		t.Errorf("skipped %+v", res.Skipped)
	}

	doc := `<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>` +
		`<item><title>By: Ann</title><guid>c1</guid><description>short</description></item>` +
		`<item><title>By: Bob</title><guid>c2</guid><description><![CDATA[` + huge + `]]></description></item></channel></rss>`
	f, err := parse.Parse([]byte(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	a := &syndicate.Article{GUID: "a", CanonicalURL: "https://partner.example/a"}
	cs := normalize.Comments(f, a, normalize.Options{Now: clock})
	if len(cs) != 1 || cs[0].GUID != "c1" {
		t.Errorf("comments %d, want only the short one", len(cs))
	}
}
