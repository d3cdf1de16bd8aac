package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
	"syndicate/store/embedded"
)

// TestAnnounce: an editor's takedown and a source deletion are announced
// (the WebSub hub is pinged for the feeds they changed).
func TestAnnounce(t *testing.T) {
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	ref := syndicate.SourceRef{ID: "p", Name: "P", SiteURL: "https://p.example/", FeedURL: "https://p.example/feed"}
	var entries []*store.Entry
	for _, u := range []string{"https://p.example/1", "https://p.example/2"} {
		a := &syndicate.Article{GUID: u, EntryID: u, CanonicalURL: u, Title: u, Published: now, Updated: now}
		a.Hash = a.ContentHash()
		entries = append(entries, &store.Entry{Key: u, Article: a})
	}
	if _, err := st.ApplyIngest(t.Context(), &store.Batch{Source: ref, Entries: entries, Now: now}); err != nil {
		t.Fatal(err)
	}
	var got [][]store.FeedKey
	a := announce(st, func(_ context.Context, keys []store.FeedKey) { got = append(got, keys) })
	if _, err := a.TakeDown(t.Context(), syndicate.MintArticleID("p", "https://p.example/1"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PurgeSource(t.Context(), "p", now.Add(2*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !slices.Contains(got[0], store.FeedAll) || !slices.Contains(got[1], store.SourceFeed("p")) {
		t.Errorf("announced %v, want the takedown's and the purge's feeds", got)
	}
	if _, err := a.TakeDown(t.Context(), "nope", now); syndicate.ErrorKind(err) != syndicate.ENotFound || len(got) != 2 {
		t.Errorf("a failed takedown: %v, announced %v", err, got)
	}
	rs, _ := st.Retractions(t.Context(), store.FeedAll, time.Time{}, 10)
	if len(rs) != 2 || rs[0].Cause != store.CauseSourceDeleted || rs[1].Cause != store.CauseTakedown {
		t.Errorf("retractions = %+v", rs)
	}
}
