package feeds

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"syndicate"
	"syndicate/internal/serveconn"
	"syndicate/store"
)

// Cache keeps rendered documents in process, ready to serve: bytes, their
// gzip, strong ETags, Last-Modified and every header value precomputed, so
// a hit costs no rendering, no store round trip and almost no allocation.
//
// A document depends on the version stamps of some feeds (Deps.Feeds) and
// on a generation its owner bumps for what the store does not version (the
// set of sources). The store pushes version bumps (Invalidate); a document
// is fresh while every feed it depends on is at the version it was
// rendered from. On a miss the cache reads those versions once, and
// renders only when they moved: one render per key at a time
// (single-flight), at most CacheOptions.Renders renders at once (a burst
// of distinct uncached URLs queues rather than multiplying memory).
//
// When the store fails, the last good copy is served (stale-if-error), and
// for a short window after a failure stale copies are served without
// asking the store again.
//
// Everything it holds counts against CacheOptions.Bytes: body and gzip
// capacity, header values, the memo, the key and the bookkeeping; the
// least recently used documents are dropped first.
//
// Other packages serve their own documents from the same cache (a reader
// page, say) with Serve or Get, choosing a Key.Name of their own: this
// package uses feed keys ("all", "source:x") for feeds and URL paths ("/",
// "/sources/", "/feeds.opml", "/articles/{id}") for the rest, so a page's
// own path (with a Variant such as "html" if it shares a path) is a safe
// choice. See Serve.
type Cache struct {
	opts  CacheOptions
	log   *slog.Logger
	clock atomic.Int64 // coarse unix seconds, when Run is ticking

	mu    sync.RWMutex
	docs  map[Key]*Document
	bytes int64 // sum of Size over docs, under mu

	versions *versions
	flight   flight
	slots    chan struct{} // render semaphore
	renders  atomic.Int64
	downAt   atomic.Int64 // unix nanos of the last store failure

	hCacheControl []string
}

// CacheOptions configure a Cache.
type CacheOptions struct {
	// Bytes bounds what the cache holds (default 256 MiB).
	Bytes int64
	// Renders bounds concurrent renders (default 2 × GOMAXPROCS, at least 4).
	Renders int
	// States reads the version stamps of feeds from the store.
	States func(ctx context.Context, feeds []store.FeedKey) (map[store.FeedKey]store.FeedState, error)
	// Now is the clock (time.Now if nil): LRU bookkeeping, the outage window.
	Now func() time.Time
	// CacheControl is sent with every document ("public, max-age=0" if empty).
	CacheControl string
	// OnCache, if set, is told whether each Get was a hit.
	OnCache func(hit bool)
	Logger  *slog.Logger
}

// Key names a cached document. Name says which document (a namespace and
// an id chosen by the caller), Variant which representation of it (a
// format), Page and Limit which part of it; unknown query parameters are
// never part of a key.
type Key struct {
	Name    string
	Variant string
	Page    int
	Limit   int
}

// Deps is what a document is rendered from: the feeds whose version stamps
// it shows, and a generation the caller bumps for changes the store does
// not version (Server.Deps fills it with the source set's generation).
type Deps struct {
	Feeds []store.FeedKey
	Gen   uint64
}

// RenderInput is what a RenderFunc is given.
type RenderInput struct {
	// States are the stored version stamps of Deps.Feeds, in order.
	States []store.FeedState
	// Memo is the Memo of the cached copy being replaced ("" if none).
	Memo string
}

// RenderFunc renders a document. An error of kind syndicate.ENotFound is a
// 404 (nothing is cached, no stale copy is served); any other error serves
// the last good copy if there is one.
type RenderFunc func(ctx context.Context, in RenderInput) (Content, error)

// Content is a rendered document.
type Content struct {
	Body []byte
	Type string // Content-Type
	// Modified is the Last-Modified time; zero means the latest Modified of
	// the input states.
	Modified time.Time
	// Memo, optional, says cheaply what the body was made from; the next
	// render is given it, and may answer Unchanged to keep the cached bytes
	// (no rendering, no gzip).
	Memo      string
	Unchanged bool
	// VaryAccept marks a document chosen by the Accept header too (the
	// article route serves JSON or a page), so caches keep them apart.
	VaryAccept bool
	// Header, optional, holds more headers sent with the document's 200
	// responses (a page's security policy, say); keys in canonical form.
	// The values are shared by every response: not to be modified.
	Header http.Header
	// CacheControl, optional, replaces the cache's Cache-Control on every
	// response of the document (a partner's private feed); shared, not to
	// be modified.
	CacheControl []string
	// SameOrigin leaves out the CORS header that lets any page read the
	// document (a partner's private feed).
	SameOrigin bool
	// Expires, if not zero, is when the document goes stale by itself
	// (a page whose comment form closes then): the next request after it
	// renders again, whatever the versions say.
	Expires time.Time
}

// Document is one cached document, ready to serve.
type Document struct {
	key      Key
	feeds    []store.FeedKey // what versions are of
	versions []int64
	states   []*vstate // the version map's entries of feeds, read without its lock
	gen      uint64
	memo     string
	expires  int64        // unix seconds; 0: never (Content.Expires)
	used     atomic.Int64 // last use, coarse unix seconds (LRU)
	*rep
}

// headerField is one extra header of a document (canonical name, shared
// values).
type headerField struct {
	name   string
	values []string
}

// rep is a document's bytes and precomputed header values, shared by the
// documents that replace it unchanged.
type rep struct {
	body, gz           []byte
	etag, gzETag       string
	lastModified       time.Time
	hContentType       []string
	hVary              []string
	hExtra             []headerField // Content.Header, a slice: no map walk per response
	hCacheControl      []string      // Content.CacheControl; nil: the cache's
	sameOrigin         bool
	hETag, hGzETag     []string
	hLastModified      []string
	hLength, hGzLength []string
}

// sameAs reports whether o is e with perhaps another Last-Modified: the
// same bytes and the same headers.
func (e *rep) sameAs(o *rep) bool {
	if e.etag != o.etag || !bytes.Equal(e.body, o.body) || e.sameOrigin != o.sameOrigin ||
		!slices.Equal(e.hContentType, o.hContentType) || !slices.Equal(e.hVary, o.hVary) ||
		!slices.Equal(e.hCacheControl, o.hCacheControl) || len(e.hExtra) != len(o.hExtra) {
		return false
	}
	for _, h := range e.hExtra { // made from a map: in any order
		i := slices.IndexFunc(o.hExtra, func(x headerField) bool { return x.name == h.name })
		if i < 0 || !slices.Equal(h.values, o.hExtra[i].values) {
			return false
		}
	}
	return true
}

// Body returns the document's bytes (not to be modified).
func (d *Document) Body() []byte { return d.body }

// ETag returns the identity representation's strong ETag.
func (d *Document) ETag() string { return d.etag }

// Size is what the document counts against the cache bound: the capacity
// of its buffers, its strings and header values, and the bookkeeping of
// the document, its shared representation and its map slot.
func (d *Document) Size() int64 {
	n := int64(cap(d.body) + cap(d.gz) + len(d.etag) + len(d.gzETag) + len(d.memo) + len(d.key.Name) + len(d.key.Variant))
	for _, h := range [][]string{d.hContentType, d.hETag, d.hGzETag, d.hLastModified, d.hLength, d.hGzLength} {
		n += int64(unsafe.Sizeof("")) * int64(cap(h))
	}
	n += int64(len(d.hLastModified[0]) + len(d.hLength[0]) + len(d.hGzLength[0]))
	n += int64(unsafe.Sizeof(headerField{})) * int64(cap(d.hExtra))
	for _, f := range d.hExtra {
		n += int64(len(f.name)) + int64(unsafe.Sizeof(""))*int64(cap(f.values))
		for _, v := range f.values {
			n += int64(len(v))
		}
	}
	n += 8*int64(cap(d.versions)) + int64(unsafe.Sizeof((*vstate)(nil)))*int64(cap(d.states))
	// Each feed it depends on: the key and a share of its version entry.
	for _, f := range d.feeds {
		n += int64(len(f)) + int64(unsafe.Sizeof(f)) + versionOverhead
	}
	return n + docOverhead
}

// versionOverhead is what one known feed version costs (its state, a map
// slot and the key's header there).
const versionOverhead = int64(unsafe.Sizeof(vstate{})+unsafe.Sizeof(store.FeedKey(""))) + 32

// docOverhead is the fixed part of a document's footprint: its structs, a
// map slot (key, pointer and a share of the map's spare room).
const docOverhead = int64(unsafe.Sizeof(Document{})+unsafe.Sizeof(rep{})) + 2*int64(unsafe.Sizeof(Key{})+8) + 64

// NewCache returns a cache; Run keeps its coarse clock and is optional.
func NewCache(opts CacheOptions) *Cache {
	if opts.Bytes <= 0 {
		opts.Bytes = 256 << 20
	}
	if opts.Renders <= 0 {
		opts.Renders = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CacheControl == "" {
		opts.CacheControl = "public, max-age=0"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cache{
		opts: opts, log: log,
		docs:          map[Key]*Document{},
		versions:      newVersions(),
		slots:         make(chan struct{}, opts.Renders),
		hCacheControl: []string{opts.CacheControl},
	}
}

// Run ticks the coarse clock every second (a hit then costs one atomic
// load for its LRU stamp) and, with recheck > 0, forgets every known
// version that often, so a missed change notification costs at most that
// much staleness. It returns at once; the goroutines end with ctx.
func (c *Cache) Run(ctx context.Context, recheck time.Duration) {
	c.clock.Store(c.opts.Now().Unix())
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				c.clock.Store(c.opts.Now().Unix())
			}
		}
	}()
	if recheck > 0 {
		go func() {
			t := time.NewTicker(recheck)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					c.versions.invalidate(nil)
				}
			}
		}()
	}
}

// Invalidate marks feeds changed (nil: all of them).
func (c *Cache) Invalidate(feeds []store.FeedKey) { c.versions.invalidate(feeds) }

// Slot waits for one of the render slots, as long as a first render may
// queue for one (loadTimeout) at most, and returns its release, so renders
// made outside the cache (a reader page's own variant, which is never
// cached) count against the same bound: without it, a query parameter
// that bypasses the cache would buy unbounded concurrent renders.
func (c *Cache) Slot(ctx context.Context) (release func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	return c.slot(ctx)
}

// slot waits for a render slot until ctx ends.
func (c *Cache) slot(ctx context.Context) (release func(), err error) {
	select {
	case c.slots <- struct{}{}:
		return func() { <-c.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a render slot: %w", ctx.Err())
	}
}

// Renders counts render calls so far (tests prove cache hits with it).
func (c *Cache) Renders() int64 { return c.renders.Load() }

// Len returns how many documents the cache holds.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.docs)
}

// Bytes returns what the cached documents count against the bound.
func (c *Cache) Bytes() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bytes
}

// Outage handling: a revalidation with a stale copy in hand waits at most
// revalidateTimeout; after a store failure, stale copies are served
// without asking the store for downWindow. A first render may wait
// loadTimeout, queueing for a render slot included.
const (
	revalidateTimeout = 500 * time.Millisecond
	loadTimeout       = 20 * time.Second
	downWindow        = 2 * time.Second
)

func (c *Cache) now() int64 {
	if t := c.clock.Load(); t != 0 {
		return t
	}
	return c.opts.Now().Unix()
}

func (c *Cache) markDown() { c.downAt.Store(c.opts.Now().UnixNano()) }

func (c *Cache) storeDown() bool {
	at := c.downAt.Load()
	return at != 0 && c.opts.Now().Sub(time.Unix(0, at)) < downWindow
}

// expired reports whether d's Content.Expires has passed, strictly and
// in whole seconds, so a document rendered within the second it expires
// is not rendered again on every request of that second.
func (c *Cache) expired(d *Document) bool { return d.expires != 0 && c.now() > d.expires }

// fresh reports whether d was rendered from deps and every feed of them
// is known at the version d was rendered from.
func (c *Cache) fresh(d *Document, deps Deps) bool {
	return d.gen == deps.Gen && slices.Equal(d.feeds, deps.Feeds) && d.current()
}

// current reports whether every feed d was rendered from is known at the
// version it was rendered from: one atomic load per feed, no lock.
func (d *Document) current() bool {
	for i, s := range d.states {
		if v := s.at.Load(); v == nil || *v != d.versions[i] {
			return false
		}
	}
	return true
}

// Hit returns the document under key if it can be served as it is:
// rendered at generation gen, every feed it was rendered from still at
// its version, not expired; nil otherwise (then Get renders or revalidates
// it). It is Get's hit path without Deps, for a caller whose Deps for a
// key are always the same at one generation (the cached document's feeds
// then stand for them): its hot path builds no Deps and no RenderFunc.
func (c *Cache) Hit(key Key, gen uint64) *Document {
	c.mu.RLock()
	d := c.docs[key]
	c.mu.RUnlock()
	if d == nil || d.gen != gen || !d.current() || c.expired(d) {
		return nil
	}
	c.hit(d)
	return d
}

// hit counts a hit on d and stamps its last use.
func (c *Cache) hit(d *Document) {
	if c.opts.OnCache != nil {
		c.opts.OnCache(true)
	}
	if now := c.now(); d.used.Load() != now {
		d.used.Store(now)
	}
}

// Get returns the document under key, rendering it with render when it is
// missing or any feed of deps moved. The load goes on for every caller
// waiting on it even if ctx ends; with a stale copy to fall back on, it
// waits on the store at most half a second. stale says the copy returned
// is the last good one, served because the store failed.
func (c *Cache) Get(ctx context.Context, key Key, deps Deps, render RenderFunc) (d *Document, stale bool, err error) {
	c.mu.RLock()
	old := c.docs[key]
	c.mu.RUnlock()
	if old != nil && old.gen == deps.Gen && (c.fresh(old, deps) && !c.expired(old) || c.storeDown()) {
		c.hit(old)
		return old, false, nil
	}
	if c.opts.OnCache != nil {
		c.opts.OnCache(false)
	}
	timeout := loadTimeout
	if old != nil {
		timeout = revalidateTimeout
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	d, err = c.flight.do(key, func() (*Document, error) { return c.load(lctx, key, deps, old, render) })
	switch {
	case err == nil:
		return d, false, nil
	case syndicate.ErrorKind(err) == syndicate.ENotFound:
		return nil, false, err
	case old != nil && old.gen == deps.Gen:
		// Never across a generation: a source's rights or a partner's
		// profile may have narrowed since the copy was rendered.
		c.markDown()
		c.log.Warn("serving a stale copy", "document", key.Name, "error", err)
		return old, true, nil
	}
	return nil, false, err
}

// load refreshes a document: one version read from the store; a render
// only when a version moved.
func (c *Cache) load(ctx context.Context, key Key, deps Deps, old *Document, render RenderFunc) (*Document, error) {
	feeds := slices.Clone(deps.Feeds)
	tokens := make([]uint64, len(feeds))
	for i, f := range feeds {
		_, _, tokens[i] = c.versions.get(f)
	}
	in := RenderInput{States: make([]store.FeedState, len(feeds))}
	vers := make([]int64, len(feeds))
	if len(feeds) > 0 {
		states, err := c.opts.States(ctx, feeds)
		if err != nil {
			return nil, err
		}
		for i, f := range feeds {
			in.States[i] = states[f]
			vers[i] = states[f].Version
		}
	}
	remember := func() []*vstate {
		states := make([]*vstate, len(feeds))
		for i, f := range feeds {
			states[i] = c.versions.set(f, vers[i], tokens[i])
		}
		return states
	}
	if old != nil && old.gen == deps.Gen && slices.Equal(old.feeds, feeds) && slices.Equal(old.versions, vers) && !c.expired(old) {
		// The copy is current again. Its entries are those remember
		// returns: an entry the version map dropped meanwhile is replaced.
		if states := remember(); !slices.Equal(states, old.states) {
			d := &Document{key: key, feeds: old.feeds, versions: old.versions, states: states, gen: old.gen,
				memo: old.memo, expires: old.expires, rep: old.rep}
			d.used.Store(c.now())
			c.put(key, d)
			return d, nil
		}
		return old, nil
	}
	if old != nil {
		in.Memo = old.memo
	}
	release, err := c.slot(ctx) // ctx carries the load's timeout
	if err != nil {
		return nil, err
	}
	c.renders.Add(1)
	content, err := func() (Content, error) {
		defer release()
		return render(ctx, in)
	}()
	if err != nil {
		return nil, err
	}
	// Only documents that exist are remembered: unknown ids never grow
	// the version map.
	d := &Document{key: key, feeds: feeds, versions: vers, states: remember(), gen: deps.Gen, memo: content.Memo}
	if !content.Expires.IsZero() {
		d.expires = content.Expires.Unix()
	}
	if content.Unchanged && old != nil {
		d.rep, d.memo = old.rep, old.memo
	} else {
		modified := content.Modified
		if modified.IsZero() {
			for _, s := range in.States {
				if s.Modified.After(modified) {
					modified = s.Modified
				}
			}
		}
		d.rep = newRep(content.Type, content.Body, modified)
		if content.VaryAccept {
			d.rep.hVary = hVaryAccept
		}
		if len(content.Header) > 0 {
			for k, vs := range content.Header {
				d.rep.hExtra = append(d.rep.hExtra, headerField{k, vs})
			}
		}
		d.rep.hCacheControl, d.rep.sameOrigin = content.CacheControl, content.SameOrigin
		// A re-render that comes out byte for byte the same keeps the
		// cached copy's Last-Modified: a version bump that changed nothing
		// this document shows (an embargoed article arriving in its feed,
		// another source's article in a partner's feed) must not show in
		// its headers when it does not show in its body.
		if old != nil && old.rep.sameAs(d.rep) {
			d.rep = old.rep
		}
	}
	d.used.Store(c.now())
	c.put(key, d)
	return d, nil
}

func (c *Cache) put(key Key, d *Document) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.docs[key]; ok {
		c.bytes -= old.Size()
	}
	c.docs[key] = d
	c.bytes += d.Size()
	if c.bytes > c.opts.Bytes {
		c.evict()
	}
}

// evict drops the least recently used documents until the cache is under
// 90% of its bound. It runs under c.mu, only when the bound is passed.
func (c *Cache) evict() {
	type kv struct {
		k    Key
		used int64
	}
	all := make([]kv, 0, len(c.docs))
	for k, d := range c.docs {
		all = append(all, kv{k, d.used.Load()})
	}
	slices.SortFunc(all, func(a, b kv) int { return cmp.Compare(a.used, b.used) })
	for _, x := range all {
		if c.bytes <= c.opts.Bytes*9/10 {
			break
		}
		c.bytes -= c.docs[x.k].Size()
		delete(c.docs, x.k)
	}
	// Forget the versions no cached document depends on: the version map
	// grows with every feed ever served (an article id's comment feed, say)
	// and is only worth keeping for what is cached.
	keep := make(map[store.FeedKey]bool, len(c.docs))
	for _, d := range c.docs {
		for _, f := range d.feeds {
			keep[f] = true
		}
	}
	c.versions.retain(keep)
}

// Serve answers r with the document under key: Get, then a response per
// RFC 9110 (If-None-Match before If-Modified-Since, HEAD, gzip with its
// own strong ETag, the same validators on a 304). A render error of kind
// ENotFound is a 404 with its message; any other error, with no copy to
// fall back on, is a 503.
//
// A package serving its own pages from the cache calls, per request:
//
//	cache.Serve(w, r, feeds.Key{Name: "page:" + id}, srv.Deps(store.FeedAll),
//		func(ctx context.Context, in feeds.RenderInput) (feeds.Content, error) {
//			... read the store, render ...
//			return feeds.Content{Body: html, Type: "text/html; charset=utf-8"}, nil
//		})
func (c *Cache) Serve(w http.ResponseWriter, r *http.Request, key Key, deps Deps, render RenderFunc) {
	d, _, err := c.Get(r.Context(), key, deps, render)
	switch {
	case err == nil:
		c.Respond(w, r, d)
	default:
		renderError(w, c.log, err, "this document is unavailable right now; try again shortly", "render", "document", key.Name)
	}
}

var (
	hVary       = []string{"Accept-Encoding"}
	hVaryAccept = []string{"Accept, Accept-Encoding"}
	hCORS       = []string{"*"}
	hGzip       = []string{"gzip"}
)

// Respond writes d per RFC 9110 (see Serve).
func (c *Cache) Respond(w http.ResponseWriter, r *http.Request, d *Document) {
	gz := acceptsGzipHeader(r.Header)
	h := w.Header()
	h["Cache-Control"] = c.hCacheControl
	if d.hCacheControl != nil {
		h["Cache-Control"] = d.hCacheControl
	}
	h["Vary"] = hVary
	if d.hVary != nil {
		h["Vary"] = d.hVary
	}
	if !d.sameOrigin {
		h["Access-Control-Allow-Origin"] = hCORS
	}
	h["Last-Modified"] = d.hLastModified
	if gz {
		h["Etag"] = d.hGzETag
	} else {
		h["Etag"] = d.hETag
	}
	if notModified(r, d.rep) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	// No X-Content-Type-Options here: the type is exact, and every extra
	// header is measurable on this path (each costs a sort and a write per
	// response).
	h["Content-Type"] = d.hContentType
	for _, f := range d.hExtra {
		h[f.name] = f.values
	}
	body := d.body
	if gz {
		h["Content-Encoding"] = hGzip
		h["Content-Length"] = d.hGzLength
		body = d.gz
	} else {
		h["Content-Length"] = d.hLength
	}
	serveconn.Write(w, r, http.StatusOK, body)
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return zw
}}

func newRep(contentType string, body []byte, modified time.Time) *rep {
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	var gz bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&gz)
	zw.Write(body)
	zw.Close()
	gzipWriters.Put(zw)
	e := &rep{
		// Exact copies: a render's buffer may have twice the room it uses,
		// and the cache counts (and the heap keeps) capacity.
		body: bytes.Clone(body), gz: bytes.Clone(gz.Bytes()),
		etag: `"` + tag + `"`, gzETag: `"` + tag + `-gz"`,
		lastModified: modified.UTC().Truncate(time.Second),
		hContentType: []string{contentType},
	}
	e.hETag, e.hGzETag = []string{e.etag}, []string{e.gzETag}
	e.hLastModified = []string{e.lastModified.Format(http.TimeFormat)}
	e.hLength, e.hGzLength = []string{itoa64(int64(len(e.body)))}, []string{itoa64(int64(len(e.gz)))}
	return e
}

// versions tracks the store's version stamp of each feed as far as this
// process knows. Watch events mark a feed unknown; the next request asks
// the store once and everything after is served without a round trip.
type versions struct {
	mu  sync.RWMutex
	m   map[store.FeedKey]*vstate
	gen uint64 // bumped by invalidations the map cannot record, for keys not in it
}

// vstate is one feed's entry; its fields change under versions.mu, and
// at mirrors them for readers without the lock: the version while known,
// nil when not (and for good once the entry left the map, so a document
// holding it revalidates and takes the new one).
type vstate struct {
	version int64
	known   bool
	gen     uint64
	at      atomic.Pointer[int64]
}

func (s *vstate) setKnown(version int64) {
	s.version, s.known = version, true
	s.at.Store(&version)
}

func (s *vstate) setUnknown() {
	s.known = false
	s.at.Store(nil)
}

// gone is the entry of a document whose feed version could not be
// recorded: never known, so the document is never current by itself.
var gone = &vstate{}

func newVersions() *versions {
	return &versions{m: map[store.FeedKey]*vstate{}}
}

// get returns the known version of feed and a token to pass to set.
func (v *versions) get(feed store.FeedKey) (version int64, known bool, token uint64) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	s, ok := v.m[feed]
	if !ok {
		return 0, false, v.gen
	}
	return s.version, s.known, s.gen
}

// set records a version read from the store, unless an invalidation
// arrived since the token was taken (then the read may be stale), and
// returns feed's entry (gone if there is none).
func (v *versions) set(feed store.FeedKey, version int64, token uint64) *vstate {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.m[feed]
	if !ok {
		if token != v.gen {
			return gone
		}
		s = &vstate{gen: token}
		v.m[feed] = s
	}
	if s.gen == token {
		s.setKnown(version)
	}
	return s
}

// retain forgets every feed not in keep.
func (v *versions) retain(keep map[store.FeedKey]bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for f, s := range v.m {
		if !keep[f] {
			s.setUnknown()
			delete(v.m, f)
		}
	}
}

// invalidate marks feeds unknown; nil marks every feed unknown.
func (v *versions) invalidate(feeds []store.FeedKey) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if feeds == nil {
		v.gen++
		for _, s := range v.m {
			s.setUnknown()
			s.gen = v.gen
		}
		return
	}
	unknown := false
	for _, f := range feeds {
		if s, ok := v.m[f]; ok {
			s.setUnknown()
			s.gen++
		} else {
			unknown = true
		}
	}
	if unknown {
		// A load of a feed not yet (or no longer) in the map may have
		// read the store before this change: its token must not match.
		v.gen++
	}
}

// flight deduplicates concurrent loads of one document.
type flight struct {
	mu    sync.Mutex
	calls map[Key]*call
}

type call struct {
	done chan struct{}
	d    *Document
	err  error
}

var errPanicked = errors.New("render panicked")

func (f *flight) do(k Key, fn func() (*Document, error)) (*Document, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[Key]*call{}
	}
	if c, ok := f.calls[k]; ok {
		f.mu.Unlock()
		<-c.done
		return c.d, c.err
	}
	c := &call{done: make(chan struct{})}
	f.calls[k] = c
	f.mu.Unlock()
	defer func() {
		// Even if fn panics, the key is freed and waiters are released
		// (the panic goes on to the handler's recover).
		if r := recover(); r != nil {
			c.err = fmt.Errorf("%w: %v", errPanicked, r)
			f.finish(k, c)
			panic(r)
		}
		f.finish(k, c)
	}()
	c.d, c.err = fn()
	return c.d, c.err
}

func (f *flight) finish(k Key, c *call) {
	f.mu.Lock()
	delete(f.calls, k)
	f.mu.Unlock()
	close(c.done)
}
