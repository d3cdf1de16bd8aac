package websub

import (
	"context"
	"sync"
	"time"

	"syndicate/store"
)

// Triggers of a change, as the freshness histogram labels them.
const (
	TriggerDelivery = "delivery" // a hub delivery arrived
	TriggerPoll     = "poll"     // a scheduled poll started
)

type startKey struct{}

type start struct {
	trigger string
	at      time.Time
}

// WithStart marks ctx as the work of one trigger that began at t, so
// Freshness can time the changes it makes.
func WithStart(ctx context.Context, trigger string, t time.Time) context.Context {
	return context.WithValue(ctx, startKey{}, start{trigger, t})
}

// Freshness times a change from its trigger (a delivery received, a poll
// started) to this replica's feed cache learning of every feed it
// changed, which from then on are served fresh. Changed reports a change
// (ingest's OnChange); Seen reports the store's change notifications
// (Watch), which reach the feed cache at the same moment.
type Freshness struct {
	observe func(trigger string, d time.Duration)
	now     func() time.Time

	mu      sync.Mutex
	seen    map[store.FeedKey]time.Time // notifications of the last minute
	waiting []*waiter
}

type waiter struct {
	start
	pending map[store.FeedKey]bool
}

// freshnessHorizon is how long a change waits for its notifications
// before it is dropped unmeasured (a notification lost to a reconnect).
const freshnessHorizon = time.Minute

// NewFreshness returns a Freshness that reports each measurement to observe.
func NewFreshness(observe func(trigger string, d time.Duration), now func() time.Time) *Freshness {
	if now == nil {
		now = time.Now
	}
	return &Freshness{observe: observe, now: now, seen: map[store.FeedKey]time.Time{}}
}

// Changed reports that work under ctx changed feeds.
func (f *Freshness) Changed(ctx context.Context, changed []store.FeedKey) {
	st, ok := ctx.Value(startKey{}).(start)
	if !ok {
		return
	}
	w := &waiter{start: st, pending: map[store.FeedKey]bool{}}
	f.mu.Lock()
	last := st.at
	for _, k := range changed {
		if !k.IsArticleFeed() {
			continue
		}
		// The notification may come before the change is reported (the
		// embedded store notifies as it commits).
		if t, ok := f.seen[k]; ok && !t.Before(st.at) {
			if t.After(last) {
				last = t
			}
			continue
		}
		w.pending[k] = true
	}
	if len(w.pending) > 0 {
		f.waiting = append(f.waiting, w)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	f.observe(st.trigger, last.Sub(st.at))
}

// Seen reports a change notification; nil means every feed.
func (f *Freshness) Seen(changed []store.FeedKey) {
	now := f.now()
	var done []*waiter
	f.mu.Lock()
	for k, t := range f.seen {
		if now.Sub(t) > freshnessHorizon {
			delete(f.seen, k)
		}
	}
	for _, k := range changed {
		if k.IsArticleFeed() {
			f.seen[k] = now
		}
	}
	kept := f.waiting[:0]
	for _, w := range f.waiting {
		if changed == nil {
			clear(w.pending)
		}
		for _, k := range changed {
			delete(w.pending, k)
		}
		switch {
		case len(w.pending) == 0:
			done = append(done, w)
		case now.Sub(w.at) <= freshnessHorizon:
			kept = append(kept, w)
		}
	}
	clear(f.waiting[len(kept):])
	f.waiting = kept
	f.mu.Unlock()
	for _, w := range done {
		f.observe(w.trigger, now.Sub(w.at))
	}
}

// Track returns onChange (which may be nil) preceded by Changed.
func (f *Freshness) Track(onChange func(context.Context, []store.FeedKey)) func(context.Context, []store.FeedKey) {
	return func(ctx context.Context, changed []store.FeedKey) {
		f.Changed(ctx, changed)
		if onChange != nil {
			onChange(ctx, changed)
		}
	}
}
