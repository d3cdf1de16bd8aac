package feeds

import (
	"net/http"
	"strings"
	"time"
)

// notModified answers a conditional request per RFC 9110: If-None-Match
// first, If-Modified-Since only without it.
func notModified(r *http.Request, e *rep) bool {
	if inm := r.Header["If-None-Match"]; len(inm) > 0 {
		for _, v := range inm { // a list may come as several header lines
			if etagMatch(v, e.etag, e.gzETag) {
				return true
			}
		}
		return false
	}
	if ims := headerValue(r.Header, "If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !e.lastModified.After(t.Truncate(time.Second))
	}
	return false
}

// headerValue is the first value of a request header by its canonical
// key: Header.Get without canonicalizing the key on every request (net/http
// stores request headers under canonical keys).
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// acceptsGzipHeader reports whether any Accept-Encoding line allows gzip.
func acceptsGzipHeader(h http.Header) bool {
	for _, v := range h["Accept-Encoding"] {
		if acceptsGzip(v) {
			return true
		}
	}
	return false
}

// etagMatch is the weak comparison If-None-Match uses (RFC 9110 §13.1.2);
// either representation's tag matches, as both carry the same content.
func etagMatch(header string, tags ...string) bool {
	for header != "" {
		var tok string
		tok, header, _ = strings.Cut(header, ",")
		tok = strings.TrimSpace(tok)
		if tok == "*" {
			return true
		}
		tok = strings.TrimPrefix(tok, "W/")
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
		name = strings.TrimSpace(name)
		if !strings.EqualFold(name, "gzip") && !strings.EqualFold(name, "x-gzip") && name != "*" {
			continue
		}
		params = strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if q, ok := strings.CutPrefix(params, "q="); ok && (q == "0" || strings.Trim(q, "0.") == "" && strings.HasPrefix(q, "0")) {
			return false
		}
		return true
	}
	return false
}
