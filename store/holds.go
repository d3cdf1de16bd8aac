package store

import (
	"context"
	"time"
)

// HoldsChanged is the key Watch reports when an editor's article holds
// changed (it names no feed): every replica reloads them.
const HoldsChanged FeedKey = "holds"

// HoldStore keeps the embargoes editors set on single articles ("held
// until"), so that a restart or another replica loses none. A source's
// own hold (its `hold` key) needs nothing stored: it counts from the
// article's first_seen.
type HoldStore interface {
	// Holds returns every article hold, by article id.
	Holds(ctx context.Context) (map[string]time.Time, error)
	// SetHold holds article id until the given time; a zero time lifts
	// the hold.
	SetHold(ctx context.Context, id string, until time.Time) error
}
