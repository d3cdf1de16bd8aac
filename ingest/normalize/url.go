package normalize

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"

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
//
// As browsers do (WHATWG URL), tabs and newlines inside raw are removed; an
// internationalized host becomes its ASCII (punycode) form; characters a
// URI may not hold are percent-encoded. It fails on an empty, unparseable
// or non-http(s) link, a relative link without a base, and a bad host or
// port.
func Canonical(raw string, base *url.URL, strip []string) (string, error) {
	raw = strings.TrimSpace(stripTabsAndNewlines(raw))
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
	} else if dotSegments(u.EscapedPath()) {
		// /a/../b/./c is /b/c (RFC 3986 §5.2.4), as resolving a
		// relative link makes it: one URL, one spelling.
		u = u.ResolveReference(&url.URL{})
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("link %q is not http(s)", raw)
	}
	host, err := canonicalHost(u.Hostname())
	if err != nil {
		return "", fmt.Errorf("link %q: %v", raw, err)
	}
	port := u.Port()
	if n, err := strconv.Atoi(port); port != "" && (err != nil || n > 65535) {
		return "", fmt.Errorf("link %q has a bad port", raw)
	}
	if port == "80" && u.Scheme == "http" || port == "443" && u.Scheme == "https" {
		port = ""
	}
	u.Host = joinHostPort(host, port)
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
		u.RawPath = ""
	}
	u.RawQuery = syndicate.EscapeURIChars(stripQuery(u.RawQuery, strip))
	u.ForceQuery = false
	return EscapeURI(u.String()), nil
}

// dotSegments reports whether an escaped path has a "." or ".." segment.
func dotSegments(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// canonicalHost lower-cases a host and turns an internationalized name
// into its ASCII form (UTS #46, as browsers look it up), so that both
// spellings of one host give one canonical URL.
//
// An IPv6 address is refused: its brackets are no RFC 2396 URI, which is
// what the W3C feed validator and older readers check an RSS <link>,
// <guid> and <comments> against, so one such partner link made the whole
// feed invalid. No public article lives at an address literal.
func canonicalHost(host string) (string, error) {
	if host == "" {
		return "", fmt.Errorf("no host")
	}
	if strings.Contains(host, ":") { // IPv6, perhaps with a zone
		addr, _, _ := strings.Cut(host, "%")
		if net.ParseIP(addr) == nil {
			return "", fmt.Errorf("bad host %q", host)
		}
		return "", fmt.Errorf("an IPv6 address as host (feeds cannot publish it)")
	}
	h := host
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			var err error
			if h, err = idna.Lookup.ToASCII(host); err != nil {
				return "", fmt.Errorf("bad host %q", host)
			}
			break
		}
	}
	h = strings.ToLower(h)
	// RFC 3986 lets a host hold sub-delimiters and quotes; no DNS name or
	// IPv4 address does, and they would make the URL unsafe to publish.
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", fmt.Errorf("bad host %q", host)
		}
	}
	return h, nil
}

// stripTabsAndNewlines removes ASCII tab, LF and CR anywhere in s, as the
// WHATWG URL parser does: partners wrap long links across lines.
func stripTabsAndNewlines(s string) string {
	if !strings.ContainsAny(s, "\t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
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
// when relative, with its host in canonical form and no user info; nil
// when that is impossible.
func absHTTP(raw string, base *url.URL) *url.URL {
	raw = strings.TrimSpace(stripTabsAndNewlines(raw))
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
	host, err := canonicalHost(u.Hostname())
	if err != nil {
		return nil
	}
	port := u.Port()
	if n, err := strconv.Atoi(port); port != "" && (err != nil || n > 65535) {
		return nil
	}
	u.Host = joinHostPort(host, port)
	u.User = nil
	u.RawQuery = syndicate.EscapeURIChars(u.RawQuery)
	return u
}

// joinHostPort is net.JoinHostPort that leaves out an empty port.
func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return host
}

// EscapeURI percent-encodes what RFC 3986 does not allow in an http(s)
// URL after its authority: brackets, spaces, quotes, non-ASCII bytes, a
// second "#", and a "%" that starts no escape. What is already valid is
// left alone, so the function is idempotent.
func EscapeURI(s string) string {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
		if j := strings.IndexAny(s[start:], "/?#"); j >= 0 {
			start += j
		} else {
			return s
		}
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:start])
	hash := false
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case c == '#' && !hash:
			hash = true
			b.WriteByte(c)
		case uriChar(c):
			b.WriteByte(c)
		default:
			const hexDigits = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// uriChar reports the characters a path, query or fragment may hold
// unencoded: unreserved, sub-delims, ":", "@", "/" and "?".
func uriChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// publicURL is absHTTP as a string that is a valid URI, or "".
func publicURL(raw string, base *url.URL) string {
	u := absHTTP(raw, base)
	if u == nil {
		return ""
	}
	s := EscapeURI(u.String())
	if len(s) > MaxIDLength {
		return ""
	}
	return s
}

// fragmentOf returns the #fragment of a partner link, percent-encoded to
// be valid in a URI, without the "#".
func fragmentOf(raw string) string {
	raw = strings.TrimSpace(stripTabsAndNewlines(raw))
	i := strings.IndexByte(raw, '#')
	if i < 0 || i == len(raw)-1 {
		return ""
	}
	f := EscapeURI("x://h/#" + strings.ReplaceAll(raw[i+1:], "#", "%23"))
	return f[len("x://h/#"):]
}
