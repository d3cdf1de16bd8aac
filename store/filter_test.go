package store_test

import (
	"context"
	"slices"
	"testing"

	"syndicate/store"
)

// FilterPage pages what keep accepts across the chunks it reads, and
// counts only what it keeps.
func TestFilterPage(t *testing.T) {
	all := make([]int, 2*store.FilterChunk+17)
	for i := range all {
		all[i] = i
	}
	reads := 0
	read := func(_ context.Context, offset, limit int) (store.Page[int], error) {
		reads++
		end := min(offset+limit, len(all))
		return store.Page[int]{Items: all[min(offset, end):end], Total: len(all)}, nil
	}
	even := func(v int) bool { return v%2 == 0 }
	for _, tc := range []struct {
		offset, limit int
		want          []int
	}{
		{0, 3, []int{0, 2, 4}},
		{store.FilterChunk/2 - 1, 3, []int{store.FilterChunk - 2, store.FilterChunk, store.FilterChunk + 2}}, // across a chunk
		{len(all), 5, []int{}},
	} {
		reads = 0
		pg, err := store.FilterPage(t.Context(), read, tc.offset, tc.limit, even)
		if err != nil || !slices.Equal(pg.Items, tc.want) || pg.Total != (len(all)+1)/2 {
			t.Errorf("FilterPage(%d, %d) = %v total %d, %v; want %v total %d", tc.offset, tc.limit, pg.Items, pg.Total, err, tc.want, (len(all)+1)/2)
		}
		if reads != 3 {
			t.Errorf("FilterPage(%d, %d) read %d chunks, want 3", tc.offset, tc.limit, reads)
		}
	}
}
