package main

import (
	"context"
	"time"

	"syndicate/store"
)

// announcing is the store the admin service writes through: a takedown or
// a deleted source retracts articles, and the feeds that changed are
// announced (our WebSub hub is pinged) as an ingest's changes are, so
// subscribers learn of the retraction at once.
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

func (a *announcing) TakeDown(ctx context.Context, id string, now time.Time) ([]store.FeedKey, error) {
	return a.Retract(ctx, id, "", now)
}

func (a *announcing) Retract(ctx context.Context, id, reason string, now time.Time) ([]store.FeedKey, error) {
	keys, err := a.Store.Retract(ctx, id, reason, now)
	if err == nil {
		a.onChange(ctx, keys)
	}
	return keys, err
}

func (a *announcing) PurgeSource(ctx context.Context, sourceID string, now time.Time) (*store.PruneResult, error) {
	res, err := a.Store.PurgeSource(ctx, sourceID, now)
	if err == nil && len(res.Changed) > 0 {
		a.onChange(ctx, res.Changed)
	}
	return res, err
}
