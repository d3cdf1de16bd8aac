package feeds

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
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
	// CacheBytes bounds the rendered-feed cache (bodies plus gzip); the
	// least recently used documents go first. Default 256 MiB.
	CacheBytes int64
	// Pages, if set, serves the reader pages: "/" and, for a client that
	// prefers text/html, /articles/{id} (whose JSON stays at
	// /articles/{id}.json and for every other client).
	Pages Pages
}

// Pages serves the HTML reader pages (package pages implements it).
type Pages interface {
	ServeFront(w http.ResponseWriter, r *http.Request)
	// ServeArticle serves the article page and reports true, or false
	// when the client does not prefer HTML.
	ServeArticle(w http.ResponseWriter, r *http.Request) bool
}

// Server serves the public feeds. Create it with NewServer, give it the
// sources with SetSources and start its watcher with Start.
type Server struct {
	opts Options
	r    *Renderer
	st   Store
	log  *slog.Logger

	mu         sync.RWMutex
	cache      map[cacheKey]*entry
	cacheBytes int64        // sum of entry sizes, under mu
	clock      atomic.Int64 // coarse unix seconds, for LRU bookkeeping
	sources    map[string]syndicate.Source
	sourcesGen uint64

	versions *versions
	flight   flight
	renders  atomic.Int64

	articles     sync.Map // article id → *articleDoc
	articleCount atomic.Int64
	downAt       atomic.Int64 // unix nanos of the last store failure

	hCacheControl []string
}

// NewServer returns a Server.
func NewServer(opts Options) *Server {
	if opts.DefaultLimit <= 0 {
		opts.DefaultLimit = 30
	}
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = 100
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = 256 << 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{
		opts: opts, r: opts.Renderer, st: opts.Store, log: log,
		cache:         map[cacheKey]*entry{},
		sources:       map[string]syndicate.Source{},
		versions:      newVersions(),
		hCacheControl: []string{fmt.Sprintf("public, max-age=%d", int(opts.CacheMaxAge.Seconds()))},
	}
}

// SetSources replaces the known sources (names, attribution templates);
// every rendered document is re-rendered on its next request.
func (s *Server) SetSources(srcs []syndicate.Source) {
	m := make(map[string]syndicate.Source, len(srcs))
	for _, src := range srcs {
		m[src.ID] = src
	}
	s.mu.Lock()
	s.sources = m
	s.sourcesGen++
	s.mu.Unlock()
}

// Sources returns the known sources.
func (s *Server) Sources() map[string]syndicate.Source {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sources
}

// Start subscribes to the store's change notifications until ctx ends.
func (s *Server) Start(ctx context.Context) {
	s.st.Watch(ctx, s.Invalidate)
	s.clock.Store(time.Now().Unix())
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				s.clock.Store(now.Unix())
			}
		}
	}()
	if s.opts.Recheck > 0 {
		go func() {
			t := time.NewTicker(s.opts.Recheck)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					s.versions.invalidate(nil)
				}
			}
		}()
	}
}

// Invalidate marks feeds changed (nil: all of them).
func (s *Server) Invalidate(feeds []store.FeedKey) { s.versions.invalidate(feeds) }

// Renders counts documents rendered so far (tests prove cache hits with it).
func (s *Server) Renders() int64 { return s.renders.Load() }

// Routes registers the public routes on mux.
func (s *Server) Routes(mux *http.ServeMux) {
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
	mux.HandleFunc("GET /feeds.opml", s.handleOPML)
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

func httpError(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
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
	id := r.PathValue("id")
	f, ok := fileFormat(r.PathValue("file"), "feed")
	if !ok {
		notFound(w, "no such feed: use /sources/%s/feed.rss, feed.atom or feed.json", id)
		return
	}
	if _, known := s.Sources()[id]; !known {
		notFound(w, "unknown source %q", id)
		return
	}
	s.serveFeed(w, r, feedSpec{key: store.SourceFeed(id), format: f})
}

func (s *Server) handleCategoryFeed(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	f, ok := fileFormat(r.PathValue("file"), "feed")
	if !ok {
		notFound(w, "no such feed: use /categories/%s/feed.rss, feed.atom or feed.json", slug)
		return
	}
	s.serveFeed(w, r, feedSpec{key: store.CategoryFeed(slug), format: f})
}

func (s *Server) handleArticleComments(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f, ok := fileFormat(r.PathValue("file"), "comments")
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
		cats, err := s.st.Categories(ctx)
		if err != nil {
			return "", "", err
		}
		label, ok := cats[id]
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
	id := r.PathValue("id")
	if j, ok := strings.CutSuffix(id, ".json"); ok {
		id = j // article ids have no dot
	} else if s.opts.Pages != nil && s.opts.Pages.ServeArticle(w, r) {
		return
	}
	if len(id) > maxIDLength {
		notFound(w, "unknown article")
		return
	}
	v, err := s.st.Article(r.Context(), id)
	if err != nil {
		if syndicate.ErrorKind(err) == syndicate.ENotFound {
			notFound(w, "unknown article %q", id)
			return
		}
		s.log.Error("read article", "article_id", id, "error", err)
		httpError(w, http.StatusServiceUnavailable, "the store is unavailable; try again shortly")
		return
	}
	// The JSON is rendered once per (content, comment count, sources):
	// the attribution line is sanitized, which is not free.
	s.mu.RLock()
	gen := s.sourcesGen
	s.mu.RUnlock()
	memo := fmt.Sprintf("%s|%s|%d|%d|%s", v.Hash, v.Updated.Format(time.RFC3339), v.CommentCount, gen, strings.Join(v.Carriers, ","))
	e, _ := s.articles.Load(id)
	a, _ := e.(*articleDoc)
	if a == nil || a.memo != memo {
		body, err := marshalJSON(s.r.ArticleItem(v, s.Sources()))
		if err != nil {
			s.log.Error("render article", "article_id", v.ID, "error", err)
			httpError(w, http.StatusInternalServerError, "internal error")
			return
		}
		sum := sha256.Sum256(body)
		a = &articleDoc{memo: memo, body: body, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		if s.articleCount.Add(1) > maxArticleDocs {
			s.articles.Clear() // crude but bounded: re-rendered on demand
			s.articleCount.Store(1)
		}
		s.articles.Store(id, a)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Vary", "Accept")
	h.Set("ETag", a.etag)
	h["Cache-Control"] = s.hCacheControl
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(a.body)
}

// articleDoc is a rendered /articles/{id} body.
type articleDoc struct {
	memo, etag string
	body       []byte
}

// maxArticleDocs bounds the rendered-article memo.
const maxArticleDocs = 10000

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

// pageURL builds a document URL, omitting default values (DECISIONS §6).
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

var errPastEnd = errors.New("page past the end")

// Outage handling: a revalidation with a stale copy in hand waits at most
// revalidateTimeout; after a store failure, stale copies are served
// without asking the store for downWindow.
const (
	revalidateTimeout = 500 * time.Millisecond
	loadTimeout       = 20 * time.Second
	downWindow        = 2 * time.Second
)

func (s *Server) markDown() { s.downAt.Store(time.Now().UnixNano()) }

func (s *Server) storeDown() bool {
	at := s.downAt.Load()
	return at != 0 && time.Since(time.Unix(0, at)) < downWindow
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
	k := cacheKey{feed: spec.key, format: spec.format, page: p.page, limit: p.limit}
	s.mu.RLock()
	e := s.cache[k]
	gen := s.sourcesGen
	s.mu.RUnlock()
	if e != nil && e.sourcesGen == gen {
		if v, known, _ := s.versions.get(spec.key); known && v == e.version || s.storeDown() {
			// Fresh, or the store just failed: serve what we have
			// (stale-if-error) rather than wait on it per request.
			if s.opts.OnCache != nil {
				s.opts.OnCache(true)
			}
			if now := s.now(); e.used.Load() != now {
				e.used.Store(now)
			}
			s.respond(w, r, e)
			return
		}
	}
	if s.opts.OnCache != nil {
		s.opts.OnCache(false)
	}
	// The load serves every request waiting on this document: it must not
	// end because the first one hung up. With a stale copy to fall back
	// on, readers are not kept waiting long.
	timeout := loadTimeout
	if e != nil {
		timeout = revalidateTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	defer cancel()
	e2, err := s.flight.do(k, func() (*entry, error) { return s.load(ctx, spec, p, k, e, gen) })
	if err != nil && e != nil && !errors.Is(err, errPastEnd) && syndicate.ErrorKind(err) != syndicate.ENotFound {
		s.markDown()
	}
	switch {
	case err == nil:
		s.respond(w, r, e2)
	case errors.Is(err, errPastEnd):
		notFound(w, "page %d is past the end of this feed", p.page)
	case syndicate.ErrorKind(err) == syndicate.ENotFound:
		notFound(w, "%s", syndicate.ErrorMessage(err))
	case e != nil:
		// Stale-if-error: the store is away, the last good copy serves.
		s.log.Warn("serving a stale feed", "feed", string(spec.key), "error", err)
		s.respond(w, r, e)
	default:
		s.log.Error("render feed", "feed", string(spec.key), "error", err)
		httpError(w, http.StatusServiceUnavailable, "this feed is unavailable right now; try again shortly")
	}
}

// load refreshes a document on a cache miss: one version read from the
// store; a render only when the version moved.
func (s *Server) load(ctx context.Context, spec feedSpec, p params, k cacheKey, old *entry, gen uint64) (*entry, error) {
	_, _, token := s.versions.get(spec.key)
	states, err := s.st.FeedStates(ctx, []store.FeedKey{spec.key})
	if err != nil {
		return nil, err
	}
	state := states[spec.key]
	if old != nil && old.version == state.Version && old.sourcesGen == gen {
		s.versions.set(spec.key, state.Version, token)
		return old, nil
	}
	title, description, err := s.describe(ctx, spec.key)
	if err != nil {
		return nil, err
	}
	// Only feeds that exist are remembered: unknown ids never grow the map.
	s.versions.set(spec.key, state.Version, token)
	body, err := s.render(ctx, spec, p, state, title, description)
	if err != nil {
		return nil, err
	}
	e := newEntry(spec.key, state.Version, gen, spec.format, body, state.Modified)
	e.used.Store(s.now())
	s.mu.Lock()
	if old, ok := s.cache[k]; ok {
		s.cacheBytes -= old.size()
	}
	s.cache[k] = e
	s.cacheBytes += e.size()
	if s.cacheBytes > s.opts.CacheBytes {
		s.evict()
	}
	s.mu.Unlock()
	return e, nil
}

func (s *Server) render(ctx context.Context, spec feedSpec, p params, state store.FeedState, title, description string) ([]byte, error) {
	s.renders.Add(1)
	offset := (p.page - 1) * p.limit
	doc := Doc{
		Format: spec.format, ID: s.pageURL(feedSpec{key: spec.key, format: Atom}, 1, s.opts.DefaultLimit),
		Title: title, Description: description, HomeURL: s.r.Site().BaseURL + "/", Created: state.Modified,
	}
	links := func(total int) error {
		last := max(1, (total+p.limit-1)/p.limit)
		if p.page > last {
			return errPastEnd
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
		pg, err := s.st.Articles(ctx, spec.key, offset, p.limit)
		if err != nil {
			return nil, err
		}
		if err := links(pg.Total); err != nil {
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
	items := make([]CommentItem, 0, len(pg.Items))
	arts := map[string]*syndicate.Article{}
	for _, c := range pg.Items {
		a, ok := arts[c.ArticleID]
		if !ok {
			v, err := s.st.Article(ctx, c.ArticleID)
			if err != nil {
				if syndicate.ErrorKind(err) == syndicate.ENotFound {
					continue
				}
				return nil, err
			}
			a = v.Article
			arts[c.ArticleID] = a
		}
		items = append(items, CommentItem{Comment: c, Article: a})
	}
	if kind, id := spec.key.Split(); kind == "article" {
		if a, ok := arts[id]; ok {
			doc.HomeURL = s.r.PageURL(a)
		} else if v, err := s.st.Article(ctx, id); err == nil {
			doc.HomeURL = s.r.PageURL(v.Article)
		}
	}
	return s.r.CommentFeed(doc, items, spec.key == store.FeedComments)
}

// now is a coarse clock (whole seconds) that costs one atomic load.
func (s *Server) now() int64 {
	if t := s.clock.Load(); t != 0 {
		return t
	}
	return time.Now().Unix()
}

// evict drops the least recently used documents until the cache is under
// 90% of its bound. It runs under s.mu, only when the bound is passed.
func (s *Server) evict() {
	type kv struct {
		k    cacheKey
		used int64
	}
	all := make([]kv, 0, len(s.cache))
	for k, e := range s.cache {
		all = append(all, kv{k, e.used.Load()})
	}
	slices.SortFunc(all, func(a, b kv) int { return cmp.Compare(a.used, b.used) })
	for _, x := range all {
		if s.cacheBytes <= s.opts.CacheBytes*9/10 {
			break
		}
		s.cacheBytes -= s.cache[x.k].size()
		delete(s.cache, x.k)
	}
}

// Cached returns how many rendered documents the cache holds.
func (s *Server) Cached() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.cache)
}
