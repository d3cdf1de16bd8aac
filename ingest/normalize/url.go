package normalize

import (
	"fmt"
	"net/url"
	"strings"

	"syndicate"
)

// DefaultStripParams are the tracking parameters always removed from
// canonical URLs; ingest.strip_params adds more. A trailing '*' matches a
// prefix.
var DefaultStripParams = []string{"utm_*", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "igshid"}

// Canonical returns the canonical form of an article URL: resolved
// against base when relative, http(s) only, scheme and host lower-cased,
// default port and fragment dropped, tracking parameters removed, every
// other query parameter kept in its order and spelling.
func Canonical(raw string, base *url.URL, strip []string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("empty link")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("bad link %q: %v", raw, unwrap(err))
	}
	if !u.IsAbs() {
		if base == nil {
			return "", fmt.Errorf("relative link %q and no base to resolve it", raw)
		}
		u = base.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("link %q is not http(s)", raw)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", fmt.Errorf("link %q has no host", raw)
	}
	port := u.Port()
	if port == "80" && u.Scheme == "http" || port == "443" && u.Scheme == "https" {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
		u.RawPath = ""
	}
	u.RawQuery = syndicate.EscapeURIChars(stripQuery(u.RawQuery, strip))
	u.ForceQuery = false
	return u.String(), nil
}

func stripQuery(q string, strip []string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if tracking(strings.ToLower(name), strip) {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&")
}

func tracking(name string, extra []string) bool {
	for _, list := range [][]string{DefaultStripParams, extra} {
		for _, p := range list {
			p = strings.ToLower(p)
			if prefix, ok := strings.CutSuffix(p, "*"); ok {
				if strings.HasPrefix(name, prefix) {
					return true
				}
			} else if name == p {
				return true
			}
		}
	}
	return false
}

func unwrap(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// absHTTP parses raw as an absolute http(s) URL, resolving it against base
// when relative; nil when that is impossible.
func absHTTP(raw string, base *url.URL) *url.URL {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if !u.IsAbs() {
		if base == nil {
			return nil
		}
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	u.RawQuery = syndicate.EscapeURIChars(u.RawQuery)
	return u
}
