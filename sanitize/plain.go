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
	return anyToken(s, func(z *html.Tokenizer, tt html.TokenType) bool {
		if tt == html.CommentToken || tt == html.DoctypeToken {
			return false
		}
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
		return false
	})
}

// anyToken reports whether f holds for one of the tags, comments or
// doctypes of s read as HTML (f reads the tokenizer's current token).
func anyToken(s string, f func(z *html.Tokenizer, tt html.TokenType) bool) bool {
	if !strings.Contains(s, "<") {
		return false
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return false
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken, html.CommentToken, html.DoctypeToken:
			if f(z, tt) {
				return true
			}
		}
	}
}

// htmlElements are the names of HTML's elements, current and obsolete
// (those feeds still carry: font, center, tt, …).
var htmlElements = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`a abbr acronym address applet area article aside audio b base basefont
		bdi bdo bgsound big blink blockquote body br button canvas caption center cite code col colgroup data
		datalist dd del details dfn dialog dir div dl dt em embed fieldset figcaption figure font footer form
		frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins isindex kbd keygen
		label legend li link listing main map mark marquee math menu menuitem meta meter nav nobr noembed
		noframes noscript object ol optgroup option output p param picture plaintext pre progress q rb rp rt
		rtc ruby s samp script search section select slot small source spacer span strike strong style sub
		summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var video
		wbr xmp`) {
		m[n] = true
	}
	return m
}()

// HasElement reports whether s, read as HTML, holds a tag of an HTML
// element, a comment or a declaration. An RSS title is HTML by custom, but
// "Vec<T>" or "Nice <gorilla>" holds none: its angle brackets are text
// (feedparser reads titles so too).
func HasElement(s string) bool {
	return anyToken(s, func(z *html.Tokenizer, tt html.TokenType) bool {
		if tt == html.CommentToken || tt == html.DoctypeToken {
			return true
		}
		name, _ := z.TagName()
		return htmlElements[strings.ToLower(string(name))]
	})
}
