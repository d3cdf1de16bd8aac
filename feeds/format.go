package feeds

import "strings"

// Format is an output format.
type Format string

// The formats, by file extension.
const (
	RSS  Format = "rss"
	Atom Format = "atom"
	JSON Format = "json"
)

// Formats lists every format in display order.
var Formats = []Format{RSS, Atom, JSON}

// ContentType returns the media type served for f.
func (f Format) ContentType() string {
	switch f {
	case RSS:
		return "application/rss+xml; charset=utf-8"
	case Atom:
		return "application/atom+xml; charset=utf-8"
	default:
		return "application/feed+json; charset=utf-8"
	}
}

// MediaType is ContentType without parameters (for <link type=...>).
func (f Format) MediaType() string {
	t, _, _ := strings.Cut(f.ContentType(), ";")
	return t
}

// ParseFormat parses a file extension; ok is false for unknown ones.
func ParseFormat(ext string) (Format, bool) {
	switch f := Format(ext); f {
	case RSS, Atom, JSON:
		return f, true
	}
	return "", false
}
