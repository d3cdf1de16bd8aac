package embedded

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"syndicate/store"
	"syndicate/store/storetest"
)

// TestCategoryPage_Seeks: a deep page of the categories in use reads
// O(page) keys (whole chunks of the list are skipped by their counts),
// lists what a walk from the first slug would, and follows retention and
// a rebuild of the list from the category feeds' counts (a file from
// before the list).
func TestCategoryPage_Seeks(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // the stories' date (storetest.IngestManyCategories)
	const articles, per = 300, 10                     // 3000 categories
	// Labels spread over the slug order, so inserts land all over the list.
	storetest.IngestManyCategories(t, s, articles, per, func(i, j int) string { return fmt.Sprintf("Topic %04d", (i+j*articles)*7919%(articles*per)) })
	check := func(t *testing.T, total int) {
		t.Helper()
		var all []string // by walking the category feeds' counts
		s.db.View(func(tx *bolt.Tx) error {
			prefix := []byte(store.CategoryFeed(""))
			c := tx.Bucket(bCounts).Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				all = append(all, string(k[len(prefix):]))
			}
			return nil
		})
		if len(all) != total {
			t.Fatalf("%d category feeds have articles, want %d", len(all), total)
		}
		for _, tc := range []struct{ offset, limit int }{{0, 100}, {100, 100}, {255, 10}, {512, 1}, {1500, 100}, {total - 100, 100}, {total - 7, 100}, {total, 100}} {
			before := cursorSteps.Load()
			p, err := s.CategoryPage(ctx, tc.offset, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			steps := int(cursorSteps.Load() - before)
			want := all[min(max(tc.offset, 0), len(all)):min(max(tc.offset+tc.limit, 0), len(all))]
			var got []string
			for _, c := range p.Items {
				if c.Label != "Topic "+c.Slug[len("topic-"):] {
					t.Errorf("category %s labelled %q", c.Slug, c.Label)
				}
				got = append(got, c.Slug)
			}
			if !slices.Equal(got, want) || p.Total != total {
				t.Fatalf("CategoryPage(%d, %d) = %d categories from %v (total %d), want %d from %v (total %d)",
					tc.offset, tc.limit, len(got), got[:min(1, len(got))], p.Total, len(want), want[:min(1, len(want))], total)
			}
			if bound := tc.limit + 2*chunkSize + tc.offset/(chunkSize/2) + 4; steps > bound {
				t.Errorf("CategoryPage(%d, %d) took %d cursor steps, want at most %d", tc.offset, tc.limit, steps, bound)
			}
		}
	}
	t.Run("Inserted", func(t *testing.T) { check(t, articles*per) })
	// Retention deletes the oldest articles: their categories leave.
	if _, err := s.Prune(ctx, "big", 120, time.Time{}, t0); err != nil {
		t.Fatal(err)
	}
	t.Run("Pruned", func(t *testing.T) { check(t, 120*per) })
	// A file from before the list gets it built at start-up.
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range []*bolt.Bucket{tx.Bucket(bIndexes), tx.Bucket(bRanks)} {
			if err := b.DeleteBucket([]byte(categoriesInUse)); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bCounts).Delete([]byte(categoriesInUse)); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Delete(metaCategories)
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := s.CategoryPage(ctx, 0, 10); p.Total != 0 || len(p.Items) != 0 {
		t.Fatalf("without the list: %+v", p)
	}
	if err := s.init(t0); err != nil {
		t.Fatal(err)
	}
	t.Run("Rebuilt", func(t *testing.T) { check(t, 120*per) })
}
