package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"syndicate"
	"syndicate/schedule"
	"syndicate/scheduler"
)

// Every test runs in a synctest bubble: robfig/cron reads time.Now and
// sleeps on a time.Timer, and both follow the bubble's fake clock, which
// starts at 2000-01-01 00:00:00 UTC (a multiple of every interval used
// here except 7s). Time only moves when every goroutine in the bubble is
// blocked, so "sleep 10m, then synctest.Wait" means every tick up to and
// including the 10-minute mark has fired and its job has returned or is
// blocked in its own sleep.

// recorder is the Job under test: it records each run's start instant and
// the source it was given, tracks how many runs of a source overlap, and
// then does work (if set).
type recorder struct {
	work func(ctx context.Context, src syndicate.Source)

	mu       sync.Mutex
	runs     map[string][]time.Time
	last     map[string]syndicate.Source
	inflight map[string]int
	peak     map[string]int
}

func newRecorder(work func(ctx context.Context, src syndicate.Source)) *recorder {
	return &recorder{
		work:     work,
		runs:     map[string][]time.Time{},
		last:     map[string]syndicate.Source{},
		inflight: map[string]int{},
		peak:     map[string]int{},
	}
}

func (r *recorder) Job(ctx context.Context, src syndicate.Source) {
	r.mu.Lock()
	r.runs[src.ID] = append(r.runs[src.ID], time.Now())
	r.last[src.ID] = src
	r.inflight[src.ID]++
	r.peak[src.ID] = max(r.peak[src.ID], r.inflight[src.ID])
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inflight[src.ID]--
		r.mu.Unlock()
	}()
	if r.work != nil {
		r.work(ctx, src)
	}
}

func (r *recorder) Runs(id string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.runs[id]...)
}

func (r *recorder) Count(id string) int { return len(r.Runs(id)) }

func (r *recorder) Peak(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak[id]
}

func (r *recorder) Inflight(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inflight[id]
}

func (r *recorder) Last(id string) syndicate.Source {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last[id]
}

// Reset forgets the runs so far (not the in-flight ones).
func (r *recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.runs)
	clear(r.peak)
}

// syncBuffer is a bytes.Buffer safe for job goroutines and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Lines(substrs ...string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
lines:
	for line := range strings.Lines(b.buf.String()) {
		for _, s := range substrs {
			if !strings.Contains(line, s) {
				continue lines
			}
		}
		n++
	}
	return n
}

func src(id, schedule string) syndicate.Source {
	return syndicate.Source{ID: id, URL: "https://" + id + ".example/feed", Schedule: schedule, Enabled: true}
}

func disabled(s syndicate.Source) syndicate.Source {
	s.Enabled = false
	return s
}

// MustStart builds a Scheduler with opts (Job defaults to rec.Job), sets
// srcs, starts it, and stops it when the test ends, inside the bubble.
func MustStart(tb testing.TB, opts scheduler.Options, rec *recorder, srcs ...syndicate.Source) *scheduler.Scheduler {
	tb.Helper()
	if opts.Job == nil {
		opts.Job = rec.Job
	}
	s := scheduler.New(opts)
	if err := s.Set(srcs); err != nil {
		tb.Fatalf("Set(%v): %v", srcs, err)
	}
	s.Start()
	tb.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			tb.Errorf("Stop: %v", err)
		}
	})
	return s
}

// minutes returns t0 plus each of mins minutes.
func minutes(t0 time.Time, mins ...int) []time.Time {
	var ts []time.Time
	for _, m := range mins {
		ts = append(ts, t0.Add(time.Duration(m)*time.Minute))
	}
	return ts
}

func sameTimes(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

func TestScheduler_Start_OneEntryPerSource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		rec := newRecorder(nil)
		MustStart(t, scheduler.Options{}, rec, src("a", "@every 1m"), src("b", "*/5 * * * *"))
		time.Sleep(10 * time.Minute)
		synctest.Wait()

		want := map[string][]time.Time{
			"a": minutes(t0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), // start-up + 10 ticks
			"b": minutes(t0, 0, 5, 10),                         // start-up + 2 ticks
		}
		for id, w := range want {
			if got := rec.Runs(id); !sameTimes(got, w) {
				t.Errorf("source %s ran at %v (%d runs), want %v (%d runs)", id, got, len(got), w, len(w))
			}
		}
	})
}

func TestScheduler_Start_StartupRun(t *testing.T) {
	tests := []struct {
		name string
		srcs []syndicate.Source
		skip map[string]bool // nil: no SkipStartup hook
		want map[string]int  // runs at start-up
	}{
		{
			name: "EveryEnabledSource",
			srcs: []syndicate.Source{src("a", "@every 1m"), src("b", "*/5 * * * *")},
			want: map[string]int{"a": 1, "b": 1},
		},
		{
			name: "DisabledNotRun",
			srcs: []syndicate.Source{src("a", "@every 1m"), disabled(src("b", "*/5 * * * *"))},
			want: map[string]int{"a": 1, "b": 0},
		},
		{
			name: "SkipStartupTrue",
			srcs: []syndicate.Source{src("a", "@every 1m"), src("b", "*/5 * * * *")},
			skip: map[string]bool{"a": false, "b": true},
			want: map[string]int{"a": 1, "b": 0},
		},
		{
			name: "SkipStartupAll",
			srcs: []syndicate.Source{src("a", "@every 1m"), src("b", "*/5 * * * *")},
			skip: map[string]bool{"a": true, "b": true},
			want: map[string]int{"a": 0, "b": 0},
		},
	}
	wantInterval := map[string]time.Duration{"a": time.Minute, "b": 5 * time.Minute}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				rec := newRecorder(nil)
				var opts scheduler.Options
				var mu sync.Mutex
				asked := map[string]time.Duration{}
				if tt.skip != nil {
					opts.SkipStartup = func(ctx context.Context, src syndicate.Source, interval time.Duration) bool {
						mu.Lock()
						defer mu.Unlock()
						asked[src.ID] = interval
						return tt.skip[src.ID]
					}
				}
				MustStart(t, opts, rec, tt.srcs...)
				synctest.Wait()

				for id, n := range tt.want {
					runs := rec.Runs(id)
					if len(runs) != n {
						t.Errorf("source %s: %d start-up runs, want %d", id, len(runs), n)
					}
					for _, at := range runs {
						if !at.Equal(t0) {
							t.Errorf("source %s: start-up run at %v, want %v", id, at, t0)
						}
					}
				}
				mu.Lock()
				defer mu.Unlock()
				for id := range tt.skip {
					if got, want := asked[id], wantInterval[id]; got != want {
						t.Errorf("SkipStartup(%s) got interval %v, want %v", id, got, want)
					}
				}
			})
		})
	}
}

func TestScheduler_Run_NeverOverlaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		// a takes 2m30s on a 1m schedule; b is quick on the same schedule.
		rec := newRecorder(func(ctx context.Context, src syndicate.Source) {
			if src.ID == "a" {
				time.Sleep(150 * time.Second)
			}
		})
		MustStart(t, scheduler.Options{}, rec, src("a", "@every 1m"), src("b", "@every 1m"))
		time.Sleep(10 * time.Minute)
		synctest.Wait()

		// a starts at 0 and runs to 2:30, so the ticks at 1 and 2 are
		// skipped; likewise 4, 5 and 7, 8 and 10.
		want := map[string][]time.Time{
			"a": minutes(t0, 0, 3, 6, 9),
			"b": minutes(t0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
		}
		for id, w := range want {
			if got := rec.Runs(id); !sameTimes(got, w) {
				t.Errorf("source %s ran at %v, want %v", id, got, w)
			}
			if got := rec.Peak(id); got != 1 {
				t.Errorf("source %s: %d concurrent runs at peak, want 1", id, got)
			}
		}
	})
}

func TestScheduler_Run_PanicRecovered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		logs := &syncBuffer{}
		rec := newRecorder(func(ctx context.Context, src syndicate.Source) {
			if src.ID == "a" {
				panic("boom")
			}
		})
		opts := scheduler.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}
		MustStart(t, opts, rec, src("a", "@every 1m"), src("b", "@every 1m"))
		time.Sleep(3 * time.Minute)
		synctest.Wait()

		// Each panic released the source's lock, so every tick ran
		// (with cron's Recover outside SkipIfStillRunning only the first
		// would have).
		for _, id := range []string{"a", "b"} {
			if got, want := rec.Runs(id), minutes(t0, 0, 1, 2, 3); !sameTimes(got, want) {
				t.Errorf("source %s ran at %v, want %v", id, got, want)
			}
		}
		if got := logs.Lines("level=ERROR", `msg="ingest job panicked"`, "source_id=a", "panic=boom"); got != 4 {
			t.Errorf("%d panic log lines for a, want 4; logs:\n%s", got, logs.buf.String())
		}
		if got := logs.Lines("source_id=b", "panicked"); got != 0 {
			t.Errorf("%d panic log lines for b, want 0", got)
		}
	})
}

func TestScheduler_Set(t *testing.T) {
	tests := []struct {
		name     string
		before   []syndicate.Source
		after    []syndicate.Source
		err      string            // in Set(after)'s error
		wantRuns map[string]int    // runs in the 10 minutes after Set(after): ticks, plus one at once for a source added or pointed elsewhere
		wantNext map[string]string // NextRun at 00:10 as HH:MM, "" for zero
		wantURL  map[string]string // the source the last run was given
	}{
		{
			name:     "Add",
			before:   []syndicate.Source{src("a", "@every 1m")},
			after:    []syndicate.Source{src("a", "@every 1m"), src("b", "*/5 * * * *")},
			wantRuns: map[string]int{"a": 10, "b": 3},
			wantNext: map[string]string{"a": "00:11", "b": "00:15"},
		},
		{
			name:     "Remove",
			before:   []syndicate.Source{src("a", "@every 1m"), src("b", "*/5 * * * *")},
			after:    []syndicate.Source{src("a", "@every 1m")},
			wantRuns: map[string]int{"a": 10, "b": 0},
			wantNext: map[string]string{"a": "00:11", "b": ""},
		},
		{
			name:     "Disable",
			before:   []syndicate.Source{src("a", "@every 1m"), src("b", "*/5 * * * *")},
			after:    []syndicate.Source{src("a", "@every 1m"), disabled(src("b", "*/5 * * * *"))},
			wantRuns: map[string]int{"a": 10, "b": 0},
			wantNext: map[string]string{"a": "00:11", "b": ""},
		},
		{
			name:     "ChangeSchedule",
			before:   []syndicate.Source{src("a", "@every 1m")},
			after:    []syndicate.Source{src("a", "*/5 * * * *")},
			wantRuns: map[string]int{"a": 2},
			wantNext: map[string]string{"a": "00:15"},
		},
		{
			name:     "DefaultSchedule",
			before:   []syndicate.Source{src("a", "@every 1m")},
			after:    []syndicate.Source{src("a", "")}, // default "@every 2m"
			wantRuns: map[string]int{"a": 5},
			wantNext: map[string]string{"a": "00:12"},
		},
		{
			name:   "ChangeURL",
			before: []syndicate.Source{src("a", "@every 1m")},
			after: []syndicate.Source{func() syndicate.Source {
				s := src("a", "@every 1m")
				s.URL = "https://a.example/new"
				return s
			}()},
			wantRuns: map[string]int{"a": 11},
			wantNext: map[string]string{"a": "00:11"},
			wantURL:  map[string]string{"a": "https://a.example/new"},
		},
		{
			name:     "Unchanged",
			before:   []syndicate.Source{src("a", "@every 1m")},
			after:    []syndicate.Source{src("a", "@every 1m")},
			wantRuns: map[string]int{"a": 10},
			wantNext: map[string]string{"a": "00:11"},
		},
		{
			name:     "BadScheduleOthersApplied",
			before:   []syndicate.Source{src("a", "@every 1m")},
			after:    []syndicate.Source{src("a", "@every 1m"), src("b", "61 * * * *"), src("c", "*/5 * * * *")},
			err:      "source b",
			wantRuns: map[string]int{"a": 10, "b": 0, "c": 3},
			wantNext: map[string]string{"a": "00:11", "b": "", "c": "00:15"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				rec := newRecorder(nil)
				s := MustStart(t, scheduler.Options{DefaultSchedule: "@every 2m"}, rec, tt.before...)
				synctest.Wait() // the start-up runs
				rec.Reset()

				err := s.Set(tt.after)
				switch {
				case tt.err == "" && err != nil:
					t.Fatalf("Set: %v", err)
				case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
					t.Fatalf("Set error = %v, want it to mention %q", err, tt.err)
				}
				time.Sleep(10 * time.Minute)
				synctest.Wait()

				for id, n := range tt.wantRuns {
					if got := rec.Count(id); got != n {
						t.Errorf("source %s: %d runs in 10m after Set, want %d (at %v)", id, got, n, rec.Runs(id))
					}
				}
				for id, hhmm := range tt.wantNext {
					var want time.Time
					if hhmm != "" {
						d, _ := time.Parse("15:04", hhmm)
						want = t0.Add(time.Duration(d.Hour())*time.Hour + time.Duration(d.Minute())*time.Minute)
					}
					if got := s.NextRun(id); !got.Equal(want) {
						t.Errorf("NextRun(%s) = %v, want %v", id, got, want)
					}
				}
				for id, u := range tt.wantURL {
					if got := rec.Last(id).URL; got != u {
						t.Errorf("source %s: last run got URL %q, want %q", id, got, u)
					}
				}
			})
		})
	}
}

func TestScheduler_NextRun(t *testing.T) {
	// Asked at 2000-01-01T00:07:36Z, 7m36s after Start.
	tests := []struct {
		name string
		src  syndicate.Source
		id   string // asked about; src.ID if empty
		want time.Time
	}{
		{"EveryAligned", src("a", "@every 15m"), "", time.Date(2000, 1, 1, 0, 15, 0, 0, time.UTC)},
		// 00:07:36 is 946685256 s since the epoch, 6 past a multiple of
		// 7: the next tick is a second away, whenever the entry was added.
		{"EveryAlignedToEpoch", src("a", "@every 7s"), "", time.Date(2000, 1, 1, 0, 7, 37, 0, time.UTC)},
		{"Cron", src("a", "*/5 * * * *"), "", time.Date(2000, 1, 1, 0, 10, 0, 0, time.UTC)},
		{"Hourly", src("a", "@hourly"), "", time.Date(2000, 1, 1, 1, 0, 0, 0, time.UTC)},
		{"CronTZ", src("a", "CRON_TZ=America/New_York 0 9 * * *"), "", time.Date(2000, 1, 1, 14, 0, 0, 0, time.UTC)},
		{"UnknownID", src("a", "@every 1m"), "nope", time.Time{}},
		{"Disabled", disabled(src("a", "@every 1m")), "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := MustStart(t, scheduler.Options{}, newRecorder(nil), tt.src)
				time.Sleep(7*time.Minute + 36*time.Second)
				synctest.Wait()
				id := tt.id
				if id == "" {
					id = tt.src.ID
				}
				if got := s.NextRun(id); !got.Equal(tt.want) {
					t.Errorf("at %v NextRun(%s) with %q = %v, want %v", time.Now(), id, tt.src.Schedule, got, tt.want)
				}
			})
		})
	}
}

func TestScheduler_Stop(t *testing.T) {
	tests := []struct {
		name      string
		work      time.Duration // how long the running job takes once cancelled (or not)
		waitCtx   bool          // the job also waits for its context to end
		err       error         // from Stop
		stopAt    time.Duration // when Stop returns, since start
		cancelled bool          // the job's context was cancelled while it ran
	}{
		{name: "FinishesInTime", work: 30 * time.Second, stopAt: 30 * time.Second},
		{name: "OutlivesDeadline", waitCtx: true, work: 5 * time.Second, err: context.DeadlineExceeded, stopAt: 75 * time.Second, cancelled: true},
		{name: "IgnoresCancel", work: 3 * time.Minute, err: context.DeadlineExceeded, stopAt: 3 * time.Minute, cancelled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				var mu sync.Mutex
				var jobEnd time.Time
				var sawCancel bool
				rec := newRecorder(func(ctx context.Context, src syndicate.Source) {
					if tt.waitCtx {
						<-ctx.Done()
					}
					time.Sleep(tt.work)
					mu.Lock()
					defer mu.Unlock()
					jobEnd = time.Now()
					sawCancel = ctx.Err() != nil
				})
				s := MustStart(t, scheduler.Options{}, rec, src("a", "@every 1m"))
				time.Sleep(10 * time.Second) // the start-up run is going

				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				err := s.Stop(ctx)
				stopped := time.Now()
				if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
					t.Errorf("Stop = %v, want %v", err, tt.err)
				}
				if got := stopped.Sub(t0); got != tt.stopAt {
					t.Errorf("Stop returned %v after start, want %v", got, tt.stopAt)
				}
				if n := rec.Inflight("a"); n != 0 {
					t.Errorf("Stop returned with %d runs in flight", n)
				}
				mu.Lock()
				if jobEnd.IsZero() || jobEnd.After(stopped) {
					t.Errorf("job ended at %v, Stop returned at %v: want the job first", jobEnd, stopped)
				}
				if sawCancel != tt.cancelled {
					t.Errorf("job context cancelled = %v, want %v", sawCancel, tt.cancelled)
				}
				mu.Unlock()

				// Nothing starts after Stop: neither ticks nor RunNow.
				time.Sleep(10 * time.Minute)
				synctest.Wait()
				if s.RunNow(src("a", "@every 1m")) {
					t.Error("RunNow after Stop = true, want false")
				}
				if got := rec.Runs("a"); len(got) != 1 {
					t.Errorf("runs = %v, want only the start-up run", got)
				}
			})
		})
	}
}

func TestScheduler_RunNow(t *testing.T) {
	tests := []struct {
		name     string
		busy     bool // a run of the source is in progress
		want     bool
		wantRuns int
	}{
		{name: "OK", want: true, wantRuns: 1},
		{name: "AlreadyRunning", busy: true, want: false, wantRuns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				rec := newRecorder(func(ctx context.Context, src syndicate.Source) {
					time.Sleep(20 * time.Second)
				})
				opts := scheduler.Options{
					// Only a busy test keeps the start-up run.
					SkipStartup: func(context.Context, syndicate.Source, time.Duration) bool { return !tt.busy },
				}
				s := MustStart(t, opts, rec, src("a", "@hourly"))
				time.Sleep(5 * time.Second)

				got := s.RunNow(src("a", "@hourly"))
				if got != tt.want {
					t.Errorf("RunNow = %v, want %v", got, tt.want)
				}
				// RunNow waits for the run it starts, and returns at
				// once when it starts none.
				wantBack := 5 * time.Second
				if tt.want {
					wantBack += 20 * time.Second
				}
				if back := time.Since(t0); back != wantBack {
					t.Errorf("RunNow returned %v after start, want %v", back, wantBack)
				}
				synctest.Wait()
				if n := rec.Count("a"); n != tt.wantRuns {
					t.Errorf("%d runs, want %d", n, tt.wantRuns)
				}
				if p := rec.Peak("a"); p != 1 {
					t.Errorf("%d concurrent runs at peak, want 1", p)
				}
			})
		})
	}
}

// Bug: a job that panicked made RunNow report false, as if a run had
// been in progress.
func TestScheduler_RunNow_PanicReportedAsNotRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder(func(context.Context, syndicate.Source) { panic("boom") })
		never := func(context.Context, syndicate.Source, time.Duration) bool { return true }
		s := MustStart(t, scheduler.Options{SkipStartup: never}, rec, src("a", "@hourly"))
		if !s.RunNow(src("a", "@hourly")) {
			t.Error("RunNow of a job that ran and panicked = false, want true")
		}
		if n := rec.Count("a"); n != 1 {
			t.Errorf("%d runs, want 1", n)
		}
	})
}

// Bug: Set removed a source's entry before parsing its new schedule, so
// a bad edit stopped the source altogether.
func TestScheduler_Set_BadScheduleDropsSource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder(nil)
		s := MustStart(t, scheduler.Options{}, rec, src("a", "@every 1m"))
		synctest.Wait()
		rec.Reset()
		if err := s.Set([]syndicate.Source{src("a", "61 * * * *")}); err == nil || !strings.Contains(err.Error(), "source a") {
			t.Fatalf("Set with a bad schedule: error = %v, want one naming source a", err)
		}
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if n := rec.Count("a"); n != 10 {
			t.Errorf("%d runs in 10m after a rejected schedule change, want 10 on the old schedule", n)
		}
		if next := s.NextRun("a"); next.IsZero() {
			t.Error("NextRun = zero after a rejected schedule change, want the old schedule's next tick")
		}
	})
}

// Bug: with ctx already done, Stop's select could pick ctx.Done over
// the finished wait and report runs cut short when none was running.
func TestScheduler_Stop_ExpiredContextIdleReportsError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		never := func(context.Context, syndicate.Source, time.Duration) bool { return true }
		s := MustStart(t, scheduler.Options{SkipStartup: never}, newRecorder(nil), src("a", "@hourly"))
		synctest.Wait() // the start-up check is done
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("Stop(expired ctx) with no run in progress = %v, want nil", err)
		}
	})
}

// Bug: Start after Stop restarted cron's loop, which nothing stopped
// again (synctest reports the leaked goroutine as a deadlock).
func TestScheduler_Start_AfterStopLeaksCron(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder(nil)
		s := scheduler.New(scheduler.Options{Job: rec.Job})
		if err := s.Set([]syndicate.Source{src("a", "@every 1m")}); err != nil {
			t.Fatal(err)
		}
		s.Start()
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		rec.Reset()
		s.Start() // must not restart cron: nothing would ever stop it
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if n := rec.Count("a"); n != 0 {
			t.Errorf("%d runs after Start following Stop, want 0", n)
		}
	})
}

// Bug: a second Start repeated every start-up run.
func TestScheduler_Start_TwiceRepeatsStartupRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder(nil)
		s := MustStart(t, scheduler.Options{}, rec, src("a", "@hourly"))
		synctest.Wait()
		s.Start()
		synctest.Wait()
		if n := rec.Count("a"); n != 1 {
			t.Errorf("%d start-up runs after Start twice, want 1", n)
		}
	})
}

// Bug: NextRun was zero before Start (cron fills in Next only in its
// loop) and a stale instant after Stop.
func TestScheduler_NextRun_ZeroBeforeStartStaleAfterStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := scheduler.New(scheduler.Options{Job: newRecorder(nil).Job})
		if err := s.Set([]syndicate.Source{src("a", "@every 15m")}); err != nil {
			t.Fatal(err)
		}
		want := time.Date(2000, 1, 1, 0, 15, 0, 0, time.UTC)
		if got := s.NextRun("a"); !got.Equal(want) {
			t.Errorf("NextRun before Start = %v, want %v", got, want)
		}
		s.Start()
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := s.NextRun("a"); !got.IsZero() {
			t.Errorf("NextRun after Stop = %v, want zero", got)
		}
	})
}

// A source without a schedule of its own uses the parsed Default, which
// wins over the spec text (nothing parses the default a second time); a
// source with its own schedule keeps it.
func TestScheduler_ParsedDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := MustStart(t, scheduler.Options{DefaultSchedule: "@every 1h", Default: schedule.Every{Interval: 20 * time.Minute}},
			newRecorder(nil), src("a", ""), src("b", "@every 15m"))
		time.Sleep(7 * time.Minute)
		synctest.Wait()
		if got, want := s.NextRun("a"), time.Date(2000, 1, 1, 0, 20, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("NextRun(a) = %v, want %v (Default)", got, want)
		}
		if got, want := s.NextRun("b"), time.Date(2000, 1, 1, 0, 15, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("NextRun(b) = %v, want %v (its own)", got, want)
		}
	})
}

// alternate is a Leaser that grants every other tick it is asked for and
// records the ticks.
type alternate struct {
	mu    sync.Mutex
	asked []time.Time
}

func (l *alternate) Acquire(_ context.Context, _ string, tick time.Time, _ time.Duration) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, tick)
	return func() {}, len(l.asked)%2 == 1, nil
}

// With a Leaser, a tick runs only when its lease is granted, each tick is
// asked for by its scheduled instant, and Leases counts the grants.
func TestScheduler_Leaser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &alternate{}
		rec := newRecorder(nil)
		s := MustStart(t, scheduler.Options{
			Leaser:      l,
			SkipStartup: func(context.Context, syndicate.Source, time.Duration) bool { return true },
		}, rec, src("a", "@every 1m"))
		time.Sleep(5*time.Minute + time.Second)
		synctest.Wait()
		if n := rec.Count("a"); n != 3 {
			t.Errorf("%d runs of 5 ticks with every other lease granted, want 3", n)
		}
		if n := s.Leases(); n != 3 {
			t.Errorf("Leases() = %d, want 3", n)
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if len(l.asked) != 5 {
			t.Fatalf("%d leases asked for, want 5", len(l.asked))
		}
		for i := 1; i < len(l.asked); i++ {
			if d := l.asked[i].Sub(l.asked[i-1]); d != time.Minute {
				t.Errorf("ticks %d and %d are %v apart, want 1m", i-1, i, d)
			}
		}
	})
}
