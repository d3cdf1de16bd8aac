package admin_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestAPI_IfMatch: source reads carry an ETag; a PUT naming a version
// someone else replaced is refused 412 with the current version, and
// changes nothing.
func TestAPI_IfMatch(t *testing.T) {
	f := newAPI(t, tok)
	code, _, h := f.call(t, "POST", "/api/sources", tok.Value, goodSource)
	if code != 201 || h.Get("ETag") == "" {
		t.Fatalf("create = %d, ETag %q", code, h.Get("ETag"))
	}
	_, _, h = f.call(t, "GET", "/api/sources/partner-daily", tok.Value, "")
	v1 := h.Get("ETag")
	if !strings.HasPrefix(v1, `"`) || !strings.HasSuffix(v1, `"`) || len(v1) < 10 {
		t.Fatalf("ETag = %q, want a strong tag", v1)
	}
	put := func(body, ifMatch string) (int, map[string]any, http.Header) {
		req, _ := http.NewRequest("PUT", f.srv.URL+"/api/sources/partner-daily", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.Value)
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var out map[string]any
		json.Unmarshal(raw, &out)
		return res.StatusCode, out, res.Header
	}
	alice := strings.Replace(goodSource, "Partner Daily", "Partner Daily (Alice)", 1)
	bob := strings.Replace(goodSource, "Partner Daily", "Partner Daily (Bob)", 1)
	code, _, h = put(alice, v1)
	v2 := h.Get("ETag")
	if code != 200 || v2 == "" || v2 == v1 {
		t.Fatalf("PUT with the current version = %d, ETag %q (was %q)", code, v2, v1)
	}
	code, body, h := put(bob, v1)
	if code != 412 || h.Get("ETag") != v2 {
		t.Fatalf("PUT with a stale version = %d, ETag %q; want 412 with %q", code, h.Get("ETag"), v2)
	}
	cur, _ := body["current"].(map[string]any)
	if cur == nil || cur["name"] != "Partner Daily (Alice)" || body["error"] == nil {
		t.Errorf("412 body = %v, want the current version", body)
	}
	if _, got, _ := f.call(t, "GET", "/api/sources/partner-daily", tok.Value, ""); got["name"] != "Partner Daily (Alice)" {
		t.Errorf("the stale PUT changed the source: %v", got["name"])
	}
	for _, tc := range []struct {
		ifMatch string
		code    int
	}{
		{"W/" + v2, 412},        // weak tags never match
		{`"other", ` + v2, 200}, // a list naming it
		{"*", 200},              // any version
		{"", 200},               // no precondition
		{v1, 412},               // stale again
	} {
		if code, _, _ := put(bob, tc.ifMatch); code != tc.code {
			t.Errorf("If-Match %q = %d, want %d", tc.ifMatch, code, tc.code)
		}
	}
}

// TestPage_ConcurrentEdit: two editors open the edit form; the second to
// save is shown the first one's version instead of overwriting it.
func TestPage_ConcurrentEdit(t *testing.T) {
	e := newPageEnv(t, editorTokens, nil)
	a, b := e.browser(t), e.browser(t)
	a.mustLogin()
	b.mustLogin()
	if res := a.action("/admin/sources", url.Values{"id": {"partner"}, "name": {"Partner"}, "url": {"https://partner.example/feed"}, "enabled": {"on"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("create = %d\n%s", res.Code, res.Body)
	}
	formOf := func(br *browser) url.Values {
		res := br.get("/admin/sources/partner/edit")
		m := regexpVersion.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("no version field in the edit form:\n%s", res.Body)
		}
		return url.Values{"version": {html.UnescapeString(m[1])}, "csrf": {html.UnescapeString(csrfField.FindStringSubmatch(res.Body)[1])}, "url": {"https://partner.example/feed"}, "enabled": {"on"}}
	}
	fa, fb := formOf(a), formOf(b)
	fa.Set("name", "Partner by A")
	if res := a.post("/admin/sources/partner", fa); res.Code != http.StatusSeeOther {
		t.Fatalf("first save = %d\n%s", res.Code, res.Body)
	}
	fb.Set("name", "Partner by B")
	res := b.post("/admin/sources/partner", fb)
	if res.Code != http.StatusPreconditionFailed || !strings.Contains(res.Body, "someone else changed this source") || !strings.Contains(res.Body, `value="Partner by A"`) {
		t.Fatalf("second save = %d\n%s", res.Code, res.Body)
	}
	if !strings.Contains(a.get("/admin").Body, "Partner by A") {
		t.Error("the first edit was overwritten")
	}
	// Saving again from the version shown works.
	fb = formOf(b)
	fb.Set("name", "Partner by B")
	if res := b.post("/admin/sources/partner", fb); res.Code != http.StatusSeeOther {
		t.Errorf("save from the current version = %d\n%s", res.Code, res.Body)
	}
}

var regexpVersion = regexp.MustCompile(`name="version" value="([^"]*)"`)
