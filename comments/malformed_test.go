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
		req, _ := http.NewRequest("POST", f.srv.URL+"/articles/"+f.aid+"/comments", strings.NewReader(c.in))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var out map[string]any
		json.Unmarshal(raw, &out)
		msg, _ := out["error"].(string)
		if resp.StatusCode != 400 || out["field"] == "body" || !strings.Contains(msg, c.says) || strings.Contains(msg, "interface") {
			t.Errorf("%s: = %d %s, want 400 saying %q", c.in, resp.StatusCode, raw, c.says)
		}
	}
}
