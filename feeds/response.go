package feeds

import (
	"net/http"
	"strings"
	"time"
)

// notModified answers a conditional request per RFC 9110: If-None-Match
// first, If-Modified-Since only without it.
func notModified(r *http.Request, e *rep) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return etagMatch(inm, e.etag, e.gzETag)
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !e.lastModified.After(t.Truncate(time.Second))
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
