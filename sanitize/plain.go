package sanitize

import "strings"

// PlainText returns the plain text of an untrusted text field (a title, a
// summary, a name). sanitize.Text strips tags and decodes entities once,
// so a double-escaped title ("&amp;lt;script&amp;gt;") comes out as
// "<script>": text that a reader rendering titles as HTML (many do) would
// run. Such text is stripped again until no tag is left; whatever
// survives a few rounds loses its '<'.
func PlainText(s string) string {
	t := Text(s)
	for i := 0; i < 4 && hasTag(t); i++ {
		t = Text(t)
	}
	if hasTag(t) {
		t = strings.Join(strings.Fields(strings.ReplaceAll(t, "<", " ")), " ")
	}
	return t
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
