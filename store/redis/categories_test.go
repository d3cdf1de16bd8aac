package redis

import (
	"fmt"
	"slices"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"syndicate/store"
	"syndicate/store/storetest"
)

// TestCategoryPage_DeepPageReadsAPage: a deep page of the categories in
// use costs what the first page costs (a rank range of one sorted set,
// O(log n + page) in Redis, and one pipeline of the page's labels and
// index sizes), whatever the offset; a category listed with an empty
// index (a removal cut short) is dropped by the read that meets it; and
// a store written before the list gets it built at start-up.
func TestCategoryPage_DeepPageReadsAPage(t *testing.T) {
	ctx := t.Context()
	s := openScratch(t, "syncats")
	const articles, per = 200, 10 // 2000 categories
	storetest.IngestManyCategories(t, s, articles, per, func(i, j int) string { return fmt.Sprintf("Topic %04d", i*per+j) })
	const n, limit = articles * per, 100
	rc := &readCounter{}
	s.rdb.AddHook(rc)
	cost := map[int][3]int64{}
	for _, offset := range []int{0, n / 2, n - limit} {
		c0, e0, r0 := rc.cmds.Load(), rc.elems.Load(), rc.trips.Load()
		p, err := s.CategoryPage(ctx, offset, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != limit || p.Total != n || p.Items[0] != (store.Category{Slug: fmt.Sprintf("topic-%04d", offset), Label: fmt.Sprintf("Topic %04d", offset)}) {
			t.Fatalf("page at %d: %d items of %d, first %+v", offset, len(p.Items), p.Total, p.Items[0])
		}
		cost[offset] = [3]int64{rc.cmds.Load() - c0, rc.elems.Load() - e0, rc.trips.Load() - r0}
	}
	for offset, c := range cost {
		if c != cost[0] || c[1] > 3*limit+4 || c[2] > 2 {
			t.Errorf("page at offset %d costs %d commands, %d reply elements and %d round trips; the first page %v", offset, c[0], c[1], c[2], cost[0])
		}
	}
	c0 := rc.cmds.Load()
	if l, ok, err := s.CategoryLabel(ctx, "topic-1234"); err != nil || !ok || l != "Topic 1234" || rc.cmds.Load()-c0 > 2 {
		t.Errorf("CategoryLabel = %q, %v, %v in %d commands", l, ok, err, rc.cmds.Load()-c0)
	}

	// A slug listed without articles (a write cut short after its index).
	if err := s.rdb.ZAdd(ctx, s.k.categoriesInUse(), goredis.Z{Member: "topic-0000a"}).Err(); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.CategoryPage(ctx, 0, 0); p.Total != n+1 {
		t.Fatalf("total with a stray slug = %d, want %d", p.Total, n+1)
	}
	p, err := s.CategoryPage(ctx, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{p.Items[0].Slug, p.Items[1].Slug, p.Items[2].Slug}; !slices.Equal(got, []string{"topic-0000", "topic-0001", "topic-0002"}) || p.Total != n {
		t.Errorf("page over a stray slug = %v (total %d)", got, p.Total)
	}
	if p, _ := s.CategoryPage(ctx, 0, 0); p.Total != n {
		t.Errorf("the stray slug stayed: total %d", p.Total)
	}

	// A store from before the list.
	if err := s.rdb.Del(ctx, s.k.categoriesInUse()).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.HDel(ctx, s.k.meta(), "categories_built").Err(); err != nil {
		t.Fatal(err)
	}
	// One label of a category whose articles are gone: not listed.
	if err := s.rdb.HSet(ctx, s.k.categories(), "gone", "Gone").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.init(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := s.Categories(ctx)
	if err != nil || len(all) != n || all["topic-1999"] != "Topic 1999" || all["gone"] != "" {
		t.Errorf("after the list was built: %d categories, %v", len(all), err)
	}
	if p, _ := s.CategoryPage(ctx, n-1, 10); len(p.Items) != 1 || p.Items[0].Slug != "topic-1999" || p.Total != n {
		t.Errorf("last page after the list was built = %+v", p)
	}
}
