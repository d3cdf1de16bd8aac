package main

import (
	"context"
	"time"

	"syndicate"
	"syndicate/store"
)

// announcing is the store every writer but the ingester writes through
// (the admin service, the comment service, the embargo guard): each write
// returns the feeds it changed, and they go to the one stream of changes
// (onChange: the WebSub ping and the freshness metric), as an ingest pass
// sends its own. Approvals, deletions and takedowns of comments and
// articles, source edits (Touch), holds and releases all reach the hub
// so. Caches on every replica follow the same writes through the store's
// version notices (Watch).
type announcing struct {
	store.Store
	onChange func(context.Context, []store.FeedKey)
}

func announce(st store.Store, onChange func(context.Context, []store.FeedKey)) store.Store {
	if onChange == nil {
		return st
	}
	return &announcing{Store: st, onChange: onChange}
}

func (a *announcing) changed(ctx context.Context, keys []store.FeedKey, err error) {
	if err == nil && len(keys) > 0 {
		a.onChange(ctx, keys)
	}
}

func (a *announcing) TakeDown(ctx context.Context, id string, now time.Time) ([]store.FeedKey, error) {
	return a.Retract(ctx, id, "", now)
}

func (a *announcing) Retract(ctx context.Context, id, reason string, now time.Time) ([]store.FeedKey, error) {
	keys, err := a.Store.Retract(ctx, id, reason, now)
	a.changed(ctx, keys, err)
	return keys, err
}

func (a *announcing) PurgeSource(ctx context.Context, sourceID string, now time.Time, unlisted func(*syndicate.Article) bool) (*store.PruneResult, error) {
	res, err := a.Store.PurgeSource(ctx, sourceID, now, unlisted)
	if err == nil {
		a.changed(ctx, res.Changed, nil)
	}
	return res, err
}

func (a *announcing) Touch(ctx context.Context, feeds []store.FeedKey, now time.Time) error {
	err := a.Store.Touch(ctx, feeds, now)
	a.changed(ctx, feeds, err)
	return err
}

func (a *announcing) AddComment(ctx context.Context, c *syndicate.Comment, maxDepth int) (*syndicate.Comment, []store.FeedKey, error) {
	stored, keys, err := a.Store.AddComment(ctx, c, maxDepth)
	a.changed(ctx, keys, err)
	return stored, keys, err
}

func (a *announcing) SetCommentStatus(ctx context.Context, id, status string) (*syndicate.Comment, []store.FeedKey, error) {
	c, keys, err := a.Store.SetCommentStatus(ctx, id, status)
	a.changed(ctx, keys, err)
	return c, keys, err
}

func (a *announcing) DeleteComment(ctx context.Context, id string) ([]store.FeedKey, error) {
	keys, err := a.Store.DeleteComment(ctx, id)
	a.changed(ctx, keys, err)
	return keys, err
}
