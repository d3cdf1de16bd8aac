package feeds

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"syndicate"
	"syndicate/internal/route"
	"syndicate/store"
)

// Partner feeds: a partner site pulls /partners/{name}/feed.*, and the
// per-source and per-category variants, with its key as ?key= (feed
// readers cannot set headers) or Authorization: Bearer. Each feed is one
// cached document per partner profile, format, page and limit, so a pull
// costs what a public one does; the key is checked on every request
// against the current profiles, so a rotated or revoked key stops at once.

// partnerSet is one generation of the known partner profiles.
type partnerSet struct {
	m map[string]*profile
}

// profile is a partner with what its requests need precomputed.
type profile struct {
	syndicate.Partner
	keySum [sha256.Size]byte
	names  map[store.FeedKey]string // cache key names, the site feed's
}

// keyMatches compares a presented key with the partner's in constant
// time, over hashes (neither length nor a common prefix shows).
func (p *profile) keyMatches(key string) bool {
	if key == "" {
		return false
	}
	var buf [256]byte // the usual key is hashed without an allocation
	sum := sha256.Sum256(append(buf[:0], key...))
	return subtle.ConstantTimeCompare(sum[:], p.keySum[:]) == 1
}

func (p *profile) cacheName(key store.FeedKey) string {
	if n, ok := p.names[key]; ok {
		return n
	}
	return "partner:" + p.Name + ":" + string(key)
}

// SetPartners replaces the partner profiles. Their documents are rendered
// again on their next request (a profile's sources, categories or
// content may have changed); a key change needs no render and takes
// effect on the next request.
func (s *Server) SetPartners(ps []syndicate.Partner) {
	m := make(map[string]*profile, len(ps))
	for _, p := range ps {
		if _, dup := m[p.Name]; !dup && p.Key != "" { // the first wins: config before API
			m[p.Name] = &profile{Partner: p, keySum: sha256.Sum256([]byte(p.Key)),
				names: map[store.FeedKey]string{store.FeedAll: "partner:" + p.Name + ":" + string(store.FeedAll)}}
		}
	}
	if old := s.partners.Load(); old != nil && sameProfiles(old.m, m) {
		return // a reload that changed nothing re-renders nothing
	}
	s.partners.Store(&partnerSet{m: m})
	for {
		old := s.srcs.Load()
		if s.srcs.CompareAndSwap(old, &sourceSet{m: old.m, ids: old.ids, gen: old.gen + 1}) {
			return
		}
	}
}

func sameProfiles(a, b map[string]*profile) bool {
	if len(a) != len(b) {
		return false
	}
	for name, p := range a {
		q, ok := b[name]
		if !ok || !reflect.DeepEqual(p.Partner, q.Partner) {
			return false
		}
	}
	return true
}

// partnerRoutes registers the partner feeds on mux.
func (s *Server) partnerRoutes(mux route.Registrar) {
	mux.HandleFunc("GET /partners/{name}/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.handlePartner(w, r, store.FeedAll, route.Value(r, "file"))
	})
	mux.HandleFunc("GET /partners/{name}/sources/{id}/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.handlePartner(w, r, store.SourceFeed(route.Value(r, "id")), route.Value(r, "file"))
	})
	mux.HandleFunc("GET /partners/{name}/categories/{slug}/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.handlePartner(w, r, store.CategoryFeed(route.Value(r, "slug")), route.Value(r, "file"))
	})
}

// partnerNotFound is the one answer to an unknown partner and to a
// missing, wrong or revoked key alike: nothing tells them apart.
func partnerNotFound(w http.ResponseWriter) { notFound(w, "no such feed") }

// dummyProfile is compared against when the name is unknown, so that an
// unknown name costs the same as a wrong key.
var dummyProfile = profile{keySum: sha256.Sum256([]byte("an unknown partner's key, never matched"))}

// partnerQuery is what a partner feed reads of its query string.
type partnerQuery struct{ key, limit, page string }

// readQuery reads key, limit and page from a raw query without building
// a url.Values (this is the hot path); other parameters are ignored.
func readQuery(raw string) partnerQuery {
	var q partnerQuery
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		switch k {
		case "key":
			if q.key == "" {
				q.key = v
			}
		case "limit":
			if q.limit == "" {
				q.limit = v
			}
		case "page":
			if q.page == "" {
				q.page = v
			}
		}
	}
	return q
}

// queryUnescape decodes a query component, leaving it as it is when it
// needs no decoding (no allocation) or does not decode.
func queryUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// requestKey is the key a request presents: Authorization: Bearer, else
// ?key=.
func requestKey(r *http.Request, q partnerQuery) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
	}
	return q.key
}

// authPartner returns the partner a request names when its key matches.
func (s *Server) authPartner(r *http.Request, q partnerQuery) (*profile, bool) {
	set := s.partners.Load()
	var p *profile
	if set != nil {
		p = set.m[route.Value(r, "name")]
	}
	if p == nil {
		dummyProfile.keyMatches(requestKey(r, q))
		return nil, false
	}
	return p, p.keyMatches(requestKey(r, q))
}

// hNoStore is shared by every answer that sets it: header values are
// never modified in place.
var hNoStore = []string{"no-store"}

func (s *Server) handlePartner(w http.ResponseWriter, r *http.Request, key store.FeedKey, file string) {
	// Every answer but the feed itself (which says private) is kept by no
	// cache: a shared cache may serve a request with Authorization from a
	// response stored for one without, so a cacheable 404 that anyone
	// fetched would lock out a partner sending its key as a Bearer token.
	w.Header()["Cache-Control"] = hNoStore
	q := readQuery(r.URL.RawQuery)
	pp, ok := s.authPartner(r, q)
	if !ok {
		partnerNotFound(w)
		return
	}
	f, ok := fileFormat(file, "feed")
	if !ok {
		notFound(w, "no such feed: use feed.rss, feed.atom or feed.json")
		return
	}
	p := pp.Partner
	switch kind, id := key.Split(); kind {
	case "source":
		src, known := s.Sources()[id]
		if !known || !src.InFeeds() || !p.AllowsSource(id) || len(id) > maxIDLength {
			notFound(w, "unknown source %q", id)
			return
		}
	case "category":
		if !p.AllowsCategory(id) || len(id) > maxIDLength {
			notFound(w, "unknown category %q", id)
			return
		}
	}
	prm := params{page: 1, limit: s.opts.DefaultLimit}
	if q.limit != "" || q.page != "" {
		var err error
		if prm, err = s.parseParams(url.Values{"limit": {q.limit}, "page": {q.page}}); err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	spec := feedSpec{key: key, format: f}
	k := Key{Name: pp.cacheName(key), Variant: string(f), Page: prm.page, Limit: prm.limit}
	deps := Deps{Feeds: []store.FeedKey{key}, Gen: s.srcs.Load().gen}
	d, _, err := s.cache.Get(r.Context(), k, deps, func(ctx context.Context, in RenderInput) (Content, error) {
		title, description, err := s.describe(ctx, key)
		if err != nil {
			return Content{}, err
		}
		body, err := s.renderPartner(ctx, p, spec, prm, in.States[0], title, description)
		// Private: a partner feed must not be kept by a shared cache
		// (nor read cross-origin by a page).
		return Content{Body: body, Type: f.ContentType(), CacheControl: s.privateCC, SameOrigin: true}, err
	})
	switch {
	case err == nil:
		s.cache.Respond(w, r, d)
	default:
		renderError(w, s.log, err, feedUnavailable, "render partner feed", "partner", p.Name, "feed", string(key))
	}
}

// partnerPageURL is a partner document's URL; its links carry the key so
// that a reader following them (RFC 5005 paging) stays authorized.
func (s *Server) partnerPageURL(p syndicate.Partner, spec feedSpec, page, limit int) string {
	path, _ := feedPath(spec.key)
	u := s.r.Site().BaseURL + "/partners/" + p.Name + path + "." + string(spec.format)
	q := []string{"key=" + url.QueryEscape(p.Key)}
	if limit != s.opts.DefaultLimit {
		q = append(q, "limit="+strconv.Itoa(limit))
	}
	if page != 1 {
		q = append(q, "page="+strconv.Itoa(page))
	}
	return u + "?" + strings.Join(q, "&")
}

// renderPartner renders a page of a partner feed: the store's feed, less
// what the profile leaves out, at most the profile's content level.
func (s *Server) renderPartner(ctx context.Context, p syndicate.Partner, spec feedSpec, prm params, state store.FeedState, title, description string) ([]byte, error) {
	sources := s.Sources()
	keep := func(a *syndicate.Article) bool {
		src := sourceOf(a, sources)
		return src.InFeeds() && p.Allows(a)
	}
	pg, err := filteredArticles(ctx, s.st, spec.key, (prm.page-1)*prm.limit, prm.limit, keep)
	if err != nil {
		return nil, err
	}
	last := max(1, (pg.Total+prm.limit-1)/prm.limit)
	if prm.page > last {
		return nil, syndicate.Errorf(syndicate.ENotFound, "page %d is past the end of this feed", prm.page)
	}
	path, _ := feedPath(spec.key)
	doc := Doc{
		Format: spec.format, ID: s.r.Site().BaseURL + "/partners/" + p.Name + path + ".atom",
		Title: title, Description: description, HomeURL: s.r.Site().BaseURL + "/", Created: state.Modified,
		Content: p.ContentLevel(), NoComments: !p.Comments, NoHub: true,
	}
	// A partner site is the one most in need of a takedown notice: its
	// feeds announce the retractions of what its profile would have shown.
	deleted, err := s.deleted(ctx, spec.key, prm.page, state)
	if err != nil {
		return nil, err
	}
	for _, d := range deleted {
		if partnerSaw(p, d) {
			doc.Deleted = append(doc.Deleted, d)
		}
	}
	doc.Links = Links{Self: s.partnerPageURL(p, spec, prm.page, prm.limit), First: s.partnerPageURL(p, spec, 1, prm.limit), Last: s.partnerPageURL(p, spec, last, prm.limit)}
	if prm.page > 1 {
		doc.Links.Prev = s.partnerPageURL(p, spec, prm.page-1, prm.limit)
	}
	if prm.page < last {
		doc.Links.Next = s.partnerPageURL(p, spec, prm.page+1, prm.limit)
	}
	return s.r.ArticleFeed(doc, pg.Items, sources)
}

// privateCacheControl is the Cache-Control of partner feeds.
func privateCacheControl(maxAge time.Duration) []string {
	return []string{"private, max-age=" + strconv.Itoa(int(maxAge.Seconds()))}
}

// partnerSaw reports whether a retracted article was in p's profile
// (Partner.Allows, from the source and category feeds the retraction
// recorded). A retraction that does not name its source (recorded before
// they did) is not announced: it could name an article of a source the
// partner may not read.
func partnerSaw(p syndicate.Partner, d store.Retraction) bool {
	if d.SourceID == "" {
		return false
	}
	var slugs []string
	for _, f := range d.Feeds {
		if kind, slug := f.Split(); kind == "category" {
			slugs = append(slugs, slug)
		}
	}
	return p.AllowsSlugs(d.SourceID, slugs)
}
