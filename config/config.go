package config

import (
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"syndicate"
)

// Config is the whole configuration, mirroring the YAML file. Load fills it
// from the defaults, the file and the environment, validates it and
// resolves it (Parsed); cmd copies what each component needs into that
// component's options, reading parsed values from Parsed. A Config built
// in code (Default, then changes) must call Resolve before use.
//
// A struct field without a yaml tag is not read from the file. A field
// tagged env:"-" has no SYNDICATE_* override.
type Config struct {
	// Path is the file Load read, "" when it used the built-in defaults.
	Path string `yaml:"-"`

	// Listen is the HTTP listen address, host:port (default ":8080").
	Listen string `yaml:"listen"`
	// BaseURL is the absolute http(s) URL that absolute URLs in feeds are
	// built from (default "http://localhost:8080"), without a trailing
	// slash after Load.
	BaseURL  string   `yaml:"base_url"`
	Site     Site     `yaml:"site"`
	Store    Store    `yaml:"store"`
	Ingest   Ingest   `yaml:"ingest"`
	Feeds    Feeds    `yaml:"feeds"`
	WebSub   WebSub   `yaml:"websub"`
	Admin    Admin    `yaml:"admin"`
	Sanitize Sanitize `yaml:"sanitize"`
	Comments Comments `yaml:"comments"`
	Log      Log      `yaml:"log"`
	HTTP     HTTP     `yaml:"http"`
	// Sources are the partner feeds defined in the file, as written
	// (except that relative file: URLs are made absolute). DomainSources
	// converts them.
	Sources []SourceConfig `yaml:"sources" env:"-"`
	// Partners are the distribution profiles defined in the file.
	Partners []PartnerConfig `yaml:"partners" env:"-"`

	// Parsed holds the parsed forms of the text values above (URLs,
	// schedules, templates, prefixes); Resolve fills it, and Load calls
	// Resolve.
	Parsed Parsed `yaml:"-"`
}

// Site describes the republishing site in feed metadata.
type Site struct {
	// Title is the feed title and the Atom feed author (default "Syndicate").
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Language is a language tag such as en or pt-BR (default "en").
	Language string `yaml:"language"`
	// ArticleURL is an optional text/template for the URL of an article's
	// republished page, executed with a value whose ID field is the
	// article id, e.g. "https://news.example/s/{{.ID}}" (docs/decisions/identity.md).
	// Load checks that it parses, uses .ID and yields an http(s) URL.
	ArticleURL string `yaml:"article_url"`
}

// Store selects and configures the storage backend.
type Store struct {
	// RedisURL is a redis://, rediss:// or unix:// URL (as go-redis's
	// ParseURL reads it); "" selects the embedded store. It may hold a
	// password: never log it as is.
	RedisURL string `yaml:"redis_url"`
	// DataDir holds the embedded store's file (default "./data", relative
	// to the working directory).
	DataDir string `yaml:"data_dir"`
	// RedisPrefix starts every Redis key (default "syn"), so several sites
	// (or test runs) can share one Redis. No braces: they are hash tags.
	RedisPrefix string `yaml:"redis_prefix"`
}

// Ingest configures fetching and normalizing partner feeds.
type Ingest struct {
	// DefaultSchedule is the cron spec of sources without their own
	// (default "@every 15m"; see schedule.Parse).
	DefaultSchedule string `yaml:"default_schedule"`
	// Timeout bounds one fetch (default 20s).
	Timeout time.Duration `yaml:"timeout"`
	// MaxBodyBytes caps a feed body, counted after decompression
	// (default 10485760).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// UserAgent is sent on every fetch; "" (the default) lets cmd send
	// "Syndicate/<version> (+<base_url>)".
	UserAgent string `yaml:"user_agent"`
	// AllowPrivateNetworks turns off the private-network check at dial
	// time: for local testing and demos only (default false).
	AllowPrivateNetworks bool `yaml:"allow_private_networks"`
	// ProxyURL is an http(s) proxy for fetches; "" means none, whatever
	// HTTP(S)_PROXY say (docs/decisions/partners.md). It may hold a password.
	ProxyURL string `yaml:"proxy_url"`
	// Concurrency is the number of sources fetched at once (default 16).
	Concurrency int `yaml:"concurrency"`
	// PerHost is the number of concurrent fetches to one host (default 2).
	PerHost int `yaml:"per_host"`
	// CommentsWindow is how long after publication an article's comment
	// feed is still fetched (default 72h).
	CommentsWindow time.Duration `yaml:"comments_window"`
	// MaxCommentFeeds caps the comment feeds fetched per source per pass
	// (default 20; 0 fetches none).
	MaxCommentFeeds int `yaml:"max_comment_feeds"`
	// StripParams are query parameters removed from canonical URLs
	// (default none).
	StripParams []string  `yaml:"strip_params"`
	Retention   Retention `yaml:"retention"`
}

// Retention bounds how many articles are kept.
type Retention struct {
	// MaxItemsPerSource is the number of newest articles kept per source
	// (default 500).
	MaxItemsPerSource int `yaml:"max_items_per_source"`
	// MaxAge prunes articles published longer ago (default 8760h).
	MaxAge time.Duration `yaml:"max_age"`
}

// Feeds configures the republished feeds.
type Feeds struct {
	// DefaultLimit is the page size without ?limit= (default 30, at most
	// MaxLimit).
	DefaultLimit int `yaml:"default_limit"`
	// MaxLimit is the largest ?limit= honoured (default 100, at most 1000).
	MaxLimit int `yaml:"max_limit"`
	// CacheMaxAge is the Cache-Control max-age of feed responses
	// (default 300s; 0 is allowed).
	CacheMaxAge time.Duration `yaml:"cache_max_age"`
	// CacheBytes bounds the in-process rendered-feed cache (default
	// 268435456, 256 MiB); least recently used documents go first.
	CacheBytes int64 `yaml:"cache_bytes"`
	// TombstoneWindow is how long an article that left the feeds for good
	// (takedown, deleted source, partner deleted entry) is announced in
	// them as deleted (default 720h).
	TombstoneWindow time.Duration `yaml:"tombstone_window"`
}

// WebSub configures hub announcements.
type WebSub struct {
	// HubURL, when set, is advertised with rel=hub links and pinged on
	// publish. It is exempt from the private-network check.
	HubURL string `yaml:"hub_url"`
	// Subscribe turns on the WebSub subscriber for partner feeds that
	// advertise a hub: true, false or auto (the default: on unless
	// base_url is a loopback address, which a hub could not call back).
	Subscribe string `yaml:"subscribe"`
	// FallbackSchedule is how often a source with a live subscription is
	// still polled, so a silent hub loses nothing (default "@every 1h").
	FallbackSchedule string `yaml:"fallback_schedule"`
}

// SubscribeOn reports whether the WebSub subscriber runs for baseURL.
func (w WebSub) SubscribeOn(baseURL string) bool {
	if on, err := parseBool(w.Subscribe); err == nil {
		return on
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// Admin configures the admin API.
type Admin struct {
	// Tokens are the accepted bearer tokens. SYNDICATE_ADMIN_TOKEN adds
	// one named "env".
	Tokens []Token `yaml:"tokens" env:"-"`
}

// Token is an admin bearer token with a name for audit lines, which carry
// the name and never the token. In YAML it is either a plain string, named
// "token-N" after its 0-based index in admin.tokens, or a mapping
// {name, token}.
type Token struct {
	Name  string `yaml:"name"`
	Token string `yaml:"token"`
}

// setDefaults names the token after its index, for the plain-string form
// and for a mapping without a name.
func (t *Token) setDefaults(index int) { t.Name = tokenName(index) }

// decodeScalar reads the plain-string form.
func (t *Token) decodeScalar(s string) { t.Token = s }

// Sanitize configures the HTML policy applied to partner content.
type Sanitize struct {
	// IframeHosts are the hosts whose iframes survive sanitizing, e.g.
	// www.youtube.com (default none).
	IframeHosts []string `yaml:"iframe_hosts"`
}

// Comments configures reader comments (POST /articles/{id}/comments).
type Comments struct {
	// Enabled accepts reader comments (default true).
	Enabled bool `yaml:"enabled"`
	// AutoApprove publishes new comments at once: none (all wait for an
	// editor), known (authors with an approved comment; the default), all.
	AutoApprove string `yaml:"auto_approve"`
	// MaxLength bounds the body in characters (default 10000).
	MaxLength int `yaml:"max_length"`
	// MaxAuthorLength bounds the author name (default 100).
	MaxAuthorLength int `yaml:"max_author_length"`
	// MaxLinks is the most links a comment may carry (default 3).
	MaxLinks int `yaml:"max_links"`
	// MaxDepth is how deep replies may nest (default 5).
	MaxDepth int `yaml:"max_depth"`
	// RateLimit comments per client IP per RateWindow (defaults 5, 10m);
	// beyond it, 429 with Retry-After. The counters are in the store, so
	// the limit holds across replicas.
	RateLimit  int           `yaml:"rate_limit"`
	RateWindow time.Duration `yaml:"rate_window"`
	// CloseAfter closes comments on articles first republished here longer
	// ago, whatever the partner's date (default 720h; 0 never closes).
	CloseAfter time.Duration `yaml:"close_after"`
	// IPRetention is how long commenter IPs are kept (default 720h).
	IPRetention time.Duration `yaml:"ip_retention"`
	// Honeypot is a form field humans leave empty (default "homepage").
	Honeypot string `yaml:"honeypot"`
	// MaxBodyBytes bounds the request body (default 65536).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// AllowedOrigins may POST comments cross-origin (CORS) and be the
	// target of a form's redirect field; the site's own origin always may.
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// Log configures logging.
type Log struct {
	// Format is auto, text or json (default auto: JSON when stderr is not
	// a terminal).
	Format string `yaml:"format"`
	// Level is debug, info, warn or error (default info).
	Level string `yaml:"level"`
}

// HTTP configures the HTTP server.
type HTTP struct {
	// TrustedProxies are the IP addresses or CIDR prefixes whose
	// X-Forwarded-For is believed (default none).
	TrustedProxies []string `yaml:"trusted_proxies"`
	// MetricsFrom are the client addresses (IPs or CIDR prefixes) that may
	// read /metrics without a token (default loopback only); an admin
	// token (Authorization: Bearer) reads it from anywhere.
	MetricsFrom       []string      `yaml:"metrics_from"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"` // default 5s
	ReadTimeout       time.Duration `yaml:"read_timeout"`        // default 10s
	// WriteTimeout bounds how long a write to a client may block (default
	// 30s): each write has at least half of it and at most all of it, so
	// a client that stops reading is dropped within it.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	IdleTimeout  time.Duration `yaml:"idle_timeout"` // default 120s
	// ShutdownTimeout bounds the graceful drain on stop (default 15s).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// SourceConfig is a partner source as written in the config file. Enabled
// is true when the key is omitted.
type SourceConfig struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	URL     string `yaml:"url"`
	SiteURL string `yaml:"site_url"`
	// PublicFeedURL is published instead of URL (which may carry a key);
	// without it a URL with a query or a password publishes site_url.
	PublicFeedURL string `yaml:"public_feed_url"`
	Schedule      string `yaml:"schedule"` // "" = ingest.default_schedule
	// Attribution is an html/template (syndicate.ParseAttribution); ""
	// uses syndicate.DefaultAttribution.
	Attribution string   `yaml:"attribution"`
	Categories  []string `yaml:"categories"`
	Comments    bool     `yaml:"comments"`
	Enabled     bool     `yaml:"enabled"`
	// SEO is how the republished article pages face search engines:
	// canonical (default: rel=canonical to the original), noindex or self.
	SEO string `yaml:"seo"`
	// Rights is the rights notice published with the source's articles,
	// License the URL of their licence, Redistribute full (default),
	// excerpt or none, Hold an embargo from first_seen (e.g. 2h).
	Rights       string `yaml:"rights"`
	License      string `yaml:"license"`
	Redistribute string `yaml:"redistribute"`
	Hold         string `yaml:"hold"`
}

// setDefaults applies the per-entry defaults before an entry is decoded.
func (s *SourceConfig) setDefaults(int) { s.Enabled = true }

// Source converts s to the domain type, managed by the config file.
func (s SourceConfig) Source() syndicate.Source {
	return syndicate.Source{
		ID:          s.ID,
		Name:        s.Name,
		URL:         s.URL,
		SiteURL:     s.SiteURL,
		PublicFeed:  s.PublicFeedURL,
		Schedule:    s.Schedule,
		Attribution: s.Attribution,
		Categories:  slices.Clone(s.Categories),
		Comments:    s.Comments,
		Enabled:     s.Enabled,
		Managed:     syndicate.ManagedConfig,
		SEO:         s.SEO,

		Rights:       s.Rights,
		License:      s.License,
		Redistribute: s.Redistribute,
		Hold:         s.Hold,
	}
}

// DomainSources returns the configured sources as domain values, in file
// order, with Managed set to syndicate.ManagedConfig. (It cannot be called
// Sources: that is the field.)
func (c *Config) DomainSources() []syndicate.Source {
	out := make([]syndicate.Source, len(c.Sources))
	for i, s := range c.Sources {
		out[i] = s.Source()
	}
	return out
}

// Default returns the built-in defaults, which are valid on their own,
// resolved: a caller that changes a text value calls Resolve again.
func Default() *Config {
	c := defaults()
	if err := c.Resolve(); err != nil {
		panic("config: the defaults do not resolve: " + err.Error())
	}
	return c
}

func defaults() *Config {
	return &Config{
		Listen:  ":8080",
		BaseURL: "http://localhost:8080",
		Site:    Site{Title: "Syndicate", Language: "en"},
		Store:   Store{DataDir: "./data", RedisPrefix: "syn"},
		Ingest: Ingest{
			DefaultSchedule: "@every 15m",
			Timeout:         20 * time.Second,
			MaxBodyBytes:    10 << 20,
			Concurrency:     16,
			PerHost:         2,
			CommentsWindow:  72 * time.Hour,
			MaxCommentFeeds: 20,
			Retention:       Retention{MaxItemsPerSource: 500, MaxAge: 8760 * time.Hour},
		},
		Feeds: Feeds{DefaultLimit: 30, MaxLimit: 100, CacheMaxAge: 300 * time.Second, CacheBytes: 256 << 20, TombstoneWindow: 720 * time.Hour},
		Log:   Log{Format: "auto", Level: "info"},
		Comments: Comments{
			Enabled: true, AutoApprove: "known", MaxLength: 10000, MaxAuthorLength: 100, MaxLinks: 3, MaxDepth: 5,
			RateLimit: 5, RateWindow: 10 * time.Minute, CloseAfter: 720 * time.Hour, IPRetention: 720 * time.Hour,
			Honeypot: "homepage", MaxBodyBytes: 64 << 10,
		},
		WebSub: WebSub{Subscribe: "auto", FallbackSchedule: "@every 1h"},
		HTTP: HTTP{
			MetricsFrom:       []string{"127.0.0.0/8", "::1"},
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   15 * time.Second,
		},
	}
}

// Redacted returns c as YAML with admin tokens replaced by "REDACTED" and
// passwords in URLs masked, fit for printing the effective configuration.
func (c *Config) Redacted() string {
	r := *c
	r.Admin.Tokens = make([]Token, len(c.Admin.Tokens))
	for i, t := range c.Admin.Tokens {
		r.Admin.Tokens[i] = Token{Name: t.Name, Token: "REDACTED"}
	}
	r.Partners = make([]PartnerConfig, len(c.Partners))
	for i, p := range c.Partners {
		p.Key = "REDACTED"
		r.Partners[i] = p
	}
	r.Store.RedisURL = redactURL(c.Store.RedisURL)
	r.Ingest.ProxyURL = redactURL(c.Ingest.ProxyURL)
	r.WebSub.HubURL = redactURL(c.WebSub.HubURL)
	r.Sources = make([]SourceConfig, len(c.Sources))
	for i, s := range c.Sources {
		s.URL = syndicate.RedactURL(redactURL(s.URL)) // a query may hold an API key
		s.SiteURL = redactURL(s.SiteURL)
		r.Sources[i] = s
	}
	out, err := yaml.Marshal(&r)
	if err != nil {
		// Only strings, numbers, bools and lists: Marshal cannot fail.
		panic("config: marshal: " + err.Error())
	}
	return string(out)
}

// redactURL masks the password of raw, or the whole value when it does
// not parse but may hold credentials.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return "REDACTED"
		}
		return raw
	}
	if _, ok := u.User.Password(); ok {
		return u.Redacted()
	}
	return raw
}
