package storetest

import (
	"context"
	"sync"

	"syndicate/store"
)

// CategoryReads wraps a store and records how it is asked for the
// categories in use: the tests of the servers that must read a page of
// them or one label, never the whole list, count through it.
type CategoryReads struct {
	store.Store
	mu   sync.Mutex
	seen CategoryCalls
}

// CategoryCalls is what a CategoryReads recorded.
type CategoryCalls struct {
	Whole  int   // calls of Categories (every category)
	Limits []int // the limit of each CategoryPage
	Labels int   // calls of CategoryLabel
}

func (c *CategoryReads) Categories(ctx context.Context) (map[string]string, error) {
	c.mu.Lock()
	c.seen.Whole++
	c.mu.Unlock()
	return c.Store.Categories(ctx)
}

func (c *CategoryReads) CategoryPage(ctx context.Context, offset, limit int) (store.Page[store.Category], error) {
	c.mu.Lock()
	c.seen.Limits = append(c.seen.Limits, limit)
	c.mu.Unlock()
	return c.Store.CategoryPage(ctx, offset, limit)
}

func (c *CategoryReads) CategoryLabel(ctx context.Context, slug string) (string, bool, error) {
	c.mu.Lock()
	c.seen.Labels++
	c.mu.Unlock()
	return c.Store.CategoryLabel(ctx, slug)
}

// Take returns what was recorded since the last Take and starts afresh.
func (c *CategoryReads) Take() CategoryCalls {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := c.seen
	c.seen = CategoryCalls{}
	return seen
}
