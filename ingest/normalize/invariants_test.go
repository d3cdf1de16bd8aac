package normalize_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"syndicate"
	"syndicate/ingest/normalize"
	"syndicate/sanitize"
)

// checkInvariants asserts what every normalized entry promises, whatever
// the partner sent: a key; plain-text title and summary with no markup
// that could run as script; content that passed the sanitizer (no script,
// style, iframe, form, event handler or javascript: URL); canonical and
// other URLs absolute http(s) or empty; dates no later than the clock plus
// the allowed skew, updated never before published; XML-valid text.
func checkInvariants(tb testing.TB, res *normalize.Result, now time.Time) {
	tb.Helper()
	limit := now.UTC().Truncate(time.Second).Add(normalize.DefaultFutureSkew)
	for i, e := range res.Entries {
		a := e.Article
		fail := func(format string, args ...any) {
			tb.Helper()
			tb.Errorf("entry %d (key %q): "+format, append([]any{i, e.Key}, args...)...)
		}
		if e.Key == "" {
			fail("empty key")
		}
		if a.Hash == "" {
			fail("empty hash")
		}
		// A title is text that every output escapes: an Atom text title
		// may say "<img>" and mean it. A summary never holds markup.
		if hasMarkup(a.Summary) {
			fail("summary %q holds markup", a.Summary)
		}
		if a.Title == "" {
			fail("blank title")
		}
		for _, au := range a.Authors {
			if strings.Contains(au.Name, "@") && strings.Contains(au.Name, ".") {
				fail("author name %q holds an address", au.Name)
			}
		}
		for field, s := range map[string]string{"title": a.Title, "summary": a.Summary} {
			if strings.ContainsAny(s, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
				fail("%s %q holds bidi controls", field, s)
			}
		}
		for field, s := range map[string]string{"title": a.Title, "summary": a.Summary, "content": a.Content, "guid": a.GUID, "rights": a.Rights, "language": a.Language} {
			if !utf8.ValidString(s) || sanitize.ValidXML(s) != s {
				fail("%s %q is not valid XML text", field, s)
			}
		}
		if problem := unsafeHTML(a.Content); problem != "" {
			fail("content %q: %s", a.Content, problem)
		}
		if a.CanonicalURL != "" {
			if problem := notHTTP(a.CanonicalURL); problem != "" {
				fail("canonical URL %q: %s", a.CanonicalURL, problem)
			} else if u, _ := url.Parse(a.CanonicalURL); u.Fragment != "" || u.User != nil {
				fail("canonical URL %q keeps a fragment or user info", a.CanonicalURL)
			}
		}
		urls := map[string]string{"comments URL": a.CommentsURL, "image": a.Image}
		for _, au := range a.Authors {
			urls["author URL"] = au.URL
			if au.Name == "" {
				fail("author without a name: %+v", au)
			}
		}
		for _, en := range a.Enclosures {
			if en.URL == "" {
				fail("enclosure without a URL")
			}
			urls["enclosure"] = en.URL
		}
		if a.Origin != nil {
			urls["origin feed"], urls["origin site"] = a.Origin.FeedURL, a.Origin.SiteURL
		}
		for field, u := range urls {
			if u == "" {
				continue
			}
			if problem := notHTTP(u); problem != "" {
				fail("%s %q: %s", field, u, problem)
			}
		}
		if a.EntryID != "" && !syndicate.IsAbsoluteIRI(a.EntryID) {
			fail("entry id %q is not an absolute IRI", a.EntryID)
		}
		if a.Published.After(limit) || a.Updated.After(limit) {
			fail("dates %v / %v after the clock %v plus skew", a.Published, a.Updated, now)
		}
		if !a.Published.IsZero() && a.Updated.Before(a.Published) {
			fail("updated %v before published %v", a.Updated, a.Published)
		}
		if a.Published.IsZero() != a.Updated.IsZero() {
			fail("published %v and updated %v: one zero, one not", a.Published, a.Updated)
		}
		for _, c := range a.Categories {
			if syndicate.Slug(c) == "" || hasMarkup(c) {
				fail("category %q", c)
			}
		}
	}
}

// hasMarkup reports text that an HTML reader would take for a tag or a
// comment: '<' followed by a letter, '/', '!' or '?'.
func hasMarkup(s string) bool {
	for i := 0; i < len(s)-1; i++ {
		if s[i] != '<' {
			continue
		}
		c := s[i+1]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!' || c == '?' {
			return true
		}
	}
	return false
}

func notHTTP(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return err.Error()
	case u.Scheme != "http" && u.Scheme != "https":
		return "not http(s)"
	case u.Host == "":
		return "no host"
	case strings.ContainsAny(raw, " \t\r\n<>\"{}|\\^`"):
		return "characters a URI may not hold"
	}
	return ""
}

// dangerous elements never survive the sanitizer (no iframe hosts are
// allowed in these tests).
var dangerous = map[string]bool{"script": true, "style": true, "iframe": true, "form": true, "input": true, "button": true,
	"textarea": true, "select": true, "object": true, "embed": true, "applet": true, "frame": true, "frameset": true,
	"base": true, "meta": true, "link": true, "svg": true, "math": true, "template": true}

// unsafeHTML returns why s is not sanitized HTML, or "".
func unsafeHTML(s string) string {
	if strings.Contains(strings.ToLower(s), "<script") {
		return "holds <script"
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return err.Error()
	}
	var walk func(n *html.Node) string
	walk = func(n *html.Node) string {
		if n.Type == html.ElementNode {
			if dangerous[strings.ToLower(n.Data)] {
				return "element <" + n.Data + ">"
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") || key == "style" || key == "formaction" || key == "srcdoc" {
					return "attribute " + a.Key
				}
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1
					}
					return r
				}, a.Val))
				for _, scheme := range []string{"javascript:", "vbscript:", "data:"} {
					if strings.HasPrefix(v, scheme) {
						return "attribute " + a.Key + "=" + a.Val
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if p := walk(c); p != "" {
				return p
			}
		}
		return ""
	}
	for _, n := range nodes {
		if p := walk(n); p != "" {
			return p
		}
	}
	return ""
}
