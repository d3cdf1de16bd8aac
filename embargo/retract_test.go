package embargo_test

import (
	"net/http"
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

// A held article arriving bumps its feeds' versions, but nothing the feeds
// show changed: their Last-Modified stays (it moved, telling anyone that
// an embargoed story had just come in, while body and ETag stayed).
func TestEmbargo_HeldArrivalKeepsLastModified(t *testing.T) {
	st, c := openAtT0(t)
	ctx := t.Context()
	if _, err := st.ApplyIngest(ctx, &store.Batch{Source: sources[1].Ref(), Now: t0, Entries: []*store.Entry{entry("open", "1", nil)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyIngest(ctx, &store.Batch{Source: sources[0].Ref(), Now: t0, Entries: []*store.Entry{entry("wj", "1", func(a *syndicate.Article) { a.Categories = []string{"Other"} })}}); err != nil {
		t.Fatal(err)
	}
	r := newReplica(t, st, c)
	c.add(3 * time.Hour) // wj/1 is released; its feed has something to show
	paths := []string{"/feed.rss", "/feed.atom", "/sources/wj/feed.json", "/categories/politics/feed.rss", "/partners/p/sources/open/feed.rss?key=" + partnerKey}
	head := func(p string) (string, string) {
		resp, err := http.Get(r.hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s = %d", p, resp.StatusCode)
		}
		return resp.Header.Get("Last-Modified"), resp.Header.Get("ETag")
	}
	before := map[string][2]string{}
	for _, p := range paths {
		lm, tag := head(p)
		before[p] = [2]string{lm, tag}
	}
	later := c.now().Add(time.Minute)
	c.set(later)
	if _, err := st.ApplyIngest(ctx, &store.Batch{Source: sources[0].Ref(), Now: later, Entries: []*store.Entry{entry("wj", "2", nil)}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		lm, tag := head(p)
		if tag != before[p][1] {
			t.Errorf("%s: ETag moved (%s → %s): the held story shows", p, before[p][1], tag)
		}
		if lm != before[p][0] {
			t.Errorf("%s: Last-Modified moved from %s to %s for a held story", p, before[p][0], lm)
		}
	}
}

// The feeds' 404 for a held article, like the pages', is kept by no
// cache: it had no Cache-Control, and a shared cache could serve it past
// the release.
func TestEmbargo_HeldNotFoundIsNotCached(t *testing.T) {
	st, c := openAtT0(t)
	if _, err := st.ApplyIngest(t.Context(), &store.Batch{Source: sources[0].Ref(), Now: t0, Entries: []*store.Entry{entry("wj", "1", nil)}}); err != nil {
		t.Fatal(err)
	}
	r := newReplica(t, st, c)
	id := syndicate.MintArticleID("wj", "https://wj.example/?p=1")
	for _, p := range []string{"/articles/" + id + ".json", "/articles/" + id, "/articles/" + id + "/comments.rss"} {
		resp, err := http.Get(r.hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s while held = %d, Cache-Control %q; want 404 no-store", p, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
}
