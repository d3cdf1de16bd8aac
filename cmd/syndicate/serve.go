package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"syndicate"
	"syndicate/admin"
	"syndicate/config"
	"syndicate/embargo"
	"syndicate/feeds"
	"syndicate/ingest"
	"syndicate/internal/route"
	"syndicate/internal/serveconn"
	"syndicate/metrics"
	"syndicate/registry"
	"syndicate/scheduler"
	"syndicate/store"
	"syndicate/store/embedded"
	"syndicate/websub"
)

func (m *Main) serve(ctx context.Context, args []string) int {
	fs := m.flags("serve", "Runs the HTTP server (feeds, articles, health) and the ingest scheduler\nuntil SIGINT or SIGTERM, then stops gracefully.")
	path := fs.String("config", "", "config file (default ./syndicate.yaml if present, else built-in defaults)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := m.loadConfig(*path)
	if cfg == nil {
		return code
	}
	log := m.newLogger(cfg)
	if limit, set := setMemoryLimit(cfg.Feeds.CacheBytes); set {
		log.Info("soft memory limit", "bytes", limit, "from", "feeds.cache_bytes")
	}
	if err := m.runServer(ctx, cfg, log); err != nil {
		log.Error("serve stopped", "error", err)
		return exitFailed
	}
	return exitOK
}

// runServer builds the server (build), serves until ctx ends or the
// listener fails (Run), then stops it in order (Close).
func (m *Main) runServer(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	a, err := m.build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Run(ctx)
}

// app is a built `syndicate serve`: what Run starts and Close stops.
type app struct {
	cfg       *config.Config
	log       *slog.Logger
	ready     func(addr string)
	st        store.Store
	stopWatch context.CancelFunc
	sched     *scheduler.Scheduler
	srv       *http.Server
	ln        net.Listener
	started   bool
	stopPulls func() // flushes the last pull counts
}

// build opens the store and wires every part of the server up to a bound
// listener; nothing is served and no source is scheduled yet. On an error
// it closes what it had opened.
func (m *Main) build(ctx context.Context, cfg *config.Config, log *slog.Logger) (_ *app, err error) {
	// a is not the named result: `return nil, err` must not make the
	// deferred Close see a nil app (a panic, and the store left open).
	a := &app{cfg: cfg, log: log, ready: m.Ready}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	met := metrics.New()
	st, onRedis, err := m.openStore(ctx, cfg, log, time.Second, met.StoreUnavailable)
	if errors.Is(err, embedded.ErrLocked) {
		return nil, fmt.Errorf("%w: is another `syndicate serve` using %s?", err, cfg.Store.DataDir)
	}
	if err != nil {
		return nil, err
	}
	a.st = st
	// The set of sources in force: the config file's and the editors'.
	// Everything below that needs it subscribes; admin writes through it.
	reg := registry.New(registry.Options{Store: st, Config: cfg.DomainSources(), Logger: log})
	pulls, stopPulls, err := startPulls(st, met, log, m.Now)
	if err != nil {
		return nil, err
	}
	a.stopPulls = stopPulls

	policy := newPolicy(cfg)
	rend := newRenderer(cfg, policy)
	// Held articles (embargoes) are hidden from every public reader of
	// the store: feeds, partner feeds, pages and comments.
	// Every write but an ingest pass's goes through it to the one stream
	// of changes (announce; onChange is made below): the comment service
	// and the guard's holds and releases write through the guard.
	var onChange func(context.Context, []store.FeedKey)
	stream := func(ctx context.Context, f []store.FeedKey) {
		if onChange != nil {
			onChange(ctx, f)
		}
	}
	guard := embargo.New(embargo.Options{Store: announce(st, stream), Logger: log, Now: m.Now})
	// Feeds and reader pages are documents of one cache: one byte budget,
	// one render bound, one change stream (fsrv.Start follows it).
	docs := newDocumentCache(cfg, st, met.Cache, log)
	psrv := m.newPages(cfg, rend, guard, docs, log)
	fsrv := feeds.NewServer(feeds.Options{
		Renderer:     rend,
		Store:        guard,
		DefaultLimit: cfg.Feeds.DefaultLimit,
		MaxLimit:     cfg.Feeds.MaxLimit,
		CacheMaxAge:  cfg.Feeds.CacheMaxAge,
		Logger:       log,
		Recheck:      recheck(onRedis),
		Cache:        docs,
		Pages:        psrv,

		TombstoneWindow: cfg.Feeds.TombstoneWindow,
	})
	watchCtx, stopWatch := context.WithCancel(context.Background())
	a.stopWatch = stopWatch
	fsrv.Start(watchCtx)

	if cfg.WebSub.HubURL != "" {
		pub := websub.New(websub.Options{HubURL: cfg.WebSub.HubURL, UserAgent: userAgent(cfg), Logger: log})
		go pub.Run(watchCtx)
		onChange = func(_ context.Context, changed []store.FeedKey) { pub.Notify(feeds.TopicURLs(cfg.BaseURL, changed)) }
	}
	fresh := freshnessMetric(met)
	onChange = fresh.Track(onChange)
	if err := guard.Start(watchCtx); err != nil {
		return nil, err
	}
	ws := m.newWebSub(cfg, st, onRedis, log)
	in := m.newIngester(cfg, st, policy, log, onChange, func(s ingest.Summary) {
		met.Ingest(s.SourceID, s.Status, s.Duration, s.New, s.Updated, s.Unchanged, s.Status == ingest.StatusFailed)
	}, ws.onBody()...)
	sched := scheduler.New(scheduler.Options{
		Job: func(ctx context.Context, src syndicate.Source) {
			in.Run(websub.WithStart(ctx, websub.TriggerPoll, time.Now()), src, false)
		},
		DefaultSchedule: cfg.Ingest.DefaultSchedule,
		Default:         cfg.Parsed.DefaultSchedule,
		Logger:          log,
		SkipStartup:     skipRecent(st),
		// The tick lease is part of the store contract: fleet-wide on
		// Redis, always granted on the embedded store (one process).
		Leaser: st,
	})
	met.CounterFunc("syndicate_leases_acquired_total", "Scheduler tick leases this replica acquired.", func() float64 { return float64(sched.Leases()) })
	rt := &server{in: in, sched: sched, feeds: fsrv, pages: psrv, websub: ws, embargo: guard}
	if err := reg.Subscribe(rt.Apply); err != nil {
		return nil, err
	}
	svc := admin.NewService(admin.Options{
		Store: announce(st, stream), Runtime: rt, Sources: reg,
		ConfigPartners: cfg.DomainPartners(), Holds: guard,
		DefaultSchedule: cfg.Ingest.DefaultSchedule, Logger: log, Now: m.Now, TrustedProxies: cfg.Parsed.TrustedProxies,
	})
	if err := reg.Reload(ctx); err != nil {
		return nil, err // schedules are validated by config and API; only a bug gets here
	}
	// Sources edited through another replica's API reach this one too.
	reg.Start(watchCtx)
	if err := svc.ReloadPartners(ctx); err != nil {
		return nil, err
	}
	st.Watch(watchCtx, func(changed []store.FeedKey) {
		fresh.Seen(changed)
		// A rotated or revoked partner key stops working on every replica.
		if changed == nil || slices.Contains(changed, store.PartnersChanged) {
			if err := svc.ReloadPartners(watchCtx); err != nil {
				log.Error("reload partners", "error", err)
			}
		}
	})

	// route.Mux: the ServeMux, with a fast path for clean GETs (feeds and
	// pages are most of the traffic).
	mux := route.New()
	fsrv.Routes(mux)
	psrv.Routes(mux)
	ws.start(watchCtx, in, sched, mux)
	tokens := adminTokens(cfg)
	link := signInLinkToken(cfg, tokens)
	if link != nil {
		tokens = append(tokens, *link)
	}
	api := admin.NewAPI(svc, tokens, cfg.Site.Title, log)
	csvc := m.commentRoutes(mux, cfg, guard, log, psrv)
	api.SetModerator(csvc)
	api.Routes(mux)
	apage := admin.NewPage(admin.PageOptions{
		Service: svc, API: api, Store: st, Secure: cfg.Parsed.Secure,
		Logger: log, SiteTitle: cfg.Site.Title, Now: m.Now,
		Moderator: csvc, Lookup: st, Preview: in,
	})
	apage.Routes(mux)
	apage.PartnerRoutes(mux, st.(store.PullStats))
	go purgeIPs(watchCtx, st, cfg.Comments.IPRetention, log)
	healthRoutes(mux, st, fsrv)
	mux.Handle("GET /metrics", metricsGuard(met.Handler(), api, cfg.Parsed.MetricsFrom, cfg.Parsed.TrustedProxies))
	srv := &http.Server{
		Handler:           withRecover(withRequestLog(met.Middleware(mux, pulls.Observe), log), log),
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		// http.write_timeout is the listener's (serveconn): the Server's
		// would move a timer on every response.
		IdleTimeout: cfg.HTTP.IdleTimeout,
		// Each connection carries itself (serveconn) and its own request
		// counts (metrics), which a closed one hands to the process's.
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return met.ConnContext(serveconn.ConnContext(ctx, c), c)
		},
		ConnState: met.ConnState,
		ErrorLog:  slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	backend := "embedded (" + cfg.Store.DataDir + ")"
	if onRedis {
		backend = "redis"
	}
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "store", backend, "sources", len(reg.Sources()))
	if link != nil {
		log.Warn("no admin token is configured: open this one-time link to sign in to /admin (it works once, until restart)",
			"url", strings.TrimRight(cfg.BaseURL, "/")+apage.OneTimeSignIn(link.Name, link.Value))
	}
	a.sched, a.srv, a.ln = sched, srv, serveconn.Listener{Listener: ln, Timeout: cfg.HTTP.WriteTimeout}
	return a, nil
}

// Run serves on the listener and starts the scheduler, then waits until
// ctx is done (nil) or the HTTP server fails (its error).
func (a *app) Run(ctx context.Context) error {
	a.started = true
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.srv.Serve(a.ln) }()
	a.sched.Start()
	if a.ready != nil {
		a.ready(a.ln.Addr().String())
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	}
}

// Close stops in order: the scheduler and the HTTP server drain together
// within http.shutdown_timeout (runs in flight finish, requests in flight
// are answered), then the change watchers stop, then the store closes.
func (a *app) Close() {
	if a.started {
		a.log.Info("shutting down", "timeout", a.cfg.HTTP.ShutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.Background(), a.cfg.HTTP.ShutdownTimeout)
		defer cancel()
		var wg sync.WaitGroup
		var schedErr, httpErr error
		wg.Go(func() { schedErr = a.sched.Stop(sctx) })
		wg.Go(func() { httpErr = a.srv.Shutdown(sctx) })
		wg.Wait()
		if schedErr != nil {
			a.log.Warn("scheduler stop", "error", schedErr)
		}
		if httpErr != nil {
			a.log.Warn("http drain", "error", httpErr)
		}
		a.log.Info("stopped")
	} else if a.ln != nil {
		a.ln.Close()
	}
	if a.stopWatch != nil {
		a.stopWatch()
	}
	if a.stopPulls != nil {
		a.stopPulls() // the last counts, before the store closes
	}
	if a.st != nil {
		a.st.Close()
	}
}

// workingSet is what serve needs besides the document cache: renders in
// flight (bounded), request handling, store client buffers, the runtime.
const workingSet = 192 << 20

// memoryLimit is the soft memory limit serve runs under: the document
// cache (which counts everything it holds), half as much again of garbage
// collector headroom, and the fixed working set. Near the limit the
// collector runs more often instead of letting the heap double.
func memoryLimit(cacheBytes int64) int64 { return cacheBytes + cacheBytes/2 + workingSet }

// gcPercent is serve's GOGC under its soft memory limit. Serving cached
// documents allocates only net/http's per-request garbage, and with the
// default of 100 the collector would run every few megabytes and re-mark
// the live heap each time (a tenth of a cached hit's CPU, measured). With
// the limit in force the heap cannot outgrow it anyway, so the collector
// may wait for four times the live heap instead of twice.
const gcPercent = 400

// setMemoryLimit sets the soft memory limit from feeds.cache_bytes unless
// the operator set GOMEMLIMIT (which the runtime already applies), and
// under it the collector's pace (gcPercent) unless the operator set GOGC.
func setMemoryLimit(cacheBytes int64) (int64, bool) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0, false
	}
	limit := memoryLimit(cacheBytes)
	debug.SetMemoryLimit(limit)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	return limit, true
}

// recheck is how often the feed cache re-validates versions: the embedded
// store notifies in-process and needs none; Redis pub/sub can miss a
// message across a reconnect.
func recheck(onRedis bool) time.Duration {
	if onRedis {
		return 5 * time.Second
	}
	return 0
}

// skipRecent lets the start-up run skip sources that succeeded within
// their interval (docs/decisions/fleet.md).
func skipRecent(st ingest.Store) func(context.Context, syndicate.Source, time.Duration) bool {
	return func(ctx context.Context, src syndicate.Source, interval time.Duration) bool {
		s, err := st.SourceStatus(ctx, src.ID)
		if err != nil || s.FeedURL != src.URL || s.LastSuccess.IsZero() {
			return false
		}
		return time.Since(s.LastSuccess) < interval
	}
}

func healthRoutes(mux route.Registrar, st store.Store, fsrv *feeds.Server) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 500*time.Millisecond)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if err := st.Ping(ctx); err != nil {
			// Cached feeds still serve: degraded, not down (docs/decisions/fleet.md).
			if fsrv.Cached() > 0 {
				json.NewEncoder(w).Encode(map[string]string{"status": "degraded", "store": "unreachable"})
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "store": "unreachable"})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
}
