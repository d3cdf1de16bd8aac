package admin_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAPI_Rights: the rights keys are validated field by field, stored,
// and survive an OPML export and import.
func TestAPI_Rights(t *testing.T) {
	f := newAPI(t, tok)
	for _, tc := range []struct{ body, field string }{
		{`{"id":"r1","name":"R","url":"https://r.example/feed","redistribute":"partial"}`, "redistribute"},
		{`{"id":"r1","name":"R","url":"https://r.example/feed","license":"not a url"}`, "license"},
		{`{"id":"r1","name":"R","url":"https://r.example/feed","rights":"two\nlines"}`, "rights"},
		{`{"id":"r1","name":"R","url":"https://r.example/feed","hold":"soon"}`, "hold"},
		{`{"id":"r1","name":"R","url":"https://r.example/feed","hold":"-1h"}`, "hold"},
	} {
		code, b, _ := f.call(t, "POST", "/api/sources", tok.Value, tc.body)
		if code != 400 || !strings.Contains(strings.ToLower(toJSON(b)), tc.field) {
			t.Errorf("POST %s = %d %v, want 400 naming %s", tc.body, code, b, tc.field)
		}
	}
	body := `{"id":"teaser","name":"Teaser","url":"https://teaser.example/feed","rights":"© 2026 Teaser \"T\" & Co","license":"https://teaser.example/terms","redistribute":"excerpt","hold":"2h"}`
	if code, b, _ := f.call(t, "POST", "/api/sources", tok.Value, body); code != 201 {
		t.Fatalf("create = %d %v", code, b)
	}
	_, got, _ := f.call(t, "GET", "/api/sources/teaser", tok.Value, "")
	for k, want := range map[string]string{"rights": `© 2026 Teaser "T" & Co`, "license": "https://teaser.example/terms", "redistribute": "excerpt", "hold": "2h"} {
		if got[k] != want {
			t.Errorf("%s = %v, want %q", k, got[k], want)
		}
	}
	_, exp, _ := f.call(t, "GET", "/api/sources.opml", tok.Value, "")
	opml := exp["_raw"].(string)
	for _, want := range []string{`syndicate:rights="© 2026 Teaser &#34;T&#34; &amp; Co"`, `syndicate:license="https://teaser.example/terms"`, `syndicate:redistribute="excerpt"`, `syndicate:hold="2h"`} {
		if !strings.Contains(opml, want) {
			t.Errorf("export lacks %s:\n%s", want, opml)
		}
	}
	g := newAPI(t, tok)
	if code, rep, _ := g.call(t, "POST", "/api/sources.opml", tok.Value, opml); code != 201 {
		t.Fatalf("import = %d %v", code, rep)
	}
	_, back, _ := g.call(t, "GET", "/api/sources/teaser", tok.Value, "")
	for _, k := range []string{"rights", "license", "redistribute", "hold"} {
		if back[k] != got[k] {
			t.Errorf("after import %s = %v, want %v", k, back[k], got[k])
		}
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
