// Package fetch gets partner feeds with bounds on everything: one deadline
// for connect, headers and body; a body cap that fails (never truncates)
// and counts decoded bytes; at most MaxRedirects redirects, http(s) only;
// conditional GET; a per-host concurrency limit; and a dialer that refuses
// private, loopback and other non-public addresses after DNS resolution
// unless the operator allows them. file: URLs are read from disk for
// config-file sources.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"syndicate"
)

// Options configure a Fetcher.
type Options struct {
	Timeout      time.Duration // whole request; default 20s
	MaxBytes     int64         // decoded body cap; default 10 MiB
	MaxRedirects int           // default 5
	UserAgent    string
	// AllowPrivate lets fetches reach loopback, private and link-local
	// addresses (ingest.allow_private_networks).
	AllowPrivate bool
	// Proxy, when set, is used for every fetch; otherwise HTTP(S)_PROXY in
	// the environment is ignored (docs/decisions/partners.md).
	Proxy *url.URL
	// PerHost caps concurrent fetches to one host; default 2.
	PerHost int
	// Transport replaces the HTTP transport (tests); the private-network
	// guard lives in the default transport's dialer.
	Transport http.RoundTripper
	// OnBody, if set, sees every http(s) 200 with its body before Fetch
	// returns it (WebSub discovery reads hub links there). It must not
	// keep or change resp.
	OnBody func(req Request, resp *Response)
}

// Fetcher performs bounded fetches. It is safe for concurrent use.
type Fetcher struct {
	opts     Options
	client   *http.Client
	isPublic func(net.IP) bool // nil: private addresses allowed

	mu    sync.Mutex
	hosts map[string]*hostSlots // only hosts with a fetch in progress or waiting
}

// New returns a Fetcher.
func New(opts Options) *Fetcher {
	if opts.Timeout <= 0 {
		opts.Timeout = 20 * time.Second
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 10 << 20
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = 5
	}
	if opts.PerHost <= 0 {
		opts.PerHost = 2
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "Syndicate"
	}
	f := &Fetcher{opts: opts, hosts: map[string]*hostSlots{}}
	if !opts.AllowPrivate {
		f.isPublic = IsPublic
	}
	tr := opts.Transport
	if tr == nil {
		tr = newTransport(f.isPublic, opts.Proxy)
	}
	f.client = &http.Client{Transport: tr, CheckRedirect: f.checkRedirect}
	return f
}

// NewTransport returns an HTTP transport whose dialer refuses non-public
// addresses unless allowPrivate, and which uses proxy only when given.
func NewTransport(allowPrivate bool, proxy *url.URL) *http.Transport {
	if allowPrivate {
		return newTransport(nil, proxy)
	}
	return newTransport(IsPublic, proxy)
}

// newTransport builds the transport; a nil isPublic allows every address.
//
// The operator's proxy is trusted: its own address, typically private, is
// exempt from the guard. Through a proxy the dialer never sees a partner's
// address, so Fetch checks each target (and redirect) before asking.
func newTransport(isPublic func(net.IP) bool, proxy *url.URL) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	dial := d.DialContext
	if isPublic != nil {
		guarded := *d
		guarded.Control = guardControl(isPublic)
		dial = guarded.DialContext
		if proxy != nil {
			proxyAddr := proxyAddress(proxy)
			dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
				if addr == proxyAddr {
					return d.DialContext(ctx, network, addr)
				}
				return guarded.DialContext(ctx, network, addr)
			}
		}
	}
	tr := &http.Transport{
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          200,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 0, // the request context bounds it
		ExpectContinueTimeout: time.Second,
		// A partner's response header is a few KB; net/http would take
		// 10 MiB of it.
		MaxResponseHeaderBytes: MaxHeaderBytes,
	}
	if proxy != nil {
		tr.Proxy = http.ProxyURL(proxy)
	}
	return tr
}

// MaxHeaderBytes bounds the header of a partner's response.
const MaxHeaderBytes = 1 << 20

// proxyAddress is the host:port the transport dials for proxy.
func proxyAddress(proxy *url.URL) string {
	port := proxy.Port()
	if port == "" {
		switch proxy.Scheme {
		case "https":
			port = "443"
		case "socks5", "socks5h":
			port = "1080"
		default:
			port = "80"
		}
	}
	return net.JoinHostPort(proxy.Hostname(), port)
}

// checkTarget refuses a URL whose host is or resolves to a non-public
// address. It runs only when a proxy makes the dial-time guard blind to
// partners; resolving here and again at the proxy leaves a DNS-rebinding
// window that only the proxy's own policy can close.
func (f *Fetcher) checkTarget(ctx context.Context, u *url.URL) error {
	if f.isPublic == nil || f.opts.Proxy == nil {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if !f.isPublic(ip) {
			return &PrivateAddressError{Addr: host}
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, a := range addrs {
		if !f.isPublic(a.IP) {
			return &PrivateAddressError{Addr: a.IP.String()}
		}
	}
	return nil
}

// PrivateAddressError is returned when a fetch would connect to an address
// that is not public.
type PrivateAddressError struct {
	Addr string
}

func (e *PrivateAddressError) Error() string {
	return fmt.Sprintf("refusing to connect to non-public address %s (set ingest.allow_private_networks: true to allow it)", e.Addr)
}

// guardControl returns a dialer Control function. It runs after DNS
// resolution, on the address actually dialled, so DNS rebinding and
// redirects to private hosts are caught too.
func guardControl(isPublic func(net.IP) bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip := net.ParseIP(host)
		if ip == nil || !isPublic(ip) {
			return &PrivateAddressError{Addr: host}
		}
		return nil
	}
}

var blocked = func() []*net.IPNet {
	var out []*net.IPNet
	for _, c := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
		"224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
		// ::/96 (IPv4-compatible, deprecated) and ::ffff:0:0:0/96
		// (IPv4-translated) embed an IPv4 address the way mapped forms do.
		"::/96", "::ffff:0:0:0/96", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
		// IETF protocol assignments (Teredo, which tunnels to an IPv4
		// address, benchmarking, ORCHID) and the newer documentation block.
		"2001::/23", "3fff::/20",
	} {
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			panic(err)
		}
		out = append(out, n)
	}
	return out
}()

// IsPublic reports whether ip is a public unicast address: not loopback,
// private, link-local, unique-local, unspecified, multicast, reserved,
// documentation, NAT64, Teredo or an IPv4-mapped or 6to4 form of any of
// those.
func IsPublic(ip net.IP) bool {
	if v4 := ip.To4(); v4 != nil {
		ip = v4 // also unwraps ::ffff:a.b.c.d
	} else if len(ip) == net.IPv6len && ip[0] == 0x20 && ip[1] == 0x02 {
		// 6to4 (2002::/16) carries the IPv4 address it tunnels to in its
		// next 32 bits: 2002:7f00:1:: reaches 127.0.0.1 wherever a 6to4
		// route exists. It is as public as that address.
		ip = net.IPv4(ip[2], ip[3], ip[4], ip[5]).To4()
	}
	for _, n := range blocked {
		if n.Contains(ip) {
			return false
		}
	}
	return true
}

// Request is one fetch.
type Request struct {
	URL          string
	ETag         string // sent as If-None-Match
	LastModified string // sent as If-Modified-Since
	// AllowFile permits a file: URL (config-file sources only).
	AllowFile bool
}

// Response is a successful fetch: a 200 with a body, or a 304.
type Response struct {
	Status       int
	NotModified  bool
	Body         []byte
	ContentType  string
	ETag         string
	LastModified string
	FinalURL     string
	// PermanentURL is set when every redirect on the way was permanent
	// (301/308): the URL to use from now on.
	PermanentURL string
	Header       http.Header
}

// StatusError is a partner's non-success HTTP answer.
type StatusError struct {
	URL        string
	Code       int
	RetryAfter time.Duration // from Retry-After on 429/503; 0 if none
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("status %d %s from %s", e.Code, http.StatusText(e.Code), e.URL)
}

// ErrTooLarge reports a body over the cap.
var ErrTooLarge = errors.New("response body too large")

// ErrTimeout reports a fetch that did not finish (connect, headers and
// body) within Options.Timeout.
var ErrTimeout = errors.New("timed out")

// Fetch gets req.URL. Non-2xx answers other than 304 are *StatusError.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Response, error) {
	if resp, err, ok := f.fromPushed(ctx, req); ok {
		return resp, err
	}
	if syndicate.IsFileURL(req.URL) {
		if !req.AllowFile {
			return nil, fmt.Errorf("file: URLs are allowed only for sources in the config file")
		}
		return f.fetchFile(req)
	}
	if err := syndicate.ValidateHTTPURL(req.URL); err != nil {
		return nil, err
	}
	u, _ := url.Parse(req.URL)
	release, err := f.acquire(ctx, u.Hostname())
	if err != nil {
		return nil, err
	}
	defer release()

	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("User-Agent", f.opts.UserAgent)
	hreq.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5")
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}
	if err := f.checkTarget(ctx, hreq.URL); err != nil {
		return nil, err
	}
	perm := &permanence{all: true}
	hreq = hreq.WithContext(context.WithValue(ctx, permKey{}, perm))
	resp, err := f.client.Do(hreq)
	if err != nil {
		return nil, f.explain(ctx, err)
	}
	defer resp.Body.Close()
	out := &Response{
		Status:       resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		FinalURL:     resp.Request.URL.String(),
		Header:       resp.Header,
	}
	if perm.hops > 0 && perm.all {
		out.PermanentURL = out.FinalURL
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		// RFC 9110 §15.4.5 asks a 304 to repeat the validators, but many
		// servers omit them; the ones we sent are still current.
		if out.ETag == "" {
			out.ETag = req.ETag
		}
		if out.LastModified == "" {
			out.LastModified = req.LastModified
		}
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		return out, &StatusError{URL: syndicate.RedactURL(req.URL), Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	body, err := readCapped(resp.Body, f.opts.MaxBytes)
	if err != nil {
		return nil, f.explain(ctx, err)
	}
	out.Body = body
	if f.opts.OnBody != nil {
		f.opts.OnBody(req, out)
	}
	return out, nil
}

func (f *Fetcher) explain(ctx context.Context, err error) error {
	var pe *PrivateAddressError
	if errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("%w: over %d bytes (ingest.max_body_bytes)", ErrTooLarge, f.opts.MaxBytes)
	}
	if ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w after %s (ingest.timeout)", ErrTimeout, f.opts.Timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func readCapped(r io.Reader, max int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > max {
		return nil, ErrTooLarge
	}
	return body, nil
}

type permKey struct{}

type permanence struct {
	hops int
	all  bool
}

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.opts.MaxRedirects {
		return fmt.Errorf("stopped after %d redirects (last to %s)", f.opts.MaxRedirects, req.URL.Redacted())
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to a non-http(s) URL %s", req.URL.Redacted())
	}
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return fmt.Errorf("redirect loop at %s", req.URL.Redacted())
		}
	}
	if err := f.checkTarget(req.Context(), req.URL); err != nil {
		return err
	}
	if p, ok := req.Context().Value(permKey{}).(*permanence); ok && req.Response != nil {
		p.hops++
		if c := req.Response.StatusCode; c != http.StatusMovedPermanently && c != http.StatusPermanentRedirect {
			p.all = false
		}
	}
	return nil
}

// hostSlots limits concurrent fetches to one host; refs counts the
// fetches holding or waiting for a slot, so idle hosts are forgotten (the
// hosts come from partner content and would otherwise pile up).
type hostSlots struct {
	ch   chan struct{}
	refs int
}

func (f *Fetcher) acquire(ctx context.Context, host string) (func(), error) {
	f.mu.Lock()
	h, ok := f.hosts[host]
	if !ok {
		h = &hostSlots{ch: make(chan struct{}, f.opts.PerHost)}
		f.hosts[host] = h
	}
	h.refs++
	f.mu.Unlock()
	done := func() {
		f.mu.Lock()
		if h.refs--; h.refs == 0 {
			delete(f.hosts, host)
		}
		f.mu.Unlock()
	}
	select {
	case h.ch <- struct{}{}:
		return func() { <-h.ch; done() }, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
}

// retryAfter parses a Retry-After header (seconds or an HTTP date).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// fetchFile reads a file: URL, emulating conditional GET with the file's
// modification time.
func (f *Fetcher) fetchFile(req Request) (*Response, error) {
	path := syndicate.FilePath(req.URL)
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, unwrapPath(err))
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("read %s: is a directory", path)
	}
	lm := st.ModTime().UTC().Format(http.TimeFormat)
	etag := fmt.Sprintf(`"%x-%x"`, st.ModTime().UnixNano(), st.Size())
	out := &Response{Status: http.StatusOK, ETag: etag, LastModified: lm, FinalURL: req.URL}
	if req.ETag == etag {
		out.Status = http.StatusNotModified
		out.NotModified = true
		return out, nil
	}
	body, err := readCapped(fh, f.opts.MaxBytes)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("%w: %s is over %d bytes (ingest.max_body_bytes)", ErrTooLarge, path, f.opts.MaxBytes)
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out.Body = body
	return out, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
