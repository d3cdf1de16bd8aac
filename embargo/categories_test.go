package embargo_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
	"syndicate/store/embedded"
)

// A category that only held articles carry is not in use yet: its label
// must not show in the category list, the OPML or its own page until the
// hold ends (a label can say as much as a headline).
func TestEmbargo_CategoriesOfHeldArticles(t *testing.T) {
	st, c := openAtT0(t)
	ctx := t.Context()
	secret := func(a *syndicate.Article) { a.Categories = []string{"Politics", "Acme Buys Initech"} }
	for _, b := range []*store.Batch{
		{Source: sources[0].Ref(), Now: t0, Entries: []*store.Entry{entry("wj", "1", secret)}}, // held 2h by its source
		{Source: sources[1].Ref(), Now: t0, Entries: []*store.Entry{entry("open", "1", nil)}},
	} {
		if _, err := st.ApplyIngest(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	r := newReplica(t, st, c)
	c.add(time.Hour)
	cats, err := r.guard.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cats["acme-buys-initech"]; ok || cats["politics"] == "" {
		t.Errorf("while held: categories %v", cats)
	}
	// The paged reads the lists use hide it too, and count without it.
	if pg, err := r.guard.CategoryPage(ctx, 0, 10); err != nil || pg.Total != 1 || len(pg.Items) != 1 || pg.Items[0].Slug != "politics" {
		t.Errorf("while held: CategoryPage = %+v, %v; want politics alone", pg, err)
	}
	if _, ok, err := r.guard.CategoryLabel(ctx, "acme-buys-initech"); ok || err != nil {
		t.Errorf("while held: CategoryLabel of the held category = %v, %v", ok, err)
	}
	if l, ok, err := r.guard.CategoryLabel(ctx, "politics"); !ok || err != nil || l != "Politics" {
		t.Errorf("while held: CategoryLabel(politics) = %q, %v, %v", l, ok, err)
	}
	for _, path := range []string{"/categories/", "/feeds.opml"} {
		if code, body := get(t, r.hs.URL, path); code != 200 || strings.Contains(body, "Acme") {
			t.Errorf("while held: %s = %d, shows the held category: %v", path, code, strings.Contains(body, "Acme"))
		}
	}
	for _, path := range []string{"/categories/acme-buys-initech/", "/categories/acme-buys-initech/feed.json"} {
		if code, _ := get(t, r.hs.URL, path); code != http.StatusNotFound {
			t.Errorf("while held: %s = %d, want 404 as for any unknown category", path, code)
		}
	}
	c.add(2 * time.Hour) // past the source's hold
	r.guard.Release(ctx)
	if cats, err := r.guard.Categories(ctx); err != nil || cats["acme-buys-initech"] == "" {
		t.Errorf("after the release: categories %v, %v", cats, err)
	}
	if pg, err := r.guard.CategoryPage(ctx, 0, 10); err != nil || pg.Total != 2 {
		t.Errorf("after the release: CategoryPage = %+v, %v; want both", pg, err)
	}
	for _, path := range []string{"/categories/", "/feeds.opml"} {
		ok := false
		for i := 0; i < 100 && !ok; i++ { // the cache learns of the release from the store's notice
			_, body := get(t, r.hs.URL, path)
			ok = strings.Contains(body, "Acme")
			if !ok {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if !ok {
			t.Errorf("after the release: %s does not show the category", path)
		}
	}
	if code, _ := get(t, r.hs.URL, "/categories/acme-buys-initech/"); code != 200 {
		t.Errorf("after the release: the category page = %d", code)
	}
}

// A comment of a held article is unknown, like the article
// (GET /articles/{id}/comments/{cid} answered its status).
func TestEmbargo_CommentOfHeldArticle(t *testing.T) {
	st, c := openAtT0(t)
	ctx := t.Context()
	if _, err := st.ApplyIngest(ctx, &store.Batch{Source: sources[0].Ref(), Now: t0, Entries: []*store.Entry{entry("wj", "1", nil)}}); err != nil {
		t.Fatal(err)
	}
	held := syndicate.MintArticleID("wj", "https://wj.example/?p=1")
	stored, _, err := st.AddComment(ctx, &syndicate.Comment{ArticleID: held, Origin: syndicate.CommentLocal, Status: syndicate.StatusPending,
		Author: syndicate.Author{Name: "Bo", Email: "bo@readers.example"}, Content: "<p>x</p>", Published: t0}, 5)
	if err != nil {
		t.Fatal(err)
	}
	id := stored.ID
	r := newReplica(t, st, c)
	c.add(time.Hour)
	if _, err := r.guard.Comment(ctx, id); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("while held: Comment = %v, want ENotFound", err)
	}
	c.add(2 * time.Hour)
	if got, err := r.guard.Comment(ctx, id); err != nil || got.ArticleID != held {
		t.Errorf("after the hold: Comment = %v, %v", got, err)
	}
}

// openAtT0 opens an embedded store whose clock, and the replicas' clock c,
// read t0.
func openAtT0(t *testing.T) (*embedded.Store, *clock) {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{}
	c.set(t0)
	return st, c
}
