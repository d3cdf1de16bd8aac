package parse

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// xmlForbidden reports whether XML 1.0 forbids the character r (§2.2):
// C0 controls other than tab, LF and CR, surrogates, U+FFFE and U+FFFF.
func xmlForbidden(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r':
		return false
	case r < 0x20:
		return true
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return r > utf8.MaxRune
}

// dropForbidden removes from a UTF-8 XML body what the XML decoder would
// stop at with "illegal character code": raw C0 control bytes, raw
// U+FFFE and U+FFFF, and character references to forbidden characters
// (&#0;, &#x1;, &#xFFFF;). gofeed already drops raw control bytes; a
// reference to one is the same mistake and is dropped the same way.
func dropForbidden(body []byte) []byte {
	if !needsRepair(body) {
		return body
	}
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			i++
			continue
		case c == 0xEF && i+2 < len(body) && body[i+1] == 0xBF && (body[i+2] == 0xBE || body[i+2] == 0xBF):
			i += 3
			continue
		case c == '&' && i+2 < len(body) && body[i+1] == '#':
			if n, ok := charRef(body[i:]); ok {
				i += n
				continue
			}
		}
		out = append(out, c)
		i++
	}
	return out
}

func needsRepair(body []byte) bool {
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return true
		}
		if c == 0xEF && i+2 < len(body) && body[i+1] == 0xBF && (body[i+2] == 0xBE || body[i+2] == 0xBF) {
			return true
		}
		if c == '&' && i+2 < len(body) && body[i+1] == '#' {
			if _, ok := charRef(body[i:]); ok {
				return true
			}
		}
	}
	return false
}

// charRef reports whether b starts with a character reference to a
// character XML forbids, and its length.
func charRef(b []byte) (int, bool) {
	end := bytes.IndexByte(b[:min(len(b), 16)], ';')
	if end < 3 {
		return 0, false
	}
	digits, base := b[2:end], 10
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, base = digits[1:], 16
	}
	n, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || n > utf8.MaxRune {
		// Out of range: the decoder keeps such a reference as text.
		return 0, false
	}
	return end + 1, xmlForbidden(rune(n))
}
