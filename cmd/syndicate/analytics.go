package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"syndicate/analytics"
	"syndicate/metrics"
	"syndicate/store"
)

// pullFlushInterval is how often a replica adds its pull counts to the
// store: one write per interval, never one per request.
const pullFlushInterval = 10 * time.Second

// startPulls counts feed pulls (analytics.Counter, exported on /metrics)
// and flushes them every pullFlushInterval. stop flushes a last time; call
// it once HTTP has drained, before the store closes.
func startPulls(st store.Store, met *metrics.Metrics, log *slog.Logger, now func() time.Time) (c *analytics.Counter, stop func(), err error) {
	ps, ok := st.(store.PullStats)
	if !ok {
		return nil, nil, fmt.Errorf("store %T keeps no pull analytics", st)
	}
	c = analytics.New(analytics.Options{Store: ps, Logger: log, Now: now})
	met.Register(c.Collector())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, pullFlushInterval)
	}()
	return c, func() { cancel(); <-done }, nil
}
