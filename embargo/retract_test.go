package embargo_test

import (
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
)

// A story taken down while held was never shown: no feed announces its
// retraction (the at:deleted-entry named its entry id, the partner's URL,
// and the editor's reason while the embargo was meant to hold). One taken
// down after its release is announced as before.
func TestEmbargo_RetractionOfHeldArticle(t *testing.T) {
	st, c := openAtT0(t)
	ctx := t.Context()
	open := func(n string) *store.Entry { return entry("open", n, nil) }
	batch := []*store.Entry{open("2"), open("3")}
	if _, err := st.ApplyIngest(ctx, &store.Batch{Source: sources[0].Ref(), Now: t0, Entries: []*store.Entry{entry("wj", "1", nil), entry("wj", "4", nil)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyIngest(ctx, &store.Batch{Source: sources[1].Ref(), Now: t0, Entries: batch}); err != nil {
		t.Fatal(err)
	}
	r := newReplica(t, st, c)
	c.add(time.Minute)
	editorHeld := syndicate.MintArticleID("open", "https://open.example/?p=2")
	if err := st.SetHold(ctx, editorHeld, t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := r.guard.Load(ctx); err != nil {
		t.Fatal(err)
	}
	sourceHeld := syndicate.MintArticleID("wj", "https://wj.example/?p=1")
	for _, id := range []string{sourceHeld, editorHeld} {
		if _, err := st.Retract(ctx, id, "embargo-secret-"+id, c.now()); err != nil {
			t.Fatal(err)
		}
	}
	c.add(3 * time.Hour) // wj's 2h hold is over for p=4
	released := syndicate.MintArticleID("wj", "https://wj.example/?p=4")
	if _, err := st.Retract(ctx, released, "after-release", c.now()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/feed.atom", "/feed.json", "/sources/wj/feed.atom", "/sources/open/feed.json", "/categories/politics/feed.atom",
		"/partners/p/feed.atom?key=" + partnerKey, "/partners/p/feed.json?key=" + partnerKey} {
		code, body := get(t, r.hs.URL, p)
		if code != 200 {
			t.Errorf("%s = %d", p, code)
			continue
		}
		for _, leak := range []string{"embargo-secret", "?p=1", "?p=2", sourceHeld, editorHeld} {
			if strings.Contains(body, leak) {
				t.Errorf("%s announces the retraction of a held story (%q):\n%s", p, leak, body)
			}
		}
		if want := "?p=4"; (strings.Contains(p, "/feed.") && !strings.Contains(p, "sources/open")) && !strings.Contains(p, "partners") && !strings.Contains(body, want) {
			t.Errorf("%s lacks the retraction of the released story:\n%s", p, body)
		}
	}
}
