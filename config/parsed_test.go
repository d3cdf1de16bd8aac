package config_test

import (
	"bytes"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/config"
	"syndicate/schedule"
)

// Load fills Parsed from the file and the environment, so that later code
// reads parsed values instead of parsing the text again.
func TestLoad_Parsed(t *testing.T) {
	cfg := MustLoad(t, `
base_url: https://news.example/
site:
  article_url: "https://news.example/s/{{.ID}}"
ingest:
  default_schedule: "@every 5m"
  proxy_url: http://user:pw@127.0.0.1:3128
websub:
  fallback_schedule: "0 * * * *"
  subscribe: auto
comments:
  allowed_origins: [https://blog.example/, "http://127.0.0.1:8081"]
http:
  trusted_proxies: [10.0.0.0/8, 127.0.0.1, "192.168.1.7/16"]
log:
  level: warn
`, map[string]string{"SYNDICATE_INGEST_DEFAULT_SCHEDULE": "@every 7m"})
	p := cfg.Parsed
	if p.BaseURL == nil || p.BaseURL.String() != "https://news.example" || !p.Secure {
		t.Errorf("BaseURL = %v, Secure = %v", p.BaseURL, p.Secure)
	}
	if p.ProxyURL == nil || p.ProxyURL.Host != "127.0.0.1:3128" || p.ProxyURL.User.Username() != "user" {
		t.Errorf("ProxyURL = %v", p.ProxyURL)
	}
	if got, ok := p.DefaultSchedule.(schedule.Every); !ok || got.Interval != 7*time.Minute {
		t.Errorf("DefaultSchedule = %#v, want the environment's @every 7m", p.DefaultSchedule)
	}
	from := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	if p.FallbackSchedule == nil || !p.FallbackSchedule.Next(from).Equal(from.Add(30*time.Minute)) {
		t.Errorf("FallbackSchedule next after %s = %v", from, p.FallbackSchedule)
	}
	if !p.Subscribe {
		t.Error("Subscribe = false for a public https base_url with subscribe: auto")
	}
	var b bytes.Buffer
	if p.ArticleURL == nil || p.ArticleURL.Execute(&b, struct{ ID string }{"a1"}) != nil || b.String() != "https://news.example/s/a1" {
		t.Errorf("ArticleURL gives %q", b.String())
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("192.168.0.0/16")}
	if !slices.Equal(p.TrustedProxies, want) {
		t.Errorf("TrustedProxies = %v, want %v", p.TrustedProxies, want)
	}
	if o := []string{"https://blog.example", "http://127.0.0.1:8081"}; !slices.Equal(p.AllowedOrigins, o) {
		t.Errorf("AllowedOrigins = %q, want %q", p.AllowedOrigins, o)
	}
	if p.LogLevel != slog.LevelWarn {
		t.Errorf("LogLevel = %v", p.LogLevel)
	}
	// Parsed values are never printed with the configuration.
	if r := cfg.Redacted(); strings.Contains(strings.ToLower(r), "parsed") {
		t.Errorf("Redacted prints Parsed:\n%s", r)
	}
}

// A Config built in code is resolved by Default and again by Resolve
// after a change; a value that does not parse is named by its key path.
func TestResolve_InCode(t *testing.T) {
	cfg := config.Default()
	if cfg.Parsed.BaseURL == nil || cfg.Parsed.BaseURL.String() != "http://localhost:8080" || cfg.Parsed.DefaultSchedule == nil {
		t.Fatalf("Default().Parsed = %+v", cfg.Parsed)
	}
	if cfg.Parsed.Subscribe {
		t.Error("Subscribe on for a loopback base_url")
	}
	cfg.BaseURL = "https://127.0.0.1:8443"
	cfg.HTTP.TrustedProxies = []string{"127.0.0.1"}
	if err := cfg.Resolve(); err != nil {
		t.Fatal(err)
	}
	if !cfg.Parsed.Secure || len(cfg.Parsed.TrustedProxies) != 1 {
		t.Errorf("after Resolve: %+v", cfg.Parsed)
	}
	for _, tc := range []struct {
		change func(*config.Config)
		path   string
	}{
		{func(c *config.Config) { c.Ingest.DefaultSchedule = "every day" }, "ingest.default_schedule"},
		{func(c *config.Config) { c.WebSub.FallbackSchedule = "" }, "websub.fallback_schedule"},
		{func(c *config.Config) { c.HTTP.TrustedProxies = []string{"proxy"} }, "http.trusted_proxies"},
		{func(c *config.Config) { c.Site.ArticleURL = "{{.ID" }, "site.article_url"},
		{func(c *config.Config) { c.Comments.AllowedOrigins = []string{"blog"} }, "comments.allowed_origins[0]"},
		{func(c *config.Config) { c.Log.Level = "loud" }, "log.level"},
	} {
		c := config.Default()
		before := c.Parsed
		tc.change(c)
		err := c.Resolve()
		if err == nil || !strings.HasPrefix(err.Error(), tc.path+": ") {
			t.Errorf("Resolve = %v, want an error about %s", err, tc.path)
		}
		if c.Parsed.DefaultSchedule != before.DefaultSchedule || c.Parsed.BaseURL != before.BaseURL {
			t.Errorf("a failed Resolve changed Parsed (%s)", tc.path)
		}
	}
}
