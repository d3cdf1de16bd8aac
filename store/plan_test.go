package store

import (
	"slices"
	"testing"
	"time"

	"syndicate"
)

var planT0 = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func planRef(id string) syndicate.SourceRef {
	return syndicate.SourceRef{ID: id, Name: id, SiteURL: "https://" + id + ".example/"}
}

// planEntry is entry n of src, linking to url.
func planEntry(src string, n int, url, title string) *Entry {
	g := "https://" + src + ".example/g/" + string(rune('0'+n))
	a := &syndicate.Article{GUID: g, EntryID: g, CanonicalURL: url, Title: title, Categories: []string{"Politics"}, Published: planT0, Updated: planT0}
	a.Hash = a.ContentHash()
	return &Entry{Key: g, Article: a}
}

func plan(t *testing.T, tx *memTx, src string, now time.Time, es ...*Entry) *Plan {
	t.Helper()
	var cp []*Entry
	for _, e := range es {
		a := *e.Article
		cp = append(cp, &Entry{Key: e.Key, Article: &a, Order: e.Order})
	}
	p, err := PlanIngest(t.Context(), tx, &Batch{Source: planRef(src), Entries: cp, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// commit commits a plan the way Apply does.
func commit(t *testing.T, tx *memTx, p *Plan) {
	t.Helper()
	if p.Write != nil {
		if err := tx.Commit(t.Context(), p.Write); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPlan_NewArticle(t *testing.T) {
	tx := newMemTx()
	e := planEntry("alpha", 1, "https://alpha.example/1", "One")
	p := plan(t, tx, "alpha", planT0, e, e) // listed twice: counted once
	id := syndicate.MintArticleID("alpha", e.Key)
	if got := p.Outcomes; len(got) != 1 || got[e.Key] != (Outcome{Kind: OutcomeNew, ArticleID: id}) {
		t.Fatalf("outcomes %v, want one new %s", got, id)
	}
	if p.URLClaims["https://alpha.example/1"] != id || p.EntryIDClaims[e.Article.EntryID] != id {
		t.Errorf("claims %v %v, want the URL and entry id claimed for %s", p.URLClaims, p.EntryIDClaims, id)
	}
	w := p.Write
	if w == nil || len(w.Articles) != 1 || w.Articles[0].Old != nil || w.GUIDs[e.Key] != id || len(w.Moves) != 0 {
		t.Fatalf("write set %+v, want one new article and its key", w)
	}
	want := []FeedKey{FeedAll, CategoryFeed("politics"), SourceFeed("alpha")}
	slices.Sort(want)
	if !slices.Equal(w.Bumps, want) {
		t.Errorf("bumps %v, want %v", w.Bumps, want)
	}
	if r := p.Result; r.New != 1 || r.Updated != 0 || r.Unchanged != 0 || !slices.Equal(r.Written, []string{id}) {
		t.Errorf("result %+v", r)
	}
	// Planning claims (the only write before a commit) but stores nothing.
	if tx.commits != 0 || tx.urls["https://alpha.example/1"] != id {
		t.Errorf("commits %d, url owner %q", tx.commits, tx.urls["https://alpha.example/1"])
	}
}

func TestPlan_UpdateAndUnchanged(t *testing.T) {
	tx := newMemTx()
	e := planEntry("alpha", 1, "https://alpha.example/1", "One")
	commit(t, tx, plan(t, tx, "alpha", planT0, e))
	id := syndicate.MintArticleID("alpha", e.Key)

	if p := plan(t, tx, "alpha", planT0.Add(time.Hour), e); p.Write != nil || p.Outcomes[e.Key].Kind != OutcomeUnchanged || p.Result.Unchanged != 1 {
		t.Errorf("the same entry again: %+v, outcomes %v", p.Write, p.Outcomes)
	}
	edited := planEntry("alpha", 1, "https://alpha.example/1", "One, edited")
	p := plan(t, tx, "alpha", planT0.Add(2*time.Hour), edited)
	if p.Outcomes[edited.Key] != (Outcome{Kind: OutcomeUpdated, ArticleID: id}) || p.Result.Updated != 1 {
		t.Fatalf("outcomes %v, result %+v: want an update of %s", p.Outcomes, p.Result, id)
	}
	w := p.Write.Articles
	if len(w) != 1 || w[0].Old == nil || w[0].Old.Title != "One" || w[0].New.Title != "One, edited" || !w[0].New.Updated.Equal(planT0.Add(2*time.Hour)) {
		t.Errorf("write %+v", w)
	}
	if len(p.URLClaims) != 0 || len(p.EntryIDClaims) != 0 {
		t.Errorf("an update claims nothing: %v %v", p.URLClaims, p.EntryIDClaims)
	}
	// Categories only: rewritten, not updated.
	recat := planEntry("alpha", 1, "https://alpha.example/1", "One, edited")
	recat.Article.Categories = []string{"Sport"}
	commit(t, tx, p)
	p = plan(t, tx, "alpha", planT0.Add(3*time.Hour), recat)
	if p.Outcomes[recat.Key].Kind != OutcomeRewritten || p.Result.Updated != 0 || p.Result.Unchanged != 1 {
		t.Errorf("a category change: outcomes %v result %+v", p.Outcomes, p.Result)
	}
	if !slices.Contains(p.Write.Bumps, CategoryFeed("politics")) || !slices.Contains(p.Write.Bumps, CategoryFeed("sport")) {
		t.Errorf("bumps %v: want the feeds it left and joined", p.Write.Bumps)
	}
}

func TestPlan_MovedCanonicalURL(t *testing.T) {
	tx := newMemTx()
	e := planEntry("alpha", 1, "https://alpha.example/old", "One")
	commit(t, tx, plan(t, tx, "alpha", planT0, e))
	id := syndicate.MintArticleID("alpha", e.Key)

	moved := planEntry("alpha", 1, "https://alpha.example/new", "One")
	p := plan(t, tx, "alpha", planT0.Add(time.Hour), moved)
	if want := []URLMove{{ArticleID: id, From: "https://alpha.example/old", To: "https://alpha.example/new"}}; !slices.Equal(p.Write.Moves, want) {
		t.Fatalf("moves %v, want %v", p.Write.Moves, want)
	}
	if len(p.URLClaims) != 0 {
		t.Errorf("a moved URL is claimed by the commit, not as a new article's: %v", p.URLClaims)
	}
	commit(t, tx, p)
	if tx.urls["https://alpha.example/new"] != id || tx.urls["https://alpha.example/old"] != "" {
		t.Errorf("url owners after the move: %v", tx.urls)
	}
	// Another source's copy at the new URL joins the article.
	via := planEntry("beta", 1, "https://alpha.example/new", "One")
	if p := plan(t, tx, "beta", planT0.Add(2*time.Hour), via); p.Outcomes[via.Key] != (Outcome{Kind: OutcomeJoined, ArticleID: id}) {
		t.Errorf("a copy at the new URL: %v", p.Outcomes)
	}
}

func TestPlan_SharedAcrossSources(t *testing.T) {
	tx := newMemTx()
	orig := planEntry("alpha", 1, "https://alpha.example/1", "One")
	commit(t, tx, plan(t, tx, "alpha", planT0, orig))
	id := syndicate.MintArticleID("alpha", orig.Key)

	via := planEntry("beta", 1, "https://alpha.example/1", "One, as beta has it")
	p := plan(t, tx, "beta", planT0.Add(time.Hour), via)
	if p.Outcomes[via.Key] != (Outcome{Kind: OutcomeJoined, ArticleID: id}) || p.Result.New != 0 || p.Result.Unchanged != 1 {
		t.Fatalf("outcomes %v result %+v: want beta to join %s", p.Outcomes, p.Result, id)
	}
	w := p.Write
	if w.GUIDs[via.Key] != id || len(w.Articles) != 1 || !slices.Equal(w.Articles[0].New.Carriers, []string{"alpha", "beta"}) || w.Articles[0].New.Source.ID != "alpha" || w.Articles[0].New.Title != "One" {
		t.Fatalf("write %+v: want beta added as a carrier, alpha keeping the attribution and text", w.Articles)
	}
	if !slices.Contains(w.Bumps, SourceFeed("beta")) || !slices.Contains(w.Bumps, SourceFeed("alpha")) {
		t.Errorf("bumps %v", w.Bumps)
	}
	if len(p.URLClaims) != 0 {
		t.Errorf("joining claims nothing: %v", p.URLClaims)
	}

	// A copy whose URL another writer has claimed but not written yet
	// waits for a later pass.
	tx.urls["https://alpha.example/2"] = "someone-else"
	late := planEntry("beta", 2, "https://alpha.example/2", "Two")
	if p := plan(t, tx, "beta", planT0, late); p.Outcomes[late.Key] != (Outcome{Kind: OutcomeDeferred, ArticleID: "someone-else"}) || p.Write != nil {
		t.Errorf("a claim without its article: %v, write %+v", p.Outcomes, p.Write)
	}
}

func TestPlan_TakedownBlocksReclaim(t *testing.T) {
	tx := newMemTx()
	e := planEntry("alpha", 1, "https://alpha.example/1", "One")
	commit(t, tx, plan(t, tx, "alpha", planT0, e))
	id := syndicate.MintArticleID("alpha", e.Key)
	// A takedown deletes the article, tombstones it for its carriers and
	// keeps its URL claim.
	delete(tx.articles, id)
	tx.tombs["alpha"] = map[string]bool{id: true}

	if p := plan(t, tx, "alpha", planT0.Add(time.Hour), e); p.Outcomes[e.Key] != (Outcome{Kind: OutcomeTombstoned, ArticleID: id}) || p.Write != nil {
		t.Errorf("the source lists it again: %v, write %+v", p.Outcomes, p.Write)
	}
	via := planEntry("beta", 1, "https://alpha.example/1", "One")
	p := plan(t, tx, "beta", planT0.Add(time.Hour), via)
	if p.Outcomes[via.Key].Kind != OutcomeDeferred || p.Write != nil || len(p.URLClaims) != 0 {
		t.Errorf("another source's copy: %v, claims %v, write %+v; want nothing written", p.Outcomes, p.URLClaims, p.Write)
	}
}
