package admin_test

import (
	"net/url"
	"slices"
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

// TestAPI_DeleteSourceAnnouncesOnlyWhatWasListed: deleting a source
// retracts its articles, but those no feed ever listed (its rights were
// none, or its hold was still in force) leave unannounced: the retraction
// named them (their entry ids, often the partner's URLs) once the source
// was gone and with it the rights and hold that had kept them out.
func TestAPI_DeleteSourceAnnouncesOnlyWhatWasListed(t *testing.T) {
	f := newAPI(t, tok)
	now := time.Now()
	for _, src := range []string{
		`{"id":"unlisted","name":"U","url":"https://u.example/feed","redistribute":"none"}`,
		`{"id":"held","name":"H","url":"https://h.example/feed","hold":"2h"}`,
		`{"id":"open","name":"O","url":"https://o.example/feed"}`,
	} {
		if code, body, _ := f.call(t, "POST", "/api/sources", tok.Value, src); code != 201 {
			t.Fatalf("create %s = %d %v", src, code, body)
		}
	}
	ingest := func(src, key string, at time.Time) string {
		_, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: syndicate.SourceRef{ID: src, Name: src}, Now: at,
			Entries: []*store.Entry{{Key: key, Article: &syndicate.Article{Title: key, CanonicalURL: "https://" + src + ".example/" + key}}}})
		if err != nil {
			t.Fatal(err)
		}
		return syndicate.MintArticleID(src, key)
	}
	ingest("unlisted", "u1", now)
	ingest("held", "h-new", now.Add(-time.Hour))
	released := ingest("held", "h-old", now.Add(-3*time.Hour))
	open := ingest("open", "o1", now)
	for _, id := range []string{"unlisted", "held", "open"} {
		if code, body, _ := f.call(t, "DELETE", "/api/sources/"+id, tok.Value, ""); code != 204 {
			t.Fatalf("delete %s = %d %v", id, code, body)
		}
	}
	rs, err := f.st.Retractions(t.Context(), store.FeedAll, time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.ArticleID)
	}
	if len(got) != 2 || !slices.Contains(got, released) || !slices.Contains(got, open) {
		t.Errorf("retractions of the site feed = %v, want only %s (released) and %s (open)", got, released, open)
	}
}
