package embedded

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

// TestPage_Seeks: a deep page reads O(page) keys (whole chunks are skipped
// by their counts), and every page lists what a walk from the newest entry
// would, through splits, deletions and a rebuild.
func TestPage_Seeks(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	src := syndicate.SourceRef{ID: "big", Name: "Big"}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 3000
	for b := 0; b < n; b += 500 {
		var es []*store.Entry
		for i := b; i < b+500; i++ {
			a := &syndicate.Article{
				GUID: fmt.Sprint("g", i), EntryID: fmt.Sprint("e", i), CanonicalURL: fmt.Sprint("https://big.example/", i),
				Title: fmt.Sprint("Story ", i), Content: "<p>x</p>",
				// Out of order, with ties, so inserts land all over the index.
				Published: t0.Add(time.Duration((i*7919)%n/3) * time.Minute),
			}
			a.Updated = a.Published
			a.Hash = a.ContentHash()
			es = append(es, &store.Entry{Key: a.GUID, Article: a})
		}
		if _, err := s.ApplyIngest(ctx, &store.Batch{Source: src, Now: t0, Entries: es}); err != nil {
			t.Fatal(err)
		}
	}
	ids := []string{syndicate.MintArticleID("big", "g1"), "nope", syndicate.MintArticleID("big", "g2")}
	if arts, err := s.ArticlesByID(ctx, ids); err != nil || len(arts) != 2 || arts[ids[2]].Title != "Story 2" {
		t.Errorf("ArticlesByID = %v, %v", arts, err)
	}
	feed := store.SourceFeed("big")
	check := func(t *testing.T, total int) {
		t.Helper()
		var all [][]byte // newest first, by walking
		s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bIndexes).Bucket([]byte(feed)).Cursor()
			for k, v := c.Last(); k != nil; k, v = c.Prev() {
				all = append(all, bytes.Clone(v))
			}
			return nil
		})
		if len(all) != total {
			t.Fatalf("index holds %d entries, want %d", len(all), total)
		}
		for _, tc := range []struct{ offset, limit int }{{0, 30}, {30, 30}, {255, 10}, {256, 1}, {1000, 50}, {total - 50, 50}, {total - 7, 30}, {total, 30}} {
			before := cursorSteps.Load()
			var got [][]byte
			s.db.View(func(tx *bolt.Tx) error { got = page(tx, feed, tc.offset, tc.limit); return nil })
			steps := int(cursorSteps.Load() - before)
			want := all[min(tc.offset, len(all)):min(tc.offset+tc.limit, len(all))]
			if len(got) != len(want) {
				t.Fatalf("page(%d, %d) = %d entries, want %d", tc.offset, tc.limit, len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("page(%d, %d)[%d] = %s, want %s", tc.offset, tc.limit, i, got[i], want[i])
				}
			}
			if bound := tc.limit + 2*chunkSize + tc.offset/(chunkSize/2) + 4; steps > bound {
				t.Errorf("page(%d, %d) took %d cursor steps, want at most %d", tc.offset, tc.limit, steps, bound)
			}
		}
	}
	t.Run("Inserted", func(t *testing.T) { check(t, n) })
	// Retention deletes the oldest: chunks empty out and go.
	if _, err := s.Prune(ctx, "big", 1200, time.Time{}, t0); err != nil {
		t.Fatal(err)
	}
	t.Run("Pruned", func(t *testing.T) { check(t, 1200) })
	// A file from before the counts gets them rebuilt at start-up.
	if err := s.db.Update(func(tx *bolt.Tx) error { return buildRanks(tx) }); err != nil {
		t.Fatal(err)
	}
	t.Run("Rebuilt", func(t *testing.T) { check(t, 1200) })
}
