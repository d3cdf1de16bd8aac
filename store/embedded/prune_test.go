package embedded_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
	"syndicate/store/embedded"
)

// A large prune is written in transactions of at most store.ChunkSize
// articles, so it never holds the write lock for long: every committed
// write notifies the watchers once, so the notifications count them.
func TestPrune_InChunks(t *testing.T) {
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := t.Context()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	n := 2*store.ChunkSize + 27
	for start := 0; start < n; start += store.ChunkSize {
		var entries []*store.Entry
		for i := start; i < min(start+store.ChunkSize, n); i++ {
			a := &syndicate.Article{GUID: fmt.Sprint("g", i), CanonicalURL: fmt.Sprintf("https://p.example/%d", i), Title: "T",
				Published: t0.Add(time.Duration(i) * time.Minute)}
			a.Hash = a.ContentHash()
			entries = append(entries, &store.Entry{Key: a.GUID, Article: a})
		}
		if _, err := st.ApplyIngest(ctx, &store.Batch{Source: syndicate.SourceRef{ID: "p", Name: "P"}, Entries: entries, Now: t0}); err != nil {
			t.Fatal(err)
		}
	}
	var writes atomic.Int32
	st.Watch(ctx, func([]store.FeedKey) { writes.Add(1) })
	res, err := st.Prune(ctx, "p", 0, time.Time{}, t0.Add(time.Hour))
	if err != nil || res.Deleted != n {
		t.Fatalf("Prune = %+v, %v; want %d deleted", res, err, n)
	}
	if got, want := writes.Load(), int32((n+store.ChunkSize-1)/store.ChunkSize); got != want {
		t.Errorf("%d write transactions for %d articles, want %d (at most %d each)", got, n, want, store.ChunkSize)
	}
}
