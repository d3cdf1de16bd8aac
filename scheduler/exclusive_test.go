package scheduler_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"syndicate"
	"syndicate/scheduler"
)

// TestScheduler_Exclusive: an editor's refresh waits for a running
// scheduled run of the same source, and blocks the next one meanwhile.
func TestScheduler_Exclusive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var running, maxRunning atomic.Int32
		enter := func() {
			if n := running.Add(1); n > maxRunning.Load() {
				maxRunning.Store(n)
			}
		}
		s := scheduler.New(scheduler.Options{DefaultSchedule: "@every 1h", Job: func(ctx context.Context, src syndicate.Source) {
			enter()
			time.Sleep(10 * time.Minute)
			running.Add(-1)
		}})
		src := syndicate.Source{ID: "a", Enabled: true}
		if err := s.Set([]syndicate.Source{src}); err != nil {
			t.Fatal(err)
		}
		s.Start() // the start-up run holds the source for 10 minutes
		time.Sleep(time.Minute)
		start := time.Now()
		var ranAt time.Time
		err := s.Exclusive(context.Background(), "a", func(context.Context) {
			enter()
			ranAt = time.Now()
			running.Add(-1)
		})
		if err != nil || ranAt.Sub(start) != 9*time.Minute || maxRunning.Load() != 1 {
			t.Errorf("Exclusive: err=%v waited %v, max concurrent %d; want it to wait the 9 minutes left, alone", err, ranAt.Sub(start), maxRunning.Load())
		}
		// Busy and out of patience: an error, fn not run.
		go s.RunNow(src)
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		called := false
		if err := s.Exclusive(ctx, "a", func(context.Context) { called = true }); err == nil || called {
			t.Errorf("Exclusive on a busy source with a short ctx: err=%v called=%v", err, called)
		}
		stop, cancel2 := context.WithTimeout(context.Background(), time.Hour)
		defer cancel2()
		s.Stop(stop)
	})
}
