package sanitize

import (
	"strings"

	"golang.org/x/net/html"
)

// PlainText returns the plain text of an untrusted text field (a title, a
// summary, a name). sanitize.Text strips tags and decodes entities once,
// so a double-escaped title ("&amp;lt;script&amp;gt;") comes out as
// "<script>": text that a reader rendering titles as HTML (many do) would
// run. Such text is stripped again until no tag is left; whatever
// survives a few rounds loses its '<'. Bidi embedding and override
// controls are removed (they can make a name or title read backwards).
func PlainText(s string) string {
	t := Text(s)
	for i := 0; i < 4 && hasTag(t); i++ {
		t = Text(t)
	}
	if hasTag(t) {
		t = strings.Join(strings.Fields(strings.ReplaceAll(t, "<", " ")), " ")
	}
	return StripBidi(t)
}

// TextLine returns text that is text already (an Atom type="text" title,
// after XML decoding) as one line: whitespace collapsed, XML-invalid
// characters and bidi controls removed. Markup in it stays as written:
// every output escapes it, so a literal "<img>" is shown, never run.
func TextLine(s string) string {
	return StripBidi(collapse(ValidXML(s)))
}

// StripBidi removes the bidi embedding, override and isolate controls
// (U+202A–U+202E, U+2066–U+2069).
func StripBidi(s string) string {
	if !strings.ContainsAny(s, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
		return s
	}
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return -1
		}
		return r
	}, s)), " ")
}

// hasTag reports text that an HTML reader would take for the start of a
// tag, an end tag, a comment or a declaration: '<' followed by a letter,
// '/', '!' or '?'.
func hasTag(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0 && i < len(s)-1; {
		c := s[i+1]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!' || c == '?' {
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// activeTags are elements that run, load or restyle something when text
// is mistaken for HTML.
var activeTags = map[string]bool{"script": true, "style": true, "iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "svg": true, "math": true, "form": true, "base": true, "link": true, "meta": true,
	"template": true, "noscript": true, "xmp": true, "plaintext": true}

// HasActive reports whether text, if a reader took it for HTML, would hold
// something active: a script-like element, an event handler, or a
// javascript:, vbscript: or data: URL. Text titles keep inert markup
// ("<img>", "<b>") as written, but not this.
func HasActive(s string) bool {
	if !strings.Contains(s, "<") {
		return false
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, more := z.TagName()
			if activeTags[strings.ToLower(string(name))] {
				return true
			}
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				key := strings.ToLower(string(k))
				val := strings.ToLower(strings.Join(strings.Fields(string(v)), ""))
				if strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" || key == "formaction" ||
					strings.Contains(val, "javascript:") || strings.Contains(val, "vbscript:") || strings.HasPrefix(val, "data:") {
					return true
				}
			}
		}
	}
}
