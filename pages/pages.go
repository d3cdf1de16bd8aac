// Package pages renders the reader-facing HTML: the article page with its
// threaded comments and comment form, the embeddable thread, the front
// page and the source and category lists. Pages are rendered from the
// store once per change and served from the feeds' document cache
// (feeds.Cache), freshened by the store's change stream like the feeds;
// no page needs JavaScript.
package pages

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"syndicate"
	"syndicate/feeds"
	"syndicate/internal/httperr"
	"syndicate/internal/route"
	"syndicate/store"
)

// Store is what the pages read (both stores implement it).
type Store interface {
	Article(ctx context.Context, id string) (store.ArticleView, error)
	Articles(ctx context.Context, feed store.FeedKey, offset, limit int) (store.Page[store.ArticleView], error)
	Comments(ctx context.Context, feed store.FeedKey, offset, limit int) (store.Page[*syndicate.Comment], error)
	Comment(ctx context.Context, id string) (*syndicate.Comment, error)
	// One page of the categories in use, and one category's label: a
	// page never reads the whole list.
	CategoryPage(ctx context.Context, offset, limit int) (store.Page[store.Category], error)
	CategoryLabel(ctx context.Context, slug string) (string, bool, error)
	FeedStates(ctx context.Context, feeds []store.FeedKey) (map[store.FeedKey]store.FeedState, error)
	store.Watcher
}

// CommentRules are the comment settings the pages show (comments.*); the
// comment endpoint enforces them.
type CommentRules struct {
	Enabled        bool
	MaxDepth       int           // replies nest at most this deep (default 5)
	CloseAfter     time.Duration // counted from first_seen; 0 = never
	Honeypot       string        // the field humans leave empty (default "homepage")
	MaxLength      int           // body characters (default 10000)
	MaxAuthor      int           // author characters (default 100)
	AllowedOrigins []string      // may embed the thread (frame-ancestors)
	MaxBodyBytes   int64         // a form POST larger than this is passed on unread
}

// Options configure a Server.
type Options struct {
	Renderer *feeds.Renderer // site, links and attribution lines
	Store    Store
	Comments CommentRules
	// PageSize is how many articles a list page shows (default 20).
	PageSize int
	// ThreadsPerPage is how many top-level comments (with their replies)
	// an article page shows before paging (default 50).
	ThreadsPerPage int
	// Cache is the document cache the pages are served from: the feeds'
	// (feeds.Options.Cache), so feeds and pages share one byte budget, one
	// render bound and one change stream. Nil: a cache of the pages' own,
	// which Start keeps fresh.
	Cache       *feeds.Cache
	CacheMaxAge time.Duration // Cache-Control max-age of an own cache
	Now         func() time.Time
	Logger      *slog.Logger
}

//go:embed templates
var templateFS embed.FS

// Server renders and serves the reader pages.
type Server struct {
	opts Options
	r    *feeds.Renderer
	st   Store
	log  *slog.Logger
	tmpl *template.Template
	css  []byte
	// cssPath carries a hash of the stylesheet, so it can be cached for
	// a year and still change with a release.
	cssPath      string
	hPage        http.Header // every page but the embeddable thread
	hPageNoIndex http.Header // the same, for a source with seo: noindex
	hThread      http.Header // the thread: framed by the site and allowed origins
	cache        *feeds.Cache
	ownCache     bool
	renders      atomic.Int64

	mu      sync.RWMutex
	sources map[string]syndicate.Source
	listed  []string      // the feed list's sources (SetSources)
	gen     atomic.Uint64 // bumped by SetSources, after sources
}

// New returns a Server. It panics if the embedded templates do not parse,
// which only a broken build can cause.
func New(opts Options) *Server {
	if opts.PageSize <= 0 {
		opts.PageSize = 20
	}
	if opts.ThreadsPerPage <= 0 {
		opts.ThreadsPerPage = 50
	}
	c := &opts.Comments
	if c.MaxDepth <= 0 {
		c.MaxDepth = 5
	}
	if c.Honeypot == "" {
		c.Honeypot = "homepage"
	}
	if c.MaxLength <= 0 {
		c.MaxLength = 10000
	}
	if c.MaxAuthor <= 0 {
		c.MaxAuthor = 100
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 64 << 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	css, err := templateFS.ReadFile("templates/pages.css")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(css)
	s := &Server{
		opts: opts, r: opts.Renderer, st: opts.Store, log: log, css: css,
		cssPath: "/assets/pages.css?v=" + hex.EncodeToString(sum[:6]),
		sources: map[string]syndicate.Source{},
		tmpl: template.Must(template.New("pages").Funcs(template.FuncMap{
			"add": func(a, b int) int { return a + b },
		}).ParseFS(templateFS, "templates/*.html")),
	}
	s.cache = opts.Cache
	if s.cache == nil {
		s.cache, s.ownCache = ownCache(opts, log), true
	}
	ancestors := []string{"'self'"}
	if o := originOf(s.r.Site().BaseURL); o != "" {
		ancestors = append(ancestors, o)
	}
	for _, o := range c.AllowedOrigins {
		if o := originOf(o); o != "" {
			ancestors = append(ancestors, o)
		}
	}
	s.hPage = s.newHeaders("frame-ancestors 'none'", false)
	s.hPageNoIndex = s.newHeaders("frame-ancestors 'none'", true)
	// The thread is never indexed by its <meta name="robots">: no header.
	s.hThread = s.newHeaders("frame-ancestors "+strings.Join(ancestors, " "), false)
	return s
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// SetSources replaces the known sources (names, attribution, seo); every
// cached page is rendered again on its next request.
func (s *Server) SetSources(srcs []syndicate.Source) {
	m := make(map[string]syndicate.Source, len(srcs))
	for _, src := range srcs {
		m[src.ID] = src
	}
	// The feed list's sources, the first FeedListMax by id, chosen here
	// once per change of the set rather than sorted on every render.
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ids = ids[:min(len(ids), FeedListMax)]
	s.mu.Lock()
	s.sources, s.listed = m, ids
	s.mu.Unlock()
	s.gen.Add(1)
}

func (s *Server) sourcesMap() map[string]syndicate.Source {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sources
}

// listedSources returns the source set and the ids of those the feed list
// names (the first FeedListMax by id).
func (s *Server) listedSources() (map[string]syndicate.Source, []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sources, s.listed
}

// Start, for a Server with a cache of its own, follows the store's change
// notifications until ctx ends, so a cached page is rendered again after
// the data under it changed. A shared cache is kept fresh by its owner
// (feeds.Server.Start); Start then does nothing.
func (s *Server) Start(ctx context.Context) {
	if s.ownCache {
		s.st.Watch(ctx, s.cache.Invalidate)
		s.cache.Run(ctx, 0)
	}
}

// Invalidate marks the documents built on these feeds stale (nil: all).
func (s *Server) Invalidate(changed []store.FeedKey) { s.cache.Invalidate(changed) }

// Renders counts pages rendered so far (tests prove cache hits with it).
func (s *Server) Renders() int64 { return s.renders.Load() }

// Routes registers the page routes that do not collide with the feed
// server's: the embeddable thread, the source and category lists and
// the stylesheet. "/" and /articles/{id} come through ServeFront and
// ServeArticle (feeds.Options.Pages).
func (s *Server) Routes(mux route.Registrar) {
	mux.HandleFunc("GET /assets/pages.css", s.handleCSS)
	mux.HandleFunc("GET /articles/{id}/comments", s.handleThread)
	mux.HandleFunc("GET /sources/{id}/{$}", s.handleSource)
	mux.HandleFunc("GET /categories/{slug}/{$}", s.handleCategory)
}

// PrefersHTML reports whether a request's Accept header ranks text/html
// above JSON. A tie (e.g. */*, or no Accept at all) keeps the JSON that
// API clients have always had.
func PrefersHTML(r *http.Request) bool {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return false
	}
	html, json := -1.0, -1.0
	for _, v := range accept {
		for v != "" {
			var part string
			part, v, _ = strings.Cut(v, ",")
			mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			mt = strings.TrimSpace(mt)
			q := 1.0
			for params != "" {
				var p string
				p, params, _ = strings.Cut(params, ";")
				if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
					if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
						q = f
					}
				}
			}
			switch {
			case strings.EqualFold(mt, "text/html"), strings.EqualFold(mt, "application/xhtml+xml"):
				html = max(html, q)
			case strings.EqualFold(mt, "application/json"), strings.EqualFold(mt, "application/feed+json"):
				json = max(json, q)
			case mt == "*/*":
				html, json = max(html, q*0.99), max(json, q*0.99)
			case strings.EqualFold(mt, "text/*"):
				html = max(html, q*0.999)
			case strings.EqualFold(mt, "application/*"):
				json = max(json, q*0.999)
			}
		}
	}
	return html > 0 && html > json
}

// ServeArticle serves the page of article id when the client prefers HTML
// or always is set (/articles/{id}.html), and reports whether it did;
// otherwise the caller serves the JSON.
func (s *Server) ServeArticle(w http.ResponseWriter, r *http.Request, id string, always bool) bool {
	if !always && !PrefersHTML(r) {
		return false
	}
	q := query(r)
	page, ok := pageParam(q, "comments")
	if !ok {
		s.plainError(w, http.StatusBadRequest, "comments must be a page number from 1 to "+maxPageText)
		return true
	}
	k := Key{Kind: KindArticle, ID: id, Page: page}
	if v := s.variant(q); v != nil {
		s.serveVariant(w, r, k, v)
		return true
	}
	s.serve(w, r, k)
	return true
}

// ServeFront serves "/": the latest articles and the list of feeds.
func (s *Server) ServeFront(w http.ResponseWriter, r *http.Request) {
	page, ok := pageParam(query(r), "page")
	if !ok {
		s.plainError(w, http.StatusBadRequest, "page must be a whole number from 1 to "+maxPageText)
		return
	}
	s.serve(w, r, Key{Kind: KindFront, Page: page})
}

func (s *Server) handleSource(w http.ResponseWriter, r *http.Request) {
	page, ok := pageParam(query(r), "page")
	if !ok {
		s.plainError(w, http.StatusBadRequest, "page must be a whole number from 1 to "+maxPageText)
		return
	}
	s.serve(w, r, Key{Kind: KindSource, ID: route.Value(r, "id"), Page: page})
}

func (s *Server) handleCategory(w http.ResponseWriter, r *http.Request) {
	page, ok := pageParam(query(r), "page")
	if !ok {
		s.plainError(w, http.StatusBadRequest, "page must be a whole number from 1 to "+maxPageText)
		return
	}
	s.serve(w, r, Key{Kind: KindCategory, ID: route.Value(r, "slug"), Page: page})
}

func (s *Server) handleThread(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	page, ok := pageParam(q, "comments")
	if !ok {
		s.plainError(w, http.StatusBadRequest, "comments must be a page number from 1 to "+maxPageText)
		return
	}
	k := Key{Kind: KindThread, ID: route.Value(r, "id"), Page: page}
	if v := s.variant(q); v != nil {
		s.serveVariant(w, r, k, v)
		return
	}
	s.serve(w, r, k)
}

func (s *Server) handleCSS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(s.css)
}

// query parses a request's query; nothing to parse (the common case of a
// cached page) allocates nothing.
func query(r *http.Request) url.Values {
	if r.URL.RawQuery == "" {
		return nil
	}
	return r.URL.Query()
}

// pageParam reads a page number; absent is page 1.
// maxPage bounds the page numbers a list or thread may be asked for.
const (
	maxPage     = 1_000_000
	maxPageText = "1000000"
)

func pageParam(q url.Values, name string) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage {
		return 0, false
	}
	return n, true
}

// renderError answers a page that failed to render with the status of
// the error's kind (500 unless the store is away); its detail goes to
// the log.
func (s *Server) renderError(w http.ResponseWriter, err error, k Key) {
	httperr.Log(s.log, err, "render page", "page", k.Kind, "id", k.ID)
	p := httperr.Of(err, "This page is unavailable right now; try again shortly.")
	s.plainError(w, p.Status, p.Message)
}

// plainError answers a plain-text error, never cached.
func (s *Server) plainError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	httperr.Problem{Status: code, Message: msg}.Text(w)
}
