// Package scheduler runs each source's ingest on its own schedule with
// robfig/cron: one entry per source, a first run at start-up, never two
// runs of one source at once, panics recovered and logged, and a graceful
// stop that lets in-flight runs finish within a deadline.
//
// It does not use cron's job chains: per-source locking is done here with
// a TryLock, which avoids v3.0.1's Recover/SkipIfStillRunning ordering
// trap (LIBRARIES.md §4).
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"syndicate"
)

// Job ingests one source. It must honour ctx.
type Job func(ctx context.Context, src syndicate.Source)

// Options configure a Scheduler.
type Options struct {
	Job             Job
	DefaultSchedule string
	Logger          *slog.Logger
	// Location is the time zone of cron specs without CRON_TZ; default UTC.
	Location *time.Location
	// SkipStartup, if set, is asked at start-up whether a source may skip
	// its first run (e.g. its last success is newer than its interval).
	SkipStartup func(ctx context.Context, src syndicate.Source, interval time.Duration) bool
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
	locks   map[string]*sync.Mutex
	wg      sync.WaitGroup
	stopped bool
}

type entry struct {
	id   cron.EntryID
	src  syndicate.Source
	spec string
}

// New returns a stopped Scheduler.
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
		locks:   map[string]*sync.Mutex{},
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
// schedule that does not parse (the others are still applied).
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
		if old, ok := s.entries[src.ID]; ok {
			if old.spec == spec && sameSource(old.src, src) {
				continue
			}
			s.cron.Remove(old.id)
			delete(s.entries, src.ID)
		}
		sched, err := ParseSchedule(spec)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("source %s: %w", src.ID, err)
			}
			continue
		}
		src := src
		id := s.cron.Schedule(sched, cron.FuncJob(func() { s.run(src) }))
		s.entries[src.ID] = entry{id: id, src: src, spec: spec}
	}
	for id, e := range s.entries {
		if !want[id] {
			s.cron.Remove(e.id)
			delete(s.entries, id)
		}
	}
	return firstErr
}

func sameSource(a, b syndicate.Source) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// Start starts the cron loop and the start-up runs.
func (s *Scheduler) Start() {
	s.cron.Start()
	s.mu.Lock()
	var srcs []syndicate.Source
	for _, e := range s.entries {
		srcs = append(srcs, e.src)
	}
	s.mu.Unlock()
	for _, src := range srcs {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if s.opts.SkipStartup != nil {
				if sched, err := ParseSchedule(s.spec(src)); err == nil && s.opts.SkipStartup(s.ctx, src, Interval(sched, time.Now())) {
					s.log.Debug("start-up run skipped: recent success", "source_id", src.ID)
					return
				}
			}
			s.run(src)
		}()
	}
}

// RunNow runs one source's job now (unless it is already running) and
// waits for it. It reports whether the job ran.
func (s *Scheduler) RunNow(src syndicate.Source) bool {
	return s.run(src)
}

func (s *Scheduler) lock(id string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.locks[id]
	if !ok {
		l = &sync.Mutex{}
		s.locks[id] = l
	}
	return l
}

// run executes the job for src unless a run of src is in progress.
func (s *Scheduler) run(src syndicate.Source) bool {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	l := s.lock(src.ID)
	if !l.TryLock() {
		s.log.Info("run skipped: the previous run is still going", "source_id", src.ID)
		return false
	}
	defer l.Unlock()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("ingest job panicked", "source_id", src.ID, "panic", r)
		}
	}()
	s.opts.Job(s.ctx, src)
	return true
}

// NextRun returns when a source runs next (zero if not scheduled).
func (s *Scheduler) NextRun(id string) time.Time {
	s.mu.Lock()
	e, ok := s.entries[id]
	s.mu.Unlock()
	if !ok {
		return time.Time{}
	}
	return s.cron.Entry(e.id).Next
}

// Stop stops scheduling and waits for running jobs until ctx ends; then
// it cancels them and waits for them to return.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.cron.Stop() // running jobs are tracked by s.wg below
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.cancel()
		<-done
		return fmt.Errorf("ingest runs cut short at shutdown: %w", ctx.Err())
	}
}

// cronLogger adapts cron's logger to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "error", err)...)
}
