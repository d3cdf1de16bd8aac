package storetest

import (
	"slices"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
)

func runRetractions(t *testing.T, open Factory) {
	t.Run("RetractionOfTakedown", func(t *testing.T) { testRetractTakedown(t, open) })
	t.Run("RetentionIsNoRetraction", func(t *testing.T) { testRetentionNoRetraction(t, open) })
	t.Run("RetractionOfDeletedSource", func(t *testing.T) { testRetractPurge(t, open) })
	t.Run("RetirePartnerDeleted", func(t *testing.T) { testRetire(t, open) })
	t.Run("RetractionWindow", func(t *testing.T) { testRetractionWindow(t, open) })
}

func retractions(t *testing.T, s store.Store, feed store.FeedKey, since time.Time) []store.Retraction {
	t.Helper()
	rs, err := s.Retractions(t.Context(), feed, since, 100)
	if err != nil {
		t.Fatalf("Retractions(%s): %v", feed, err)
	}
	return rs
}

// testRetractTakedown: a takedown with a reason is recorded under every
// feed the article was in, with the entry id we published, and bumps them.
func testRetractTakedown(t *testing.T, open Factory) {
	s, _ := open(t)
	orig, _, id := shared(t, s)
	before := version(t, s, store.SourceFeed("beta"))
	when := t0.Add(time.Hour)
	if _, err := s.Retract(t.Context(), id, "Retracted at the author's request", when); err != nil {
		t.Fatal(err)
	}
	if v := version(t, s, store.SourceFeed("beta")); v.Version <= before.Version || !v.Modified.Equal(when) {
		t.Errorf("beta's feed state = %+v, want a bump to %s (was %+v)", v, when, before)
	}
	want := []store.FeedKey{store.FeedAll, store.CategoryFeed("politics"), store.SourceFeed("alpha"), store.SourceFeed("beta")}
	for _, f := range want {
		rs := retractions(t, s, f, time.Time{})
		if len(rs) != 1 {
			t.Fatalf("Retractions(%s) = %+v, want one", f, rs)
		}
		r := rs[0]
		if r.ArticleID != id || r.EntryID != orig.Article.EntryID || !r.When.Equal(when) || r.Cause != store.CauseTakedown || r.Reason != "Retracted at the author's request" {
			t.Errorf("Retractions(%s) = %+v", f, r)
		}
		got := slices.Clone(r.Feeds)
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("retraction feeds = %v, want %v", got, w)
		}
	}
	if rs := retractions(t, s, store.FeedAll, when.Add(time.Second)); len(rs) != 0 {
		t.Errorf("Retractions since after it = %+v, want none", rs)
	}
	// A plain TakeDown records one too, without a reason.
	e := art("alpha", 2, t0)
	apply(t, s, "alpha", t0, e)
	id2 := syndicate.MintArticleID("alpha", e.Key)
	if _, err := s.TakeDown(t.Context(), id2, when.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	rs := retractions(t, s, store.FeedAll, time.Time{})
	if len(rs) != 2 || rs[0].ArticleID != id2 || rs[0].Reason != "" || rs[1].ArticleID != id {
		t.Errorf("Retractions(all) = %+v, want the newer takedown first", rs)
	}
}

// testRetentionNoRetraction: articles that age out are not retracted.
func testRetentionNoRetraction(t *testing.T, open Factory) {
	s, _ := open(t)
	apply(t, s, "alpha", t0, art("alpha", 1, t0), art("alpha", 2, t0.Add(time.Hour)))
	res, err := s.Prune(t.Context(), "alpha", 1, time.Time{}, t0.Add(2*time.Hour))
	if err != nil || res.Deleted != 1 {
		t.Fatalf("Prune = %+v, %v", res, err)
	}
	if rs := retractions(t, s, store.FeedAll, time.Time{}); len(rs) != 0 {
		t.Errorf("retention recorded retractions: %+v", rs)
	}
}

// testRetractPurge: deleting a source retracts the articles only it
// carried; a shared one stays for its other carrier, unretracted.
func testRetractPurge(t *testing.T, open Factory) {
	s, _ := open(t)
	_, _, sharedID := shared(t, s)
	own := art("beta", 7, t0)
	apply(t, s, "beta", t0, own)
	ownID := syndicate.MintArticleID("beta", own.Key)
	if _, err := s.PurgeSource(t.Context(), "beta", t0.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	rs := retractions(t, s, store.FeedAll, time.Time{})
	if len(rs) != 1 || rs[0].ArticleID != ownID || rs[0].Cause != store.CauseSourceDeleted || rs[0].EntryID != own.Article.EntryID {
		t.Errorf("Retractions(all) = %+v, want only %s (source-deleted)", rs, ownID)
	}
	if rs := retractions(t, s, store.SourceFeed("alpha"), time.Time{}); len(rs) != 0 {
		t.Errorf("alpha's feed has retractions: %+v", rs)
	}
	if rs := retractions(t, s, store.SourceFeed("beta"), time.Time{}); len(rs) != 0 {
		t.Errorf("the deleted source's own feed keeps retractions: %+v", rs)
	}
	if _, err := s.Article(t.Context(), sharedID); err != nil {
		t.Errorf("shared article: %v", err)
	}
}

// testRetire: a partner's deleted entry detaches its source (and keeps it
// from coming back); the article is retracted once no source carries it.
func testRetire(t *testing.T, open Factory) {
	s, _ := open(t)
	orig, via, id := shared(t, s)
	res, err := s.Retire(t.Context(), "beta", []string{via.Key, "https://beta.example/never-sent"}, t0.Add(time.Hour))
	if err != nil || res.Detached != 1 || res.Deleted != 0 || !slices.Contains(res.Changed, store.SourceFeed("beta")) {
		t.Fatalf("Retire(beta) = %+v, %v; want one detached", res, err)
	}
	sameFeeds(t, "retiring a shared article for one carrier", res.Changed, store.FeedAll, store.SourceFeed("alpha"), store.SourceFeed("beta"), store.CategoryFeed("politics"))
	if _, total := list(t, s, store.SourceFeed("beta"), 0, 10); total != 0 {
		t.Errorf("beta still lists %d", total)
	}
	if ids, _ := list(t, s, store.FeedAll, 0, 10); !slices.Equal(ids, []string{id}) {
		t.Errorf("site feed = %v, want the article alpha still carries", ids)
	}
	if rs := retractions(t, s, store.FeedAll, time.Time{}); len(rs) != 0 {
		t.Errorf("a detach recorded a retraction: %+v", rs)
	}
	if res := apply(t, s, "beta", t0.Add(2*time.Hour), via); res.New+res.Updated != 0 {
		t.Errorf("beta brought its deleted entry back: %+v", res)
	}
	if _, total := list(t, s, store.SourceFeed("beta"), 0, 10); total != 0 {
		t.Errorf("beta lists its deleted entry again")
	}
	// Retiring it again is a no-op.
	if res, err := s.Retire(t.Context(), "beta", []string{via.Key}, t0.Add(3*time.Hour)); err != nil || res.Detached+res.Deleted != 0 {
		t.Errorf("second Retire(beta) = %+v, %v", res, err)
	}
	when := t0.Add(4 * time.Hour)
	res, err = s.Retire(t.Context(), "alpha", []string{orig.Key}, when)
	if err != nil || res.Deleted != 1 || !slices.Contains(res.Changed, store.FeedAll) {
		t.Fatalf("Retire(alpha) = %+v, %v; want the article deleted", res, err)
	}
	sameFeeds(t, "retiring an article only one source carries", res.Changed, store.FeedAll, store.SourceFeed("alpha"), store.CategoryFeed("politics"), store.ArticleCommentsFeed(id))
	if _, err := s.Article(t.Context(), id); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("retired article still readable: %v", err)
	}
	rs := retractions(t, s, store.FeedAll, time.Time{})
	if len(rs) != 1 || rs[0].ArticleID != id || rs[0].EntryID != orig.Article.EntryID || rs[0].Cause != store.CausePartnerDeleted || !rs[0].When.Equal(when) {
		t.Errorf("Retractions(all) = %+v, want %s partner-deleted at %s", rs, id, when)
	}
	if v := version(t, s, store.FeedAll); !v.Modified.Equal(when) {
		t.Errorf("all feed modified = %s, want %s", v.Modified, when)
	}
	if res := apply(t, s, "alpha", t0.Add(5*time.Hour), orig); res.New != 0 {
		t.Errorf("alpha brought its deleted entry back: %+v", res)
	}
	if res, err := s.Retire(t.Context(), "nobody", []string{orig.Key}, when); err != nil || res.Detached+res.Deleted != 0 {
		t.Errorf("Retire of an unknown source = %+v, %v", res, err)
	}
}

// testRetractionWindow: a retraction older than the tombstone window
// (720h by default) is dropped when a later one is written to its feed.
func testRetractionWindow(t *testing.T, open Factory) {
	s, _ := open(t)
	a, b := art("alpha", 1, t0), art("alpha", 2, t0)
	apply(t, s, "alpha", t0, a, b)
	idA, idB := syndicate.MintArticleID("alpha", a.Key), syndicate.MintArticleID("alpha", b.Key)
	if _, err := s.TakeDown(t.Context(), idA, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeDown(t.Context(), idB, t0.Add(store.DefaultTombstoneWindow+time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.FeedKey{store.FeedAll, store.SourceFeed("alpha")} {
		rs := retractions(t, s, f, time.Time{})
		if len(rs) != 1 || rs[0].ArticleID != idB {
			t.Errorf("Retractions(%s) = %+v, want only %s", f, rs, idB)
		}
	}
}
