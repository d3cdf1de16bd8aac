package syndicate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"text/template/parse"
	"time"
	"unicode"
	"unicode/utf8"

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
	ID      string `json:"id"`
	Name    string `json:"name"`
	URL     string `json:"url"`
	SiteURL string `json:"site_url,omitempty"`
	// PublicFeed is the feed URL published for the source instead of URL
	// (key public_feed_url), for a feed fetched with a key or password.
	PublicFeed  string   `json:"public_feed_url,omitempty"`
	Schedule    string   `json:"schedule,omitempty"` // "" = the default schedule
	Attribution string   `json:"attribution,omitempty"`
	Categories  []string `json:"categories,omitempty"`
	Comments    bool     `json:"comments"`
	Enabled     bool     `json:"enabled"`
	Managed     string   `json:"managed,omitempty"`
	// SEO is how the republished pages face search engines: SEOCanonical
	// ("" means it too), SEONoIndex or SEOSelf.
	SEO string `json:"seo,omitempty"`
	// Rights is the rights notice published with its articles, License
	// the URL of their licence, Redistribute how much feeds may pass on
	// (RedistributeFull when "") and Hold the embargo from first_seen (a
	// duration such as "2h"); see rights.go.
	Rights       string `json:"rights,omitempty"`
	License      string `json:"license,omitempty"`
	Redistribute string `json:"redistribute,omitempty"`
	Hold         string `json:"hold,omitempty"`
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
	} else if n := utf8.RuneCountInString(s.Name); n > MaxSourceName {
		add("name", fmt.Errorf("is %d characters long; at most %d", n, MaxSourceName))
	} else if i := strings.IndexFunc(s.Name, disguising); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s.Name[i:])
		add("name", fmt.Errorf("contains %U, a control or bidi override character that would disguise the text where it is shown", r))
	}
	// A URL past the bound is refused as such, not quoted whole by the
	// URL checks.
	long := func(field, v string) bool {
		if len(v) <= MaxSourceURL {
			return false
		}
		add(field, fmt.Errorf("is %d bytes long; at most %d", len(v), MaxSourceURL))
		return true
	}
	if !long("url", s.URL) {
		add("url", ValidateFeedURL(s.URL, allowFile))
	}
	switch {
	case long("site_url", s.SiteURL):
	case s.SiteURL != "":
		add("site_url", ValidateHTTPURL(s.SiteURL))
	case IsFileURL(s.URL):
		add("site_url", fmt.Errorf("is required for a file: source (its relative links resolve against it, and it is published in place of the file URL)"))
	}
	if s.PublicFeed != "" && !long("public_feed_url", s.PublicFeed) {
		add("public_feed_url", ValidatePublicURL(s.PublicFeed))
	}
	if len(s.Attribution) > MaxAttribution {
		add("attribution", fmt.Errorf("is %d bytes long; at most %d", len(s.Attribution), MaxAttribution))
	} else if s.Attribution != "" {
		_, err := ParseAttribution(s.Attribution)
		add("attribution", err)
	}
	switch s.SEO {
	case "", SEOCanonical, SEONoIndex, SEOSelf:
	default:
		add("seo", fmt.Errorf("%q must be canonical, noindex or self", s.SEO))
	}
	errs = append(errs, s.validateRights()...)
	if len(s.Categories) > MaxSourceCategories {
		add("categories", fmt.Errorf("has %d entries; at most %d", len(s.Categories), MaxSourceCategories))
		return errs
	}
	for i, c := range s.Categories {
		if n := utf8.RuneCountInString(c); n > MaxCategoryName {
			add(fmt.Sprintf("categories[%d]", i), fmt.Errorf("is %d characters long; at most %d", n, MaxCategoryName))
		} else if Slug(c) == "" {
			add(fmt.Sprintf("categories[%d]", i), fmt.Errorf("%q has no letters or digits to make a slug from", c))
		}
	}
	return errs
}

// Bounds of what an editor may configure for a source (its name and
// categories are shown on every copy; its URLs are fetched and
// published).
const (
	MaxSourceName       = 200  // characters
	MaxSourceURL        = 2048 // bytes, each of url, site_url, public_feed_url
	MaxAttribution      = 1000 // bytes of template
	MaxSourceCategories = 50
	MaxCategoryName     = 100 // characters
)

// disguising reports characters a name is refused for: controls (a name
// is one line) and the bidi embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069), which reorder what readers see.
func disguising(r rune) bool {
	return unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// PublicFeedURL is the partner feed URL as it may be published: the
// editor's public_feed_url when set; else the feed URL itself unless it is
// a file: URL or carries a query string or a user:password part (an API
// key or credentials the partner gave us alone), when the site URL stands
// in for it, or, without a site URL, the feed's origin.
func (s *Source) PublicFeedURL() string {
	switch {
	case s.PublicFeed != "":
		return withRootPath(s.PublicFeed)
	case !IsFileURL(s.URL) && !HasPrivateParts(s.URL):
		return withRootPath(s.URL)
	case s.SiteURL != "":
		return withRootPath(s.SiteURL)
	}
	if u, err := url.Parse(s.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return u.Scheme + "://" + u.Host + "/"
	}
	return ""
}

// withRootPath writes an http(s) URL without a path ("https://a.example")
// in its canonical form, with the root path ("https://a.example/"): the
// published URL is also the Atom <source> id, which Atom readers and the
// W3C validator compare in canonical form.
func withRootPath(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" || u.Path != "" || u.RawPath != "" {
		return s
	}
	u.Path = "/"
	return u.String()
}

// HasPrivateParts reports whether a URL carries what must never be
// published: a user or password, a query string (often an API key), or
// anything that does not parse as a URL.
func HasPrivateParts(raw string) bool {
	u, err := url.Parse(raw)
	return err != nil || u.User != nil || u.RawQuery != "" || u.ForceQuery
}

// ValidatePublicURL checks a URL that is published as given: absolute
// http(s), without a user or password.
func ValidatePublicURL(raw string) error {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return fmt.Errorf("must not carry a user or password (it is published): %q", u.Redacted())
	}
	return ValidateHTTPURL(raw)
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

// RedactURL returns raw with any password and every query value replaced
// by "xxxxx" (a feed URL's query often carries an API key), for logs,
// errors and statuses. The query's names stay, to say which one it was.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.User == nil && u.RawQuery == "") {
		return raw
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			if k, v, ok := strings.Cut(p, "="); ok && v != "" {
				parts[i] = k + "=xxxxx"
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.Redacted()
}

// Version is a digest of s's definition (how it is managed aside): it
// changes with every edit, so an edit can name the version it was made on.
func (s Source) Version() string {
	s.Managed = ""
	b, _ := json.Marshal(s)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:12])
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

// MaxAttributionBytes caps an attribution line as rendered: longer output
// (a template repeating a long field) is refused, and the feeds fall back
// to DefaultAttribution.
const MaxAttributionBytes = 4096

// MaxAttributionTemplate caps an attribution template's own length.
const MaxAttributionTemplate = 2000

// ParseAttribution parses an attribution template with html/template, so
// that names like "AT&T <News>" and quotes in URLs are escaped when it is
// rendered. It fails on a syntax error, on a field AttributionData lacks,
// and on anything beyond printing fields and if/with (see checkAttribution).
func ParseAttribution(text string) (*template.Template, error) {
	if len(text) > MaxAttributionTemplate {
		return nil, fmt.Errorf("bad template: %d bytes long, at most %d", len(text), MaxAttributionTemplate)
	}
	t, err := template.New("attribution").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("bad template: %w", err)
	}
	if err := checkAttribution(t); err != nil {
		return nil, fmt.Errorf("bad template: %w", err)
	}
	// Execute once on sample data: unknown fields fail here, not at render time.
	sample := AttributionData{SourceName: "Partner", SourceURL: "https://partner.example/", CanonicalURL: "https://partner.example/a", Author: "A. Writer", Title: "T", Published: time.Unix(0, 0).UTC()}
	if _, err := RenderAttribution(t, sample); err != nil {
		return nil, fmt.Errorf("bad template: %w", err)
	}
	return t, nil
}

// RenderAttribution executes an attribution template, refusing output
// longer than MaxAttributionBytes.
func RenderAttribution(t *template.Template, data AttributionData) (string, error) {
	w := &cappedWriter{max: MaxAttributionBytes}
	if err := t.Execute(w, data); err != nil {
		if w.over {
			return "", errAttributionTooLong
		}
		return "", err
	}
	return w.b.String(), nil
}

var errAttributionTooLong = fmt.Errorf("renders more than %d bytes", MaxAttributionBytes)

// cappedWriter fails a write that would pass max bytes.
type cappedWriter struct {
	b    bytes.Buffer
	max  int
	over bool
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		w.over = true
		return 0, errAttributionTooLong
	}
	return w.b.Write(p)
}

// attributionFuncs are the only functions a template may call: each
// returns a value bounded by its arguments.
var attributionFuncs = map[string]bool{"not": true, "and": true, "or": true, "eq": true, "ne": true}

// checkAttribution walks the parse tree of an attribution template: it
// may print fields and use if/with (with else), the comparisons in
// attributionFuncs and .Published.Format "layout" — no range, no nested
// templates (template/define/block), no variables or other calls, so its
// output is bounded by its own length and its fields'.
func checkAttribution(t *template.Template) error {
	if n := len(t.Templates()); n != 1 {
		return fmt.Errorf("define and block are not allowed (the template defines %d)", n-1)
	}
	tree := t.Tree
	refuse := func(n parse.Node, what string) error {
		loc, _ := tree.ErrorContext(n)
		return fmt.Errorf("%s: %s is not allowed: an attribution may only print fields and use if and with", loc, what)
	}
	var arg func(n parse.Node) error
	var pipe func(p *parse.PipeNode) error
	arg = func(n parse.Node) error {
		switch n := n.(type) {
		case *parse.PipeNode:
			return pipe(n) // a parenthesized comparison
		case *parse.FieldNode, *parse.DotNode, *parse.StringNode, *parse.BoolNode, *parse.NumberNode, *parse.NilNode:
			return nil
		case *parse.VariableNode:
			if len(n.Ident) > 0 && n.Ident[0] == "$" {
				return nil // $ and $.Field: the data itself
			}
			return refuse(n, "a variable")
		}
		return refuse(n, "this expression")
	}
	pipe = func(p *parse.PipeNode) error {
		if p == nil {
			return nil
		}
		if len(p.Decl) > 0 {
			return refuse(p, "a variable")
		}
		if len(p.Cmds) != 1 {
			return refuse(p, "a pipeline (|)")
		}
		c := p.Cmds[0]
		switch first := c.Args[0].(type) {
		case *parse.IdentifierNode:
			if !attributionFuncs[first.Ident] {
				return refuse(first, "the function "+first.Ident)
			}
			for _, a := range c.Args[1:] {
				if err := arg(a); err != nil {
					return err
				}
			}
			return nil
		case *parse.FieldNode:
			if len(c.Args) == 1 {
				return nil
			}
			if len(c.Args) == 2 && strings.Join(first.Ident, ".") == "Published.Format" {
				if _, ok := c.Args[1].(*parse.StringNode); ok {
					return nil
				}
			}
			return refuse(first, "a method call with arguments")
		}
		if len(c.Args) != 1 {
			return refuse(c, "this call")
		}
		return arg(c.Args[0])
	}
	var walk func(n parse.Node) error
	walk = func(n parse.Node) error {
		switch n := n.(type) {
		case nil:
			return nil
		case *parse.ListNode:
			if n == nil {
				return nil
			}
			for _, c := range n.Nodes {
				if err := walk(c); err != nil {
					return err
				}
			}
			return nil
		case *parse.TextNode, *parse.CommentNode:
			return nil
		case *parse.ActionNode:
			return pipe(n.Pipe)
		case *parse.IfNode:
			if err := pipe(n.Pipe); err != nil {
				return err
			}
			if err := walk(n.List); err != nil {
				return err
			}
			return walk(n.ElseList)
		case *parse.WithNode:
			if err := pipe(n.Pipe); err != nil {
				return err
			}
			if err := walk(n.List); err != nil {
				return err
			}
			return walk(n.ElseList)
		case *parse.RangeNode:
			return refuse(n, "range")
		case *parse.TemplateNode:
			return refuse(n, "a nested template")
		}
		return refuse(n, "this action")
	}
	if tree == nil {
		return nil
	}
	return walk(tree.Root)
}

// Slug turns a category label into its route form: lower case, Latin
// letters stripped of their accents to ASCII, letters, digits and marks
// of every other script kept as they are (routes percent-encode them),
// runs of anything else replaced by one '-'. A label in any script has a
// slug unless it holds no letter or digit at all.
func Slug(label string) string { return slug(label, true) }

// ASCIISlug is Slug keeping ASCII letters and digits only (source ids).
func ASCIISlug(label string) string { return slug(label, false) }

// latinFolds are the Latin letters that no decomposition takes to ASCII.
var latinFolds = map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ł': "l", 'þ': "th", 'ð': "d", 'ı': "i", 'ħ': "h", 'ŋ': "n"}

func slug(label string, scripts bool) string {
	var b strings.Builder
	dash := false
	emit := func(s string) {
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteString(s)
	}
	inWord := false // the last rune kept was a letter of a non-Latin script
	for _, r := range norm.NFC.String(label) {
		r = unicode.ToLower(r)
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			emit(string(r))
			inWord = false
			continue
		}
		if r < 0x80 {
			dash, inWord = true, false
			continue
		}
		// Accented Latin letters and compatibility forms (fullwidth
		// letters, ligatures) that decompose to ASCII.
		var ascii strings.Builder
		for _, d := range norm.NFKD.String(string(r)) {
			d = unicode.ToLower(d)
			if d >= 'a' && d <= 'z' || d >= '0' && d <= '9' {
				ascii.WriteRune(d)
			}
		}
		switch {
		case ascii.Len() > 0:
			emit(ascii.String())
			inWord = false
		case latinFolds[r] != "":
			emit(latinFolds[r])
			inWord = false
		case !scripts:
			dash, inWord = true, false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			emit(string(r))
			inWord = !unicode.Is(unicode.Latin, r)
		case inWord && (unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)):
			emit(string(r)) // vowel signs and viramas belong to their letter
		default:
			dash, inWord = true, false
		}
	}
	return b.String()
}
