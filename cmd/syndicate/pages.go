package main

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"

	"syndicate/admin"
	"syndicate/config"
	"syndicate/feeds"
	"syndicate/internal/route"
	"syndicate/pages"
)

// newDocumentCache is the one cache of rendered documents, feeds and
// reader pages alike (feeds.cache_bytes, feeds.cache_max_age).
func newDocumentCache(cfg *config.Config, st pages.Store, onCache func(hit bool), log *slog.Logger) *feeds.Cache {
	return feeds.NewCache(feeds.CacheOptions{
		Bytes: cfg.Feeds.CacheBytes, States: st.FeedStates, OnCache: onCache, Logger: log,
		CacheControl: "public, max-age=" + strconv.Itoa(int(cfg.Feeds.CacheMaxAge.Seconds())),
	})
}

// newPages copies what the reader pages need out of the configuration.
func (m *Main) newPages(cfg *config.Config, r *feeds.Renderer, st pages.Store, docs *feeds.Cache, log *slog.Logger) *pages.Server {
	c := cfg.Comments
	return pages.New(pages.Options{
		Renderer: r, Store: st, Cache: docs, Now: m.Now, Logger: log,
		Comments: pages.CommentRules{
			Enabled: c.Enabled, MaxDepth: c.MaxDepth, CloseAfter: c.CloseAfter, Honeypot: c.Honeypot,
			MaxLength: c.MaxLength, MaxAuthor: c.MaxAuthorLength, AllowedOrigins: cfg.Parsed.AllowedOrigins, MaxBodyBytes: c.MaxBodyBytes,
		},
	})
}

// commentEndpoint registers the comment endpoint's routes on mux, with
// the reader pages' form handling around its POST.
func commentEndpoint(mux route.Registrar, routes func(route.Registrar), p *pages.Server) {
	inner := http.NewServeMux()
	routes(inner)
	mux.Handle("POST /articles/{id}/comments", p.CommentForm(inner))
	mux.Handle("OPTIONS /articles/{id}/comments", inner)
	mux.Handle("GET /articles/{id}/comments/{cid}", inner) // a 201's Location
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
