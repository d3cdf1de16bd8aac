package feeds_test

import (
	"context"
	"testing"
	"time"

	"syndicate/feeds"
	"syndicate/store"
)

// Hit serves exactly what Get would serve without asking the store, and
// nothing Get would render or revalidate.
func TestCache_Hit(t *testing.T) {
	st := &states{}
	now := t0
	c := feeds.NewCache(feeds.CacheOptions{States: st.read, Now: func() time.Time { return now }})
	key := feeds.Key{Name: "page:x"}
	feedsOf := []store.FeedKey{store.FeedAll, store.ArticleCommentsFeed("x")}
	deps := func(gen uint64) feeds.Deps { return feeds.Deps{Feeds: feedsOf, Gen: gen} }
	get := func(gen uint64, render feeds.RenderFunc) *feeds.Document {
		t.Helper()
		d, _, err := c.Get(t.Context(), key, deps(gen), render)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if c.Hit(key, 0) != nil {
		t.Fatal("a hit on an empty cache")
	}
	d := get(0, body200(1))
	steps := []struct {
		name string
		do   func()
		gen  uint64
		hit  bool
	}{
		{"rendered", func() {}, 0, true},
		{"another generation", func() {}, 1, false},
		{"one of its feeds moved", func() { c.Invalidate([]store.FeedKey{store.ArticleCommentsFeed("x")}) }, 0, false},
		{"revalidated by Get, nothing moved", func() { get(0, body200(1)) }, 0, true},
		{"a feed it does not show moved", func() { c.Invalidate([]store.FeedKey{store.SourceFeed("other")}) }, 0, true},
		{"every feed forgotten", func() { c.Invalidate(nil) }, 0, false},
		{"revalidated again", func() { get(0, body200(1)) }, 0, true},
		{"the store's version moved and Get re-rendered", func() {
			st.v.Add(1)
			c.Invalidate([]store.FeedKey{store.FeedAll})
			d = get(0, body200(2))
		}, 0, true},
	}
	for _, s := range steps {
		s.do()
		reads := st.reads.Load()
		got := c.Hit(key, s.gen)
		if (got != nil) != s.hit {
			t.Fatalf("%s: hit %v, want %v", s.name, got != nil, s.hit)
		}
		if got != nil && got != d {
			t.Fatalf("%s: Hit returned another document than Get", s.name)
		}
		if st.reads.Load() != reads {
			t.Fatalf("%s: Hit read the store", s.name)
		}
	}
}

// A document that expires by itself (Content.Expires) is no hit after.
func TestCache_HitExpires(t *testing.T) {
	st := &states{}
	now := t0
	c := feeds.NewCache(feeds.CacheOptions{States: st.read, Now: func() time.Time { return now }})
	key := feeds.Key{Name: "page:closing"}
	render := func(context.Context, feeds.RenderInput) (feeds.Content, error) {
		return feeds.Content{Body: []byte("open"), Type: "text/html", Expires: t0.Add(time.Minute)}, nil
	}
	if _, _, err := c.Get(t.Context(), key, feeds.Deps{Feeds: []store.FeedKey{store.FeedAll}}, render); err != nil {
		t.Fatal(err)
	}
	if c.Hit(key, 0) == nil {
		t.Fatal("no hit before it expires")
	}
	now = t0.Add(2 * time.Minute)
	if c.Hit(key, 0) != nil {
		t.Fatal("a hit after it expired")
	}
}

// An invalidation that arrives while a version is read from the store
// leaves the document rendered from it no hit (the read may be stale);
// the next Get reads again and the copy is a hit from then on, without a
// second render.
func TestCache_HitAfterARacingInvalidation(t *testing.T) {
	var c *feeds.Cache
	race := true
	inner := &states{}
	read := func(ctx context.Context, fs []store.FeedKey) (map[store.FeedKey]store.FeedState, error) {
		if race {
			race = false
			c.Invalidate(fs)
		}
		return inner.read(ctx, fs)
	}
	c = feeds.NewCache(feeds.CacheOptions{States: read})
	key := feeds.Key{Name: "page:y"}
	deps := feeds.Deps{Feeds: []store.FeedKey{store.ArticleCommentsFeed("y")}}
	for range 2 {
		if _, _, err := c.Get(t.Context(), key, deps, body200(1)); err != nil {
			t.Fatal(err)
		}
	}
	if c.Hit(key, 0) == nil {
		t.Fatal("no hit after the second read")
	}
	if n := c.Renders(); n != 1 {
		t.Fatalf("%d renders, want 1", n)
	}
	if n := inner.reads.Load(); n != 2 {
		t.Fatalf("%d store reads, want 2", n)
	}
}
