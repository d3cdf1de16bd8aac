package analytics

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
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
