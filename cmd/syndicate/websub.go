package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"syndicate"
	"syndicate/config"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/internal/route"
	"syndicate/metrics"
	"syndicate/scheduler"
	"syndicate/store"
	"syndicate/websub"
)

// websubWiring joins the WebSub subscriber to the ingester and the
// scheduler: deliveries are ingested under the source's lock (and, on
// Redis, its fleet-wide running mark), and sources with a live
// subscription are polled at websub.fallback_schedule. A nil
// *websubWiring (the subscriber is off) passes sources through.
type websubWiring struct {
	sub      *websub.Subscriber
	fallback string
	hold     func(ctx context.Context, name string) (func(), bool, error)
	holdWait time.Duration
	log      *slog.Logger

	// Set by start once the ingester and scheduler exist.
	in    *ingest.Ingester
	sched *scheduler.Scheduler

	mu   sync.Mutex
	srcs []syndicate.Source // as last applied, before the fallback schedule
}

// newWebSub returns the wiring, or nil when websub.subscribe is off.
func (m *Main) newWebSub(cfg *config.Config, st store.Store, onRedis bool, log *slog.Logger) *websubWiring {
	if !cfg.Parsed.Subscribe {
		return nil
	}
	w := &websubWiring{fallback: cfg.WebSub.FallbackSchedule, holdWait: holdWait, log: log}
	if onRedis {
		// Deliveries and subscription changes run once fleet-wide under
		// the store's running marks; the embedded store's single process
		// needs none (its holds always grant).
		w.hold = st.HoldRunning
	}
	w.sub = websub.NewSubscriber(websub.SubscriberOptions{
		Store:   st,
		BaseURL: cfg.BaseURL,
		// A partner's hub is an outside URL: the fetcher's private-network
		// guard applies; the operator's own hub is exempt.
		Client:     &http.Client{Transport: fetch.NewTransport(cfg.Ingest.AllowPrivateNetworks, cfg.Parsed.ProxyURL), Timeout: cfg.Ingest.Timeout},
		OwnHub:     cfg.WebSub.HubURL,
		OwnClient:  &http.Client{Timeout: cfg.Ingest.Timeout},
		Ingest:     w.ingest,
		Hold:       w.hold,
		MaxBody:    cfg.Ingest.MaxBodyBytes,
		MinRenewal: m.websubMinRenewal,
		OnLive:     w.reschedule,
		OnDelivery: func(ctx context.Context) context.Context {
			return websub.WithStart(ctx, websub.TriggerDelivery, time.Now())
		},
		UserAgent: userAgent(cfg),
		Now:       m.Now,
		Logger:    log,
	})
	return w
}

// freshnessMetric registers the histogram of change-to-fresh times.
func freshnessMetric(met *metrics.Metrics) *websub.Freshness {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "syndicate_change_fresh_seconds",
		Help: "Seconds from a hub delivery arriving (trigger=delivery) or a poll starting (trigger=poll) " +
			"to every feed it changed being served fresh by this replica.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"trigger"})
	met.Register(h)
	return websub.NewFreshness(func(trigger string, d time.Duration) { h.WithLabelValues(trigger).Observe(d.Seconds()) }, nil)
}

// onBody is the fetcher's hook: feeds fetched are read for hub links.
func (w *websubWiring) onBody() []func(fetch.Request, *fetch.Response) {
	if w == nil {
		return nil
	}
	return []func(fetch.Request, *fetch.Response){func(req fetch.Request, resp *fetch.Response) {
		w.sub.Fetched(req.URL, resp.Header, resp.Body)
	}}
}

// start runs the subscriber until ctx ends.
func (w *websubWiring) start(ctx context.Context, in *ingest.Ingester, sched *scheduler.Scheduler, mux route.Registrar) {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.in, w.sched = in, sched
	w.mu.Unlock()
	w.sub.Routes(mux)
	go w.sub.Run(ctx)
}

// apply makes the scheduler use srcs, with the fallback schedule for
// sources whose subscription is live, and tells the subscriber of them.
func (w *websubWiring) apply(sched *scheduler.Scheduler, srcs []syndicate.Source) error {
	if w == nil {
		return sched.Set(srcs)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.srcs, w.sched = srcs, sched
	w.sub.SetSources(srcs)
	return sched.Set(w.adjusted())
}

// reschedule re-applies the sources when the live subscriptions changed.
func (w *websubWiring) reschedule() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sched == nil || w.srcs == nil {
		return
	}
	if err := w.sched.Set(w.adjusted()); err != nil {
		w.log.Error("websub: reschedule", "error", err)
	}
}

func (w *websubWiring) adjusted() []syndicate.Source {
	out := make([]syndicate.Source, len(w.srcs))
	for i, src := range w.srcs {
		if w.sub.Live(src.ID) {
			src.Schedule = w.fallback
		}
		out[i] = src
	}
	return out
}

// holdWait bounds how long a delivery waits for another replica's run of
// its source before the hub is asked to retry.
const holdWait = 10 * time.Second

// ingest ingests one delivery: after any run of the source here, and on
// Redis while no other replica runs it, so it runs once fleet-wide. The
// hub's connection may drop meanwhile; the ingest still completes.
func (w *websubWiring) ingest(ctx context.Context, src syndicate.Source, body []byte, contentType string) error {
	w.mu.Lock()
	in, sched := w.in, w.sched
	w.mu.Unlock()
	if in == nil || sched == nil {
		return websub.ErrBusy // still starting
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.holdWait+2*time.Minute)
	defer cancel()
	wctx, wcancel := context.WithTimeout(ctx, w.holdWait)
	defer wcancel()
	var sum ingest.Summary
	busy := false
	err := sched.Exclusive(wctx, src.ID, func(context.Context) {
		if w.hold != nil {
			release, ok := w.waitHold(wctx, src.ID)
			if !ok {
				busy = true
				return
			}
			defer release()
		}
		if body == nil {
			sum = in.Run(ctx, src, true) // a conditional fetch
		} else {
			sum = in.RunBody(ctx, src, body, contentType)
		}
	})
	if err != nil || busy {
		return websub.ErrBusy
	}
	if sum.Status == ingest.StatusFailed {
		return sum.Err
	}
	return nil
}

func (w *websubWiring) waitHold(ctx context.Context, id string) (func(), bool) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		release, ok, err := w.hold(ctx, id)
		if err != nil {
			w.log.Warn("websub delivery: hold", "source_id", id, "error", err)
		}
		if ok {
			return release, true
		}
		select {
		case <-ctx.Done():
			return nil, false
		case <-t.C:
		}
	}
}
