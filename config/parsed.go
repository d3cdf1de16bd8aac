package config

import (
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"text/template"

	"github.com/robfig/cron/v3"

	"syndicate/comments"
	"syndicate/schedule"
)

// Parsed holds the parsed forms of configuration values written as text,
// so that nothing after Load parses them again. Resolve fills it from the
// text fields; Load calls Resolve once the configuration is valid, and a
// Config built in code calls it itself before handing the Config on.
// Parsed is not read from the file or the environment, and never printed.
type Parsed struct {
	// BaseURL is base_url.
	BaseURL *url.URL
	// Secure reports whether base_url is https: cookies are then Secure.
	Secure bool
	// ProxyURL is ingest.proxy_url; nil without one.
	ProxyURL *url.URL
	// DefaultSchedule is ingest.default_schedule.
	DefaultSchedule cron.Schedule
	// FallbackSchedule is websub.fallback_schedule.
	FallbackSchedule cron.Schedule
	// Subscribe is websub.subscribe decided against base_url (see
	// WebSub.SubscribeOn).
	Subscribe bool
	// ArticleURL is site.article_url; nil without one.
	ArticleURL *template.Template
	// TrustedProxies are http.trusted_proxies as prefixes, a single
	// address being a prefix of its full length.
	TrustedProxies []netip.Prefix
	// MetricsFrom are http.metrics_from as prefixes.
	MetricsFrom []netip.Prefix
	// AllowedOrigins are comments.allowed_origins as scheme://host.
	AllowedOrigins []string
	// LogLevel is log.level.
	LogLevel slog.Level
}

// Resolve parses the text values of c into c.Parsed, replacing what was
// there. It fails on the first value that does not parse, naming its key
// path; Load reports every problem with its line before Resolve runs, so
// after a successful Load this cannot fail.
func (c *Config) Resolve() error {
	var p Parsed
	var err error
	if p.BaseURL, err = url.Parse(c.BaseURL); err != nil {
		return fmt.Errorf("base_url: %v", err)
	}
	p.Secure = p.BaseURL.Scheme == "https"
	if c.Ingest.ProxyURL != "" {
		if p.ProxyURL, err = url.Parse(c.Ingest.ProxyURL); err != nil {
			return fmt.Errorf("ingest.proxy_url: does not parse") // it may hold a password
		}
	}
	if p.DefaultSchedule, err = schedule.Parse(c.Ingest.DefaultSchedule); err != nil {
		return fmt.Errorf("ingest.default_schedule: %v", err)
	}
	if p.FallbackSchedule, err = schedule.Parse(c.WebSub.FallbackSchedule); err != nil {
		return fmt.Errorf("websub.fallback_schedule: %v", err)
	}
	p.Subscribe = c.WebSub.SubscribeOn(c.BaseURL)
	if c.Site.ArticleURL != "" {
		if p.ArticleURL, err = template.New("article_url").Parse(c.Site.ArticleURL); err != nil {
			return fmt.Errorf("site.article_url: %v", err)
		}
	}
	if p.TrustedProxies, err = comments.ParsePrefixes(c.HTTP.TrustedProxies); err != nil {
		return fmt.Errorf("http.trusted_proxies: %v", err)
	}
	if p.MetricsFrom, err = comments.ParsePrefixes(c.HTTP.MetricsFrom); err != nil {
		return fmt.Errorf("http.metrics_from: %v", err)
	}
	for i, o := range c.Comments.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("comments.allowed_origins[%d]: %q is not an origin", i, o)
		}
		p.AllowedOrigins = append(p.AllowedOrigins, u.Scheme+"://"+u.Host)
	}
	if err := p.LogLevel.UnmarshalText([]byte(c.Log.Level)); err != nil {
		return fmt.Errorf("log.level: %v", err)
	}
	c.Parsed = p
	return nil
}
