package comments_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"syndicate"
	"syndicate/comments"
)

// TestLocation_Answers: the Location of a 201 answers with the comment's
// public view once it is published, with its status only before (and
// when it is spam), never with its e-mail or IP; other ids are 404.
func TestLocation_Answers(t *testing.T) {
	f := newFixture(t, func(o *comments.Options, _ *comments.HandlerOptions) { o.RateLimit = 100 })
	get := func(path string) (int, map[string]any, string) {
		t.Helper()
		resp, err := http.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		json.Unmarshal(raw, &out)
		return resp.StatusCode, out, string(raw)
	}
	resp, out := f.post(t, f.aid, good())
	loc := resp.Header.Get("Location")
	id, _ := out["id"].(string)
	if resp.StatusCode != 201 || id == "" || loc != "/articles/"+f.aid+"/comments/"+id {
		t.Fatalf("submit = %d %v, Location %q", resp.StatusCode, out, loc)
	}
	code, view, raw := get(loc)
	if code != 200 || view["status"] != "pending" || view["id"] != id || len(view) != 3 {
		t.Errorf("pending: %d %s, want its ids and status only", code, raw)
	}
	if _, err := f.svc.SetStatus(t.Context(), "editor", id, syndicate.StatusApproved); err != nil {
		t.Fatal(err)
	}
	code, view, raw = get(loc)
	if code != 200 || view["status"] != "approved" || view["author"] != "Ann Reader" || !strings.Contains(view["content"].(string), "Great piece.") {
		t.Errorf("approved: %d %s", code, raw)
	}
	if strings.Contains(raw, "ann@example.com") || strings.Contains(raw, "127.0.0.1") || strings.Contains(raw, `"email"`) || strings.Contains(raw, `"ip"`) {
		t.Errorf("the view leaks the e-mail or IP: %s", raw)
	}
	if _, err := f.svc.SetStatus(t.Context(), "editor", id, syndicate.StatusSpam); err != nil {
		t.Fatal(err)
	}
	if code, view, raw := get(loc); code != 200 || view["status"] != "pending" || view["content"] != nil {
		t.Errorf("spam: %d %s, want the pending answer", code, raw)
	}
	for _, path := range []string{
		"/articles/" + f.aid + "/comments/cnope",    // unknown
		"/articles/" + f.oldAid + "/comments/" + id, // on another article
	} {
		if code, _, raw := get(path); code != 404 {
			t.Errorf("GET %s = %d %s, want 404", path, code, raw)
		}
	}
	if err := f.svc.Delete(t.Context(), "editor", id); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := get(loc); code != 404 {
		t.Errorf("deleted = %d, want 404", code)
	}
}
