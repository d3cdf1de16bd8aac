package comments_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// A malformed JSON submission is a 400 about the request in plain words,
// never pinned on the comment's own "body" field and never a Go type.
func TestSubmit_MalformedJSON(t *testing.T) {
	f := newFixture(t, nil)
	good := `{"author":"Ann Reader","email":"ann@example.com","body":"Great piece."}`
	for _, c := range []struct{ in, says string }{
		{`[1]`, "a JSON object, not an array"},
		{`"text"`, "a JSON object, not a string"},
		{`{"author":"Ann"`, "ends early"},
		{good + `]`, "after the JSON object"},
		{good + `{"body":"again"}`, "after the JSON object"},
	} {
		code, raw, out := postJSON(t, f, c.in)
		msg, _ := out["error"].(string)
		if code != 400 || out["field"] == "body" || !strings.Contains(msg, c.says) || strings.Contains(msg, "interface") {
			t.Errorf("%s: = %d %s, want 400 saying %q", c.in, code, raw, c.says)
		}
	}
}

// A submission in a media type the endpoint does not read (a multipart
// form among them) is a 400 that names the two it does, not "author is
// required" about fields the request carried; the two it reads are read
// whatever their parameters and case.
func TestSubmit_ContentTypes(t *testing.T) {
	f := newFixture(t, nil)
	form := "author=Ann+Reader&email=ann%40example.com&body=Great+piece."
	multipart := "--b\r\nContent-Disposition: form-data; name=\"author\"\r\n\r\nAnn\r\n--b\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nHi\r\n--b--\r\n"
	for _, c := range []struct {
		ct, body string
		status   int
		says     string
	}{
		{"multipart/form-data; boundary=b", multipart, 400, "application/x-www-form-urlencoded"},
		{"text/plain", "hello", 400, "text/plain is not read here"},
		{"/json", `{}`, 400, "does not parse"},
		{"Application/JSON; charset=utf-8", `{"author":"Ann Reader","email":"ann@example.com","body":"Great piece."}`, 0, ""},
		{"application/x-www-form-urlencoded; charset=UTF-8", form, 0, ""},
	} {
		req, _ := http.NewRequest("POST", f.srv.URL+"/articles/"+f.aid+"/comments", strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.ct)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case c.status == 0 && resp.StatusCode >= 400:
			t.Errorf("%s: = %d %s, want it accepted", c.ct, resp.StatusCode, raw)
		case c.status != 0 && (resp.StatusCode != c.status || !strings.Contains(string(raw), c.says)):
			t.Errorf("%s: = %d %s, want %d saying %q", c.ct, resp.StatusCode, raw, c.status, c.says)
		}
	}
}

// A field given twice is refused, naming it: encoding/json keeps the last
// and a form the first, so the same request read two ways would differ.
func TestSubmit_DuplicateKey(t *testing.T) {
	f := newFixture(t, nil)
	in := `{"author":"Ann Reader","email":"ann@example.com","body":"Great piece.","author":"Someone Else"}`
	code, raw, out := postJSON(t, f, in)
	if msg, _ := out["error"].(string); code != 400 || out["field"] != "author" || !strings.Contains(msg, "twice") {
		t.Errorf("= %d %s, want 400 on author saying it is given twice", code, raw)
	}
}

// postJSON posts body as a comment on the fixture's article and returns
// the status, the answer and the answer read as a JSON object.
func postJSON(t *testing.T, f *fixture, body string) (int, []byte, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+"/articles/"+f.aid+"/comments", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, raw, out
}
