package store

import (
	"context"
	"time"
)

// Leaser grants the right to run one tick of a source once across every
// process that shares the store. The scheduler takes a lease per tick;
// every backend implements it.
//
// On a store several processes share (Redis), a tick is granted to one
// process only, for its whole window, and the source is marked running
// while the run lasts, so no other process starts it meanwhile; a process
// that dies mid-run loses the mark by expiry. The embedded store belongs
// to a single process, whose scheduler already runs a source once at a
// time: its leases always grant, to that one holder.
type Leaser interface {
	// Acquire claims (sourceID, tick) for the tick's window and marks the
	// source running. ok is false when another process has the tick or is
	// still running the source; the tick is then skipped, not queued.
	// release ends the running mark (the tick stays claimed until its
	// window passes) and is called once.
	Acquire(ctx context.Context, sourceID string, tick time.Time, window time.Duration) (release func(), ok bool, err error)
	// HoldRunning takes a running mark by name for work that is not a tick (an
	// ingest a WebSub delivery triggers runs under the source's mark, the
	// one a tick takes; a subscription change under its own), so it runs
	// once across the processes and never beside a scheduled run of the
	// source. ok is false while another holder has the mark. release ends
	// the hold and is called once; a holder that dies loses its marks by
	// expiry. The embedded store grants every hold (one process, whose
	// scheduler already serializes a source's runs).
	HoldRunning(ctx context.Context, name string) (release func(), ok bool, err error)
}
