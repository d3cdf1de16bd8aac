// Package scheduler runs each source's ingest on its own schedule with
// robfig/cron: one entry per source, a first run at start-up, never two
// runs of one source at once, panics recovered and logged, and a graceful
// stop that lets in-flight runs finish within a deadline.
//
// It does not use cron's job chains: per-source locking is done here with
// a one-slot channel, which avoids v3.0.1's Recover/SkipIfStillRunning ordering
// trap (see the README's "Libraries").
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"syndicate"
	"syndicate/schedule"
)

// Job ingests one source. It must honour ctx.
type Job func(ctx context.Context, src syndicate.Source)

// Options configure a Scheduler.
type Options struct {
	Job Job
	// DefaultSchedule is the spec of sources without one of their own.
	// Default, when set, is that schedule already parsed (the config's
	// Parsed.DefaultSchedule) and is used instead of parsing the spec.
	DefaultSchedule string
	Default         cron.Schedule
	Logger          *slog.Logger
	// Location is the time zone of cron specs without CRON_TZ; default UTC.
	Location *time.Location
	// SkipStartup, if set, is asked at start-up whether a source may skip
	// its first run (e.g. its last success is newer than its interval).
	SkipStartup func(ctx context.Context, src syndicate.Source, interval time.Duration) bool
	// Leaser, if set, makes each tick of a source run on one replica of
	// the fleet (Redis); nil runs every tick here (the embedded store has
	// one process).
	Leaser Leaser
}

// Leaser grants the fleet-wide right to run one tick of a source.
type Leaser interface {
	// Acquire claims (sourceID, tick) for the tick's window and marks the
	// source running. ok is false when another replica has the tick or is
	// still running the source. release ends the running mark.
	Acquire(ctx context.Context, sourceID string, tick time.Time, window time.Duration) (release func(), ok bool, err error)
}

// Scheduler owns the cron entries of all sources.
type Scheduler struct {
	opts Options
	log  *slog.Logger
	cron *cron.Cron

	ctx    context.Context // jobs run under it; cancelled when Stop gives up
	cancel context.CancelFunc

	mu      sync.Mutex
	entries map[string]entry
	locks   map[string]chan struct{}      // per source, capacity 1: held while it runs
	cancels map[string]context.CancelFunc // the run of a source in progress
	halted  map[string]int                // sources a Cancel is stopping: no run starts
	wg      sync.WaitGroup                // runs and start-up checks in flight
	active  int                           // the same count, readable (under mu) by Stop
	started bool
	stopped bool

	leases atomic.Int64 // ticks the Leaser granted this process
}

type entry struct {
	id    cron.EntryID
	src   syndicate.Source
	spec  string
	sched cron.Schedule
}

// New returns a Scheduler that is not started yet.
func New(opts Options) *Scheduler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		opts: opts, log: log,
		cron:    cron.New(cron.WithLocation(opts.Location), cron.WithLogger(cronLogger{log})),
		ctx:     ctx,
		cancel:  cancel,
		entries: map[string]entry{},
		locks:   map[string]chan struct{}{},
		cancels: map[string]context.CancelFunc{},
		halted:  map[string]int{},
	}
}

func (s *Scheduler) spec(src syndicate.Source) string {
	if src.Schedule != "" {
		return src.Schedule
	}
	return s.opts.DefaultSchedule
}

// Set makes the entries match srcs: new sources are added, removed or
// disabled ones dropped, and changed ones replaced. It returns the first
// schedule that does not parse; the others are still applied, and a source
// whose new schedule does not parse keeps its current entry unchanged.
func (s *Scheduler) Set(srcs []syndicate.Source) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var firstErr error
	want := map[string]bool{}
	for _, src := range srcs {
		if !src.Enabled {
			continue
		}
		want[src.ID] = true
		spec := s.spec(src)
		old, had := s.entries[src.ID]
		if had && old.spec == spec && sameSource(old.src, src) {
			continue
		}
		// Parse before removing the old entry: a bad edit must not stop
		// a source that was being ingested.
		sched, err := s.parse(src, spec)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("source %s: %w", src.ID, err)
			}
			continue
		}
		if had {
			s.cron.Remove(old.id)
		}
		var eid atomic.Int64
		id := s.cron.Schedule(sched, cron.FuncJob(func() { s.run(src, s.tickOf(cron.EntryID(eid.Load()), sched)) }))
		eid.Store(int64(id))
		s.entries[src.ID] = entry{id: id, src: src, spec: spec, sched: sched}
		if s.started && !s.stopped && (!had || old.src.URL != src.URL) {
			// A source added (or enabled, or pointed elsewhere) while
			// running is fetched now, as at start-up, not at its next tick.
			s.active++
			s.wg.Add(1)
			go func() {
				defer s.end()
				s.run(src, floorTick(sched, time.Now()))
			}()
		}
	}
	for id, e := range s.entries {
		if !want[id] {
			s.cron.Remove(e.id)
			delete(s.entries, id)
		}
	}
	return firstErr
}

// parse parses the schedule of src; the default one was parsed already
// when Default is set.
func (s *Scheduler) parse(src syndicate.Source, spec string) (cron.Schedule, error) {
	if src.Schedule == "" && s.opts.Default != nil {
		return s.opts.Default, nil
	}
	return schedule.Parse(spec)
}

func sameSource(a, b syndicate.Source) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// Start starts the cron loop and the start-up runs. It does nothing if
// the Scheduler was already started or has been stopped: a cron loop
// restarted after Stop would never be stopped.
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.stopped {
		return
	}
	s.started = true
	s.cron.Start()
	for _, e := range s.entries {
		s.active++
		s.wg.Add(1)
		go func() {
			defer s.end()
			if s.opts.SkipStartup != nil && s.opts.SkipStartup(s.ctx, e.src, schedule.Interval(e.sched, time.Now().In(s.opts.Location))) {
				s.log.Debug("start-up run skipped: recent success", "source_id", e.src.ID)
				return
			}
			s.run(e.src, floorTick(e.sched, time.Now()))
		}()
	}
}

// begin counts a run in flight, unless the Scheduler is stopped.
func (s *Scheduler) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.active++
	s.wg.Add(1)
	return true
}

func (s *Scheduler) end() {
	s.mu.Lock()
	s.active--
	s.mu.Unlock()
	s.wg.Done()
}

// RunNow runs one source's job now (unless it is already running or the
// Scheduler is stopped) and waits for it. It reports whether the job ran,
// which it did even if it panicked.
func (s *Scheduler) RunNow(src syndicate.Source) bool {
	return s.run(src, time.Time{})
}

// tickOf is the instant a cron entry's current run was scheduled for: the
// same on every replica, so it names the run fleet-wide.
func (s *Scheduler) tickOf(id cron.EntryID, sched cron.Schedule) time.Time {
	now := time.Now()
	if e := s.cron.Entry(id); !e.Prev.IsZero() && now.Sub(e.Prev) < schedule.Interval(sched, now) {
		return e.Prev
	}
	return floorTick(sched, now)
}

// floorTick names an off-schedule run (start-up, a source just added) by
// the start of the interval it falls in, aligned to the epoch, so replicas
// starting together agree on it.
func floorTick(sched cron.Schedule, now time.Time) time.Time {
	d := schedule.Interval(sched, now)
	if d <= 0 {
		d = time.Minute
	}
	return schedule.Floor(now, d)
}

func (s *Scheduler) lock(id string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.locks[id]
	if !ok {
		l = make(chan struct{}, 1)
		s.locks[id] = l
	}
	return l
}

// run executes the job for src unless a run of src is in progress here
// or, with a Leaser, the tick belongs to another replica. A zero tick (an
// explicit run) is not leased.
func (s *Scheduler) run(src syndicate.Source, tick time.Time) (ran bool) {
	if !s.begin() {
		return false
	}
	defer s.end()
	l := s.lock(src.ID)
	select {
	case l <- struct{}{}:
	default:
		s.log.Info("run skipped: the previous run is still going", "source_id", src.ID)
		return false
	}
	defer func() { <-l }()
	ctx, release, ok := s.startRun(src.ID, s.ctx)
	if !ok {
		s.log.Info("run skipped: the source is being stopped", "source_id", src.ID)
		return false
	}
	defer release()
	if s.opts.Leaser != nil && !tick.IsZero() {
		release, ok, err := s.opts.Leaser.Acquire(s.ctx, src.ID, tick, s.window(src))
		if err != nil {
			s.log.Warn("run skipped: no lease", "source_id", src.ID, "tick", tick, "error", err)
			return false
		}
		if !ok {
			s.log.Debug("run skipped: another replica has this tick", "source_id", src.ID, "tick", tick)
			return false
		}
		s.leases.Add(1)
		defer release()
	}
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("ingest job panicked", "source_id", src.ID, "panic", r)
		}
	}()
	ran = true // even if the job panics
	s.opts.Job(ctx, src)
	return true
}

// Leases counts the ticks the Leaser granted this process (for metrics:
// across a fleet they add up to the ticks run).
func (s *Scheduler) Leases() int64 { return s.leases.Load() }

// startRun records the run of id now holding its lock, with a context a
// Cancel can end; ok is false when a Cancel of id is under way (the run
// must not start). release forgets the run.
func (s *Scheduler) startRun(id string, parent context.Context) (ctx context.Context, release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.halted[id] > 0 {
		return nil, nil, false
	}
	ctx, cancel := context.WithCancel(parent)
	s.cancels[id] = cancel
	return ctx, func() {
		s.mu.Lock()
		delete(s.cancels, id)
		s.mu.Unlock()
		cancel()
	}, true
}

// Cancel stops source id here: it cancels the run of id in progress (a
// scheduled run or an Exclusive refresh), waits for it to return, and
// runs fn while no run of id can start (an editor's delete, so that no
// ingest writes for a source while or after it is deleted). It fails when
// ctx ends first; fn's error is returned.
func (s *Scheduler) Cancel(ctx context.Context, id string, fn func(ctx context.Context) error) error {
	s.mu.Lock()
	s.halted[id]++
	if cancel := s.cancels[id]; cancel != nil {
		cancel()
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.halted[id]--; s.halted[id] <= 0 {
			delete(s.halted, id)
		}
		s.mu.Unlock()
	}()
	l := s.lock(id)
	select {
	case l <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("source %s is still running: %w", id, ctx.Err())
	}
	defer func() { <-l }()
	return fn(ctx)
}

// window is how long a tick's lease lives: the source's interval.
func (s *Scheduler) window(src syndicate.Source) time.Duration {
	s.mu.Lock()
	e, ok := s.entries[src.ID]
	s.mu.Unlock()
	d := time.Minute
	if ok {
		d = schedule.Interval(e.sched, time.Now())
	}
	return max(d, time.Second)
}

// Exclusive runs fn for source id once no run of it is in progress (an
// editor's refresh waits for a scheduled run instead of racing it), and
// keeps scheduled runs of id from starting meanwhile. It fails when ctx
// ends first.
func (s *Scheduler) Exclusive(ctx context.Context, id string, fn func(ctx context.Context)) error {
	s.mu.Lock()
	halted := s.halted[id] > 0
	s.mu.Unlock()
	if halted {
		return fmt.Errorf("source %s is being stopped", id)
	}
	l := s.lock(id)
	select {
	case l <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("source %s is busy: %w", id, ctx.Err())
	}
	defer func() { <-l }()
	ctx, release, ok := s.startRun(id, ctx)
	if !ok {
		return fmt.Errorf("source %s is being stopped", id)
	}
	defer release()
	fn(ctx)
	return nil
}

// NextRun returns when a source runs next: its entry's next tick, or
// before Start its schedule's next tick. It is zero for a source that is
// not scheduled and after Stop.
func (s *Scheduler) NextRun(id string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	switch {
	case !ok || s.stopped:
		return time.Time{}
	case !s.started:
		// cron fills in Next only once its loop runs.
		return e.sched.Next(time.Now().In(s.opts.Location))
	}
	return s.cron.Entry(e.id).Next
}

// Stop stops scheduling and waits for running jobs until ctx ends; then
// it cancels them, waits for them to return, and returns an error wrapping
// ctx.Err(). No run starts after Stop, and a stopped Scheduler cannot be
// started again.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.cron.Stop() // running jobs are tracked by s.wg below
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// Both cases may be ready (an expired ctx, or a run ending at
		// the deadline): report an error only if a run was cut short.
		s.mu.Lock()
		busy := s.active > 0
		s.mu.Unlock()
		s.cancel()
		<-done
		if busy {
			return fmt.Errorf("ingest runs cut short at shutdown: %w", ctx.Err())
		}
	}
	s.cancel()
	return nil
}

// cronLogger adapts cron's logger to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "error", err)...)
}
