package pages

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"syndicate"
	"syndicate/store"
)

// Kinds of page.
const (
	KindArticle  = "article"  // /articles/{id}
	KindThread   = "thread"   // /articles/{id}/comments, the embeddable thread
	KindFront    = "front"    // /
	KindSource   = "source"   // /sources/{id}/
	KindCategory = "category" // /categories/{slug}/
)

// Key names one rendered page.
type Key struct {
	Kind string
	ID   string // article id, source id or category slug
	Page int    // list page, or comment page of an article (from 1)
}

// errPastEnd is a page number beyond the last page (404).
var errPastEnd = errors.New("page past the end")

// doc is one rendered page, ready to serve.
type doc struct {
	body, gz           []byte
	etag, gzETag       string
	hETag, hGzETag     []string
	hLength, hGzLength []string
	noindex            bool
	expires            time.Time
	gen                uint64
	deps               []store.FeedKey
	vers               []uint64
}

// cache keeps rendered pages until a feed they were built on changes. It
// learns of changes from the store's watch stream, so a fresh page is
// served without a store round trip.
type cache struct {
	mu      sync.RWMutex
	gen     uint64        // bumped by "everything changed" (nil) and SetSources
	seq     atomic.Uint64 // bumped by every invalidation
	ver     map[store.FeedKey]uint64
	docs    map[Key]*doc
	renders atomic.Int64
	flight  sync.Map // Key → *call
	now     func() time.Time
}

type call struct {
	done chan struct{}
	d    *doc
	err  error
}

// maxDocs bounds the cache; past it the cache starts over (each page is
// rendered again on demand).
const maxDocs = 20000

func (c *cache) seqNow() uint64 { return c.seq.Load() }

func (c *cache) init(now func() time.Time) {
	c.now = now
	c.ver = map[store.FeedKey]uint64{}
	c.docs = map[Key]*doc{}
}

func (c *cache) invalidate(changed []store.FeedKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq.Add(1)
	if changed == nil {
		c.gen++
		return
	}
	for _, k := range changed {
		c.ver[k]++
	}
}

// stamp returns the current generation and versions of deps.
func (c *cache) stamp(deps []store.FeedKey) (uint64, []uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	vers := make([]uint64, len(deps))
	for i, k := range deps {
		vers[i] = c.ver[k]
	}
	return c.gen, vers
}

func (c *cache) get(k Key) (d *doc, fresh bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d = c.docs[k]
	if d == nil {
		return nil, false
	}
	if d.gen != c.gen || !d.expires.IsZero() && c.now().After(d.expires) {
		return d, false
	}
	for i, dep := range d.deps {
		if c.ver[dep] != d.vers[i] {
			return d, false
		}
	}
	return d, true
}

func (c *cache) put(k Key, d *doc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.docs) >= maxDocs {
		c.docs = map[Key]*doc{}
	}
	c.docs[k] = d
}

func newDoc(body []byte, noindex bool) *doc {
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	d := &doc{body: body, gz: gz.Bytes(), etag: `"` + tag + `"`, gzETag: `"` + tag + `-gz"`, noindex: noindex,
		hLength: []string{strconv.Itoa(len(body))}, hGzLength: []string{strconv.Itoa(gz.Len())}}
	d.hETag, d.hGzETag = []string{d.etag}, []string{d.gzETag}
	return d
}

// Outage handling, as for the feeds: with a stale copy in hand a
// re-render waits at most revalidateTimeout, then the stale copy serves.
const (
	revalidateTimeout = 500 * time.Millisecond
	loadTimeout       = 20 * time.Second
)

// serve answers a page request from the cache, rendering on a miss; one
// render per key at a time, whoever asks.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, k Key) {
	if len(k.ID) > 200 {
		s.notFound(w, r, "No such page.")
		return
	}
	old, fresh := s.cache.get(k)
	if fresh {
		s.respond(w, r, k, old)
		return
	}
	timeout := loadTimeout
	if old != nil {
		timeout = revalidateTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	defer cancel()
	d, err := s.load(ctx, k)
	switch {
	case err == nil:
		s.respond(w, r, k, d)
	case errors.Is(err, errPastEnd):
		s.notFound(w, r, "This page is past the end of the list.")
	case syndicate.ErrorKind(err) == syndicate.ENotFound:
		s.notFound(w, r, syndicate.ErrorMessage(err))
	case old != nil:
		s.log.Warn("serving a stale page", "page", k.Kind, "id", k.ID, "error", err)
		s.respond(w, r, k, old)
	default:
		s.log.Error("render page", "page", k.Kind, "id", k.ID, "error", err)
		s.plainError(w, http.StatusServiceUnavailable, "This page is unavailable right now; try again shortly.")
	}
}

// load renders k once for every request waiting on it.
func (s *Server) load(ctx context.Context, k Key) (*doc, error) {
	c := &call{done: make(chan struct{})}
	if v, loaded := s.cache.flight.LoadOrStore(k, c); loaded {
		c = v.(*call)
		select {
		case <-c.done:
			return c.d, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer func() {
		s.cache.flight.Delete(k)
		close(c.done)
	}()
	out, err := s.render(ctx, k, nil)
	if err != nil {
		c.err = err
		return nil, err
	}
	d := newDoc(out.body, out.noindex)
	d.gen, d.deps, d.vers, d.expires = out.gen, out.deps, out.vers, out.expires
	s.cache.put(k, d)
	c.d = d
	return d, nil
}

// Render renders one page as the cache would serve it (for another cache
// to keep, and for tests).
func (s *Server) Render(ctx context.Context, k Key) ([]byte, error) {
	out, err := s.render(ctx, k, nil)
	if err != nil {
		return nil, err
	}
	return out.body, nil
}

// pageHeaders are the fixed headers of a page kind, precomputed so a
// cache hit only assigns slices: a strict CSP (no script, our own styles,
// images over https) and framing only for the embeddable thread.
type pageHeaders struct {
	csp, frame, nosniff, referrer []string
}

func (s *Server) newHeaders(frameAncestors string) pageHeaders {
	form := "form-action 'self'"
	if o := originOf(s.r.Site().BaseURL); o != "" {
		form += " " + o
	}
	csp := "default-src 'none'; style-src 'self'; img-src https: 'self'; media-src https:; frame-src https:; " +
		form + "; base-uri 'none'; " + frameAncestors
	h := pageHeaders{csp: []string{csp}, nosniff: []string{"nosniff"}, referrer: []string{"strict-origin-when-cross-origin"}}
	if frameAncestors == "frame-ancestors 'none'" {
		h.frame = []string{"DENY"}
	}
	return h
}

func (s *Server) securityHeaders(h http.Header, k Key) {
	ph := &s.hPage
	if k.Kind == KindThread {
		ph = &s.hThread
	}
	h["Content-Security-Policy"] = ph.csp
	if ph.frame != nil {
		h["X-Frame-Options"] = ph.frame
	}
	h["X-Content-Type-Options"] = ph.nosniff
	h["Referrer-Policy"] = ph.referrer
}

var (
	hHTML     = []string{"text/html; charset=utf-8"}
	hGzip     = []string{"gzip"}
	hNoIndex  = []string{"noindex"}
	hVaryEnc  = []string{"Accept-Encoding"}
	hVaryBoth = []string{"Accept, Accept-Encoding"}
)

func (s *Server) respond(w http.ResponseWriter, r *http.Request, k Key, d *doc) {
	h := w.Header()
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	h["Cache-Control"] = s.hCacheControl
	if k.Kind == KindArticle {
		h["Vary"] = hVaryBoth // the same URL serves JSON to other clients
	} else {
		h["Vary"] = hVaryEnc
	}
	if gz {
		h["Etag"] = d.hGzETag
	} else {
		h["Etag"] = d.hETag
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, d.etag, d.gzETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.securityHeaders(h, k)
	if d.noindex {
		h["X-Robots-Tag"] = hNoIndex
	}
	h["Content-Type"] = hHTML
	body := d.body
	if gz {
		h["Content-Encoding"] = hGzip
		h["Content-Length"] = d.hGzLength
		body = d.gz
	} else {
		h["Content-Length"] = d.hLength
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// serveVariant renders a page for one reader (a reply form, the notice
// after a post, a form with errors): never cached, never indexed.
func (s *Server) serveVariant(w http.ResponseWriter, r *http.Request, k Key, v *variant) {
	out, err := s.render(r.Context(), k, v)
	switch {
	case err == nil:
	case errors.Is(err, errPastEnd):
		s.notFound(w, r, "This page is past the end of the list.")
		return
	case syndicate.ErrorKind(err) == syndicate.ENotFound:
		s.notFound(w, r, syndicate.ErrorMessage(err))
		return
	default:
		s.log.Error("render page", "page", k.Kind, "id", k.ID, "error", err)
		s.plainError(w, http.StatusServiceUnavailable, "This page is unavailable right now; try again shortly.")
		return
	}
	h := w.Header()
	s.securityHeaders(h, k)
	if k.Kind == KindArticle {
		h["Vary"] = hVaryBoth
	}
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex")
	h.Set("Content-Type", "text/html; charset=utf-8")
	code := v.code
	if code == 0 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	w.Write(out.body)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	s.plainError(w, http.StatusNotFound, msg)
}

// etagMatch is the weak comparison If-None-Match uses (RFC 9110 §13.1.2).
func etagMatch(header string, tags ...string) bool {
	for header != "" {
		var tok string
		tok, header, _ = strings.Cut(header, ",")
		tok = strings.TrimPrefix(strings.TrimSpace(tok), "W/")
		if tok == "*" {
			return true
		}
		for _, t := range tags {
			if tok == t {
				return true
			}
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip.
func acceptsGzip(v string) bool {
	for v != "" {
		var tok string
		tok, v, _ = strings.Cut(v, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(tok), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		params = strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if q, ok := strings.CutPrefix(params, "q="); ok {
			if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}
