package admin_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
)

// TestAPI_TakeDownReason: the editor's reason travels with the retraction
// (cleaned of control characters); an overlong one is refused and takes
// nothing down.
func TestAPI_TakeDownReason(t *testing.T) {
	f := newAPI(t, tok)
	_, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: syndicate.SourceRef{ID: "westernjournal", Name: "WJ"}, Now: time.Now(),
		Entries: []*store.Entry{
			{Key: "k1", Article: &syndicate.Article{Title: "Retracted", CanonicalURL: "https://wj.example/1"}},
			{Key: "k2", Article: &syndicate.Article{Title: "Kept", CanonicalURL: "https://wj.example/2"}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	id := syndicate.MintArticleID("westernjournal", "k1")
	long := url.QueryEscape(strings.Repeat("x", 501))
	if code, body, _ := f.call(t, "DELETE", "/api/articles/"+id+"?reason="+long, tok.Value, ""); code != 400 || body["field"] != "reason" {
		t.Errorf("overlong reason = %d %v", code, body)
	}
	if _, err := f.st.Article(t.Context(), id); err != nil {
		t.Errorf("a refused takedown took the article down: %v", err)
	}
	reason := url.QueryEscape("Retracted:\x00 the\nquotes were wrong")
	if code, body, _ := f.call(t, "DELETE", "/api/articles/"+id+"?reason="+reason, tok.Value, ""); code != 204 {
		t.Fatalf("takedown = %d %v", code, body)
	}
	rs, err := f.st.Retractions(t.Context(), store.FeedAll, time.Time{}, 10)
	if err != nil || len(rs) != 1 || rs[0].ArticleID != id || rs[0].Reason != "Retracted: the quotes were wrong" || rs[0].Cause != store.CauseTakedown {
		t.Errorf("Retractions = %+v, %v", rs, err)
	}
}
