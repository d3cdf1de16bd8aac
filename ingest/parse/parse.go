// Package parse turns a fetched body into a gofeed feed, keeping the
// original typed feed (gofeed drops RSS <source>, Atom rel="replies" and
// <source> from its universal model), and fixing the charset cases gofeed
// alone gets wrong: an encoding given only in the HTTP Content-Type, and
// undeclared legacy bytes.
package parse

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// ErrNotAFeed is returned for bodies that are no RSS, Atom or JSON Feed.
var ErrNotAFeed = errors.New("not an RSS, Atom or JSON feed")

var prologEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']`)

// Parse parses body, served with the given Content-Type ("" for files).
func Parse(body []byte, contentType string) (*gofeed.Feed, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrNotAFeed)
	}
	if trimmed[0] == '<' {
		var err error
		if body, err = toUTF8(body, contentType); err != nil {
			return nil, err
		}
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	// The universal translator HTML-parses every item to find an image;
	// we take images from explicit fields only, and it costs ~40% of parsing.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	f, err := p.Parse(bytes.NewReader(body))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, fmt.Errorf("%w (%s)", ErrNotAFeed, sniff(trimmed))
	}
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	return f, nil
}

// toUTF8 converts an XML body whose prolog declares no encoding: by the
// Content-Type charset when there is one, else from windows-1252 when the
// bytes are not UTF-8. A declared encoding is left to the XML decoder, so
// it is never decoded twice.
func toUTF8(body []byte, contentType string) ([]byte, error) {
	head := body
	if len(head) > 512 {
		head = head[:512]
	}
	if m := prologEncoding.FindSubmatch(head); m != nil {
		enc := strings.ToLower(string(m[1]))
		if (enc == "utf-8" || enc == "utf8") && !utf8.Valid(body) {
			// Declared UTF-8 but not: the usual mislabelled windows-1252.
			out, _, err := transform.Bytes(charmap.Windows1252.NewDecoder(), body)
			return out, err
		}
		return body, nil
	}
	label := ""
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		label = strings.ToLower(params["charset"])
	}
	switch {
	case label != "" && label != "utf-8" && label != "utf8":
		r, err := charset.NewReaderLabel(label, bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("unknown charset %q in Content-Type", label)
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(r); err != nil {
			return nil, fmt.Errorf("decode %s: %w", label, err)
		}
		return buf.Bytes(), nil
	case !utf8.Valid(body):
		// Undeclared and not UTF-8: windows-1252 is what such feeds
		// almost always are (and a superset of printable ISO-8859-1).
		out, _, err := transform.Bytes(charmap.Windows1252.NewDecoder(), body)
		return out, err
	}
	return body, nil
}

func sniff(b []byte) string {
	if len(b) > 64 {
		b = b[:64]
	}
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Join(strings.Fields(s), " ")
	return fmt.Sprintf("starts with %q", s)
}
