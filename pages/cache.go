package pages

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"syndicate"
	"syndicate/feeds"
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
var errPastEnd = syndicate.Errorf(syndicate.ENotFound, "This page is past the end of the list.")

// Pages are documents of the feeds' cache (feeds.Cache): one byte budget,
// one bound on concurrent renders, one stream of version bumps for feeds
// and pages alike. The cache owns freshness, single-flight, ETags, gzip,
// 304s and stale-if-error; this file says which feeds a page is built on
// and which headers it carries.

// cacheKey is a page's name in the shared cache: its id, with a variant
// per kind that no feed document uses ("page:…"; feeds vary by format).
func cacheKey(k Key) feeds.Key {
	return feeds.Key{Name: k.ID, Variant: kindVariant(k.Kind), Page: k.Page}
}

func kindVariant(kind string) string {
	switch kind {
	case KindArticle:
		return "page:" + KindArticle
	case KindThread:
		return "page:" + KindThread
	case KindFront:
		return "page:" + KindFront
	case KindSource:
		return "page:" + KindSource
	case KindCategory:
		return "page:" + KindCategory
	}
	return "page:" + kind
}

// deps are the feeds a page is built on. An article page shows the
// article (every article is in the site feed, whose version moves when
// one changes) and its comments; a list shows its feed, and the feed list
// with the categories in use (the site feed again). Sources are not
// versioned by the store: SetSources bumps the generation.
func (s *Server) deps(k Key) feeds.Deps {
	gen := s.gen.Load()
	switch k.Kind {
	case KindArticle, KindThread:
		return feeds.Deps{Feeds: []store.FeedKey{store.FeedAll, store.ArticleCommentsFeed(k.ID)}, Gen: gen}
	case KindSource:
		return feeds.Deps{Feeds: []store.FeedKey{store.SourceFeed(k.ID), store.FeedAll}, Gen: gen}
	case KindCategory:
		return feeds.Deps{Feeds: []store.FeedKey{store.CategoryFeed(k.ID), store.FeedAll}, Gen: gen}
	}
	return feeds.Deps{Feeds: []store.FeedKey{store.FeedAll}, Gen: gen}
}

var hHTML = "text/html; charset=utf-8"

// renderFunc renders page k for the cache. An article page is rendered
// again only when something it shows moved: the site feed's version moves
// with every article ingested, so the memo (the article's hash, its
// comments' version, the source generation, whether comments are open)
// spares the comments read and the template for the other articles.
func (s *Server) renderFunc(k Key, deps feeds.Deps) feeds.RenderFunc {
	return func(ctx context.Context, in feeds.RenderInput) (feeds.Content, error) {
		var stamp string
		if len(in.States) == 2 {
			stamp = strconv.FormatUint(deps.Gen, 10) + "|" + strconv.FormatInt(in.States[1].Version, 10)
		}
		out, err := s.render(ctx, k, nil, stamp, in.Memo)
		if err != nil {
			return feeds.Content{}, err
		}
		c := feeds.Content{Memo: out.memo, Unchanged: out.unchanged, Expires: out.expires, Type: hHTML}
		if out.unchanged {
			return c, nil
		}
		c.Body = out.body
		c.Header = s.headers(k, out.noindex)
		c.VaryAccept = k.Kind == KindArticle // the same URL serves JSON to other clients
		c.SameOrigin = true                  // a page is not for other origins' scripts to read
		if !out.modified.IsZero() && len(in.States) == 2 {
			c.Modified = out.modified
			if t := in.States[1].Modified; t.After(c.Modified) {
				c.Modified = t
			}
		}
		return c, nil
	}
}

// serve answers a page request from the cache, rendering on a miss.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, k Key) {
	if len(k.ID) > 200 {
		s.notFound(w, r, "No such page.")
		return
	}
	key := cacheKey(k)
	if d := s.cache.Hit(key, s.gen.Load()); d != nil { // deps(k) is a function of k and the generation
		s.cache.Respond(w, r, d)
		return
	}
	deps := s.deps(k)
	d, _, err := s.cache.Get(r.Context(), key, deps, s.renderFunc(k, deps))
	switch {
	case err == nil:
		s.cache.Respond(w, r, d)
	case syndicate.ErrorKind(err) == syndicate.ENotFound:
		s.notFound(w, r, syndicate.ErrorMessage(err))
	default:
		s.renderError(w, err, k)
	}
}

// Render renders one page as the cache would serve it (for tests).
func (s *Server) Render(ctx context.Context, k Key) ([]byte, error) {
	out, err := s.render(ctx, k, nil, "", "")
	if err != nil {
		return nil, err
	}
	return out.body, nil
}

// newHeaders returns the fixed headers of a page kind, made once and
// shared by every response: a strict CSP (no script, our own styles,
// images over https, framing only for the embeddable thread). What HTML
// can say itself it says in the page, not in a header every response pays
// for: the referrer policy (<meta name="referrer">) and noindex (<meta
// name="robots">; the header too where noindex is set, for the per-reader
// variants). Framing is refused by the CSP's frame-ancestors, which every
// current browser applies (X-Frame-Options is its legacy form). No
// X-Content-Type-Options: a page is sent as exactly what it is,
// text/html, so there is nothing for a browser to sniff it into (the
// stylesheet, which is a subresource, carries nosniff). Each header
// counts on this path: net/http copies the header map of every response,
// and beyond eight entries the copy and the handler's own map allocate
// twice the room (the cached page's 200 now sends eight, gzip included).
func (s *Server) newHeaders(frameAncestors string, noindex bool) http.Header {
	form := "form-action 'self'"
	if o := originOf(s.r.Site().BaseURL); o != "" {
		form += " " + o
	}
	csp := "default-src 'none'; style-src 'self'; img-src https: 'self'; " + frameSrc(s.r.Policy().FrameSources()) +
		form + "; base-uri 'none'; " + frameAncestors
	h := http.Header{
		"Content-Security-Policy": {csp},
	}
	if noindex {
		h["X-Robots-Tag"] = []string{"noindex"}
	}
	return h
}

// frameSrc is the CSP directive for the iframes sanitized content may
// hold: those the policy keeps ("" without any: the default 'none' then
// refuses every frame, and none survives sanitizing). No media-src: the
// policy keeps no audio or video element.
func frameSrc(sources []string) string {
	if len(sources) == 0 {
		return ""
	}
	return "frame-src " + strings.Join(sources, " ") + "; "
}

// headers returns the shared header set of a page.
func (s *Server) headers(k Key, noindex bool) http.Header {
	switch {
	case k.Kind == KindThread:
		return s.hThread // never indexed: the article page is the one to index
	case noindex:
		return s.hPageNoIndex
	}
	return s.hPage
}

// serveVariant renders a page for one reader (a reply form, the notice
// after a post, a form with errors): never cached, never indexed.
func (s *Server) serveVariant(w http.ResponseWriter, r *http.Request, k Key, v *variant) {
	// A variant is never cached (?replytocom= of any value makes one): it
	// takes a render slot of the cache like any render.
	release, err := s.cache.Slot(r.Context())
	if err != nil {
		w.Header().Set("Retry-After", "1")
		s.plainError(w, http.StatusServiceUnavailable, "This page is busy right now; try again shortly.")
		return
	}
	out, err := s.render(r.Context(), k, v, "", "")
	release()
	switch {
	case err == nil:
	case syndicate.ErrorKind(err) == syndicate.ENotFound:
		s.notFound(w, r, syndicate.ErrorMessage(err))
		return
	default:
		s.renderError(w, err, k)
		return
	}
	h := w.Header()
	for name, vals := range s.headers(k, true) {
		h[name] = vals
	}
	if k.Kind == KindArticle {
		h.Set("Vary", "Accept, Accept-Encoding")
	}
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", hHTML)
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

// ownCache is the cache of a Server made without Options.Cache.
func ownCache(opts Options, log *slog.Logger) *feeds.Cache {
	return feeds.NewCache(feeds.CacheOptions{
		States: opts.Store.FeedStates, Now: opts.Now, Logger: log,
		CacheControl: "public, max-age=" + strconv.Itoa(int(opts.CacheMaxAge.Seconds())),
	})
}
