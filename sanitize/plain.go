package sanitize

import "strings"

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
