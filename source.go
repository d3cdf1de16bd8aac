package syndicate

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DefaultAttribution is the attribution line used when a source sets none.
const DefaultAttribution = `A previous version of this article was published on <a href="{{.CanonicalURL}}">{{.SourceName}}</a>.`

// Source managers: who owns a source's definition.
const (
	ManagedConfig = "config" // defined in the config file; read-only through the API
	ManagedAPI    = "api"    // created through the admin API
)

// Source is a partner feed configured by an editor.
type Source struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	URL         string   `json:"url"`
	SiteURL     string   `json:"site_url,omitempty"`
	Schedule    string   `json:"schedule,omitempty"` // "" = the default schedule
	Attribution string   `json:"attribution,omitempty"`
	Categories  []string `json:"categories,omitempty"`
	Comments    bool     `json:"comments"`
	Enabled     bool     `json:"enabled"`
	Managed     string   `json:"managed,omitempty"`
	// SEO is how the republished pages face search engines: SEOCanonical
	// ("" means it too), SEONoIndex or SEOSelf.
	SEO string `json:"seo,omitempty"`
}

// SEO choices of a source (its `seo` key).
const (
	SEOCanonical = "canonical" // <link rel="canonical"> to the original (the default)
	SEONoIndex   = "noindex"   // robots noindex meta and X-Robots-Tag
	SEOSelf      = "self"      // the republished page is canonical
)

var sourceIDPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// ValidateSourceID reports whether id is a valid source id: 1 to 64 of
// [a-z0-9-], not starting or ending with a dash.
func ValidateSourceID(id string) error {
	if id == "" {
		return fmt.Errorf("is required")
	}
	if !sourceIDPattern.MatchString(id) {
		return fmt.Errorf("%q must be 1-64 characters of a-z, 0-9 and '-', not starting or ending with '-'", id)
	}
	return nil
}

// IsFileURL reports whether raw is a file: URL (file:rel, file:/abs, file:///abs).
func IsFileURL(raw string) bool {
	return len(raw) >= 5 && strings.EqualFold(raw[:5], "file:")
}

// ValidateFeedURL checks a source's feed URL: absolute http(s), or a file:
// URL when allowFile is true (config-file sources only).
func ValidateFeedURL(raw string, allowFile bool) error {
	if raw == "" {
		return fmt.Errorf("is required")
	}
	if IsFileURL(raw) {
		if !allowFile {
			return fmt.Errorf("file: URLs are allowed only for sources in the config file")
		}
		if FilePath(raw) == "" {
			return fmt.Errorf("%q has no path", raw)
		}
		return nil
	}
	return ValidateHTTPURL(raw)
}

// ValidateHTTPURL checks that raw is an absolute http or https URL with a host.
func ValidateHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", raw, unwrapURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q must be an http or https URL", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	if i := strings.IndexFunc(raw, notURIChar); i >= 0 {
		return fmt.Errorf("%q contains %q, which is not allowed in a URL: percent-encode it", raw, raw[i:i+1])
	}
	return nil
}

// notURIChar reports characters that may not appear unencoded in a URI
// (RFC 3986 §2): controls, space, and "<>\^`{|} and non-ASCII.
func notURIChar(r rune) bool {
	return r <= ' ' || r >= 0x7f || strings.ContainsRune("\"<>\\^`{|}", r)
}

// EscapeURIChars percent-encodes the bytes of s that may not appear in a
// URI, leaving everything else (including existing escapes) as it is.
func EscapeURIChars(s string) string {
	if strings.IndexFunc(s, notURIChar) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// FilePath returns the path of a file: URL: "file:rel" gives "rel",
// "file:/abs" and "file:///abs" give "/abs".
func FilePath(raw string) string {
	p := raw[len("file:"):]
	if strings.HasPrefix(p, "//") {
		p = p[2:]
		// file://host/path is not supported; file:///abs has an empty host.
		if i := strings.IndexByte(p, '/'); i > 0 {
			return ""
		} else if i < 0 {
			return ""
		}
	}
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	return p
}

// Validate checks every field of s and returns all problems, keyed by the
// field's name. allowFile permits a file: feed URL (config-file sources).
func (s *Source) Validate(allowFile bool) []*Error {
	var errs []*Error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, FieldError(field, "%v", err))
		}
	}
	add("id", ValidateSourceID(s.ID))
	if strings.TrimSpace(s.Name) == "" {
		add("name", fmt.Errorf("is required"))
	}
	add("url", ValidateFeedURL(s.URL, allowFile))
	if s.SiteURL != "" {
		add("site_url", ValidateHTTPURL(s.SiteURL))
	} else if IsFileURL(s.URL) {
		add("site_url", fmt.Errorf("is required for a file: source (its relative links resolve against it, and it is published in place of the file URL)"))
	}
	if s.Attribution != "" {
		_, err := ParseAttribution(s.Attribution)
		add("attribution", err)
	}
	switch s.SEO {
	case "", SEOCanonical, SEONoIndex, SEOSelf:
	default:
		add("seo", fmt.Errorf("%q must be canonical, noindex or self", s.SEO))
	}
	for i, c := range s.Categories {
		if Slug(c) == "" {
			add(fmt.Sprintf("categories[%d]", i), fmt.Errorf("%q has no letters or digits to make a slug from", c))
		}
	}
	return errs
}

// PublicFeedURL is the partner feed URL as it may be published: a file:
// URL is never published, the site URL stands in for it (DECISIONS §7).
func (s *Source) PublicFeedURL() string {
	if IsFileURL(s.URL) {
		return s.SiteURL
	}
	return StripUserinfo(s.URL)
}

// StripUserinfo returns raw without a user:password part: partner feeds
// may need credentials to fetch, but they are never published.
func StripUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// RedactURL returns raw with any password replaced by "xxxxx", for logs,
// errors and statuses.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// Ref returns the attribution snapshot of s.
func (s *Source) Ref() SourceRef {
	return SourceRef{ID: s.ID, Name: s.Name, SiteURL: s.SiteURL, FeedURL: s.PublicFeedURL()}
}

// AttributionData is what an attribution template sees.
type AttributionData struct {
	SourceName   string
	SourceURL    string // the partner's site
	SourceFeed   string
	CanonicalURL string
	Author       string
	Title        string
	Published    time.Time
}

// ParseAttribution parses an attribution template with html/template, so
// that names like "AT&T <News>" and quotes in URLs are escaped when it is
// rendered. It fails on a syntax error or on a field AttributionData lacks.
func ParseAttribution(text string) (*template.Template, error) {
	t, err := template.New("attribution").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("bad template: %w", err)
	}
	// Execute once on sample data: unknown fields fail here, not at render time.
	var buf bytes.Buffer
	sample := AttributionData{SourceName: "Partner", SourceURL: "https://partner.example/", CanonicalURL: "https://partner.example/a", Author: "A. Writer", Title: "T", Published: time.Unix(0, 0).UTC()}
	if err := t.Execute(&buf, sample); err != nil {
		return nil, fmt.Errorf("bad template: %w", err)
	}
	return t, nil
}

// Slug turns a category label into its route form: accents stripped to
// ASCII, lower case, runs of other characters replaced by one '-'.
func Slug(label string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(label) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}
