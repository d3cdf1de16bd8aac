package scheduler_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"syndicate"
	"syndicate/scheduler"
)

// TestScheduler_Cancel: stopping a source cancels its run in progress,
// waits for it to return, and runs fn while no run of it may start.
func TestScheduler_Cancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var runs, cancelled, inFn atomic.Int32
		var overlap atomic.Bool
		s := scheduler.New(scheduler.Options{DefaultSchedule: "@every 1h", Job: func(ctx context.Context, src syndicate.Source) {
			runs.Add(1)
			if inFn.Load() > 0 {
				overlap.Store(true)
			}
			select {
			case <-ctx.Done():
				cancelled.Add(1)
			case <-time.After(30 * time.Minute): // a slow partner
			}
		}})
		src := syndicate.Source{ID: "a", Enabled: true}
		if err := s.Set([]syndicate.Source{src}); err != nil {
			t.Fatal(err)
		}
		s.Start()
		synctest.Wait() // the start-up run is waiting on its partner
		start := time.Now()
		err := s.Cancel(context.Background(), "a", func(ctx context.Context) error {
			inFn.Add(1)
			defer inFn.Add(-1)
			// No run starts meanwhile, not even an explicit one.
			if s.RunNow(src) {
				t.Error("a run started during Cancel's fn")
			}
			if err := s.Exclusive(ctx, "a", func(context.Context) {}); err == nil {
				t.Error("Exclusive ran during Cancel's fn")
			}
			return errors.New("fn's own error")
		})
		if err == nil || err.Error() != "fn's own error" {
			t.Errorf("Cancel = %v, want fn's error", err)
		}
		if cancelled.Load() != 1 || runs.Load() != 1 || time.Since(start) != 0 || overlap.Load() {
			t.Errorf("runs %d, cancelled %d, waited %v, overlap %v; want the one run cancelled at once and fn alone",
				runs.Load(), cancelled.Load(), time.Since(start), overlap.Load())
		}
		// Afterwards the source runs again.
		if !s.RunNow(src) || runs.Load() != 2 {
			t.Errorf("after Cancel: runs %d", runs.Load())
		}
		// A refresh in progress is cancelled the same way.
		done := make(chan error, 1)
		go func() {
			done <- s.Exclusive(context.Background(), "a", func(ctx context.Context) { <-ctx.Done() })
		}()
		synctest.Wait()
		if err := s.Cancel(context.Background(), "a", func(context.Context) error { return nil }); err != nil {
			t.Errorf("Cancel of a refresh: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("the cancelled refresh: %v", err)
		}
		stop, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		s.Stop(stop)
	})
}
