// Package storetest is the conformance suite every store backend passes:
// the same tests run against the embedded store and against a real Redis.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
)

// Factory opens a fresh, empty store for one test. Reopen closes it and
// opens the same data again (a restart); it is called at most once.
type Factory func(t *testing.T) (s store.Store, reopen func() store.Store)

var t0 = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func ref(id string) syndicate.SourceRef {
	return syndicate.SourceRef{ID: id, Name: "Source " + id, SiteURL: "https://" + id + ".example/", FeedURL: "https://" + id + ".example/feed"}
}

// art builds a normalized candidate the way ingest does.
func art(src string, n int, published time.Time) *store.Entry {
	a := &syndicate.Article{
		GUID:         fmt.Sprintf("https://%s.example/a/%d", src, n),
		EntryID:      fmt.Sprintf("https://%s.example/a/%d", src, n),
		CanonicalURL: fmt.Sprintf("https://%s.example/a/%d", src, n),
		Title:        fmt.Sprintf("Article %d of %s", n, src),
		Content:      "<p>Body</p>",
		Authors:      []syndicate.Author{{Name: "Jane Roe", Email: "jane@example.com"}},
		Categories:   []string{"Politics"},
		Published:    published,
		Updated:      published,
	}
	a.Hash = a.ContentHash()
	return &store.Entry{Key: a.GUID, Article: a}
}

func rehash(e *store.Entry) *store.Entry { e.Article.Hash = e.Article.ContentHash(); return e }

// artAt is art with another canonical URL (another source's copy of a story).
func artAt(src string, n int, published time.Time, canonical string) *store.Entry {
	e := art(src, n, published)
	e.Article.CanonicalURL = canonical
	return rehash(e)
}

// shared stores one story from alpha (the original) and a copy by beta,
// and returns alpha's entry, beta's and the article id.
func shared(t *testing.T, s store.Store) (orig, via *store.Entry, id string) {
	t.Helper()
	orig = art("alpha", 1, t0)
	via = artAt("beta", 1, t0, orig.Article.CanonicalURL)
	apply(t, s, "alpha", t0, orig)
	apply(t, s, "beta", t0, via)
	return orig, via, syndicate.MintArticleID("alpha", orig.Key)
}

func apply(t *testing.T, s store.Store, src string, now time.Time, entries ...*store.Entry) *store.Result {
	t.Helper()
	// Hand over copies: a store must not depend on the caller's pointers.
	var cp []*store.Entry
	for _, e := range entries {
		a := *e.Article
		cp = append(cp, &store.Entry{Key: e.Key, Article: &a})
	}
	res, err := s.ApplyIngest(t.Context(), &store.Batch{Source: ref(src), Entries: cp, Now: now})
	if err != nil {
		t.Fatalf("ApplyIngest(%s): %v", src, err)
	}
	return res
}

func list(t *testing.T, s store.Store, feed store.FeedKey, offset, limit int) ([]string, int) {
	t.Helper()
	p, err := s.Articles(t.Context(), feed, offset, limit)
	if err != nil {
		t.Fatalf("Articles(%s): %v", feed, err)
	}
	var ids []string
	for _, a := range p.Items {
		ids = append(ids, a.ID)
	}
	return ids, p.Total
}

// sameFeeds fails unless a write reported exactly the feeds want (in any
// order, each once).
func sameFeeds(t *testing.T, what string, got []store.FeedKey, want ...store.FeedKey) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s reported feeds %v, want %v", what, got, want)
	}
}

// commentChange is what a change of an article's published comments
// changes: its comment feed, the site's and the article's feeds.
func commentChange(a *syndicate.Article) []store.FeedKey {
	return append([]store.FeedKey{store.FeedComments, store.ArticleCommentsFeed(a.ID)}, store.Feeds(a)...)
}

func version(t *testing.T, s store.Store, feed store.FeedKey) store.FeedState {
	t.Helper()
	m, err := s.FeedStates(t.Context(), []store.FeedKey{feed})
	if err != nil {
		t.Fatalf("FeedStates: %v", err)
	}
	return m[feed]
}

// Run runs the whole suite; opts say what else the backend promises
// (Shared).
func Run(t *testing.T, open Factory, opts ...Option) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	t.Run("NewArticles", func(t *testing.T) { testNew(t, open) })
	t.Run("Ordering", func(t *testing.T) { testOrdering(t, open) })
	t.Run("Unchanged", func(t *testing.T) { testUnchanged(t, open) })
	t.Run("UpdateInPlace", func(t *testing.T) { testUpdate(t, open) })
	t.Run("CategoriesWithoutBump", func(t *testing.T) { testCategories(t, open) })
	t.Run("MetadataWithoutBump", func(t *testing.T) { testMetadata(t, open) })
	runCategories(t, open)
	t.Run("DedupeAcrossSources", func(t *testing.T) { testDedupe(t, open) })
	t.Run("AttributionMovesToOriginal", func(t *testing.T) { testReattribute(t, open) })
	t.Run("SameSourceSameLinkStaysTwo", func(t *testing.T) { testSameLink(t, open) })
	t.Run("EntryIDCollision", func(t *testing.T) { testEntryIDCollision(t, open) })
	t.Run("ConcurrentDedupe", func(t *testing.T) { testConcurrentDedupe(t, open) })
	t.Run("SourceStatus", func(t *testing.T) { testStatus(t, open) })
	t.Run("FetchState", func(t *testing.T) { testFetchState(t, open) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, open) })
	t.Run("Sources", func(t *testing.T) { testSources(t, open) })
	t.Run("Partners", func(t *testing.T) { testPartners(t, open) })
	t.Run("Holds", func(t *testing.T) { testHolds(t, open) })
	t.Run("Pulls", func(t *testing.T) { testPulls(t, open) })
	t.Run("Secrets", func(t *testing.T) { testSecrets(t, open) })
	t.Run("Subscriptions", func(t *testing.T) { testSubscriptions(t, open) })
	t.Run("LocalComments", func(t *testing.T) { testLocalComments(t, open) })
	t.Run("RateLimit", func(t *testing.T) { testHit(t, open) })
	t.Run("AuthGuard", func(t *testing.T) { testAuthGuard(t, open) })
	t.Run("ReplaceSourceIf", func(t *testing.T) { testReplaceSourceIf(t, open) })
	t.Run("ConcurrentModeration", func(t *testing.T) { testConcurrentModeration(t, open) })
	t.Run("RetentionShared", func(t *testing.T) { testRetentionShared(t, open) })
	t.Run("RetentionCountsFromFirstSeen", func(t *testing.T) { testRetentionClock(t, open) })
	t.Run("PurgeSource", func(t *testing.T) { testPurgeSource(t, open) })
	t.Run("RequireSource", func(t *testing.T) { testRequireSource(t, open) })
	t.Run("PruneMoreThanAChunk", func(t *testing.T) { testPruneLarge(t, open) })
	t.Run("TakeDown", func(t *testing.T) { testTakeDown(t, open) })
	runRetractions(t, open)
	t.Run("CanonicalURLMoves", func(t *testing.T) { testCanonicalURLMoves(t, open) })
	t.Run("PartnerComments", func(t *testing.T) { testComments(t, open) })
	t.Run("Watch", func(t *testing.T) { testWatch(t, open) })
	t.Run("Touch", func(t *testing.T) { testTouch(t, open) })
	t.Run("Restart", func(t *testing.T) { testRestart(t, open) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, open) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, open) })
	t.Run("RunningMarks", func(t *testing.T) { testRunningMarks(t, open, o.shared) })
	if o.shared {
		t.Run("LeasesShared", func(t *testing.T) { testLeasesShared(t, open) })
	}
}

func testNew(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	before := version(t, s, store.FeedAll)
	res := apply(t, s, "alpha", t0, art("alpha", 1, t0), art("alpha", 2, t0.Add(time.Hour)))
	if res.New != 2 || res.Updated != 0 || res.Unchanged != 0 {
		t.Fatalf("result = %+v, want 2 new", res)
	}
	for _, f := range []store.FeedKey{store.FeedAll, store.SourceFeed("alpha"), store.CategoryFeed("politics")} {
		if !slices.Contains(res.Changed, f) {
			t.Errorf("Changed = %v, lacks %s", res.Changed, f)
		}
		if v := version(t, s, f); v.Version <= before.Version {
			t.Errorf("%s version = %d, want > %d", f, v.Version, before.Version)
		}
	}
	ids, total := list(t, s, store.FeedAll, 0, 10)
	want := []string{syndicate.MintArticleID("alpha", "https://alpha.example/a/2"), syndicate.MintArticleID("alpha", "https://alpha.example/a/1")}
	if !slices.Equal(ids, want) || total != 2 {
		t.Fatalf("all feed = %v (total %d), want %v (total 2)", ids, total, want)
	}
	v, err := s.Article(ctx, want[1])
	if err != nil {
		t.Fatalf("Article: %v", err)
	}
	a := v.Article
	if a.Source.ID != "alpha" || !slices.Equal(a.Carriers, []string{"alpha"}) || a.Title != "Article 1 of alpha" ||
		!a.Published.Equal(t0) || !a.FirstSeen.Equal(t0) || a.EntryID != "https://alpha.example/a/1" || a.Normalizer != syndicate.NormalizerVersion {
		t.Errorf("stored article = %+v", a)
	}
	if len(a.Authors) != 1 || a.Authors[0].Email != "jane@example.com" {
		t.Errorf("authors = %+v, want the email kept in the store", a.Authors)
	}
	if n, err := s.ArticleCount(ctx, "alpha"); err != nil || n != 2 {
		t.Errorf("ArticleCount = %d, %v; want 2", n, err)
	}
	inUse(t, s, "two new articles", store.Category{Slug: "politics", Label: "Politics"})
	if ids, _ := list(t, s, store.CategoryFeed("politics"), 0, 10); len(ids) != 2 {
		t.Errorf("category feed = %v, want 2 items", ids)
	}
}

func testOrdering(t *testing.T, open Factory) {
	s, _ := open(t)
	// Same published time: article id descending breaks the tie.
	var entries []*store.Entry
	for i := range 7 {
		entries = append(entries, art("alpha", i, t0.Add(time.Duration(i%3)*time.Minute)))
	}
	old := art("alpha", 99, time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC)) // before the epoch
	entries = append(entries, old)
	apply(t, s, "alpha", t0, entries...)
	var want []string
	type item struct {
		p  time.Time
		id string
	}
	var items []item
	for _, e := range entries {
		items = append(items, item{e.Article.Published, syndicate.MintArticleID("alpha", e.Key)})
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := b.p.Compare(a.p); c != 0 {
			return c
		}
		if a.id > b.id {
			return -1
		}
		return 1
	})
	for _, it := range items {
		want = append(want, it.id)
	}
	all, total := list(t, s, store.FeedAll, 0, 100)
	if !slices.Equal(all, want) || total != 8 {
		t.Fatalf("order = %v, want %v", all, want)
	}
	// Pages are slices of that order.
	p2, total := list(t, s, store.FeedAll, 3, 3)
	if !slices.Equal(p2, want[3:6]) || total != 8 {
		t.Errorf("page 2 = %v (total %d), want %v", p2, total, want[3:6])
	}
	past, _ := list(t, s, store.FeedAll, 8, 3)
	if len(past) != 0 {
		t.Errorf("page past the end = %v", past)
	}
	empty, total := list(t, s, store.SourceFeed("nobody"), 0, 10)
	if len(empty) != 0 || total != 0 {
		t.Errorf("unknown feed = %v, %d", empty, total)
	}
}

func testUnchanged(t *testing.T, open Factory) {
	s, _ := open(t)
	e := art("alpha", 1, t0)
	undated := art("alpha", 2, time.Time{})
	undated.Article.Updated = time.Time{}
	rehash(undated)
	apply(t, s, "alpha", t0, e, undated)
	v1 := version(t, s, store.FeedAll)
	res := apply(t, s, "alpha", t0.Add(time.Hour), e, undated)
	if res.New != 0 || res.Updated != 0 || res.Unchanged != 2 || len(res.Changed) != 0 {
		t.Fatalf("re-ingest result = %+v, want 2 unchanged and no changed feeds", res)
	}
	if v2 := version(t, s, store.FeedAll); v2 != v1 {
		t.Errorf("version moved on an unchanged re-ingest: %+v → %+v", v1, v2)
	}
	a, _ := s.Article(t.Context(), syndicate.MintArticleID("alpha", undated.Key))
	if !a.Published.Equal(t0) || !a.Updated.Equal(t0) {
		t.Errorf("undated article published=%v updated=%v, want first seen %v", a.Published, a.Updated, t0)
	}
}

func testUpdate(t *testing.T, open Factory) {
	s, _ := open(t)
	e := art("alpha", 1, t0)
	apply(t, s, "alpha", t0, e)
	id := syndicate.MintArticleID("alpha", e.Key)
	v1 := version(t, s, store.SourceFeed("alpha"))

	changed := art("alpha", 1, t0.Add(2*time.Hour)) // the partner re-dated and retitled it
	changed.Article.Title = "Corrected title"
	rehash(changed)
	later := t0.Add(3 * time.Hour)
	res := apply(t, s, "alpha", later, changed)
	if res.Updated != 1 || res.New != 0 || !slices.Equal(res.Written, []string{id}) {
		t.Fatalf("result = %+v, want 1 updated", res)
	}
	got, _ := s.Article(t.Context(), id)
	if got.Title != "Corrected title" || !got.Published.Equal(t0) || !got.Updated.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("after update: title=%q published=%v updated=%v; want published kept at %v and updated %v",
			got.Title, got.Published, got.Updated, t0, t0.Add(2*time.Hour))
	}
	if v2 := version(t, s, store.SourceFeed("alpha")); v2.Version <= v1.Version || !v2.Modified.Equal(later) {
		t.Errorf("version %+v → %+v, want a bump stamped %v", v1, v2, later)
	}
	// A change without a newer partner date is dated at the fetch.
	silent := art("alpha", 1, t0.Add(2*time.Hour))
	silent.Article.Content = "<p>Edited quietly</p>"
	rehash(silent)
	apply(t, s, "alpha", t0.Add(5*time.Hour), silent)
	got, _ = s.Article(t.Context(), id)
	if !got.Updated.Equal(t0.Add(5*time.Hour)) || got.Content != "<p>Edited quietly</p>" {
		t.Errorf("silent edit: updated=%v content=%q", got.Updated, got.Content)
	}
	if ids, total := list(t, s, store.FeedAll, 0, 10); total != 1 || len(ids) != 1 {
		t.Errorf("an update must not duplicate: %v", ids)
	}
}

func testCategories(t *testing.T, open Factory) {
	s, _ := open(t)
	e := art("alpha", 1, t0)
	apply(t, s, "alpha", t0, e)
	id := syndicate.MintArticleID("alpha", e.Key)
	e2 := art("alpha", 1, t0)
	e2.Article.Categories = []string{"Économie"}
	res := apply(t, s, "alpha", t0.Add(time.Hour), e2)
	if res.Updated != 0 || res.Unchanged != 1 {
		t.Errorf("category change counted as %+v, want unchanged (no bump of updated)", res)
	}
	got, _ := s.Article(t.Context(), id)
	if !got.Updated.Equal(t0) || !slices.Equal(got.Categories, []string{"Économie"}) {
		t.Errorf("updated=%v categories=%v", got.Updated, got.Categories)
	}
	if ids, _ := list(t, s, store.CategoryFeed("economie"), 0, 10); !slices.Equal(ids, []string{id}) {
		t.Errorf("economie feed = %v", ids)
	}
	if ids, total := list(t, s, store.CategoryFeed("politics"), 0, 10); len(ids) != 0 || total != 0 {
		t.Errorf("politics feed still lists %v (total %d)", ids, total)
	}
	inUse(t, s, "after the category changed", store.Category{Slug: "economie", Label: "Économie"})
	notInUse(t, s, "after the category changed", "politics")
}

// testMetadata: a comment feed, lead image, language or rights the
// partner adds to an entry whose content is unchanged are stored, without
// bumping updated; the same entry again writes nothing.
func testMetadata(t *testing.T, open Factory) {
	s, _ := open(t)
	e := art("alpha", 1, t0)
	apply(t, s, "alpha", t0, e)
	id := syndicate.MintArticleID("alpha", e.Key)
	e2 := art("alpha", 1, t0)
	e2.Article.CommentsURL = "https://alpha.example/1/feed/"
	e2.Article.CommentsPage = "https://alpha.example/1#comments"
	e2.Article.Image = "https://alpha.example/1.jpg"
	e2.Article.Language = "fr"
	e2.Article.Rights = "© Alpha"
	rehash(e2)
	if e2.Article.Hash != e.Article.Hash {
		t.Fatal("the metadata changed the content hash; the test needs another field")
	}
	if res := apply(t, s, "alpha", t0.Add(time.Hour), e2); res.Updated != 0 || res.Unchanged != 1 {
		t.Errorf("metadata change counted as %+v, want unchanged (no bump of updated)", res)
	}
	got, err := s.Article(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	a := got.Article
	if !a.Updated.Equal(t0) || a.CommentsURL != e2.Article.CommentsURL || a.CommentsPage != e2.Article.CommentsPage || a.Image != e2.Article.Image || a.Language != "fr" || a.Rights != "© Alpha" {
		t.Errorf("stored updated=%v comments=%q page=%q image=%q language=%q rights=%q", a.Updated, a.CommentsURL, a.CommentsPage, a.Image, a.Language, a.Rights)
	}
	if res := apply(t, s, "alpha", t0.Add(2*time.Hour), e2); res.Unchanged != 1 || len(res.Written) != 0 {
		t.Errorf("the same entry again: %+v, want nothing written", res)
	}
}

func testDedupe(t *testing.T, open Factory) {
	s, _ := open(t)
	orig := art("alpha", 1, t0)
	via := art("beta", 7, t0.Add(time.Hour))
	via.Article.CanonicalURL = orig.Article.CanonicalURL
	via.Article.Categories = []string{"World"}
	rehash(via)
	apply(t, s, "alpha", t0, orig)
	res := apply(t, s, "beta", t0.Add(time.Hour), via)
	if res.New != 0 {
		t.Fatalf("second source created a new article: %+v", res)
	}
	all, total := list(t, s, store.FeedAll, 0, 10)
	if total != 1 {
		t.Fatalf("all feed = %v, want one article", all)
	}
	for _, src := range []string{"alpha", "beta"} {
		ids, _ := list(t, s, store.SourceFeed(src), 0, 10)
		if !slices.Equal(ids, all) {
			t.Errorf("%s feed = %v, want %v", src, ids, all)
		}
		if n, _ := s.ArticleCount(t.Context(), src); n != 1 {
			t.Errorf("ArticleCount(%s) = %d, want 1", src, n)
		}
	}
	a, _ := s.Article(t.Context(), all[0])
	if a.Source.ID != "alpha" || !slices.Equal(a.Carriers, []string{"alpha", "beta"}) || !a.Published.Equal(t0) {
		t.Errorf("attribution = %s carriers %v published %v", a.Source.ID, a.Carriers, a.Published)
	}
	// The via source re-fetching it changes nothing.
	if res := apply(t, s, "beta", t0.Add(2*time.Hour), via); res.Unchanged != 1 || len(res.Changed) != 0 {
		t.Errorf("via re-fetch = %+v", res)
	}
}

func testReattribute(t *testing.T, open Factory) {
	s, _ := open(t)
	// beta republished alpha's article first; alpha's own feed arrives later.
	via := artAt("beta", 7, t0, "https://www.alpha.example/a/1")
	apply(t, s, "beta", t0, via)
	first, _ := list(t, s, store.FeedAll, 0, 1)
	orig := art("alpha", 1, t0.Add(-time.Hour))
	orig.Article.CanonicalURL = "https://www.alpha.example/a/1"
	orig.Article.Title = "The original title"
	rehash(orig)
	apply(t, s, "alpha", t0.Add(time.Hour), orig)
	all, total := list(t, s, store.FeedAll, 0, 10)
	if total != 1 || all[0] != first[0] {
		t.Fatalf("all = %v, want the same single article %v", all, first)
	}
	a, _ := s.Article(t.Context(), all[0])
	if a.Source.ID != "alpha" || a.Title != "The original title" || !a.Published.Equal(t0) || !a.Updated.Equal(t0) {
		t.Errorf("after the original arrived: source=%s title=%q published=%v updated=%v; want alpha, its title, dates unmoved",
			a.Source.ID, a.Title, a.Published, a.Updated)
	}
	if !slices.Equal(a.Carriers, []string{"alpha", "beta"}) {
		t.Errorf("carriers = %v", a.Carriers)
	}
}

func testSameLink(t *testing.T, open Factory) {
	s, _ := open(t)
	a, b := art("alpha", 1, t0), art("alpha", 2, t0)
	b.Article.CanonicalURL = a.Article.CanonicalURL
	rehash(b)
	res := apply(t, s, "alpha", t0, a, b)
	if res.New != 2 {
		t.Errorf("two items of one source sharing a link: %+v, want 2 new", res)
	}
	// And the same again in a later pass.
	c := artAt("alpha", 3, t0, a.Article.CanonicalURL)
	if res := apply(t, s, "alpha", t0, a, b, c); res.New != 1 {
		t.Errorf("third item: %+v, want 1 new", res)
	}
}

func testEntryIDCollision(t *testing.T, open Factory) {
	s, _ := open(t)
	a := art("alpha", 1, t0)
	b := art("beta", 1, t0)
	b.Article.EntryID = a.Article.EntryID // beta reuses alpha's guid on another article
	b.Article.GUID = a.Article.GUID
	rehash(b)
	apply(t, s, "alpha", t0, a)
	apply(t, s, "beta", t0, b)
	got, err := s.Article(t.Context(), syndicate.MintArticleID("beta", b.Key))
	if err != nil {
		t.Fatal(err)
	}
	if got.EntryID != "" {
		t.Errorf("colliding entry id kept as %q, want empty ({base_url}/articles/{id})", got.EntryID)
	}
	got, _ = s.Article(t.Context(), syndicate.MintArticleID("alpha", a.Key))
	if got.EntryID != a.Article.EntryID {
		t.Errorf("first article lost its entry id: %q", got.EntryID)
	}
}

func testConcurrentDedupe(t *testing.T, open Factory) {
	s, _ := open(t)
	const sources = 6
	var wg sync.WaitGroup
	for i := range sources {
		wg.Go(func() {
			src := fmt.Sprintf("src%d", i)
			e := artAt(src, 1, t0, "https://shared.example/story")
			apply(t, s, src, t0, e)
		})
	}
	wg.Wait()
	// A writer that lost the race may join on its next pass; run one.
	for i := range sources {
		src := fmt.Sprintf("src%d", i)
		e := artAt(src, 1, t0, "https://shared.example/story")
		apply(t, s, src, t0, e)
	}
	all, total := list(t, s, store.FeedAll, 0, 100)
	if total != 1 || len(all) != 1 {
		t.Fatalf("concurrent writers of one canonical URL left %d articles: %v", total, all)
	}
}

func testStatus(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	st, err := s.SourceStatus(ctx, "alpha")
	if err != nil || st.SourceID != "alpha" || !st.LastAttempt.IsZero() {
		t.Fatalf("empty status = %+v, %v", st, err)
	}
	want := &syndicate.SourceStatus{SourceID: "alpha", LastAttempt: t0, LastError: "fetch alpha: status 503", ConsecutiveFailures: 2, ETag: `"x"`, HTTPStatus: 503}
	if err := s.SaveSourceStatus(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.SourceStatus(ctx, "alpha")
	if err != nil || !got.LastAttempt.Equal(t0) || got.LastError != want.LastError || got.ConsecutiveFailures != 2 || got.ETag != `"x"` {
		t.Errorf("status = %+v, %v; want %+v", got, err, want)
	}
}

func testComments(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	e := art("alpha", 1, t0)
	apply(t, s, "alpha", t0, e)
	aid := syndicate.MintArticleID("alpha", e.Key)
	vAll := version(t, s, store.FeedAll)
	cs := []*syndicate.Comment{
		{GUID: "c1", Author: syndicate.Author{Name: "Ann"}, Content: "first", Published: t0.Add(time.Minute)},
		{GUID: "c2", ParentGUID: "c1", Author: syndicate.Author{Name: "Bob"}, Content: "reply", Published: t0.Add(2 * time.Minute)},
	}
	n, changed, err := s.AddPartnerComments(ctx, aid, cs)
	if err != nil || n != 2 {
		t.Fatalf("AddPartnerComments = %d, %v; want 2", n, err)
	}
	stored, _ := s.Article(ctx, aid)
	sameFeeds(t, "new partner comments", changed, commentChange(stored.Article)...)
	if n, changed, err := s.AddPartnerComments(ctx, aid, cs); err != nil || n != 0 || len(changed) != 0 {
		t.Errorf("the same comments again = %d, %v, %v; want none new, no feed changed", n, changed, err)
	}
	n, changed, err = s.AddPartnerComments(ctx, aid, append(cs, &syndicate.Comment{GUID: "c3", Author: syndicate.Author{Name: "Cy"}, Content: "late", Published: t0.Add(3 * time.Minute)}))
	if err != nil || n != 1 {
		t.Fatalf("second AddPartnerComments = %d, %v; want 1 (dedupe by guid)", n, err)
	}
	sameFeeds(t, "one new partner comment", changed, commentChange(stored.Article)...)
	p, err := s.Comments(ctx, store.ArticleCommentsFeed(aid), 0, 10)
	if err != nil || p.Total != 3 || len(p.Items) != 3 {
		t.Fatalf("Comments = %+v, %v", p, err)
	}
	if p.Items[0].GUID != "c3" || p.Items[2].GUID != "c1" {
		t.Errorf("order = %s,%s,%s; want newest first", p.Items[0].GUID, p.Items[1].GUID, p.Items[2].GUID)
	}
	if p.Items[1].ParentID != p.Items[2].ID || p.Items[1].ParentID == "" {
		t.Errorf("reply parent = %q, want %q", p.Items[1].ParentID, p.Items[2].ID)
	}
	if p.Items[0].Status != syndicate.StatusApproved || p.Items[0].ArticleID != aid {
		t.Errorf("comment = %+v", p.Items[0])
	}
	all, err := s.Comments(ctx, store.FeedComments, 0, 2)
	if err != nil || all.Total != 3 || len(all.Items) != 2 || all.Items[0].GUID != "c3" {
		t.Errorf("global comments = %+v, %v", all, err)
	}
	v, _ := s.Article(ctx, aid)
	if v.CommentCount != 3 {
		t.Errorf("CommentCount = %d, want 3", v.CommentCount)
	}
	lp, _ := s.Articles(ctx, store.FeedAll, 0, 1)
	if lp.Items[0].CommentCount != 3 {
		t.Errorf("listed CommentCount = %d, want 3", lp.Items[0].CommentCount)
	}
	if v2 := version(t, s, store.FeedAll); v2.Version <= vAll.Version {
		t.Error("new comments did not bump the article feeds (their counts changed)")
	}
	// Partner feeds list newest first: a reply may come before its parent.
	n, _, err = s.AddPartnerComments(ctx, aid, []*syndicate.Comment{
		{GUID: "r3", ParentGUID: "https://alpha.example/c/r1", Author: syndicate.Author{Name: "Third"}, Content: "x", Published: t0.Add(6 * time.Minute)},
		{GUID: "r2", ParentGUID: "r1", Author: syndicate.Author{Name: "Late"}, Content: "reply", Published: t0.Add(5 * time.Minute)},
		{GUID: "https://alpha.example/c/r1", Author: syndicate.Author{Name: "Early"}, Content: "parent", Published: t0.Add(4 * time.Minute)},
	})
	if err != nil || n != 3 {
		t.Fatalf("AddPartnerComments = %d, %v", n, err)
	}
	p, _ = s.Comments(ctx, store.ArticleCommentsFeed(aid), 0, 3)
	byGUID := map[string]*syndicate.Comment{}
	for _, c := range p.Items {
		byGUID[c.GUID] = c
	}
	if r3 := byGUID["r3"]; r3 == nil || r3.ParentID != store.PartnerCommentID(aid, "https://alpha.example/c/r1") || r3.ParentEntryID != "https://alpha.example/c/r1" {
		t.Errorf("reply listed before its parent: %+v", r3)
	}
	if r2 := byGUID["r2"]; r2 == nil || r2.ParentID != "" {
		t.Errorf("a reply whose parent guid is unknown must be a reply to the article: %+v", r2)
	}
	if _, _, err := s.AddPartnerComments(ctx, "nope", cs); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("comments on an unknown article: %v, want not found", err)
	}
}

func testWatch(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	got := make(chan []store.FeedKey, 16)
	s.Watch(ctx, func(k []store.FeedKey) { got <- k })
	time.Sleep(100 * time.Millisecond) // let a subscription settle
	apply(t, s, "alpha", t0, art("alpha", 1, t0))
	deadline := time.After(5 * time.Second)
	for {
		select {
		case keys := <-got:
			// nil ("anything may have changed") alone does not count: the
			// change itself must be delivered.
			if slices.Contains(keys, store.SourceFeed("alpha")) {
				return
			}
		case <-deadline:
			t.Fatal("Watch did not report the change")
		}
	}
}

func testRestart(t *testing.T, open Factory) {
	s, reopen := open(t)
	ctx := t.Context()
	e := art("alpha", 1, t0)
	apply(t, s, "alpha", t0, e)
	aid := syndicate.MintArticleID("alpha", e.Key)
	if _, _, err := s.AddPartnerComments(ctx, aid, []*syndicate.Comment{{GUID: "c1", Author: syndicate.Author{Name: "Ann"}, Content: "x", Published: t0}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSourceStatus(ctx, &syndicate.SourceStatus{SourceID: "alpha", ETag: `"e"`}); err != nil {
		t.Fatal(err)
	}
	v1 := version(t, s, store.FeedAll)
	s = reopen()
	if ids, _ := list(t, s, store.FeedAll, 0, 10); !slices.Equal(ids, []string{aid}) {
		t.Errorf("after restart: %v", ids)
	}
	if v, err := s.Article(ctx, aid); err != nil || v.CommentCount != 1 {
		t.Errorf("after restart: %+v, %v", v, err)
	}
	if st, _ := s.SourceStatus(ctx, "alpha"); st.ETag != `"e"` {
		t.Errorf("status after restart = %+v", st)
	}
	if v2 := version(t, s, store.FeedAll); v2 != v1 {
		t.Errorf("version after restart %+v, want %+v", v2, v1)
	}
	// Identity survives: the same entry is unchanged, not new.
	if res := apply(t, s, "alpha", t0, e); res.Unchanged != 1 {
		t.Errorf("re-ingest after restart = %+v", res)
	}
}

func testNotFound(t *testing.T, open Factory) {
	s, _ := open(t)
	if _, err := s.Article(t.Context(), "missing"); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("Article(missing) = %v, want not found", err)
	}
	st := version(t, s, store.SourceFeed("never"))
	if st.Version != 0 || st.Modified.IsZero() {
		t.Errorf("state of a feed never written = %+v, want version 0 and the store's creation time", st)
	}
}

func testFetchState(t *testing.T, open Factory) {
	s, reopen := open(t)
	ctx := t.Context()
	st, err := s.FetchState(ctx, "comments:a1")
	if err != nil || st != (store.FetchState{}) {
		t.Fatalf("empty state = %+v, %v", st, err)
	}
	want := store.FetchState{ETag: `"abc"`, LastModified: "Fri, 20 Nov 2026 09:30:00 GMT", Checked: t0}
	if err := s.SaveFetchState(ctx, "comments:a1", want); err != nil {
		t.Fatal(err)
	}
	s = reopen()
	got, err := s.FetchState(ctx, "comments:a1")
	if err != nil || got.ETag != want.ETag || got.LastModified != want.LastModified || !got.Checked.Equal(t0) {
		t.Errorf("state after restart = %+v, %v; want %+v", got, err, want)
	}
}

func testRetention(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	var entries []*store.Entry
	for i := range 5 {
		entries = append(entries, art("alpha", i, t0.Add(time.Duration(i)*time.Hour)))
	}
	apply(t, s, "alpha", t0, entries...)
	oldest := syndicate.MintArticleID("alpha", entries[0].Key)
	if _, _, err := s.AddPartnerComments(ctx, oldest, []*syndicate.Comment{{GUID: "c1", Author: syndicate.Author{Name: "A"}, Content: "x", Published: t0}}); err != nil {
		t.Fatal(err)
	}
	v1 := version(t, s, store.FeedAll)
	res, err := s.Prune(ctx, "alpha", 3, time.Time{}, t0.Add(10*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sameFeeds(t, "pruning two articles, one with a comment", res.Changed, store.FeedAll, store.SourceFeed("alpha"), store.CategoryFeed("politics"),
		store.FeedComments, store.ArticleCommentsFeed(oldest), store.ArticleCommentsFeed(syndicate.MintArticleID("alpha", entries[1].Key)))
	if res, err := s.Prune(ctx, "alpha", 3, time.Time{}, t0.Add(10*time.Hour)); err != nil || len(res.Changed) != 0 {
		t.Errorf("pruning again = %+v, %v; want no feed changed", res, err)
	} else if !res.Counted || res.Remaining != 3 {
		t.Errorf("pruning again = %+v; want the three articles left counted", res)
	}
	if res.Deleted != 2 || res.Detached != 0 || !slices.Contains(res.Changed, store.FeedAll) || !slices.Contains(res.Changed, store.FeedComments) {
		t.Errorf("Prune = %+v, want 2 deleted, all and comments feeds changed", res)
	}
	if v2 := version(t, s, store.FeedAll); v2.Version <= v1.Version {
		t.Error("pruning did not bump the feed version")
	}
	ids, total := list(t, s, store.SourceFeed("alpha"), 0, 10)
	if total != 3 || len(ids) != 3 || ids[2] != syndicate.MintArticleID("alpha", entries[2].Key) {
		t.Errorf("after keep=3: %v (total %d)", ids, total)
	}
	if _, total := list(t, s, store.CategoryFeed("politics"), 0, 10); total != 3 {
		t.Errorf("category feed total = %d, want 3", total)
	}
	if _, err := s.Article(ctx, oldest); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("pruned article still readable: %v", err)
	}
	if p, _ := s.Comments(ctx, store.FeedComments, 0, 10); p.Total != 0 || len(p.Items) != 0 {
		t.Errorf("comments of a pruned article remain: %+v", p)
	}
	// The partner still lists them: they do not come back.
	if res := apply(t, s, "alpha", t0.Add(11*time.Hour), entries...); res.New != 0 {
		t.Errorf("re-ingest after pruning = %+v, want nothing new", res)
	}
	if _, total := list(t, s, store.SourceFeed("alpha"), 0, 10); total != 3 {
		t.Errorf("pruned articles came back: total %d", total)
	}
	// By age: everything first seen before the cutoff goes (all three
	// were first seen at t0, whatever their published dates).
	res, err = s.Prune(ctx, "alpha", 100, t0.Add(10*time.Hour), t0.Add(12*time.Hour))
	if err != nil || res.Deleted != 3 {
		t.Errorf("Prune by age = %+v, %v; want 3 deleted", res, err)
	}
	if _, total := list(t, s, store.FeedAll, 0, 10); total != 0 {
		t.Errorf("all feed total = %d, want 0", total)
	}
	// A freed canonical URL can be stored again by another source.
	again := artAt("gamma", 9, t0, entries[0].Article.CanonicalURL)
	if res := apply(t, s, "gamma", t0.Add(13*time.Hour), again); res.New != 1 {
		t.Errorf("another source's copy of a pruned URL = %+v, want new", res)
	}
}

// testRetentionClock: age retention counts from first_seen, never from the
// partner's date. A 2022 article ingested today is kept and listed with
// the default limits (500 items, a year); an article first seen long ago
// goes even when its partner date is recent.
func testRetentionClock(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	seed := art("alpha", 1, time.Date(2022, 3, 14, 9, 0, 0, 0, time.UTC))
	apply(t, s, "alpha", t0, seed)
	seedID := syndicate.MintArticleID("alpha", seed.Key)
	year := 8760 * time.Hour
	res, err := s.Prune(ctx, "alpha", 500, t0.Add(-year), t0)
	if err != nil || res.Deleted+res.Detached != 0 {
		t.Fatalf("Prune with the defaults right after ingest = %+v, %v; want nothing pruned", res, err)
	}
	if res.Counted && res.Remaining != 1 { // a store may not count when it had to look at articles
		t.Errorf("Prune counted %d articles left, want 1", res.Remaining)
	}
	if ids, _ := list(t, s, store.SourceFeed("alpha"), 0, 10); !slices.Equal(ids, []string{seedID}) {
		t.Fatalf("the 2022 article is not listed after ingest: %v", ids)
	}
	if v, err := s.Article(ctx, seedID); err != nil || !v.FirstSeen.Equal(t0) || v.Published.Year() != 2022 {
		t.Fatalf("Article = %+v, %v; want first_seen %s and the partner's 2022 date", v.Article, err, t0)
	}
	// A second article, published before t0 but first seen two days later.
	late := art("alpha", 2, t0.Add(-time.Hour))
	apply(t, s, "alpha", t0.Add(48*time.Hour), late)
	lateID := syndicate.MintArticleID("alpha", late.Key)
	// A day's age limit, a year on: only the article first seen at t0 goes.
	res, err = s.Prune(ctx, "alpha", 500, t0.Add(24*time.Hour), t0.Add(49*time.Hour))
	if err != nil || res.Deleted != 1 {
		t.Fatalf("Prune by age = %+v, %v; want 1 deleted", res, err)
	}
	if ids, _ := list(t, s, store.SourceFeed("alpha"), 0, 10); !slices.Equal(ids, []string{lateID}) {
		t.Errorf("after the age limit: %v, want only %s (first seen after the cutoff)", ids, lateID)
	}
}

// testPurgeSource: a deleted source's articles go (shared ones stay for
// their other carriers) and nothing of it survives to haunt a source
// created later under the same id.
func testPurgeSource(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	_, via, sharedID := shared(t, s)
	own := art("beta", 7, t0)
	apply(t, s, "beta", t0, own)
	ownID := syndicate.MintArticleID("beta", own.Key)
	if _, err := s.Prune(ctx, "beta", 1, time.Time{}, t0); err != nil { // leaves a tombstone
		t.Fatal(err)
	}
	if err := s.SaveSourceStatus(ctx, &syndicate.SourceStatus{SourceID: "beta", LastStatus: "ok"}); err != nil {
		t.Fatal(err)
	}
	res, err := s.PurgeSource(ctx, "beta", t0.Add(time.Hour), nil)
	if err != nil || res.Deleted+res.Detached != 1 {
		t.Fatalf("PurgeSource = %+v, %v; want the one article beta still listed", res, err)
	}
	if _, total := list(t, s, store.SourceFeed("beta"), 0, 10); total != 0 {
		t.Errorf("beta still lists %d", total)
	}
	if ids, _ := list(t, s, store.FeedAll, 0, 10); !slices.Equal(ids, []string{sharedID}) {
		t.Errorf("site feed = %v, want only alpha's article", ids)
	}
	if st, _ := s.SourceStatus(ctx, "beta"); st.LastStatus != "" {
		t.Errorf("status survived the purge: %+v", st)
	}
	// A new source under the same id stores both entries afresh: no entry
	// key or tombstone of the old one is left to skip them.
	res2 := apply(t, s, "beta", t0.Add(2*time.Hour), own, via)
	if res2.New+res2.Updated+res2.Unchanged != 2 {
		t.Fatalf("re-created beta = %+v", res2)
	}
	if _, total := list(t, s, store.SourceFeed("beta"), 0, 10); total != 2 {
		t.Errorf("re-created beta lists %d, want 2 (its own and the shared story)", total)
	}
	if _, err := s.Article(ctx, ownID); err != nil {
		t.Errorf("re-created beta's own article: %v", err)
	}
}

// testRequireSource: a batch of an API source is refused once the source
// is deleted, and writes nothing.
func testRequireSource(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	src := syndicate.Source{ID: "alpha", Name: "Alpha", URL: "https://alpha.example/feed", Enabled: true, Managed: syndicate.ManagedAPI}
	if err := s.PutSource(ctx, src, true); err != nil {
		t.Fatal(err)
	}
	batch := func(n int) *store.Batch {
		e := art("alpha", n, t0)
		return &store.Batch{Source: ref("alpha"), Entries: []*store.Entry{e}, Now: t0, RequireSource: true}
	}
	if res, err := s.ApplyIngest(ctx, batch(1)); err != nil || res.New != 1 {
		t.Fatalf("while the source exists: %+v, %v", res, err)
	}
	if err := s.DeleteSource(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PurgeSource(ctx, "alpha", t0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyIngest(ctx, batch(2)); !errors.Is(err, store.ErrSourceGone) {
		t.Errorf("after the delete: %v, want ErrSourceGone", err)
	}
	if ids, total := list(t, s, store.FeedAll, 0, 10); total != 0 {
		t.Errorf("a deleted source's articles are listed: %v", ids)
	}
	if _, err := s.Article(ctx, syndicate.MintArticleID("alpha", art("alpha", 2, t0).Key)); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("the refused batch's article is readable: %v", err)
	}
}

// testPruneLarge: a prune larger than one write batch (store.ChunkSize)
// removes all it should and keeps the newest.
func testPruneLarge(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	n := 2*store.ChunkSize + 17
	var entries []*store.Entry
	for i := range n {
		entries = append(entries, art("alpha", i, t0.Add(time.Duration(i)*time.Minute)))
	}
	for start := 0; start < n; start += store.ChunkSize {
		apply(t, s, "alpha", t0, entries[start:min(start+store.ChunkSize, n)]...)
	}
	res, err := s.Prune(ctx, "alpha", 10, time.Time{}, t0.Add(time.Hour))
	if err != nil || res.Deleted != n-10 || !slices.Contains(res.Changed, store.FeedAll) {
		t.Fatalf("Prune = %+v, %v; want %d deleted", res, err, n-10)
	}
	ids, total := list(t, s, store.SourceFeed("alpha"), 0, 20)
	if total != 10 || ids[0] != syndicate.MintArticleID("alpha", entries[n-1].Key) || ids[9] != syndicate.MintArticleID("alpha", entries[n-10].Key) {
		t.Errorf("after the prune: %d listed, %v", total, ids)
	}
	res, err = s.PurgeSource(ctx, "alpha", t0.Add(2*time.Hour), nil)
	if err != nil || res.Deleted != 10 {
		t.Errorf("PurgeSource = %+v, %v; want the last 10 deleted", res, err)
	}
	if _, total := list(t, s, store.FeedAll, 0, 10); total != 0 {
		t.Errorf("%d articles left", total)
	}
}

func testRetentionShared(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	_, via, id := shared(t, s)
	res, err := s.Prune(ctx, "beta", 0, time.Time{}, t0.Add(time.Hour))
	if err != nil || res.Detached != 1 || res.Deleted != 0 {
		t.Fatalf("Prune(beta) = %+v, %v; want 1 detached", res, err)
	}
	sameFeeds(t, "detaching a shared article", res.Changed, store.FeedAll, store.SourceFeed("alpha"), store.SourceFeed("beta"), store.CategoryFeed("politics"))
	if _, total := list(t, s, store.SourceFeed("beta"), 0, 10); total != 0 {
		t.Errorf("beta still lists %d", total)
	}
	if ids, _ := list(t, s, store.FeedAll, 0, 10); !slices.Equal(ids, []string{id}) {
		t.Errorf("shared article gone from the site feed: %v", ids)
	}
	v, _ := s.Article(ctx, id)
	if !slices.Equal(v.Carriers, []string{"alpha"}) || v.Source.ID != "alpha" {
		t.Errorf("carriers = %v source %s", v.Carriers, v.Source.ID)
	}
	if n, _ := s.ArticleCount(ctx, "beta"); n != 0 {
		t.Errorf("beta article_count = %d", n)
	}
	apply(t, s, "beta", t0.Add(2*time.Hour), via)
	if _, total := list(t, s, store.SourceFeed("beta"), 0, 10); total != 0 {
		t.Error("beta re-joined an article pruned from it")
	}
}

func testSources(t *testing.T, open Factory) {
	s, reopen := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	changed := make(chan struct{}, 16)
	s.Watch(ctx, func(k []store.FeedKey) {
		if slices.Contains(k, store.SourcesChanged) {
			changed <- struct{}{}
		}
	})
	time.Sleep(100 * time.Millisecond)
	b := syndicate.Source{ID: "bravo", Name: "Bravo", URL: "https://bravo.example/feed", Enabled: true, Managed: syndicate.ManagedAPI}
	a := syndicate.Source{ID: "alpha", Name: "Alpha", URL: "https://alpha.example/feed", Categories: []string{"x"}, Enabled: true, Managed: syndicate.ManagedAPI}
	for _, src := range []syndicate.Source{b, a} {
		if err := s.PutSource(ctx, src, true); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Error("Watch did not report SourcesChanged")
	}
	if err := s.PutSource(ctx, a, true); syndicate.ErrorKind(err) != syndicate.EConflict {
		t.Errorf("creating a duplicate = %v, want conflict", err)
	}
	if err := s.PutSource(ctx, syndicate.Source{ID: "nope"}, false); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("replacing an unknown source = %v, want not found", err)
	}
	a.Name = "Alpha Renamed"
	if err := s.PutSource(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	s.SaveSourceStatus(ctx, &syndicate.SourceStatus{SourceID: "bravo", ETag: `"x"`})
	s = reopen()
	got, err := s.Sources(ctx)
	if err != nil || len(got) != 2 || got[0].ID != "alpha" || got[0].Name != "Alpha Renamed" || got[1].ID != "bravo" || !slices.Equal(got[0].Categories, []string{"x"}) {
		t.Fatalf("Sources = %+v, %v", got, err)
	}
	if err := s.DeleteSource(ctx, "bravo"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSource(ctx, "bravo"); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("second delete = %v", err)
	}
	if st, _ := s.SourceStatus(ctx, "bravo"); st.ETag != "" {
		t.Error("a deleted source's status remains")
	}
	if got, _ := s.Sources(ctx); len(got) != 1 {
		t.Errorf("after delete: %+v", got)
	}
}

func testSecrets(t *testing.T, open Factory) {
	s, reopen := open(t)
	a, err := s.Secret(t.Context(), "session")
	if err != nil || len(a) < 32 {
		t.Fatalf("Secret = %x, %v", a, err)
	}
	s = reopen()
	b, _ := s.Secret(t.Context(), "session")
	c, _ := s.Secret(t.Context(), "other")
	if string(a) != string(b) || string(a) == string(c) {
		t.Error("secrets must persist and differ by name")
	}
}

func testLocalComments(t *testing.T, open Factory) {
	s, reopen := open(t)
	ctx := t.Context()
	e := art("alpha", 1, t0)
	apply(t, s, "alpha", t0, e)
	aid := syndicate.MintArticleID("alpha", e.Key)
	if _, _, err := s.AddComment(ctx, &syndicate.Comment{ArticleID: "nope", Content: "x"}, 5); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("comment on an unknown article: %v", err)
	}
	pending, changed, err := s.AddComment(ctx, &syndicate.Comment{ArticleID: aid, Author: syndicate.Author{Name: "Ann", Email: "Ann@Example.com"},
		Content: "<p>hello</p>", Published: t0.Add(time.Minute), Status: syndicate.StatusPending, IP: "192.0.2.7"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	sameFeeds(t, "a pending comment", changed)
	stored, _ := s.Article(ctx, aid)
	if pending.ID == "" || pending.Origin != syndicate.CommentLocal || pending.Depth != 0 {
		t.Fatalf("stored = %+v", pending)
	}
	v1 := version(t, s, store.ArticleCommentsFeed(aid))
	if p, _ := s.Comments(ctx, store.ArticleCommentsFeed(aid), 0, 10); p.Total != 0 {
		t.Error("a pending comment was published")
	}
	q, err := s.CommentsByStatus(ctx, syndicate.StatusPending, 0, 10)
	if err != nil || q.Total != 1 || q.Items[0].ID != pending.ID || q.Items[0].IP != "192.0.2.7" {
		t.Fatalf("pending queue = %+v, %v", q, err)
	}
	if known, _ := s.KnownCommenter(ctx, syndicate.CommenterKey("Ann", "ann@example.com")); known {
		t.Error("known before any approval")
	}
	got, changed, err := s.SetCommentStatus(ctx, pending.ID, syndicate.StatusApproved)
	if err != nil || got.Status != syndicate.StatusApproved {
		t.Fatalf("approve = %+v, %v", got, err)
	}
	sameFeeds(t, "an approval", changed, commentChange(stored.Article)...)
	if _, changed, _ := s.SetCommentStatus(ctx, pending.ID, syndicate.StatusApproved); len(changed) != 0 {
		t.Errorf("approving an approved comment reported %v", changed)
	}
	if v2 := version(t, s, store.ArticleCommentsFeed(aid)); v2.Version <= v1.Version {
		t.Error("approval did not bump the comment feed")
	}
	if p, _ := s.Comments(ctx, store.ArticleCommentsFeed(aid), 0, 10); p.Total != 1 {
		t.Errorf("approved comment not published: %d", p.Total)
	}
	if v, _ := s.Article(ctx, aid); v.CommentCount != 1 {
		t.Errorf("count = %d", v.CommentCount)
	}
	if known, _ := s.KnownCommenter(ctx, syndicate.CommenterKey(" Ann ", " ann@example.com ")); !known {
		t.Error("an approved commenter is not known")
	}
	if known, _ := s.KnownCommenter(ctx, syndicate.CommenterKey("Impostor", "ann@example.com")); known {
		t.Error("another name with a known e-mail is trusted")
	}
	// Threading: reply, reply to reply, depth cap, another article's parent.
	r1, changed, err := s.AddComment(ctx, &syndicate.Comment{ArticleID: aid, ParentID: pending.ID, Author: syndicate.Author{Name: "Bob"}, Content: "r1", Published: t0.Add(2 * time.Minute), Status: syndicate.StatusApproved}, 2)
	if err != nil || r1.Depth != 1 {
		t.Fatalf("reply = %+v, %v", r1, err)
	}
	sameFeeds(t, "an approved comment", changed, commentChange(stored.Article)...)
	r2, _, err := s.AddComment(ctx, &syndicate.Comment{ArticleID: aid, ParentID: r1.ID, Content: "r2", Published: t0.Add(3 * time.Minute), Status: syndicate.StatusApproved}, 2)
	if err != nil || r2.Depth != 2 {
		t.Fatalf("reply to reply = %+v, %v", r2, err)
	}
	if _, _, err := s.AddComment(ctx, &syndicate.Comment{ArticleID: aid, ParentID: r2.ID, Content: "r3", Published: t0, Status: syndicate.StatusApproved}, 2); !isField(err, "parent_id") {
		t.Errorf("too deep = %v, want an invalid parent_id", err)
	}
	other := art("alpha", 2, t0)
	apply(t, s, "alpha", t0, other)
	oid := syndicate.MintArticleID("alpha", other.Key)
	if _, _, err := s.AddComment(ctx, &syndicate.Comment{ArticleID: oid, ParentID: pending.ID, Content: "x", Published: t0}, 5); !isField(err, "parent_id") {
		t.Errorf("parent from another article = %v", err)
	}
	// Spam, delete, persistence, IP purge.
	if _, changed, err := s.SetCommentStatus(ctx, r2.ID, syndicate.StatusSpam); err != nil {
		t.Fatal(err)
	} else {
		sameFeeds(t, "marking an approved comment spam", changed, commentChange(stored.Article)...)
	}
	// A comment readers cannot see takes no reply.
	if _, _, err := s.AddComment(ctx, &syndicate.Comment{ArticleID: aid, ParentID: r2.ID, Content: "to spam", Published: t0, Status: syndicate.StatusApproved}, 5); !isField(err, "parent_id") {
		t.Errorf("reply to a spam comment = %v, want an invalid parent_id", err)
	}
	if p, _ := s.Comments(ctx, store.FeedComments, 0, 10); p.Total != 2 {
		t.Errorf("global feed after spam = %d, want 2", p.Total)
	}
	if changed, err := s.DeleteComment(ctx, r1.ID); err != nil {
		t.Fatal(err)
	} else {
		sameFeeds(t, "deleting an approved comment", changed, commentChange(stored.Article)...)
	}
	if _, err := s.Comment(ctx, r1.ID); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("deleted comment readable: %v", err)
	}
	if _, err := s.DeleteComment(ctx, r1.ID); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("second delete = %v", err)
	}
	s = reopen()
	if c, err := s.Comment(ctx, pending.ID); err != nil || c.Status != syndicate.StatusApproved || c.Author.Email != "Ann@Example.com" {
		t.Errorf("after restart = %+v, %v", c, err)
	}
	if q, _ := s.CommentsByStatus(ctx, syndicate.StatusSpam, 0, 10); q.Total != 1 || q.Items[0].ID != r2.ID {
		t.Errorf("spam queue = %+v", q)
	}
	if n, err := s.PurgeCommentIPs(ctx, t0.Add(90*time.Second)); err != nil || n != 1 {
		t.Errorf("PurgeCommentIPs = %d, %v", n, err)
	}
	if c, _ := s.Comment(ctx, pending.ID); c.IP != "" {
		t.Error("IP kept past retention")
	}
}

func isField(err error, field string) bool {
	var e *syndicate.Error
	return errors.As(err, &e) && e.Kind == syndicate.EInvalid && e.Field == field
}

func testHit(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	now := time.Now()
	for i := 1; i <= 3; i++ {
		n, reset, err := s.Hit(ctx, "ip:192.0.2.1", time.Minute, now)
		if err != nil || n != i || reset.Before(now) || reset.After(now.Add(time.Minute+time.Second)) {
			t.Fatalf("hit %d = %d %v %v", i, n, reset, err)
		}
	}
	if n, _, _ := s.Hit(ctx, "ip:192.0.2.2", time.Minute, now); n != 1 {
		t.Errorf("other key = %d", n)
	}
	if n, _, _ := s.Hit(ctx, "ip:192.0.2.3", 50*time.Millisecond, now); n != 1 {
		t.Errorf("short window = %d", n)
	}
	time.Sleep(120 * time.Millisecond)
	if n, _, _ := s.Hit(ctx, "ip:192.0.2.3", 50*time.Millisecond, time.Now()); n != 1 {
		t.Errorf("after the window = %d, want a fresh count", n)
	}
}

func testTakeDown(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	orig, via, id := shared(t, s)
	if _, _, err := s.AddPartnerComments(ctx, id, []*syndicate.Comment{{GUID: "c1", Author: syndicate.Author{Name: "A"}, Content: "x", Published: t0}}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Article(ctx, id)
	keys, err := s.TakeDown(ctx, id, t0.Add(time.Hour))
	if err != nil || !slices.Contains(keys, store.SourceFeed("beta")) {
		t.Fatalf("TakeDown = %v, %v", keys, err)
	}
	sameFeeds(t, "a takedown", keys, commentChange(before.Article)...)
	if _, total := list(t, s, store.FeedAll, 0, 10); total != 0 {
		t.Errorf("article still listed")
	}
	if p, _ := s.Comments(ctx, store.FeedComments, 0, 10); p.Total != 0 {
		t.Error("its comments are still listed")
	}
	if res := apply(t, s, "alpha", t0.Add(2*time.Hour), orig); res.New != 0 {
		t.Errorf("the original brought it back: %+v", res)
	}
	if res := apply(t, s, "beta", t0.Add(2*time.Hour), via); res.New != 0 {
		t.Errorf("the other carrier brought it back: %+v", res)
	}
	if _, err := s.TakeDown(ctx, id, t0); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("second takedown = %v", err)
	}
	// A third partner listing the same story does not bring it back.
	third := artAt("gamma", 5, t0, orig.Article.CanonicalURL)
	if res := apply(t, s, "gamma", t0.Add(3*time.Hour), third); res.New != 0 {
		t.Errorf("another partner brought a taken-down story back: %+v", res)
	}
	if _, total := list(t, s, store.FeedAll, 0, 10); total != 0 {
		t.Errorf("a taken-down story is listed again")
	}
}

// testCanonicalURLMoves: when the original fixes its link, the article
// owns the new URL (another source with it joins, no duplicate) and the
// old URL is free again once the article is gone.
func testCanonicalURLMoves(t *testing.T, open Factory) {
	s, _ := open(t)
	e := art("alpha", 1, t0)
	apply(t, s, "alpha", t0, e)
	moved := artAt("alpha", 1, t0, "https://alpha.example/fixed-link")
	apply(t, s, "alpha", t0.Add(time.Hour), moved)
	via := artAt("beta", 1, t0, "https://alpha.example/fixed-link")
	if res := apply(t, s, "beta", t0.Add(2*time.Hour), via); res.New != 0 {
		t.Errorf("the moved article was duplicated: %+v", res)
	}
	if _, total := list(t, s, store.FeedAll, 0, 10); total != 1 {
		t.Errorf("site feed lists %d, want 1", total)
	}
	if _, err := s.Prune(t.Context(), "alpha", 0, time.Time{}, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(t.Context(), "beta", 0, time.Time{}, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	old := artAt("gamma", 1, t0, e.Article.CanonicalURL)
	if res := apply(t, s, "gamma", t0.Add(4*time.Hour), old); res.New != 1 {
		t.Errorf("the old URL is still claimed after the article is gone: %+v", res)
	}
}

// testConcurrentModeration: editors acting on one comment at once leave it
// in exactly one queue, counted once.
func testConcurrentModeration(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	e := art("alpha", 1, t0)
	apply(t, s, "alpha", t0, e)
	aid := syndicate.MintArticleID("alpha", e.Key)
	c, _, err := s.AddComment(ctx, &syndicate.Comment{ArticleID: aid, Author: syndicate.Author{Name: "A"}, Content: "x", Published: t0, Status: syndicate.StatusPending}, 5)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		status := []string{syndicate.StatusApproved, syndicate.StatusSpam, syndicate.StatusPending}[i%3]
		wg.Go(func() { s.SetCommentStatus(ctx, c.ID, status) })
	}
	wg.Wait()
	got, _ := s.Comment(ctx, c.ID)
	total := 0
	for _, st := range []string{syndicate.StatusApproved, syndicate.StatusSpam, syndicate.StatusPending} {
		p, _ := s.CommentsByStatus(ctx, st, 0, 10)
		total += p.Total
		if p.Total == 1 && st != got.Status {
			t.Errorf("queued as %s but stored as %s", st, got.Status)
		}
	}
	if total != 1 {
		t.Errorf("the comment is in %d queues", total)
	}
	published, _ := s.Comments(ctx, store.ArticleCommentsFeed(aid), 0, 10)
	if want := map[bool]int{true: 1, false: 0}[got.Status == syndicate.StatusApproved]; published.Total != want {
		t.Errorf("published %d times as %s", published.Total, got.Status)
	}
}

func testTouch(t *testing.T, open Factory) {
	s, _ := open(t)
	apply(t, s, "alpha", t0, art("alpha", 1, t0))
	v1 := version(t, s, store.FeedAll)
	later := t0.Add(time.Hour)
	if err := s.Touch(t.Context(), []store.FeedKey{store.FeedAll}, later); err != nil {
		t.Fatal(err)
	}
	if v2 := version(t, s, store.FeedAll); v2.Version <= v1.Version || !v2.Modified.Equal(later) {
		t.Errorf("after Touch: %+v (before %+v)", v2, v1)
	}
}

// Reopenable turns an opener into a Factory result: the store open gives,
// and a restart that closes it and opens again. The store open last gave
// is closed when the test ends.
func Reopenable(t *testing.T, open func() store.Store) (store.Store, func() store.Store) {
	t.Helper()
	cur := open()
	t.Cleanup(func() { cur.Close() })
	return cur, func() store.Store {
		if err := cur.Close(); err != nil {
			t.Fatal(err)
		}
		cur = open()
		return cur
	}
}
