// Package route is an http.ServeMux with a fast path for the requests a
// feed server answers most: GET and HEAD of a clean path. Every pattern is
// registered with the ServeMux, which stays the authority (conflicts,
// redirects, 404 and 405, every other method and every path it would
// clean or unescape); patterns of the shapes the server uses (literal and
// whole-segment wildcard segments, an optional {$}) are also kept in a
// small tree that routes a clean GET without the ServeMux's general
// matching: the most specific pattern wins, as the ServeMux's rules say.
//
// A pattern the tree cannot model (a host, a {name...} wildcard, a
// trailing-slash prefix, a HEAD-only route) turns the fast path off, so a
// request is never routed differently than by the ServeMux alone.
package route

import (
	"net/http"
	"strings"
)

// Registrar is what a package's Routes needs: *http.ServeMux and *Mux
// both have it.
type Registrar interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// Mux routes requests like http.ServeMux, faster for clean GETs.
type Mux struct {
	mux  http.ServeMux
	root node
	off  bool // a pattern the tree cannot model was registered
}

type node struct {
	lit  map[string]*node
	wild *node
	name string // the wildcard's name (on wild's parent edge)
	// end is the route of a pattern ending at this node, slash of one
	// ending here with "/{$}"; get marks a GET (not method-less) pattern,
	// which wins over a method-less one at the same place.
	end, slash *leaf
}

type leaf struct {
	h       http.Handler
	pattern string
	get     bool
}

var _ Registrar = (*Mux)(nil)

// New returns an empty Mux.
func New() *Mux { return &Mux{} }

// Handle registers handler for pattern (http.ServeMux syntax); it panics
// where the ServeMux would.
func (m *Mux) Handle(pattern string, handler http.Handler) {
	m.mux.Handle(pattern, handler)
	m.learn(pattern, handler)
}

// HandleFunc registers handler for pattern.
func (m *Mux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(handler))
}

func (m *Mux) learn(pattern string, h http.Handler) {
	method, path := "", pattern
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		method, path = pattern[:i], strings.TrimLeft(pattern[i+1:], " \t")
	}
	switch method {
	case "", http.MethodGet:
	case http.MethodHead:
		m.off = true // a HEAD route would win over GET's for HEAD requests
		return
	default:
		return // never a GET or HEAD request's route
	}
	if !strings.HasPrefix(path, "/") {
		m.off = true // a host pattern
		return
	}
	n := &m.root
	segs := strings.Split(path[1:], "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		switch {
		case last && seg == "{$}" && i > 0:
			n.slash = place(n.slash, h, pattern, method)
			return
		case last && seg == "{$}": // "/{$}": the root
			m.root.slash = place(m.root.slash, h, pattern, method)
			return
		case seg == "" || strings.HasSuffix(seg, "...}") || strings.Contains(seg, "{") && !wildcard(seg) || strings.Contains(seg, "%"):
			m.off = true // a prefix pattern, a rest wildcard, a partial one, an escape the ServeMux decodes
			return
		case wildcard(seg):
			if n.wild == nil {
				n.wild = &node{}
				n.name = seg[1 : len(seg)-1]
			} else if n.name != seg[1:len(seg)-1] {
				m.off = true // two names for one place: leave it to the ServeMux
				return
			}
			n = n.wild
		default:
			if n.lit == nil {
				n.lit = map[string]*node{}
			}
			c := n.lit[seg]
			if c == nil {
				c = &node{}
				n.lit[seg] = c
			}
			n = c
		}
	}
	n.end = place(n.end, h, pattern, method)
}

func wildcard(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' && !strings.ContainsAny(seg[1:len(seg)-1], "{}.$")
}

// place keeps the GET pattern of a place over a method-less one.
func place(old *leaf, h http.Handler, pattern, method string) *leaf {
	l := &leaf{h: h, pattern: pattern, get: method == http.MethodGet}
	if old != nil && old.get && !l.get {
		return old
	}
	return l
}

// maxWild bounds the wildcards one fast route binds.
const maxWild = 4

// ServeHTTP routes r.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !m.off && (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.RawPath == "" && clean(r.URL.Path) {
		if l := m.root.match(r.URL.Path[1:], 0); l != nil {
			// The wildcards' values are read from the path by Value:
			// r.SetPathValue would make a map per request.
			r.Pattern = l.pattern
			l.h.ServeHTTP(w, r)
			return
		}
	}
	m.mux.ServeHTTP(w, r)
}

// match walks rest (the path after a "/"), literal segments before the
// wildcard, and returns the most specific route; wild counts the
// wildcards bound on the way.
func (n *node) match(rest string, wild int) *leaf {
	seg, tail, more := strings.Cut(rest, "/")
	if !more {
		if seg == "" { // the path ends with "/" here
			return n.slash
		}
		if c := n.lit[seg]; c != nil && c.end != nil {
			return c.end
		}
		if n.wild != nil && n.wild.end != nil && wild < maxWild {
			return n.wild.end
		}
		return nil
	}
	if seg == "" {
		return nil
	}
	if c := n.lit[seg]; c != nil {
		if l := c.match(tail, wild); l != nil {
			return l
		}
	}
	if n.wild != nil && wild < maxWild {
		return n.wild.match(tail, wild+1)
	}
	return nil
}

// clean reports whether path is one the ServeMux would route as it is:
// rooted, no empty, "." or ".." segment, and only characters that need no
// escaping (so the path, its escaped form and its wildcards' values are
// the same strings).
func clean(path string) bool {
	if len(path) == 0 || path[0] != '/' {
		return false
	}
	segStart := 1
	for i := 1; i <= len(path); i++ {
		if i < len(path) {
			c := path[i]
			if c != '/' {
				if !plain[c] {
					return false
				}
				continue
			}
		}
		switch seg := path[segStart:i]; seg {
		case ".", "..":
			return false
		case "":
			if i < len(path) { // "//"; a final "/" is fine
				return false
			}
		}
		segStart = i + 1
	}
	return true
}

// plain are the bytes a path segment may hold unescaped (RFC 3986
// unreserved characters and the sub-delimiters, ':' and '@').
var plain = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~!$&'()*+,;=:@" {
		t[c] = true
	}
	return t
}()

// Value returns the value of the wildcard name in the pattern that routed
// r: r.PathValue when the ServeMux routed it, else (the fast path) the
// segment of r's path the pattern's {name} covers, or the rest of the path
// for {name...}. A fast-path request's path is clean and unescaped, so the
// segment is the value itself; nothing is allocated. Handlers behind a Mux
// read their wildcards with Value.
func Value(r *http.Request, name string) string {
	if v := r.PathValue(name); v != "" {
		return v
	}
	pat := r.Pattern
	if i := strings.IndexByte(pat, ' '); i >= 0 {
		pat = pat[i+1:]
	}
	if i := strings.IndexByte(pat, '/'); i > 0 {
		pat = pat[i:] // a host before the path
	}
	if r.URL == nil || pat == "" || pat[0] != '/' {
		return ""
	}
	path := r.URL.Path
	for len(pat) > 0 && len(path) > 0 && pat[0] == '/' && path[0] == '/' {
		var ps, pp string
		ps, pat = cutSegment(pat[1:])
		pp, path = cutSegment(path[1:])
		if len(ps) < 2 || ps[0] != '{' || ps[len(ps)-1] != '}' {
			continue
		}
		inner := ps[1 : len(ps)-1]
		if inner == name {
			return pp
		}
		if rest, ok := strings.CutSuffix(inner, "..."); ok && rest == name {
			return pp + path // the rest of the path (one allocation, only here)
		}
	}
	return ""
}

// cutSegment splits s at its first '/': the segment, and the rest from
// that '/' on.
func cutSegment(s string) (seg, rest string) {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}
