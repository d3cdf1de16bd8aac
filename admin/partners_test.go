package admin_test

import (
	"strings"
	"testing"
)

// TestAPI_Partners: partner CRUD validates every field, never shows a
// key except when it is made, keeps the key on an edit without one.
func TestAPI_Partners(t *testing.T) {
	f := newAPI(t, tok)
	for _, tc := range []struct{ body, field string }{
		{`{"name":"Bad Name"}`, "name"},
		{`{"name":"ok","key":"short"}`, "key"},
		{`{"name":"ok","key":"has a space in it 0123"}`, "key"},
		{`{"name":"ok","content":"most"}`, "content"},
		{`{"name":"ok","sources":["Not An Id"]}`, "sources[0]"},
	} {
		code, b, _ := f.call(t, "POST", "/api/partners", tok.Value, tc.body)
		if code != 400 || b["field"] != tc.field {
			t.Errorf("POST %s = %d %v, want 400 on %s", tc.body, code, b, tc.field)
		}
	}
	code, b, _ := f.call(t, "POST", "/api/partners", tok.Value, `{"name":"baltic","key":"baltic-key-0123456789","content":"excerpt","categories":["Politics"]}`)
	if code != 201 || b["key"] != "baltic-key-0123456789" {
		t.Fatalf("create = %d %v", code, b)
	}
	if code, b, _ := f.call(t, "POST", "/api/partners", tok.Value, `{"name":"baltic"}`); code != 409 {
		t.Errorf("duplicate = %d %v", code, b)
	}
	code, b, _ = f.call(t, "PUT", "/api/partners/baltic", tok.Value, `{"content":"full","comments":true}`)
	if code != 200 || b["key"] != nil || b["content"] != "full" || b["comments"] != true {
		t.Errorf("replace = %d %v", code, b)
	}
	if code, _, _ := f.call(t, "PUT", "/api/partners/baltic", tok.Value, `{"name":"other"}`); code != 400 {
		t.Errorf("rename = %d, want 400", code)
	}
	if code, _, _ := f.call(t, "PUT", "/api/partners/nobody", tok.Value, `{}`); code != 404 {
		t.Errorf("replace unknown = %d, want 404", code)
	}
	_, list, _ := f.call(t, "GET", "/api/partners", tok.Value, "")
	if s := toJSON(list); strings.Contains(s, "baltic-key-0123456789") || !strings.Contains(s, `"baltic"`) {
		t.Errorf("list = %s", s)
	}
	code, b, _ = f.call(t, "POST", "/api/partners/baltic/key", tok.Value, "")
	if k, _ := b["key"].(string); code != 200 || len(k) < 16 || k == "baltic-key-0123456789" {
		t.Errorf("rotate = %d %v", code, b)
	}
	if code, _, _ := f.call(t, "DELETE", "/api/partners/baltic", tok.Value, ""); code != 204 {
		t.Errorf("delete = %d", code)
	}
	if code, _, _ := f.call(t, "GET", "/api/partners/baltic", tok.Value, ""); code != 404 {
		t.Errorf("get deleted = %d", code)
	}
}
