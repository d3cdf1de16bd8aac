package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
)

func runCategories(t *testing.T, open Factory) {
	t.Run("CategoryPages", func(t *testing.T) { testCategoryPages(t, open) })
	t.Run("CategoryLeavesWithItsLastArticle", func(t *testing.T) { testCategoryLeaves(t, open) })
	t.Run("CategoriesConcurrent", func(t *testing.T) { testCategoriesConcurrent(t, open) })
}

// inCategories is art with other categories.
func inCategories(src string, n int, published time.Time, labels ...string) *store.Entry {
	e := art(src, n, published)
	e.Article.Categories = labels
	return rehash(e)
}

// categoryPage reads one page of the categories in use.
func categoryPage(t *testing.T, s store.Store, offset, limit int) ([]store.Category, int) {
	t.Helper()
	p, err := s.CategoryPage(t.Context(), offset, limit)
	if err != nil {
		t.Fatalf("CategoryPage(%d, %d): %v", offset, limit, err)
	}
	return p.Items, p.Total
}

// inUse fails unless the categories in use are exactly want (by slug, in
// order), through every read: the pages, the labels and the whole list.
func inUse(t *testing.T, s store.Store, what string, want ...store.Category) {
	t.Helper()
	// The number in use first, from a read that lists nothing (and so
	// cannot correct what it has not listed).
	if _, total := categoryPage(t, s, 0, 0); total != len(want) {
		t.Errorf("%s: %d categories in use, want %d", what, total, len(want))
	}
	got, total := categoryPage(t, s, 0, 100)
	if !slices.Equal(got, want) || total != len(want) {
		t.Errorf("%s: categories in use = %v (total %d), want %v", what, got, total, want)
	}
	all, err := s.Categories(t.Context())
	if err != nil {
		t.Fatalf("Categories: %v", err)
	}
	if len(all) != len(want) {
		t.Errorf("%s: Categories = %v, want %v", what, all, want)
	}
	for _, c := range want {
		if all[c.Slug] != c.Label {
			t.Errorf("%s: Categories[%s] = %q, want %q", what, c.Slug, all[c.Slug], c.Label)
		}
		if l, ok, err := s.CategoryLabel(t.Context(), c.Slug); err != nil || !ok || l != c.Label {
			t.Errorf("%s: CategoryLabel(%s) = %q, %v, %v; want %q", what, c.Slug, l, ok, err, c.Label)
		}
	}
}

// notInUse fails unless none of slugs is a category in use.
func notInUse(t *testing.T, s store.Store, what string, slugs ...string) {
	t.Helper()
	for _, slug := range slugs {
		if l, ok, err := s.CategoryLabel(t.Context(), slug); err != nil || ok {
			t.Errorf("%s: CategoryLabel(%s) = %q, %v, %v; want not in use", what, slug, l, ok, err)
		}
	}
}

// testCategoryPages: the categories in use come in pages ordered by slug
// (byte order, so every script sorts the same on every backend), with the
// number in use, the first label seen and nothing past the end.
func testCategoryPages(t *testing.T, open Factory) {
	s, reopen := open(t)
	labels := []string{"Zoology", "Économie", "politics", "Art & Design", "日本", "Sport", "Ökologie", "Mixed Case Label", "Politics"}
	var entries []*store.Entry
	for i, l := range labels {
		entries = append(entries, inCategories("alpha", i, t0.Add(time.Duration(i)*time.Minute), l))
	}
	// An article in several categories, one a repeat.
	entries = append(entries, inCategories("alpha", 50, t0, "Weather", "Sport", "Art & Design"))
	apply(t, s, "alpha", t0, entries...)
	first := map[string]string{} // the first label stored under a slug
	for _, l := range append(labels, "Weather") {
		if slug := syndicate.Slug(l); first[slug] == "" {
			first[slug] = l
		}
	}
	var want []store.Category
	for slug, l := range first {
		want = append(want, store.Category{Slug: slug, Label: l})
	}
	slices.SortFunc(want, func(a, b store.Category) int {
		switch {
		case a.Slug < b.Slug:
			return -1
		case a.Slug > b.Slug:
			return 1
		}
		return 0
	})
	if len(want) != 9 {
		t.Fatalf("test data: %d categories, want 9: %v", len(want), want)
	}
	inUse(t, s, "after one ingest", want...)
	check := func(t *testing.T, s store.Store) {
		t.Helper()
		for _, tc := range []struct{ offset, limit int }{{0, 4}, {4, 4}, {8, 4}, {9, 4}, {20, 4}, {3, 1}, {0, 0}} {
			got, total := categoryPage(t, s, tc.offset, tc.limit)
			w := want[min(tc.offset, len(want)):min(tc.offset+tc.limit, len(want))]
			if !slices.Equal(got, w) || total != len(want) {
				t.Errorf("CategoryPage(%d, %d) = %v (total %d), want %v (total %d)", tc.offset, tc.limit, got, total, w, len(want))
			}
		}
		// Pages are stable: the same read twice gives the same page.
		a, _ := categoryPage(t, s, 2, 5)
		b, _ := categoryPage(t, s, 2, 5)
		if !slices.Equal(a, b) {
			t.Errorf("two reads of one page differ: %v, %v", a, b)
		}
	}
	check(t, s)
	notInUse(t, s, "an unknown slug", "nope", "")
	// The list is stored, not rebuilt from memory.
	check(t, reopen())
}

// testCategoryLeaves: a category is in use while one article is in it,
// whichever write removes that article: a category change, retention,
// a partner's deletion, a takedown or a source purge. One that comes back
// is listed again, with the label first seen.
func testCategoryLeaves(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	pol := store.Category{Slug: "politics", Label: "Politics"}
	// Two articles in Politics; one also in Sport.
	a1, a2 := art("alpha", 1, t0), inCategories("alpha", 2, t0.Add(time.Hour), "Politics", "Sport")
	apply(t, s, "alpha", t0, a1, a2)
	sport := store.Category{Slug: "sport", Label: "Sport"}
	inUse(t, s, "two articles", pol, sport)

	// A category change: Sport loses its only article.
	apply(t, s, "alpha", t0.Add(time.Hour), inCategories("alpha", 2, t0.Add(time.Hour), "Politics"))
	inUse(t, s, "after a category change", pol)
	notInUse(t, s, "after a category change", "sport")

	// Retention: the older article goes, Politics keeps the newer.
	if _, err := s.Prune(ctx, "alpha", 1, time.Time{}, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	inUse(t, s, "after pruning one of two", pol)
	// A shared article keeps its category while a carrier is left.
	orig := inCategories("beta", 1, t0, "World")
	via := artAt("gamma", 1, t0, orig.Article.CanonicalURL)
	via.Article.Categories = []string{"World"}
	rehash(via)
	apply(t, s, "beta", t0, orig)
	apply(t, s, "gamma", t0, via)
	world := store.Category{Slug: "world", Label: "World"}
	inUse(t, s, "a shared article", pol, world)
	if _, err := s.Prune(ctx, "beta", 0, time.Time{}, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	inUse(t, s, "pruned for one carrier of two", pol, world)
	// A partner's deletion of the last carrier's copy deletes it.
	if _, err := s.Retire(ctx, "gamma", []string{via.Key}, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	inUse(t, s, "after the partner deleted it", pol)
	notInUse(t, s, "after the partner deleted it", "world")

	// Retention of the last article.
	if _, err := s.Prune(ctx, "alpha", 0, time.Time{}, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	inUse(t, s, "after pruning the last article")
	notInUse(t, s, "after pruning the last article", "politics")

	// Back, under another label of the same slug: the first label stays.
	apply(t, s, "delta", t0.Add(4*time.Hour), inCategories("delta", 1, t0.Add(4*time.Hour), "POLITICS"))
	inUse(t, s, "a category back", pol)

	// A takedown of its last article.
	id := syndicate.MintArticleID("delta", inCategories("delta", 1, t0, "POLITICS").Key)
	if _, err := s.TakeDown(ctx, id, t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	inUse(t, s, "after a takedown")

	// A source purge of its last article.
	apply(t, s, "epsilon", t0.Add(6*time.Hour), inCategories("epsilon", 1, t0.Add(6*time.Hour), "Science"), inCategories("epsilon", 2, t0.Add(6*time.Hour), "Science", "Space"))
	inUse(t, s, "before a purge", store.Category{Slug: "science", Label: "Science"}, store.Category{Slug: "space", Label: "Space"})
	if _, err := s.PurgeSource(ctx, "epsilon", t0.Add(7*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	inUse(t, s, "after a purge")
	notInUse(t, s, "after a purge", "science", "space", "politics", "world", "sport")
}

// testCategoriesConcurrent: writers that add and remove articles of one
// category at once (several replicas) leave it listed exactly when its
// feed lists an article.
func testCategoriesConcurrent(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	const writers, rounds = 6, 4
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*2)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := fmt.Sprintf("w%d", w)
			for r := range rounds {
				e := inCategories(src, r, t0, "Shared", fmt.Sprintf("Own %d", w))
				cp := *e.Article
				if _, err := s.ApplyIngest(ctx, &store.Batch{Source: ref(src), Entries: []*store.Entry{{Key: e.Key, Article: &cp}}, Now: t0}); err != nil {
					errs <- err
					return
				}
				// Even writers keep their last article; every other
				// article is taken down again.
				if w%2 == 0 && r == rounds-1 {
					continue
				}
				if _, err := s.TakeDown(ctx, syndicate.MintArticleID(src, e.Key), t0.Add(time.Minute)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := []store.Category{{Slug: "own-0", Label: "Own 0"}, {Slug: "own-2", Label: "Own 2"}, {Slug: "own-4", Label: "Own 4"}, {Slug: "shared", Label: "Shared"}}
	inUse(t, s, "after concurrent writers", want...)
	notInUse(t, s, "after concurrent writers", "own-1", "own-3", "own-5")
	if _, total := list(t, s, store.CategoryFeed("shared"), 0, 10); total != writers/2 {
		t.Errorf("the shared category lists %d articles, want %d", total, writers/2)
	}
}

// IngestManyCategories stores, as source "big" at 2026-01-01, articles
// stories of per categories each, labelled label(i, j) for story i's j-th
// category, a hundred per batch: the shape the backends' tests of deep
// category pages read.
func IngestManyCategories(t *testing.T, s store.Store, articles, per int, label func(i, j int) string) {
	t.Helper()
	src := syndicate.SourceRef{ID: "big", Name: "Big"}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var es []*store.Entry
	for i := range articles {
		a := &syndicate.Article{
			GUID: fmt.Sprint("g", i), EntryID: fmt.Sprint("e", i), CanonicalURL: fmt.Sprint("https://big.example/", i),
			Title: fmt.Sprint("Story ", i), Content: "<p>x</p>", Published: at.Add(time.Duration(i) * time.Minute),
		}
		for j := range per {
			a.Categories = append(a.Categories, label(i, j))
		}
		a.Updated = a.Published
		a.Hash = a.ContentHash()
		es = append(es, &store.Entry{Key: a.GUID, Article: a})
	}
	for from := 0; from < len(es); from += 100 {
		if _, err := s.ApplyIngest(t.Context(), &store.Batch{Source: src, Now: at, Entries: es[from:min(from+100, len(es))]}); err != nil {
			t.Fatal(err)
		}
	}
}
