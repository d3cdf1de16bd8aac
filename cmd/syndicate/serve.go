package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"syndicate"
	"syndicate/admin"
	"syndicate/config"
	"syndicate/feeds"
	"syndicate/ingest"
	"syndicate/metrics"
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
	if err := m.runServer(ctx, cfg, log); err != nil {
		log.Error("serve stopped", "error", err)
		return exitFailed
	}
	return exitOK
}

// runServer wires the components, serves until ctx ends, then stops them
// in order: scheduler and HTTP drain together, then the store closes.
func (m *Main) runServer(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	met := metrics.New()
	st, onRedis, err := m.openStore(ctx, cfg, log, time.Second, met.StoreUnavailable)
	if errors.Is(err, embedded.ErrLocked) {
		return fmt.Errorf("%w: is another `syndicate serve` using %s?", err, cfg.Store.DataDir)
	}
	if err != nil {
		return err
	}
	defer st.Close()

	policy := newPolicy(cfg)
	fsrv := feeds.NewServer(feeds.Options{
		Renderer:     newRenderer(cfg, policy),
		Store:        st,
		DefaultLimit: cfg.Feeds.DefaultLimit,
		MaxLimit:     cfg.Feeds.MaxLimit,
		CacheMaxAge:  cfg.Feeds.CacheMaxAge,
		Logger:       log,
		Recheck:      recheck(onRedis),
		OnCache:      met.Cache,
		CacheBytes:   cfg.Feeds.CacheBytes,
	})
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	fsrv.Start(watchCtx)

	var onChange func(context.Context, []store.FeedKey)
	if cfg.WebSub.HubURL != "" {
		pub := websub.New(websub.Options{HubURL: cfg.WebSub.HubURL, UserAgent: userAgent(cfg), Logger: log})
		go pub.Run(watchCtx)
		onChange = func(_ context.Context, changed []store.FeedKey) { pub.Notify(feeds.TopicURLs(cfg.BaseURL, changed)) }
	}
	in := m.newIngester(cfg, st, policy, log, onChange, func(s ingest.Summary) {
		met.Ingest(s.SourceID, s.Status, s.Duration, s.New, s.Updated, s.Unchanged, s.Status == ingest.StatusFailed)
	})
	if l, ok := st.(interface{ Leases() int64 }); ok {
		met.CounterFunc("syndicate_leases_acquired_total", "Scheduler tick leases this replica acquired.", func() float64 { return float64(l.Leases()) })
	}
	sched := scheduler.New(scheduler.Options{
		Job:             func(ctx context.Context, src syndicate.Source) { in.Run(ctx, src, false) },
		DefaultSchedule: cfg.Ingest.DefaultSchedule,
		Logger:          log,
		SkipStartup:     skipRecent(st),
		Leaser:          leaser(st, onRedis),
	})
	svc := admin.NewService(admin.Options{
		Store: st, Runtime: &server{in: in, sched: sched, feeds: fsrv}, ConfigSources: cfg.DomainSources(),
		DefaultSchedule: cfg.Ingest.DefaultSchedule, Logger: log, Now: m.Now,
	})
	srcs, err := svc.All(ctx)
	if err != nil {
		return err
	}
	if err := sched.Set(srcs); err != nil {
		return err // validated by config and API; only a bug gets here
	}
	fsrv.SetSources(srcs)
	// Sources edited through another replica's API reach this one too.
	st.Watch(watchCtx, func(changed []store.FeedKey) {
		if changed == nil || slices.Contains(changed, store.SourcesChanged) {
			if err := svc.Reload(watchCtx); err != nil {
				log.Error("reload sources", "error", err)
			}
		}
	})

	mux := http.NewServeMux()
	fsrv.Routes(mux)
	api := admin.NewAPI(svc, adminTokens(cfg), cfg.Site.Title, log)
	csvc, err := m.commentRoutes(mux, cfg, st, log)
	if err != nil {
		return err
	}
	api.SetModerator(csvc)
	api.Routes(mux)
	admin.NewPage(admin.PageOptions{
		Service: svc, API: api, Store: st, Secure: strings.HasPrefix(cfg.BaseURL, "https://"),
		Logger: log, SiteTitle: cfg.Site.Title, Now: m.Now,
		Moderator: csvc, Lookup: st, Preview: in,
	}).Routes(mux)
	go purgeIPs(watchCtx, st, cfg.Comments.IPRetention, log)
	healthRoutes(mux, st, fsrv)
	mux.Handle("GET /metrics", met.Handler())
	srv := &http.Server{
		Handler:           withRecover(withRequestLog(met.Middleware(mux), log), log),
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	store := "embedded (" + cfg.Store.DataDir + ")"
	if onRedis {
		store = "redis"
	}
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "store", store, "sources", len(srcs))
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	sched.Start()
	if m.Ready != nil {
		m.Ready(ln.Addr().String())
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	}
	log.Info("shutting down", "timeout", cfg.HTTP.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var schedErr, httpErr error
	wg.Go(func() { schedErr = sched.Stop(sctx) })
	wg.Go(func() { httpErr = srv.Shutdown(sctx) })
	wg.Wait()
	if schedErr != nil {
		log.Warn("scheduler stop", "error", schedErr)
	}
	if httpErr != nil {
		log.Warn("http drain", "error", httpErr)
	}
	log.Info("stopped")
	return nil
}

// leaser makes each tick run once across the fleet on Redis; the embedded
// store has a single process, which the scheduler's own lock covers.
func leaser(st store.Store, onRedis bool) scheduler.Leaser {
	if l, ok := st.(scheduler.Leaser); ok && onRedis {
		return l
	}
	return nil
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
// their interval (DECISIONS §11).
func skipRecent(st ingest.Store) func(context.Context, syndicate.Source, time.Duration) bool {
	return func(ctx context.Context, src syndicate.Source, interval time.Duration) bool {
		s, err := st.SourceStatus(ctx, src.ID)
		if err != nil || s.FeedURL != src.URL || s.LastSuccess.IsZero() {
			return false
		}
		return time.Since(s.LastSuccess) < interval
	}
}

func healthRoutes(mux *http.ServeMux, st store.Store, fsrv *feeds.Server) {
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
			// Cached feeds still serve: degraded, not down (DECISIONS §11).
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
