package config_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/config"
)

// MustWriteConfig writes text, without its leading newline, to
// dir/syndicate.yaml and returns the file's path.
func MustWriteConfig(tb testing.TB, dir, text string) string {
	tb.Helper()
	path := filepath.Join(dir, "syndicate.yaml")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.TrimPrefix(text, "\n")), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// MustLoad loads text and fails the test on any error.
func MustLoad(tb testing.TB, text string, env map[string]string) *config.Config {
	tb.Helper()
	path := MustWriteConfig(tb, tb.TempDir(), text)
	cfg, err := config.Load(path, lookup(env))
	if err != nil {
		tb.Fatalf("Load:\n%s\nerror:\n%v", text, err)
	}
	return cfg
}

// MustProblems loads text and returns its problems, failing the test when
// it loads or fails otherwise.
func MustProblems(tb testing.TB, text string, env map[string]string) (string, config.Errors) {
	tb.Helper()
	path := MustWriteConfig(tb, tb.TempDir(), text)
	cfg, err := config.Load(path, lookup(env))
	if err == nil {
		tb.Fatalf("Load:\n%s\ngot no error, config %+v", text, cfg)
	}
	var errs *config.Errors
	if !errors.As(err, &errs) {
		tb.Fatalf("Load:\n%s\ngot %T %v, want *config.Errors", text, err, err)
	}
	if cfg != nil {
		tb.Errorf("Load returned a config with its error")
	}
	return path, *errs
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		v, ok := env[key]
		return v, ok
	}
}

// problemCase is one invalid file and the problem it must give.
type problemCase struct {
	name string
	yaml string
	env  map[string]string
	line int    // 0: no line (a value from the environment)
	path string // key path, or "env NAME"
	msg  string // a substring of the message
}

// runProblemCases checks that each case reports its problem with its key
// path and line, formatted as FILE:LINE: path: message.
func runProblemCases(t *testing.T, tests []problemCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, errs := MustProblems(t, tt.yaml, tt.env)
			i := slices.IndexFunc(errs, func(p config.Problem) bool { return p.Path == tt.path })
			if i < 0 {
				t.Fatalf("yaml:\n%s\ngot problems:\n%v\nwant one at path %q", tt.yaml, errs, tt.path)
			}
			p := errs[i]
			if p.Line != tt.line || !strings.Contains(p.Message, tt.msg) {
				t.Errorf("yaml:\n%s\ngot  %q (line %d)\nwant line %d, message containing %q", tt.yaml, p.Error(), p.Line, tt.line, tt.msg)
			}
			prefix := ""
			if tt.path != "" {
				prefix = tt.path + ": "
			}
			if tt.line > 0 {
				prefix = file + ":" + strconv.Itoa(tt.line) + ": " + prefix
			}
			if got := p.Error(); !strings.HasPrefix(got, prefix) {
				t.Errorf("Error() = %q, want prefix %q", got, prefix)
			}
			if !strings.Contains(errs.Error(), p.Error()) {
				t.Errorf("Errors.Error() = %q lacks %q", errs.Error(), p.Error())
			}
		})
	}
}

// source is a valid source entry, indented as an item of sources:.
func source(id string) string {
	return `
  - id: ` + id + `
    name: "Partner ` + id + `"
    url: "https://` + id + `.example/feed"
    site_url: "https://` + id + `.example"`
}

func TestLoad_Defaults(t *testing.T) {
	t.Run("NoFile", func(t *testing.T) {
		cfg, err := config.Load("", nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := config.Default(); !reflect.DeepEqual(cfg, want) {
			t.Errorf("Load(\"\") = %+v\nwant Default() %+v", cfg, want)
		}
		if cfg.Listen != ":8080" || cfg.BaseURL != "http://localhost:8080" || cfg.Site.Title != "Syndicate" ||
			cfg.Store.RedisURL != "" || cfg.Store.DataDir != "./data" || cfg.Ingest.DefaultSchedule != "@every 15m" ||
			cfg.Ingest.Timeout != 20*time.Second || cfg.Ingest.MaxBodyBytes != 10485760 || cfg.Ingest.Concurrency != 16 ||
			cfg.Ingest.PerHost != 2 || cfg.Ingest.CommentsWindow != 72*time.Hour || cfg.Ingest.MaxCommentFeeds != 20 ||
			cfg.Ingest.Retention.MaxItemsPerSource != 500 || cfg.Ingest.Retention.MaxAge != 8760*time.Hour ||
			cfg.Feeds.DefaultLimit != 30 || cfg.Feeds.MaxLimit != 100 || cfg.Feeds.CacheMaxAge != 300*time.Second ||
			cfg.Log.Format != "auto" || cfg.Log.Level != "info" || cfg.HTTP.ShutdownTimeout != 15*time.Second ||
			len(cfg.Admin.Tokens) != 0 || len(cfg.Sources) != 0 || len(cfg.Sanitize.IframeHosts) != 0 {
			t.Errorf("defaults differ from the spec: %+v", cfg)
		}
	})
	t.Run("EmptyFile", func(t *testing.T) {
		cfg := MustLoad(t, "# nothing here\n", nil)
		cfg.Path = ""
		if want := config.Default(); !reflect.DeepEqual(cfg, want) {
			t.Errorf("got %+v\nwant %+v", cfg, want)
		}
	})
	t.Run("NullSectionKeepsDefaults", func(t *testing.T) {
		cfg := MustLoad(t, "site:\ningest:\n  timeout:\n", nil)
		if cfg.Site.Title != "Syndicate" || cfg.Ingest.Timeout != 20*time.Second {
			t.Errorf("got site %+v timeout %v, want the defaults", cfg.Site, cfg.Ingest.Timeout)
		}
	})
	t.Run("FileOverrides", func(t *testing.T) {
		cfg := MustLoad(t, `
listen: "127.0.0.1:9000"
base_url: "https://feeds.example.com/"
feeds:
  cache_max_age: 0
log:
  level: DEBUG
`, nil)
		if cfg.Listen != "127.0.0.1:9000" || cfg.BaseURL != "https://feeds.example.com" ||
			cfg.Feeds.CacheMaxAge != 0 || cfg.Log.Level != "debug" || cfg.Ingest.Timeout != 20*time.Second {
			t.Errorf("got %+v", cfg)
		}
	})
}

func TestLoad_Unreadable(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "missing.yaml"), nil)
	var errs *config.Errors
	if err == nil || errors.As(err, &errs) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want a wrapped fs.ErrNotExist that is not *Errors", err)
	}
}

func TestLoad_SyntaxError(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "Reported", yaml: "listen: \":8080\"\nsite:\n  title: a: b\n", line: 3, path: "", msg: "mapping values are not allowed"},
	})
}

func TestLoad_UnknownKey(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "TopLevel", yaml: "listen: \":8080\"\ncolour: red\n", line: 2, path: "colour", msg: "unknown key"},
		{name: "Nested", yaml: "ingest:\n  timeout: 20s\n  retries: 3\n", line: 3, path: "ingest.retries", msg: "unknown key"},
		{name: "InSecondSource", yaml: "sources:" + source("a") + source("b") + "\n    colour: blue\n", line: 10, path: "sources[1].colour", msg: "unknown key"},
		{name: "DuplicateKey", yaml: "listen: \":1\"\nlisten: \":2\"\n", line: 2, path: "listen", msg: "duplicate key (first at line 1)"},
	})
}

func TestLoad_BadType(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "IntFromWord", yaml: "ingest:\n  max_body_bytes: ten\n", line: 2, path: "ingest.max_body_bytes", msg: `"ten" is not an integer`},
		{name: "BoolFromWord", yaml: "sources:" + source("a") + "\n    enabled: maybe\n", line: 6, path: "sources[0].enabled", msg: `"maybe" is not a boolean`},
		{name: "MappingExpected", yaml: "site: \"My site\"\n", line: 1, path: "site", msg: "expected a mapping"},
		{name: "ListExpected", yaml: "sanitize:\n  iframe_hosts: www.youtube.com\n", line: 2, path: "sanitize.iframe_hosts", msg: "expected a list"},
		{name: "ScalarExpected", yaml: "listen: [a, b]\n", line: 1, path: "listen", msg: "expected a string, got a list"},
	})
}

func TestLoad_BadDuration(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "Word", yaml: "ingest:\n  timeout: soon\n", line: 2, path: "ingest.timeout", msg: `"soon" is not a duration`},
		{name: "NoUnit", yaml: "feeds:\n  cache_max_age: 300\n", line: 2, path: "feeds.cache_max_age", msg: `"300" is not a duration`},
		{name: "Zero", yaml: "http:\n  read_timeout: 0s\n", line: 2, path: "http.read_timeout", msg: "must be more than 0"},
		{name: "Negative", yaml: "ingest:\n  retention:\n    max_age: -1h\n", line: 3, path: "ingest.retention.max_age", msg: "must be more than 0"},
		{name: "NegativeCacheMaxAge", yaml: "feeds:\n  cache_max_age: -1s\n", line: 2, path: "feeds.cache_max_age", msg: "must not be negative"},
	})
}

func TestLoad_BadSchedule(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "DefaultSchedule", yaml: "ingest:\n  default_schedule: \"every day\"\n", line: 2, path: "ingest.default_schedule", msg: "every day"},
		{name: "SourceSchedule", yaml: "sources:" + source("a") + "\n    schedule: \"61 * * * *\"\n", line: 6, path: "sources[0].schedule", msg: "61 * * * *"},
		{name: "BadTimeZone", yaml: "sources:" + source("a") + "\n    schedule: \"CRON_TZ=Nowhere/City 0 * * * *\"\n", line: 6, path: "sources[0].schedule", msg: "time zone"},
	})
}

func TestLoad_DuplicateSourceID(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "Duplicate", yaml: "sources:" + source("x") + source("y") + source("z") + source("x") + "\n", line: 14, path: "sources[3].id", msg: `duplicate id "x" (first at sources[0])`},
	})
}

func TestLoad_BadURL(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "BaseURLNoHost", yaml: "base_url: \"http://\"\n", line: 1, path: "base_url", msg: "has no host"},
		{name: "BaseURLRelative", yaml: "base_url: \"/feeds\"\n", line: 1, path: "base_url", msg: "http or https"},
		{name: "SourceFTP", yaml: "sources:\n  - id: a\n    name: A\n    url: \"ftp://a.example/feed\"\n", line: 4, path: "sources[0].url", msg: "http or https"},
		{name: "SourceSiteURLNoHost", yaml: "sources:\n  - id: a\n    name: A\n    url: \"https://a.example/feed\"\n    site_url: \"https:///x\"\n", line: 5, path: "sources[0].site_url", msg: "has no host"},
		{name: "PublicFeedURLRelative", yaml: "sources:\n  - id: a\n    name: A\n    url: \"https://a.example/feed?key=k\"\n    public_feed_url: \"/feed\"\n", line: 5, path: "sources[0].public_feed_url", msg: "http or https"},
		{name: "PublicFeedURLPassword", yaml: "sources:\n  - id: a\n    name: A\n    url: \"https://a.example/feed\"\n    public_feed_url: \"https://u:hunter2@a.example/feed\"\n", line: 5, path: "sources[0].public_feed_url", msg: "must not carry a user or password"},
		{name: "HubFTP", yaml: "websub:\n  hub_url: \"ftp://hub.example\"\n", line: 2, path: "websub.hub_url", msg: "http or https"},
		{name: "ProxyNoHost", yaml: "ingest:\n  proxy_url: \"http://\"\n", line: 2, path: "ingest.proxy_url", msg: "has no host"},
		{name: "RedisScheme", yaml: "store:\n  redis_url: \"http://localhost:6379\"\n", line: 2, path: "store.redis_url", msg: "redis://, rediss:// or unix://"},
		{name: "RedisDB", yaml: "store:\n  redis_url: \"redis://localhost:6379/zero\"\n", line: 2, path: "store.redis_url", msg: "invalid database number"},
		{name: "ListenNoPort", yaml: "listen: \"localhost\"\n", line: 1, path: "listen", msg: "host:port"},
	})
}

func TestLoad_BadAttribution(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "UnknownField", yaml: "sources:" + source("wj") + "\n    attribution: 'Via {{.Nope}}'\n", line: 6, path: "sources[0].attribution", msg: `source "wj": bad template`},
		{name: "Syntax", yaml: "sources:" + source("a") + source("wj") + "\n    attribution: 'Via {{.SourceName'\n", line: 10, path: "sources[1].attribution", msg: `source "wj": bad template`},
	})
}

func TestLoad_OtherValues(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "DefaultLimitAboveMax", yaml: "feeds:\n  max_limit: 20\n", line: 1, path: "feeds.default_limit", msg: "from 1 to feeds.max_limit (20), got 30"},
		{name: "MaxLimitTooBig", yaml: "feeds:\n  max_limit: 5000\n", line: 2, path: "feeds.max_limit", msg: "from 1 to 1000"},
		{name: "ConcurrencyZero", yaml: "ingest:\n  concurrency: 0\n", line: 2, path: "ingest.concurrency", msg: "at least 1"},
		{name: "LogFormat", yaml: "log:\n  format: xml\n", line: 2, path: "log.format", msg: "auto, text or json"},
		{name: "TrustedProxy", yaml: "http:\n  trusted_proxies: [\"10.0.0.0/8\", \"::1\", \"proxy.local\"]\n", line: 2, path: "http.trusted_proxies[2]", msg: "not an IP address or CIDR"},
		{name: "ArticleURLWithoutID", yaml: "site:\n  article_url: \"https://news.example/s/\"\n", line: 2, path: "site.article_url", msg: "must use {{.ID}}"},
		{name: "ArticleURLBadField", yaml: "site:\n  article_url: \"https://news.example/s/{{.Slug}}\"\n", line: 2, path: "site.article_url", msg: "bad template"},
		{name: "SourceNameMissing", yaml: "sources:\n  - id: a\n    url: \"https://a.example/feed\"\n", line: 2, path: "sources[0].name", msg: "is required"},
		{name: "SourceBadID", yaml: "sources:\n  - id: Not_OK\n    name: A\n    url: \"https://a.example/feed\"\n", line: 2, path: "sources[0].id", msg: "a-z, 0-9"},
		{name: "SourceBadSEO", yaml: "sources:" + source("a") + "\n    seo: hide\n", line: 6, path: "sources[0].seo", msg: "canonical, noindex or self"},
		{name: "FileSourceNeedsSiteURL", yaml: "sources:\n  - id: a\n    name: A\n    url: \"file:feeds/a.xml\"\n", line: 2, path: "sources[0].site_url", msg: "file: source"},
	})
}

func TestLoad_FileURL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etc", "syndicate")
	path := MustWriteConfig(t, dir, `
sources:
  - id: rel
    name: Relative
    url: "file:feeds/rel.xml"
    site_url: "https://rel.example"
  - id: up
    name: Up
    url: "file:../common/up feed.xml"
    site_url: "https://up.example"
  - id: abs
    name: Absolute
    url: "file:/srv/feeds/abs.xml"
    site_url: "https://abs.example"
  - id: web
    name: Web
    url: "https://web.example/feed"
`)
	cfg, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, wantPath string
	}{
		{"RelativeToConfigDir", filepath.Join(dir, "feeds", "rel.xml")},
		{"ParentDirWithSpace", filepath.Join(filepath.Dir(dir), "common", "up feed.xml")},
		{"AbsoluteKept", "/srv/feeds/abs.xml"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cfg.Sources[i].URL
			if !syndicate.IsFileURL(got) || syndicate.FilePath(got) != tt.wantPath {
				t.Errorf("url = %q (path %q), want file: URL of %q", got, syndicate.FilePath(got), tt.wantPath)
			}
		})
	}
	t.Run("HTTPUnchanged", func(t *testing.T) {
		if got := cfg.Sources[3].URL; got != "https://web.example/feed" {
			t.Errorf("url = %q", got)
		}
	})
	t.Run("DomainSources", func(t *testing.T) {
		srcs := cfg.DomainSources()
		if len(srcs) != 4 {
			t.Fatalf("got %d sources, want 4", len(srcs))
		}
		for _, s := range srcs {
			if s.Managed != syndicate.ManagedConfig || !s.Enabled {
				t.Errorf("source %s: managed %q enabled %v, want %q and true", s.ID, s.Managed, s.Enabled, syndicate.ManagedConfig)
			}
			if errs := s.Validate(true); len(errs) > 0 {
				t.Errorf("source %s does not validate: %v", s.ID, errs)
			}
		}
	})
}

func TestLoad_SourceFields(t *testing.T) {
	cfg := MustLoad(t, `
sources:
  - id: on-by-default
    name: "On"
    url: "https://on.example/feed"
  - id: off
    name: "Off"
    url: "https://off.example/feed"
    site_url: "https://off.example"
    public_feed_url: "https://off.example/public.xml"
    schedule: "*/10 * * * *"
    attribution: 'From {{.SourceName}}'
    categories: ["politics", "World News"]
    comments: true
    enabled: false
`, nil)
	got := cfg.DomainSources()
	want := []syndicate.Source{
		{ID: "on-by-default", Name: "On", URL: "https://on.example/feed", Enabled: true, Managed: syndicate.ManagedConfig},
		{ID: "off", Name: "Off", URL: "https://off.example/feed", SiteURL: "https://off.example", PublicFeed: "https://off.example/public.xml", Schedule: "*/10 * * * *",
			Attribution: "From {{.SourceName}}", Categories: []string{"politics", "World News"}, Comments: true, Enabled: false, Managed: syndicate.ManagedConfig},
	}
	t.Run("EnabledDefaultsToTrue", func(t *testing.T) {
		if !got[0].Enabled {
			t.Errorf("enabled omitted: got false, want true")
		}
	})
	t.Run("AllFields", func(t *testing.T) {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
}

func TestLoad_Env(t *testing.T) {
	const file = `
listen: ":8080"
store:
  redis_url: "redis://localhost:6379/0"
  data_dir: "/var/lib/syndicate"
ingest:
  strip_params: ["fbclid"]
`
	tests := []struct {
		name  string
		env   map[string]string
		check func(*config.Config) bool
	}{
		{"FullPath", map[string]string{"SYNDICATE_INGEST_TIMEOUT": "45s", "SYNDICATE_FEEDS_DEFAULT_LIMIT": "50", "SYNDICATE_SITE_TITLE": "Env News", "SYNDICATE_INGEST_ALLOW_PRIVATE_NETWORKS": "true", "SYNDICATE_LOG_FORMAT": "json", "SYNDICATE_INGEST_RETENTION_MAX_AGE": "24h"},
			func(c *config.Config) bool {
				return c.Ingest.Timeout == 45*time.Second && c.Feeds.DefaultLimit == 50 && c.Site.Title == "Env News" &&
					c.Ingest.AllowPrivateNetworks && c.Log.Format == "json" && c.Ingest.Retention.MaxAge == 24*time.Hour
			}},
		{"Aliases", map[string]string{"SYNDICATE_LISTEN": ":9090", "SYNDICATE_BASE_URL": "https://env.example/", "SYNDICATE_REDIS_URL": "redis://cache:6379/1", "SYNDICATE_DATA_DIR": "/data"},
			func(c *config.Config) bool {
				return c.Listen == ":9090" && c.BaseURL == "https://env.example" && c.Store.RedisURL == "redis://cache:6379/1" && c.Store.DataDir == "/data"
			}},
		{"FullPathBeatsAlias", map[string]string{"SYNDICATE_REDIS_URL": "redis://alias:6379", "SYNDICATE_STORE_REDIS_URL": "redis://full:6379"},
			func(c *config.Config) bool { return c.Store.RedisURL == "redis://full:6379" }},
		{"CommaLists", map[string]string{"SYNDICATE_INGEST_STRIP_PARAMS": "utm_source, utm_medium,,gclid", "SYNDICATE_SANITIZE_IFRAME_HOSTS": "www.youtube.com,player.vimeo.com", "SYNDICATE_HTTP_TRUSTED_PROXIES": "10.0.0.0/8"},
			func(c *config.Config) bool {
				return slices.Equal(c.Ingest.StripParams, []string{"utm_source", "utm_medium", "gclid"}) &&
					slices.Equal(c.Sanitize.IframeHosts, []string{"www.youtube.com", "player.vimeo.com"}) &&
					slices.Equal(c.HTTP.TrustedProxies, []string{"10.0.0.0/8"})
			}},
		{"EmptySetOverrides", map[string]string{"SYNDICATE_REDIS_URL": "", "SYNDICATE_INGEST_STRIP_PARAMS": ""},
			func(c *config.Config) bool { return c.Store.RedisURL == "" && len(c.Ingest.StripParams) == 0 }},
		{"UnsetKeepsFile", map[string]string{},
			func(c *config.Config) bool {
				return c.Store.RedisURL == "redis://localhost:6379/0" && slices.Equal(c.Ingest.StripParams, []string{"fbclid"})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := MustLoad(t, file, tt.env)
			if !tt.check(cfg) {
				t.Errorf("env %v: got %+v", tt.env, cfg)
			}
		})
	}
	t.Run("NoFile", func(t *testing.T) {
		cfg, err := config.Load("", lookup(map[string]string{"SYNDICATE_LISTEN": ":1234"}))
		if err != nil || cfg.Listen != ":1234" {
			t.Errorf("got %+v, %v; want listen :1234", cfg, err)
		}
	})
	runProblemCases(t, []problemCase{
		{name: "BadDuration", yaml: file, env: map[string]string{"SYNDICATE_INGEST_TIMEOUT": "soon"}, path: "env SYNDICATE_INGEST_TIMEOUT", msg: `"soon" is not a duration`},
		{name: "BadInt", yaml: file, env: map[string]string{"SYNDICATE_FEEDS_DEFAULT_LIMIT": "many"}, path: "env SYNDICATE_FEEDS_DEFAULT_LIMIT", msg: "not an integer"},
		{name: "BadBool", yaml: file, env: map[string]string{"SYNDICATE_INGEST_ALLOW_PRIVATE_NETWORKS": "maybe"}, path: "env SYNDICATE_INGEST_ALLOW_PRIVATE_NETWORKS", msg: "not a boolean"},
		{name: "InvalidValue", yaml: file, env: map[string]string{"SYNDICATE_BASE_URL": "ftp://env.example"}, path: "env SYNDICATE_BASE_URL", msg: "http or https"},
		{name: "InvalidListReplacingFile", yaml: "sanitize:\n  iframe_hosts: [www.youtube.com]\n", env: map[string]string{"SYNDICATE_SANITIZE_IFRAME_HOSTS": "a/b"}, path: "env SYNDICATE_SANITIZE_IFRAME_HOSTS", msg: `"a/b"`},
		{name: "InvalidListItem", yaml: file, env: map[string]string{"SYNDICATE_HTTP_TRUSTED_PROXIES": "10.0.0.1,nope"}, path: "env SYNDICATE_HTTP_TRUSTED_PROXIES", msg: `"nope"`},
	})
}

func TestLoad_Tokens(t *testing.T) {
	cfg := MustLoad(t, `
admin:
  tokens:
    - "plain-secret-0123456"
    - name: ci
      token: "mapped-secret-012345"
    - token: "unnamed-secret-01234"
`, map[string]string{"SYNDICATE_ADMIN_TOKEN": "env-secret-0123456789"})
	want := []config.Token{
		{Name: "token-0", Token: "plain-secret-0123456"},
		{Name: "ci", Token: "mapped-secret-012345"},
		{Name: "token-2", Token: "unnamed-secret-01234"},
		{Name: "env", Token: "env-secret-0123456789"},
	}
	t.Run("Named", func(t *testing.T) {
		if !reflect.DeepEqual(cfg.Admin.Tokens, want) {
			t.Errorf("got  %+v\nwant %+v", cfg.Admin.Tokens, want)
		}
	})
	t.Run("Redacted", func(t *testing.T) {
		out := cfg.Redacted()
		if strings.Contains(out, "secret") || !strings.Contains(out, "ci") {
			t.Errorf("Redacted() shows a token or hides the names:\n%s", out)
		}
	})
	runProblemCases(t, []problemCase{
		{name: "DuplicateName", yaml: "admin:\n  tokens:\n    - {name: ci, token: a}\n    - {name: ci, token: b}\n", line: 4, path: "admin.tokens[1].name", msg: `duplicate name "ci" (first at admin.tokens[0])`},
		{name: "Short", yaml: "admin:\n  tokens:\n    - {name: ci, token: 0123456789abcde}\n", line: 3, path: "admin.tokens[0].token", msg: "is 15 characters long, must be at least 16"},
		{name: "ShortEnv", yaml: "listen: \":8080\"\n", env: map[string]string{"SYNDICATE_ADMIN_TOKEN": "hunter2"}, path: "env SYNDICATE_ADMIN_TOKEN", msg: "must be at least 16"},
		{name: "DuplicateValue", yaml: "admin:\n  tokens:\n    - {name: ci, token: 0123456789abcdef}\n    - {name: deploy, token: 0123456789abcdef}\n", line: 4, path: "admin.tokens[1].token", msg: "the same token as admin.tokens[0]"},
		{name: "DuplicateValueEnv", yaml: "admin:\n  tokens:\n    - {name: ci, token: 0123456789abcdef}\n", env: map[string]string{"SYNDICATE_ADMIN_TOKEN": "0123456789abcdef"}, path: "env SYNDICATE_ADMIN_TOKEN", msg: "the same token as admin.tokens[0]"},
		{name: "Empty", yaml: "admin:\n  tokens:\n    - \"\"\n", line: 3, path: "admin.tokens[0].token", msg: "is empty"},
		{name: "EmptyEnv", yaml: "listen: \":8080\"\n", env: map[string]string{"SYNDICATE_ADMIN_TOKEN": ""}, path: "env SYNDICATE_ADMIN_TOKEN", msg: "is empty"},
		{name: "Whitespace", yaml: "admin:\n  tokens:\n    - \"two words-secret\"\n", line: 3, path: "admin.tokens[0].token", msg: "spaces"},
		{name: "UnknownKey", yaml: "admin:\n  tokens:\n    - {name: ci, secret: x}\n", line: 3, path: "admin.tokens[0].secret", msg: "unknown key"},
	})
}

func TestLoad_SecretsNotShown(t *testing.T) {
	tests := []struct {
		name, yaml string
	}{
		{"TokenAsScalarSection", "admin:\n  tokens: hunter2-secret\n"},
		{"TokenAsAdmin", "admin: hunter2-secret\n"},
		{"TokenWithSpace", "admin:\n  tokens: [\"hunter2 secret\"]\n"},
		{"RedisPasswordScheme", "store:\n  redis_url: \"http://user:hunter2-secret@localhost:6379\"\n"},
		{"RedisPasswordDB", "store:\n  redis_url: \"redis://:hunter2-secret@localhost:6379/x\"\n"},
		{"RedisPasswordUnparsable", "store:\n  redis_url: \"redis://:hunter2-secret@local host:6379\"\n"},
		{"ProxyPassword", "ingest:\n  proxy_url: \"ftp://user:hunter2-secret@proxy\"\n"},
		{"SourcePassword", "sources:\n  - id: a\n    name: A\n    url: \"ftp://user:hunter2-secret@a.example/feed\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := MustProblems(t, tt.yaml, nil)
			if msg := errs.Error(); strings.Contains(msg, "hunter2") {
				t.Errorf("yaml:\n%s\nerror shows the secret: %s", tt.yaml, msg)
			}
		})
	}
}

func TestLoad_AllProblems(t *testing.T) {
	const text = `
listen: ":8080"
colour: red
ingest:
  timeout: soon
  max_body_bytes: 1048576
sources:
  - id: a
    name: A
    url: "https://a.example/feed"
    schedule: "every day"
  - id: b
    name: B
    url: "https://b.example/feed"
    enabled: maybe
`
	file, errs := MustProblems(t, text, nil)
	want := []string{
		file + ":2: colour: unknown key",
		file + ":4: ingest.timeout: ",
		file + ":10: sources[0].schedule: ",
		file + ":14: sources[1].enabled: ",
	}
	lines := strings.Split(errs.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(lines), len(want), errs)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("problem %d = %q, want prefix %q", i, lines[i], want[i])
		}
	}
}

func TestLoad_MergeKey(t *testing.T) {
	cfg := MustLoad(t, `
sources:
  - &base
    id: a
    name: A
    url: "https://a.example/feed"
    comments: true
    schedule: "@hourly"
  - <<: *base
    id: b
    url: "https://b.example/feed"
`, nil)
	got := cfg.Sources[1]
	want := config.SourceConfig{ID: "b", Name: "A", URL: "https://b.example/feed", Schedule: "@hourly", Comments: true, Enabled: true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// Aliases and merge keys that expand to ten million values (a file of a
// few hundred bytes) are refused with a problem: walked, they kept
// check-config busy for a minute, and two more levels of ten for hours.
func TestLoad_AliasBomb(t *testing.T) {
	for name, text := range map[string]string{
		"merge keys": func() string {
			s := "x0: &a0 {title: t}\n"
			for i := 1; i <= 6; i++ {
				s += fmt.Sprintf("x%d: &a%d {<<: [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ","))
			}
			return s + "site: {<<: [" + strings.TrimSuffix(strings.Repeat("*a6,", 10), ",") + "]}\n"
		}(),
		"merged sources": func() string {
			s := "x0: &a0 {name: A}\n"
			for i := 1; i <= 6; i++ {
				s += fmt.Sprintf("x%d: &a%d {<<: [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ","))
			}
			return s + "sources: [{<<: [*a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6], id: a, url: \"https://a.example/f\"}]\n"
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			_, errs := MustProblems(t, text, nil)
			if out := errs.Error(); !strings.Contains(out, "alias bomb") {
				t.Errorf("problems:\n%s\nwant one about the expansion", out)
			}
		})
	}
}

func TestErrors_As(t *testing.T) {
	_, err := config.Load(MustWriteConfig(t, t.TempDir(), "colour: red\n"), nil)
	t.Run("ValueTarget", func(t *testing.T) {
		var errs config.Errors
		if !errors.As(err, &errs) || len(errs) != 1 {
			t.Errorf("errors.As(%v, *Errors) = %v, want 1 problem", err, errs)
		}
	})
	t.Run("PointerTarget", func(t *testing.T) {
		var errs *config.Errors
		if !errors.As(err, &errs) || len(*errs) != 1 {
			t.Errorf("errors.As(%v, **Errors) failed", err)
		}
	})
}

func TestProblem_Error(t *testing.T) {
	tests := []struct {
		name string
		p    config.Problem
		want string
	}{
		{"FileLinePath", config.Problem{File: "s.yaml", Line: 3, Path: "sources[1].schedule", Message: "bad"}, "s.yaml:3: sources[1].schedule: bad"},
		{"FileNoLine", config.Problem{File: "s.yaml", Path: "feeds.default_limit", Message: "bad"}, "s.yaml: feeds.default_limit: bad"},
		{"Env", config.Problem{Path: "env SYNDICATE_LISTEN", Message: "bad"}, "env SYNDICATE_LISTEN: bad"},
		{"NoPath", config.Problem{File: "s.yaml", Line: 1, Message: "bad"}, "s.yaml:1: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Error(); got != tt.want {
				t.Errorf("%+v.Error() = %q, want %q", tt.p, got, tt.want)
			}
		})
	}
}
