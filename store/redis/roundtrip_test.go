package redis

import (
	"fmt"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
)

// TestWrites_RoundTrips: an ingest batch costs a fixed number of round
// trips whatever its size (one per read or claim step, at most four for
// the commit, the change notice), and so do comment polling and a prune
// with nothing to do. The rules in package store decide; the layout here
// must not add round trips.
func TestWrites_RoundTrips(t *testing.T) {
	ctx := t.Context()
	s := openScratch(t, "syntrips")
	counter := &readCounter{}
	s.rdb.AddHook(counter)
	t0 := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	src := syndicate.SourceRef{ID: "alpha", Name: "Alpha", SiteURL: "https://alpha.example/"}
	batch := func(n int, title string) *store.Batch {
		b := &store.Batch{Source: src, Now: t0}
		for i := range n {
			u := fmt.Sprintf("https://alpha.example/a/%d", i)
			a := &syndicate.Article{GUID: u, EntryID: u, CanonicalURL: u, Title: title, Published: t0, Updated: t0}
			a.Hash = a.ContentHash()
			b.Entries = append(b.Entries, &store.Entry{Key: u, Article: a})
		}
		return b
	}
	trips := func(b *store.Batch) int64 {
		t.Helper()
		before := counter.trips.Load()
		if _, err := s.ApplyIngest(ctx, b); err != nil {
			t.Fatal(err)
		}
		return counter.trips.Load() - before
	}
	// New: entry keys, URL owners, URL claims, entry-id claims, four
	// commit steps, the notice.
	if n := trips(batch(store.ChunkSize, "One")); n != 9 {
		t.Errorf("a batch of new articles took %d round trips, want 9", n)
	}
	// Updated: entry keys, tombstones, articles, three commit steps (no
	// claim to persist), the notice.
	if n := trips(batch(store.ChunkSize, "Two")); n != 7 {
		t.Errorf("a batch of updates took %d round trips, want 7", n)
	}
	// Unchanged: the reads only (entry keys, tombstones, articles).
	if n := trips(batch(store.ChunkSize, "Two")); n != 3 {
		t.Errorf("an unchanged batch took %d round trips, want 3", n)
	}

	// Comment polling: the article and known GUIDs, the comments, their
	// GUIDs and indexes, the bumps, the notice.
	var cs []*syndicate.Comment
	for i := range 20 {
		cs = append(cs, &syndicate.Comment{GUID: fmt.Sprint(i), Content: "x", Published: t0})
	}
	before := counter.trips.Load()
	if _, _, err := s.AddPartnerComments(ctx, syndicate.MintArticleID("alpha", "https://alpha.example/a/0"), cs); err != nil {
		t.Fatal(err)
	}
	if n := counter.trips.Load() - before; n != 5 {
		t.Errorf("storing new partner comments took %d round trips, want 5", n)
	}
	// Retention with nothing to prune: the index size only.
	before = counter.trips.Load()
	if _, err := s.Prune(ctx, "alpha", store.ChunkSize, time.Time{}, t0); err != nil {
		t.Fatal(err)
	}
	if n := counter.trips.Load() - before; n != 1 {
		t.Errorf("a prune with nothing to prune took %d round trips, want 1", n)
	}
	// With an age limit too (the default): the size and one old entry,
	// asked together.
	before = counter.trips.Load()
	res, err := s.Prune(ctx, "alpha", store.ChunkSize, t0.Add(-time.Hour), t0)
	if err != nil {
		t.Fatal(err)
	}
	if n := counter.trips.Load() - before; n != 1 || !res.Counted {
		t.Errorf("a prune by count and age with nothing to prune took %d round trips (counted: %v), want 1", n, res.Counted)
	}
}
