package analytics

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/store"
)

// While Run runs, pulls are counted at its clock (refreshed from
// Options.Now), not by reading the clock per pull; after it stops, at
// Options.Now again.
func TestRun_CountsAtItsClock(t *testing.T) {
	var now atomic.Int64
	t1 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	now.Store(t1.UnixNano())
	w := &writes{}
	c := New(Options{Store: w, Now: func() time.Time { return time.Unix(0, now.Load()) }})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { c.Run(ctx, time.Hour); close(done) }()
	for i := 0; c.clock.Load() == 0; i++ {
		if i > 10_000 {
			t.Fatal("Run never set its clock")
		}
		time.Sleep(time.Millisecond)
	}
	now.Store(t1.Add(time.Minute).UnixNano()) // the per-pull clock would see this
	c.Observe(httptest.NewRequest("GET", "/feed.rss", nil), 200)
	cancel()
	<-done
	if c.clock.Load() != 0 {
		t.Fatal("clock kept after Run stopped")
	}
	if len(w.deltas) != 1 || !w.deltas[0].Last.Equal(t1) {
		t.Fatalf("deltas %+v, want one pull at %v (Run's clock)", w.deltas, t1)
	}
	c.Observe(httptest.NewRequest("GET", "/feed.rss", nil), 304)
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(w.deltas) != 2 || !w.deltas[1].Last.Equal(t1.Add(time.Minute)) || w.deltas[1].NotModified != 1 {
		t.Fatalf("deltas %+v, want a 304 at %v (Options.Now)", w.deltas, t1.Add(time.Minute))
	}
}

func TestObserve_CountsOnlyFeedPulls(t *testing.T) {
	c := New(Options{Store: &writes{}})
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/feed.rss", 200}, {"HEAD", "/feed.atom", 304},
		{"POST", "/feed.rss", 200}, {"GET", "/feed.rss", 404}, {"GET", "/sources/", 200},
	} {
		c.Observe(httptest.NewRequest(tc.method, tc.path, nil), tc.status)
	}
	if got := c.Total(Public, false) + c.Total(Public, true); got != 2 {
		t.Errorf("counted %d pulls, want 2 (a GET 200 and a HEAD 304)", got)
	}
}

// Made-up aggregator names cannot grow what a replica keeps: per window
// and across flushes, at most store.MaxAggregators per feed, the largest.
func TestSubscribers_Bounded(t *testing.T) {
	w := &writes{}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := New(Options{Store: w, Now: func() time.Time { return now }})
	for round := range 10 {
		for i := range 50 {
			ua := fmt.Sprintf("Bot%d-%d/1.0 (%d subscribers)", round, i, round*50+i+1)
			c.Record(Public, "/feed.rss", false, ua, now)
		}
		if err := c.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range w.deltas {
		if len(d.Subscribers) > store.MaxAggregators {
			t.Fatalf("a flush reported %d aggregators for %s", len(d.Subscribers), d.Feed)
		}
	}
	if n := len(c.subs["/feed.rss"]); n != store.MaxAggregators {
		t.Fatalf("replica keeps %d aggregators, want %d", n, store.MaxAggregators)
	}
	var want int64
	for n := int64(500); n > 500-store.MaxAggregators; n-- {
		want += n
	}
	if got := c.Subscribers(Public); got != want {
		t.Errorf("Subscribers = %d, want the %d largest reports (%d)", got, store.MaxAggregators, want)
	}
}
