package config

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"

	"syndicate"
	"syndicate/comments"
	"syndicate/schedule"
	storeredis "syndicate/store/redis"
)

// problem records a validation problem about path, at the line or
// variable that set path or its nearest parent. A path whose value did not
// decode was reported already and keeps its default: nothing more is said.
func (l *loader) problem(path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for p := path; p != ""; p = parentPath(p) {
		if l.failed[p] {
			return
		}
	}
	// The environment first: a list it set replaces the file's, whose
	// lines are still in l.lines.
	for p := path; p != ""; p = parentPath(p) {
		if name, ok := l.envs[p]; ok {
			l.problems = append(l.problems, Problem{Path: "env " + name, Message: msg})
			return
		}
	}
	for p := path; p != ""; p = parentPath(p) {
		if line, ok := l.lines[p]; ok {
			l.problems = append(l.problems, Problem{File: l.file, Line: line, Path: path, Message: msg})
			return
		}
	}
	l.problems = append(l.problems, Problem{File: l.file, Path: path, Message: msg})
}

// check records err, when there is one, as a problem about path.
func (l *loader) check(path string, err error) {
	if err != nil {
		l.problem(path, "%v", err)
	}
}

// parentPath drops the last key or index of path.
func parentPath(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// validate checks every value of c, normalizing some in place (base_url
// without its trailing slash, log names in lower case, file: URLs made
// absolute against dir).
func (l *loader) validate(c *Config, dir string) {
	l.check("listen", checkListen(c.Listen))
	if err := checkBaseURL(c.BaseURL); err != nil {
		l.check("base_url", err)
	} else {
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}

	if strings.TrimSpace(c.Site.Title) == "" {
		l.problem("site.title", "is required")
	}
	if c.Site.Language != "" && !languageTag.MatchString(c.Site.Language) {
		l.problem("site.language", "%q is not a language tag such as en or pt-BR", c.Site.Language)
	}
	if c.Site.ArticleURL != "" {
		l.check("site.article_url", checkArticleURL(c.Site.ArticleURL))
	}

	if c.Feeds.CacheBytes < 1<<20 {
		l.problem("feeds.cache_bytes", "must be at least 1048576 (1 MiB)")
	}
	l.positive("feeds.tombstone_window", c.Feeds.TombstoneWindow)
	if !oneOf(c.Comments.AutoApprove, "none", "known", "all") {
		l.problem("comments.auto_approve", "%q must be none, known or all", c.Comments.AutoApprove)
	}
	l.atLeast("comments.max_length", c.Comments.MaxLength, 1)
	l.atLeast("comments.max_author_length", c.Comments.MaxAuthorLength, 1)
	l.atLeast("comments.max_links", c.Comments.MaxLinks, 0)
	l.atLeast("comments.max_depth", c.Comments.MaxDepth, 0)
	l.atLeast("comments.rate_limit", c.Comments.RateLimit, 1)
	l.positive("comments.rate_window", c.Comments.RateWindow)
	l.positive("comments.ip_retention", c.Comments.IPRetention)
	if c.Comments.CloseAfter < 0 {
		l.problem("comments.close_after", "must not be negative (0 never closes)")
	}
	if c.Comments.MaxBodyBytes < 1024 {
		l.problem("comments.max_body_bytes", "must be at least 1024")
	}
	if strings.TrimSpace(c.Comments.Honeypot) == "" {
		l.problem("comments.honeypot", "is required")
	} else if i := slices.IndexFunc(comments.FormFields, func(f string) bool { return strings.EqualFold(f, strings.TrimSpace(c.Comments.Honeypot)) }); i >= 0 {
		// Every real comment would fill it and be refused as spam.
		l.problem("comments.honeypot", "%q is the name of a real comment field (%s): choose a name humans never fill, such as homepage", c.Comments.Honeypot, strings.Join(comments.FormFields, ", "))
	}
	for i, o := range c.Comments.AllowedOrigins {
		if err := checkOrigin(o); err != nil {
			l.check(fmt.Sprintf("comments.allowed_origins[%d]", i), err)
		}
	}
	if c.Store.RedisPrefix == "" || strings.ContainsAny(c.Store.RedisPrefix, "{} \t\r\n") {
		l.problem("store.redis_prefix", "%q must be non-empty, without braces or spaces", c.Store.RedisPrefix)
	}
	if c.Store.RedisURL != "" {
		l.check("store.redis_url", checkRedisURL(c.Store.RedisURL))
	} else if strings.TrimSpace(c.Store.DataDir) == "" {
		l.problem("store.data_dir", "is required when store.redis_url is empty (the embedded store keeps its file there)")
	}

	in := &c.Ingest
	l.check("ingest.default_schedule", CheckSchedule(in.DefaultSchedule))
	l.positive("ingest.timeout", in.Timeout)
	if in.MaxBodyBytes <= 0 {
		l.problem("ingest.max_body_bytes", "must be more than 0, got %d", in.MaxBodyBytes)
	}
	if strings.ContainsFunc(in.UserAgent, unicode.IsControl) {
		l.problem("ingest.user_agent", "must not contain control characters or line breaks")
	}
	if in.ProxyURL != "" {
		l.check("ingest.proxy_url", checkHTTPURL(in.ProxyURL))
	}
	l.atLeast("ingest.concurrency", in.Concurrency, 1)
	l.atLeast("ingest.per_host", in.PerHost, 1)
	l.positive("ingest.comments_window", in.CommentsWindow)
	l.atLeast("ingest.max_comment_feeds", in.MaxCommentFeeds, 0)
	for i, p := range in.StripParams {
		if p == "" || strings.ContainsFunc(p, unicode.IsSpace) {
			l.problem(fmt.Sprintf("ingest.strip_params[%d]", i), "%q is not a query parameter name", p)
		}
	}
	l.atLeast("ingest.retention.max_items_per_source", in.Retention.MaxItemsPerSource, 1)
	l.positive("ingest.retention.max_age", in.Retention.MaxAge)

	f := c.Feeds
	if f.MaxLimit < 1 || f.MaxLimit > 1000 {
		l.problem("feeds.max_limit", "must be from 1 to 1000, got %d", f.MaxLimit)
	} else if f.DefaultLimit < 1 || f.DefaultLimit > f.MaxLimit {
		l.problem("feeds.default_limit", "must be from 1 to feeds.max_limit (%d), got %d", f.MaxLimit, f.DefaultLimit)
	}
	if f.CacheMaxAge < 0 {
		l.problem("feeds.cache_max_age", "must not be negative, got %s", f.CacheMaxAge)
	}

	if c.WebSub.HubURL != "" {
		l.check("websub.hub_url", checkHTTPURL(c.WebSub.HubURL))
	}
	if _, err := parseBool(c.WebSub.Subscribe); err != nil && !(strings.TrimSpace(c.WebSub.Subscribe) == "" || strings.EqualFold(strings.TrimSpace(c.WebSub.Subscribe), "auto")) {
		l.problem("websub.subscribe", "must be true, false or auto, got %q", c.WebSub.Subscribe)
	}
	if _, err := schedule.Parse(c.WebSub.FallbackSchedule); err != nil {
		l.check("websub.fallback_schedule", err)
	}

	l.validateTokens(c.Admin.Tokens)

	for i, h := range c.Sanitize.IframeHosts {
		h = strings.ToLower(h)
		c.Sanitize.IframeHosts[i] = h
		if !hostPattern.MatchString(h) {
			l.problem(fmt.Sprintf("sanitize.iframe_hosts[%d]", i), "%q is not a host name such as www.youtube.com", h)
		}
	}

	c.Log.Format = strings.ToLower(c.Log.Format)
	if !oneOf(c.Log.Format, "auto", "text", "json") {
		l.problem("log.format", "%q is not auto, text or json", c.Log.Format)
	}
	c.Log.Level = strings.ToLower(c.Log.Level)
	if !oneOf(c.Log.Level, "debug", "info", "warn", "error") {
		l.problem("log.level", "%q is not debug, info, warn or error", c.Log.Level)
	}

	l.prefixes("http.trusted_proxies", c.HTTP.TrustedProxies)
	l.prefixes("http.metrics_from", c.HTTP.MetricsFrom)
	l.positive("http.read_header_timeout", c.HTTP.ReadHeaderTimeout)
	l.positive("http.read_timeout", c.HTTP.ReadTimeout)
	l.positive("http.write_timeout", c.HTTP.WriteTimeout)
	l.positive("http.idle_timeout", c.HTTP.IdleTimeout)
	l.positive("http.shutdown_timeout", c.HTTP.ShutdownTimeout)

	l.validateSources(c.Sources, dir)
	l.validatePartners(c.Partners, c.Sources)
}

func (l *loader) positive(path string, d time.Duration) {
	if d <= 0 {
		l.problem(path, "must be more than 0, got %s", d)
	}
}

func (l *loader) atLeast(path string, n, min int) {
	if n < min {
		l.problem(path, "must be at least %d, got %d", min, n)
	}
}

func oneOf(s string, choices ...string) bool {
	for _, c := range choices {
		if s == c {
			return true
		}
	}
	return false
}

// prefixes checks a list of IP addresses or CIDR prefixes.
func (l *loader) prefixes(key string, list []string) {
	for i, p := range list {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				l.problem(fmt.Sprintf("%s[%d]", key, i), "%q is not an IP address or CIDR prefix", p)
			}
		}
	}
}

// MinTokenLength is the shortest admin token accepted, in bytes.
const MinTokenLength = 16

func tokenName(index int) string { return fmt.Sprintf("token-%d", index) }

// validateTokens checks the admin tokens without ever quoting one.
func (l *loader) validateTokens(tokens []Token) {
	names, values := map[string]int{}, map[string]int{}
	for i, t := range tokens {
		path := fmt.Sprintf("admin.tokens[%d]", i)
		switch first, dup := names[t.Name]; {
		case strings.TrimSpace(t.Name) == "":
			l.problem(path+".name", "is required")
		case dup:
			l.problem(path+".name", "duplicate name %q (first at admin.tokens[%d])", t.Name, first)
		default:
			names[t.Name] = i
		}
		switch {
		case t.Token == "":
			l.problem(path+".token", "is empty")
		case strings.ContainsFunc(t.Token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
			// A bearer token cannot carry them (RFC 6750 §2.1).
			l.problem(path+".token", "must not contain spaces or control characters")
		case len(t.Token) < MinTokenLength:
			l.problem(path+".token", "is %d characters long, must be at least %d (a short token is guessed)", len(t.Token), MinTokenLength)
		default:
			if first, dup := values[t.Token]; dup {
				// Two names for one secret: audit lines could not tell them apart.
				l.problem(path+".token", "the same token as admin.tokens[%d]; each must be its own", first)
			} else {
				values[t.Token] = i
			}
		}
	}
}

// validateSources checks each source with the domain's own rules (file:
// URLs allowed here) plus its schedule and id uniqueness, and makes
// relative file: URLs absolute against dir.
func (l *loader) validateSources(sources []SourceConfig, dir string) {
	first := map[string]int{}
	for i := range sources {
		s := &sources[i]
		prefix := fmt.Sprintf("sources[%d]", i)
		s.URL = absFileURL(s.URL, dir)
		src := s.Source()
		for _, e := range src.Validate(true) {
			msg := e.Message
			if e.Field == "attribution" {
				msg = fmt.Sprintf("source %q: %s", s.ID, msg)
			}
			msg = hideSecrets(hideSecrets(msg, s.URL), s.SiteURL)
			l.problem(prefix+"."+e.Field, "%s", msg)
		}
		if s.Schedule != "" {
			l.check(prefix+".schedule", CheckSchedule(s.Schedule))
		}
		if syndicate.ValidateSourceID(s.ID) == nil {
			if j, dup := first[s.ID]; dup {
				l.problem(prefix+".id", "duplicate id %q (first at sources[%d])", s.ID, j)
			} else {
				first[s.ID] = i
			}
		}
	}
}

// CheckSchedule parses a schedule (schedule.Parse) and refuses
// one that never fires, such as "0 0 30 2 *" (February 30th): it looks
// for a next run from now, which the cron parser searches five years for.
func CheckSchedule(spec string) error {
	s, err := schedule.Parse(spec)
	if err != nil {
		return err
	}
	if s.Next(time.Now()).IsZero() {
		return fmt.Errorf("%q never fires (no time matches it in the next five years)", spec)
	}
	return nil
}

// absFileURL turns file:relative/path into file:/abs/path against dir.
// Other URLs, and file: URLs without a path, are returned unchanged.
func absFileURL(raw, dir string) string {
	if !syndicate.IsFileURL(raw) {
		return raw
	}
	p := syndicate.FilePath(raw)
	if p == "" || filepath.IsAbs(p) {
		return raw
	}
	// Escaped, since syndicate.FilePath unescapes: a % or a space in the
	// path survives the round trip.
	return "file:" + (&url.URL{Path: filepath.ToSlash(filepath.Join(dir, p))}).EscapedPath()
}

func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. :8080 or 127.0.0.1:8080)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

func checkBaseURL(raw string) error {
	if err := checkHTTPURL(raw); err != nil {
		return err
	}
	u, _ := url.Parse(raw)
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a user, a query or a fragment", u.Redacted())
	}
	return nil
}

// checkHTTPURL is syndicate.ValidateHTTPURL with any password hidden.
func checkHTTPURL(raw string) error {
	if err := syndicate.ValidateHTTPURL(raw); err != nil {
		return fmt.Errorf("%s", hideSecrets(err.Error(), raw))
	}
	return nil
}

// hideSecrets replaces raw in msg by a form without its password: the
// redacted URL, or nothing at all when raw does not parse but may hold
// credentials.
func hideSecrets(msg, raw string) string {
	if raw == "" || !strings.Contains(raw, "@") {
		return msg
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "the URL (not shown: it may hold a password) does not parse"
	}
	if _, ok := u.User.Password(); ok {
		return strings.ReplaceAll(msg, raw, u.Redacted())
	}
	return msg
}

// checkRedisURL checks raw the way the Redis store will read it, with
// go-redis's ParseURL, without quoting a password.
func checkRedisURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return fmt.Errorf("is not a URL (not shown: it may hold a password)")
		}
		return fmt.Errorf("%q is not a URL", raw)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix" {
		return fmt.Errorf("%q must be a redis://, rediss:// or unix:// URL (or empty for the embedded store)", u.Redacted())
	}
	// As the store reads it: one node, a Cluster host list or a Sentinel
	// master_name.
	if err := storeredis.CheckURL(raw); err != nil {
		return fmt.Errorf("%q: %s", u.Redacted(), strings.TrimPrefix(strings.TrimPrefix(err.Error(), "invalid redis url: "), "redis: "))
	}
	return nil
}

// articleURLData stands in for what the feeds execute site.article_url
// with: a value with an ID field.
type articleURLData struct{ ID string }

func checkArticleURL(text string) error {
	t, err := template.New("article_url").Option("missingkey=error").Parse(text)
	if err != nil {
		return fmt.Errorf("bad template: %v", err)
	}
	run := func(id string) (string, error) {
		var b bytes.Buffer
		if err := t.Execute(&b, articleURLData{ID: id}); err != nil {
			return "", fmt.Errorf("bad template: %v", err)
		}
		return b.String(), nil
	}
	one, err := run("a1")
	if err != nil {
		return err
	}
	two, _ := run("b2")
	if one == two {
		return fmt.Errorf("must use {{.ID}}, or every article gets the same URL")
	}
	if err := syndicate.ValidateHTTPURL(one); err != nil {
		return fmt.Errorf("gives %q for article a1, not an absolute http(s) URL", one)
	}
	return nil
}

var (
	// languageTag is the shape of a BCP 47 tag, enough for RSS <language>.
	languageTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)
	// hostPattern is a host name, optionally *. for its subdomains, with
	// an optional port.
	hostPattern = regexp.MustCompile(`^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)
)

// checkOrigin accepts a web origin: scheme://host[:port], nothing else.
func checkOrigin(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("%q is not an origin such as https://news.example", raw)
	}
	return nil
}
