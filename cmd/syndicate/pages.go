package main

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"

	"syndicate/admin"
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

// signInLinkToken is the admin token of the one-time sign-in link: a
// newcomer running the demo reaches /admin without editing a file. It
// exists only when no token is configured and the server listens on a
// loopback address, so nobody else can reach the link; its value is
// random, never printed, and lives only in this process.
func signInLinkToken(cfg *config.Config, tokens []admin.Token) *admin.Token {
	if len(tokens) > 0 || !loopbackListen(cfg.Listen) {
		return nil
	}
	b := make([]byte, 32)
	rand.Read(b)
	return &admin.Token{Name: "sign-in-link", Value: hex.EncodeToString(b)}
}

// loopbackListen reports whether addr (host:port) listens on loopback only.
func loopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
