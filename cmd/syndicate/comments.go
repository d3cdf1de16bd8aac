package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"syndicate/comments"
	"syndicate/config"
	"syndicate/internal/route"
	"syndicate/pages"
	"syndicate/store"
)

// commentRoutes wires reader comments: the public endpoint (or a 403 when
// comments are off) and the service the admin API moderates through.
func (m *Main) commentRoutes(mux route.Registrar, cfg *config.Config, st store.Store, log *slog.Logger, p *pages.Server) *comments.Service {
	c := cfg.Comments
	svc := comments.NewService(comments.Options{
		Store: st, AutoApprove: c.AutoApprove, MaxLength: c.MaxLength, MaxAuthorLength: c.MaxAuthorLength,
		MaxLinks: c.MaxLinks, MaxDepth: c.MaxDepth, RateLimit: c.RateLimit, RateWindow: c.RateWindow,
		CloseAfter: c.CloseAfter, Now: m.Now, Logger: log,
	})
	if !c.Enabled {
		mux.HandleFunc("POST /articles/{id}/comments", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"error": "comments are disabled on this site"}` + "\n"))
		})
		return svc
	}
	h := comments.NewHandler(svc, comments.HandlerOptions{
		BaseURL: cfg.BaseURL, AllowedOrigins: cfg.Parsed.AllowedOrigins, Honeypot: c.Honeypot,
		MaxBodyBytes: c.MaxBodyBytes, TrustedProxies: cfg.Parsed.TrustedProxies, Logger: log,
	})
	commentEndpoint(mux, h.Routes, p)
	return svc
}

// purgeIPs forgets commenter IPs older than the retention, hourly.
func purgeIPs(ctx context.Context, st store.LocalComments, retention time.Duration, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := st.PurgeCommentIPs(ctx, time.Now().Add(-retention)); err != nil {
			log.Warn("purge commenter IPs", "error", err)
		} else if n > 0 {
			log.Info("purged commenter IPs", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
