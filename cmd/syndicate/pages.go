package main

import (
	"log/slog"
	"net/http"

	"syndicate/config"
	"syndicate/feeds"
	"syndicate/pages"
)

// newPages copies what the reader pages need out of the configuration.
func (m *Main) newPages(cfg *config.Config, r *feeds.Renderer, st pages.Store, log *slog.Logger) *pages.Server {
	c := cfg.Comments
	return pages.New(pages.Options{
		Renderer: r, Store: st, CacheMaxAge: cfg.Feeds.CacheMaxAge, Now: m.Now, Logger: log,
		Comments: pages.CommentRules{
			Enabled: c.Enabled, MaxDepth: c.MaxDepth, CloseAfter: c.CloseAfter, Honeypot: c.Honeypot,
			MaxLength: c.MaxLength, MaxAuthor: c.MaxAuthorLength, AllowedOrigins: c.AllowedOrigins, MaxBodyBytes: c.MaxBodyBytes,
		},
	})
}

// commentEndpoint registers the comment endpoint's routes on mux, with
// the reader pages' form handling around its POST.
func commentEndpoint(mux *http.ServeMux, routes func(*http.ServeMux), p *pages.Server) {
	inner := http.NewServeMux()
	routes(inner)
	mux.Handle("POST /articles/{id}/comments", p.CommentForm(inner))
	mux.Handle("OPTIONS /articles/{id}/comments", inner)
}
