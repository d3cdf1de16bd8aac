package admin_test

import (
	"strings"
	"testing"
)

// Every malformed body is a 400 that names the field (or "body") and says
// what is wrong in JSON's words, not Go's.
func TestAPI_MalformedBodies(t *testing.T) {
	f := newAPI(t, tok)
	for _, c := range []struct{ body, field, says string }{
		{goodSource + `]`, "body", "after the JSON object"},
		{goodSource + `}`, "body", "after the JSON object"},
		{goodSource + ` {"x":1}`, "body", "after the JSON object"},
		{`{"id":"partner-daily","name":"P"`, "body", "ends early"},
		{`[]`, "body", "a JSON object, not an array"},
		{`"text"`, "body", "a JSON object, not a string"},
		{`{"id":"a","categories":"Local"}`, "categories", "an array of strings, not a string"},
		{`{"id":"a","categories":{"a":1}}`, "categories", "an array of strings, not an object"},
		{`{"id":"a","categories":[1]}`, "categories", "a string, not a number"},
		{`{"id":"a","comments":"yes"}`, "comments", "true or false, not a string"},
		{`{"id":5}`, "id", "a string, not a number"},
		// encoding/json would keep the last of a repeated key silently.
		{`{"id":"partner-daily","name":"P","url":"https://partner.example/feed","id":"other"}`, "id", "given twice"},
		{`{"id":"a","categories":["x"],"categories":null}`, "categories", "given twice"},
		// Within the bound as JSON, past it with what follows: the bound
		// is the reason, not "data after the object".
		{goodSource + strings.Repeat(" ", 1<<20), "body", "larger than"},
	} {
		code, body, _ := f.call(t, "POST", "/api/sources", tok.Value, c.body)
		msg, _ := body["error"].(string)
		if code != 400 || body["field"] != c.field || !strings.Contains(msg, c.says) || strings.Contains(msg, "admin.") || strings.Contains(msg, "[]string") {
			t.Errorf("%s: = %d %v, want 400 on %q saying %q", c.body, code, body, c.field, c.says)
		}
	}
}
