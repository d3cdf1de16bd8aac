package feeds

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"syndicate"
	"syndicate/internal/httperr"
	"syndicate/internal/route"
	"syndicate/store"
)

// Store is what the feed server reads.
type Store interface {
	store.Reader
	store.Watcher
}

// Options configure a Server.
type Options struct {
	Renderer     *Renderer
	Store        Store
	DefaultLimit int           // default 30
	MaxLimit     int           // default 100
	CacheMaxAge  time.Duration // Cache-Control max-age
	Logger       *slog.Logger
	// Recheck, when > 0, forgets every known version this often, so a
	// missed pub/sub message costs at most that much staleness (Redis).
	Recheck time.Duration
	// OnCache, if set, is told whether each feed request was a cache hit.
	OnCache func(hit bool)
	// CacheBytes bounds the document cache (everything it holds: bodies,
	// gzip, headers, bookkeeping); the least recently used documents go
	// first. Default 256 MiB.
	CacheBytes int64
	// Renders bounds concurrent renders (default 2 × GOMAXPROCS, at least 4).
	Renders int
	// Now is the cache's clock (time.Now if nil).
	Now func() time.Time
	// Cache, if set, is the document cache to serve from, made with
	// NewCache and shared with other documents (the reader pages); the
	// cache options above (CacheBytes, Renders, Now, OnCache, and
	// CacheMaxAge for Cache-Control) are then ignored: it has its own.
	Cache *Cache
	// Pages, if set, serves the reader pages: "/", /articles/{id}.html and,
	// for a client that prefers text/html, /articles/{id} (whose JSON stays
	// at /articles/{id}.json and for every other client).
	Pages Pages
	// TombstoneWindow is how long a retraction is announced in the feeds
	// it left (default store.DefaultTombstoneWindow); see deleted.go.
	TombstoneWindow time.Duration
}

// Pages serves the HTML reader pages (package pages implements it).
type Pages interface {
	ServeFront(w http.ResponseWriter, r *http.Request)
	// ServeArticle serves the page of article id and reports true, or
	// false when the client does not prefer HTML and always is not set
	// (the .html URL is the page whatever the client accepts).
	ServeArticle(w http.ResponseWriter, r *http.Request, id string, always bool) bool
}

// Server serves the public feeds. Create it with NewServer, give it the
// sources with SetSources and start its watcher with Start. Every public
// document it serves comes from its Cache.
type Server struct {
	opts  Options
	r     *Renderer
	st    Store
	log   *slog.Logger
	cache *Cache

	srcs atomic.Pointer[sourceSet]

	partners  atomic.Pointer[partnerSet] // see partners.go
	privateCC []string
}

// sourceSet is one generation of the known sources.
type sourceSet struct {
	m   map[string]syndicate.Source
	ids []string // sorted; only sources that have feeds (redistribute is not none)
	gen uint64
}

// NewServer returns a Server.
func NewServer(opts Options) *Server {
	if opts.DefaultLimit <= 0 {
		opts.DefaultLimit = 30
	}
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = 100
	}
	if opts.TombstoneWindow <= 0 {
		opts.TombstoneWindow = store.DefaultTombstoneWindow
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, r: opts.Renderer, st: opts.Store, log: log, privateCC: privateCacheControl(opts.CacheMaxAge)}
	s.cache = opts.Cache
	if s.cache == nil {
		s.cache = NewCache(CacheOptions{
			Bytes: opts.CacheBytes, Renders: opts.Renders, States: opts.Store.FeedStates, Now: opts.Now,
			CacheControl: fmt.Sprintf("public, max-age=%d", int(opts.CacheMaxAge.Seconds())),
			OnCache:      opts.OnCache, Logger: log,
		})
	}
	s.srcs.Store(&sourceSet{m: map[string]syndicate.Source{}})
	return s
}

// SetSources replaces the known sources (names, attribution templates);
// every rendered document is re-rendered on its next request.
func (s *Server) SetSources(srcs []syndicate.Source) {
	m := make(map[string]syndicate.Source, len(srcs))
	ids := make([]string, 0, len(srcs))
	for _, src := range srcs {
		if _, dup := m[src.ID]; !dup && src.InFeeds() {
			ids = append(ids, src.ID)
		}
		m[src.ID] = src
	}
	slices.Sort(ids)
	for {
		old := s.srcs.Load()
		if s.srcs.CompareAndSwap(old, &sourceSet{m: m, ids: ids, gen: old.gen + 1}) {
			return
		}
	}
}

// Sources returns the known sources.
func (s *Server) Sources() map[string]syndicate.Source { return s.srcs.Load().m }

// Cache returns the document cache the server serves from; other packages
// serve their documents from it too (see Cache.Serve and Deps).
func (s *Server) Cache() *Cache { return s.cache }

// Deps returns the dependencies of a document that shows feeds and the
// known sources (names, attribution): it is re-rendered when one of the
// feeds changes or the sources are replaced.
func (s *Server) Deps(feeds ...store.FeedKey) Deps {
	return Deps{Feeds: feeds, Gen: s.srcs.Load().gen}
}

// Start subscribes to the store's change notifications until ctx ends.
func (s *Server) Start(ctx context.Context) {
	s.st.Watch(ctx, s.cache.Invalidate)
	s.cache.Run(ctx, s.opts.Recheck)
}

// Invalidate marks feeds changed (nil: all of them).
func (s *Server) Invalidate(feeds []store.FeedKey) { s.cache.Invalidate(feeds) }

// Renders counts documents rendered so far (tests prove cache hits with it).
func (s *Server) Renders() int64 { return s.cache.Renders() }

// Cached returns how many rendered documents the cache holds.
func (s *Server) Cached() int { return s.cache.Len() }

// Routes registers the public routes on mux.
func (s *Server) Routes(mux route.Registrar) {
	for _, f := range Formats {
		mux.HandleFunc("GET /feed."+string(f), s.handleSiteFeed(f))
		mux.HandleFunc("GET /comments."+string(f), s.handleAllComments(f))
	}
	mux.HandleFunc("GET /sources/{id}/{file}", s.handleSourceFeed)
	mux.HandleFunc("GET /categories/{slug}/{file}", s.handleCategoryFeed)
	mux.HandleFunc("GET /articles/{id}/{file}", s.handleArticleComments)
	mux.HandleFunc("GET /articles/{id}", s.handleArticle)
	if s.opts.Pages != nil {
		mux.HandleFunc("GET /{$}", s.opts.Pages.ServeFront)
	} else {
		mux.HandleFunc("GET /{$}", s.handleIndex)
	}
	mux.HandleFunc("GET /sources/{$}", s.handleSourceList)
	mux.HandleFunc("GET /categories/{$}", s.handleCategoryList)
	mux.HandleFunc("GET /feeds.opml", s.handleOPML)
	s.partnerRoutes(mux)
}

// fileFormat parses "feed.rss"-style names.
func fileFormat(file, stem string) (Format, bool) {
	rest, ok := strings.CutPrefix(file, stem)
	if !ok {
		return "", false
	}
	ext, ok := strings.CutPrefix(rest, ".")
	if !ok {
		return "", false
	}
	return ParseFormat(ext)
}

func notFound(w http.ResponseWriter, format string, args ...any) {
	httpError(w, http.StatusNotFound, fmt.Sprintf(format, args...))
}

// feedUnavailable is what a reader is told when a feed fails to render.
const feedUnavailable = "this feed is unavailable right now; try again shortly"

// httpError answers a plain-text error that feed readers on any origin
// may read.
func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	// Not kept by any cache, as the reader pages' errors are not: a 404
	// carries no freshness, and a shared cache's heuristic would keep
	// serving an embargoed article's 404 after its release.
	w.Header().Set("Cache-Control", "no-store")
	httperr.Problem{Status: code, Message: msg}.Text(w)
}

// renderError answers a failed render: a 404 says what is missing; any
// other error says only that the document is unavailable, its detail
// logged, with the status of its kind (500 unless the store is away).
func renderError(w http.ResponseWriter, log *slog.Logger, err error, public, msg string, args ...any) {
	httperr.Log(log, err, msg, args...)
	p := httperr.Of(err, public)
	httpError(w, p.Status, p.Message)
}

func (s *Server) handleSiteFeed(f Format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.serveFeed(w, r, feedSpec{key: store.FeedAll, format: f})
	}
}

func (s *Server) handleAllComments(f Format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.serveFeed(w, r, feedSpec{key: store.FeedComments, format: f})
	}
}

func (s *Server) handleSourceFeed(w http.ResponseWriter, r *http.Request) {
	id := route.Value(r, "id")
	f, ok := fileFormat(route.Value(r, "file"), "feed")
	if !ok {
		notFound(w, "no such feed: use /sources/%s/feed.rss, feed.atom or feed.json", id)
		return
	}
	if src, known := s.Sources()[id]; !known || !src.InFeeds() {
		notFound(w, "unknown source %q", id)
		return
	}
	s.serveFeed(w, r, feedSpec{key: store.SourceFeed(id), format: f})
}

func (s *Server) handleCategoryFeed(w http.ResponseWriter, r *http.Request) {
	slug := route.Value(r, "slug")
	f, ok := fileFormat(route.Value(r, "file"), "feed")
	if !ok {
		notFound(w, "no such feed: use /categories/%s/feed.rss, feed.atom or feed.json", slug)
		return
	}
	s.serveFeed(w, r, feedSpec{key: store.CategoryFeed(slug), format: f})
}

func (s *Server) handleArticleComments(w http.ResponseWriter, r *http.Request) {
	id := route.Value(r, "id")
	f, ok := fileFormat(route.Value(r, "file"), "comments")
	if !ok {
		notFound(w, "no such feed: use /articles/%s/comments.rss, comments.atom or comments.json", id)
		return
	}
	s.serveFeed(w, r, feedSpec{key: store.ArticleCommentsFeed(id), format: f})
}

// describe titles a feed on a cache miss, checking that it exists
// (ENotFound otherwise): nothing of it is built on the hot path.
func (s *Server) describe(ctx context.Context, key store.FeedKey) (title, description string, err error) {
	site := s.r.Site()
	switch kind, id := key.Split(); kind {
	case "all":
		return site.Title, site.Description, nil
	case "comments":
		return "Comments for " + site.Title, "Reader comments on articles republished by " + site.Title, nil
	case "source":
		src, ok := s.Sources()[id]
		if !ok {
			return "", "", syndicate.Errorf(syndicate.ENotFound, "unknown source %q", id)
		}
		return src.Name + " — " + site.Title, "Articles from " + src.Name + ", republished by " + site.Title, nil
	case "category":
		label, ok, err := s.st.CategoryLabel(ctx, id) // one key, not the list
		if err != nil {
			return "", "", err
		}
		if !ok {
			return "", "", syndicate.Errorf(syndicate.ENotFound, "unknown category %q", id)
		}
		return label + " — " + site.Title, "Articles in this category, republished by " + site.Title, nil
	case "article":
		v, err := s.st.Article(ctx, id)
		if err != nil {
			return "", "", err
		}
		return "Comments on: " + v.Title, "Comments on an article republished by " + site.Title, nil
	}
	return "", "", syndicate.Errorf(syndicate.ENotFound, "no such feed")
}

func (s *Server) handleArticle(w http.ResponseWriter, r *http.Request) {
	id := route.Value(r, "id")
	if j, ok := strings.CutSuffix(id, ".json"); ok {
		id = j // article ids have no dot
	} else if h, ok := strings.CutSuffix(id, ".html"); ok && s.opts.Pages != nil {
		s.opts.Pages.ServeArticle(w, r, h, true)
		return
	} else if s.opts.Pages != nil && s.opts.Pages.ServeArticle(w, r, id, false) {
		return
	}
	if len(id) > maxIDLength {
		notFound(w, "unknown article")
		return
	}
	// Its comment count moves with the article's comment feed, its content
	// with the site feed; the memo spares a re-render (the attribution line
	// is sanitized, which is not free) when neither touched this article.
	// The key is the id itself: no other document has the variant.
	key := Key{Name: id, Variant: "article.json"}
	if d := s.cache.Hit(key, s.srcs.Load().gen); d != nil {
		s.cache.Respond(w, r, d)
		return
	}
	deps := s.Deps(store.FeedAll, store.ArticleCommentsFeed(id))
	s.cache.Serve(w, r, key, deps, func(ctx context.Context, in RenderInput) (Content, error) {
		v, err := s.st.Article(ctx, id)
		if err != nil {
			if syndicate.ErrorKind(err) == syndicate.ENotFound {
				return Content{}, syndicate.Errorf(syndicate.ENotFound, "unknown article %q", id)
			}
			return Content{}, err
		}
		memo := fmt.Sprintf("%s|%s|%d|%d|%s", v.Hash, v.Updated.Format(time.RFC3339), v.CommentCount, deps.Gen, strings.Join(v.Carriers, ","))
		if memo == in.Memo {
			return Content{Memo: memo, Unchanged: true}, nil
		}
		body, err := marshalJSON(s.r.ArticleItem(v, s.Sources()))
		if err != nil {
			return Content{}, fmt.Errorf("render article %s: %w", v.ID, err)
		}
		modified := v.Updated
		if t := in.States[1].Modified; t.After(modified) {
			modified = t
		}
		return Content{Body: body, Type: "application/json; charset=utf-8", Memo: memo, Modified: modified, VaryAccept: s.opts.Pages != nil}, nil
	})
}

// feedSpec says which feed document a request is for.
type feedSpec struct {
	key    store.FeedKey
	format Format
}

// comments reports whether the feed lists comments rather than articles.
func (spec feedSpec) comments() bool {
	kind, _ := spec.key.Split()
	return kind == "comments" || kind == "article"
}

// params are a request's paging parameters.
type params struct{ page, limit int }

func (s *Server) parseParams(q url.Values) (params, error) {
	p := params{page: 1, limit: s.opts.DefaultLimit}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.opts.MaxLimit {
			return p, fmt.Errorf("limit must be a whole number from 1 to %d", s.opts.MaxLimit)
		}
		p.limit = n
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, fmt.Errorf("page must be a whole number from 1")
		}
		p.page = n
	}
	return p, nil
}

// pageURL builds a document URL, omitting default values: the URL
// without parameters is page 1 at the default limit.
func (s *Server) pageURL(spec feedSpec, page, limit int) string {
	path, _ := feedPath(spec.key)
	u := s.r.Site().BaseURL + path + "." + string(spec.format)
	var q []string
	if limit != s.opts.DefaultLimit {
		q = append(q, "limit="+strconv.Itoa(limit))
	}
	if page != 1 {
		q = append(q, "page="+strconv.Itoa(page))
	}
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	return u
}

// maxIDLength bounds ids and slugs in feed URLs (source ids are at most
// 64; article ids and slugs are short): longer ones are unknown.
const maxIDLength = 200

func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, spec feedSpec) {
	if _, id := spec.key.Split(); len(id) > maxIDLength {
		notFound(w, "no such feed")
		return
	}
	p := params{page: 1, limit: s.opts.DefaultLimit}
	var err error
	if r.URL.RawQuery != "" {
		p, err = s.parseParams(r.URL.Query())
	}
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	k := Key{Name: string(spec.key), Variant: string(spec.format), Page: p.page, Limit: p.limit}
	gen := s.srcs.Load().gen
	if d := s.cache.Hit(k, gen); d != nil {
		s.cache.Respond(w, r, d)
		return
	}
	deps := Deps{Feeds: []store.FeedKey{spec.key}, Gen: gen}
	d, _, err := s.cache.Get(r.Context(), k, deps, func(ctx context.Context, in RenderInput) (Content, error) {
		title, description, err := s.describe(ctx, spec.key)
		if err != nil {
			return Content{}, err
		}
		body, err := s.render(ctx, spec, p, in.States[0], title, description)
		return Content{Body: body, Type: spec.format.ContentType()}, err
	})
	switch {
	case err == nil:
		s.cache.Respond(w, r, d)
	default:
		renderError(w, s.log, err, feedUnavailable, "render feed", "feed", string(spec.key))
	}
}

func (s *Server) render(ctx context.Context, spec feedSpec, p params, state store.FeedState, title, description string) ([]byte, error) {
	offset := (p.page - 1) * p.limit
	doc := Doc{
		Format: spec.format, ID: s.pageURL(feedSpec{key: spec.key, format: Atom}, 1, s.opts.DefaultLimit),
		Title: title, Description: description, HomeURL: s.r.Site().BaseURL + "/", Created: state.Modified,
	}
	links := func(total int) error {
		last := max(1, (total+p.limit-1)/p.limit)
		if p.page > last {
			return syndicate.Errorf(syndicate.ENotFound, "page %d is past the end of this feed", p.page)
		}
		doc.Links = Links{Self: s.pageURL(spec, p.page, p.limit), First: s.pageURL(spec, 1, p.limit), Last: s.pageURL(spec, last, p.limit)}
		if p.page > 1 {
			doc.Links.Prev = s.pageURL(spec, p.page-1, p.limit)
		}
		if p.page < last {
			doc.Links.Next = s.pageURL(spec, p.page+1, p.limit)
		}
		return nil
	}
	if !spec.comments() {
		pg, err := filteredArticles(ctx, s.st, spec.key, offset, p.limit, visibleIn(s.Sources()))
		if err != nil {
			return nil, err
		}
		if err := links(pg.Total); err != nil {
			return nil, err
		}
		if doc.Deleted, err = s.deleted(ctx, spec.key, p.page, state); err != nil {
			return nil, err
		}
		return s.r.ArticleFeed(doc, pg.Items, s.Sources())
	}
	pg, err := s.st.Comments(ctx, spec.key, offset, p.limit)
	if err != nil {
		return nil, err
	}
	if err := links(pg.Total); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(pg.Items)+1)
	kind, id := spec.key.Split()
	if kind == "article" {
		ids = append(ids, id)
	}
	for _, c := range pg.Items {
		if !slices.Contains(ids, c.ArticleID) {
			ids = append(ids, c.ArticleID)
		}
	}
	arts, err := s.articlesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	items := make([]CommentItem, 0, len(pg.Items))
	for _, c := range pg.Items {
		if a, ok := arts[c.ArticleID]; ok {
			items = append(items, CommentItem{Comment: c, Article: a})
		}
	}
	if a, ok := arts[id]; ok && kind == "article" {
		doc.HomeURL = s.r.PageURL(a)
	}
	return s.r.CommentFeed(doc, items, spec.key == store.FeedComments)
}

// ArticleBatcher is implemented by stores that read many articles in one
// round trip; comment feeds use it when the store has it.
type ArticleBatcher interface {
	// ArticlesByID returns the articles of ids that exist.
	ArticlesByID(ctx context.Context, ids []string) (map[string]*syndicate.Article, error)
}

// articlesByID reads the articles a comment page shows: one batch when
// the store can, one read each otherwise.
func (s *Server) articlesByID(ctx context.Context, ids []string) (map[string]*syndicate.Article, error) {
	if b, ok := s.st.(ArticleBatcher); ok {
		return b.ArticlesByID(ctx, ids)
	}
	out := make(map[string]*syndicate.Article, len(ids))
	for _, id := range ids {
		v, err := s.st.Article(ctx, id)
		if syndicate.ErrorKind(err) == syndicate.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = v.Article
	}
	return out, nil
}
