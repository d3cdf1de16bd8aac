package pages_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"syndicate/pages"
)

// A per-reader variant (?replytocom=, ?posted=) bypasses the page cache; it
// must still wait for one of the cache's render slots, so a flood of such
// URLs cannot buy unbounded concurrent renders.
func TestVariantWaitsForARenderSlot(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	var held []func()
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		release, err := f.cache.Slot(ctx)
		cancel()
		if err != nil {
			break
		}
		held = append(held, release)
		if len(held) > 1000 {
			t.Fatal("the cache has no bound on renders")
		}
	}
	before := f.pages.Renders()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req := httptest.NewRequest("GET", base+"/articles/"+f.ferry+".html?replytocom=anything", nil).WithContext(ctx)
	req.Header.Set("Accept", browserAccept)
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || f.pages.Renders() != before {
		t.Fatalf("with every render slot taken: %d (Retry-After %q), %d renders", rec.Code, rec.Header().Get("Retry-After"), f.pages.Renders()-before)
	}
	for _, release := range held {
		release()
	}
	if rec := f.get(t, "/articles/"+f.ferry+".html?replytocom=anything"); rec.Code != 200 {
		t.Fatalf("with slots free: %d", rec.Code)
	}
}
