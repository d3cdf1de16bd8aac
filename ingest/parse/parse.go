// Package parse turns a fetched body into a gofeed feed, keeping the
// original typed feed (gofeed drops RSS <source>, Atom rel="replies" and
// <source> from its universal model), and fixing the charset cases gofeed
// alone gets wrong: an encoding given only in the HTTP Content-Type,
// undeclared or mislabelled legacy bytes, UTF-8 labelled as a legacy
// charset, UTF-16 with or without a byte order mark, and JSON that is not
// UTF-8.
//
// Partner documents are hostile. Before gofeed sees one, a streaming pass
// bounds its structure (MaxDepth, MaxAttrs: refused; MaxItems,
// MaxElements, MaxAttributes, MaxSplitText, MaxValues: the complete items
// before the limit are kept), so that reading a 10 MB document never
// overflows the stack nor needs more than a small multiple of its size.
// Bad parts cost only themselves: characters XML forbids are dropped, a
// JSON Feed field of the wrong type is coerced or dropped, an item that
// cannot be read is skipped with its position (Document.Skipped), and a
// document broken part-way keeps its complete items (Document.Repairs
// says what was mended).
package parse

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// BaseKey is the key in an RSS item's Custom map that holds the xml:base
// in scope for the item (resolved, when it can be, against enclosing
// ones). gofeed resolves RSS item links against xml:base but not the HTML
// of descriptions and content, which we resolve against it too
// (docs/decisions/links.md).
const BaseKey = "syndicate:xml:base"

// ErrNotAFeed is returned for bodies that are no RSS, Atom or JSON Feed.
var ErrNotAFeed = errors.New("not an RSS, Atom or JSON feed")

var prologEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// Skip is an entry left out of a document, with its position.
type Skip struct {
	Index  int    // 0-based position in the partner's document
	Reason string // why, for the log and the source status
}

// Document is a parsed feed and what reading it took.
type Document struct {
	Feed *gofeed.Feed
	// Skipped lists the entries that could not be read at all (a JSON
	// Feed item that is no object), each with its position.
	Skipped []Skip
	// Repairs says what was mended to read the document (a truncated
	// document cut after its last complete item, fields of the wrong type
	// coerced): the source's status shows them.
	Repairs []string
}

// Position returns the position in the partner's document of
// d.Feed.Items[i]: items skipped as unreadable are not in the feed.
func (d *Document) Position(i int) int {
	for _, s := range d.Skipped {
		if s.Index > i {
			break
		}
		i++
	}
	return i
}

// Parse parses body like Read and returns only the feed.
func Parse(body []byte, contentType string) (*gofeed.Feed, error) {
	doc, err := Read(body, contentType)
	if err != nil {
		return nil, err
	}
	return doc.Feed, nil
}

// Read parses body, served with the given Content-Type ("" for files).
// It fails with ErrNotAFeed (and says what the body looks like) when the
// body is empty, an HTML page or anything else that is no feed, with a
// *LimitError when the document breaks a structural limit (see MaxDepth),
// and with a parse error when a feed is broken before its first complete
// item.
func Read(body []byte, contentType string) (*Document, error) {
	body, utf16 := fromUTF16(body)
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrNotAFeed)
	}
	doc := &Document{}
	var f *gofeed.Feed
	var err error
	switch trimmed[0] {
	case '<':
		body = dropForbidden(xmlToUTF8(body, contentType, utf16))
		f, err = readXML(body, doc)
	case '{':
		body = toUTF8(body, contentType)
		f, err = readJSON(body, doc)
	default:
		f, err = gofeedParse(body)
	}
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, notAFeed(bytes.TrimLeft(body, " \t\r\n"))
	}
	if err != nil {
		return nil, err
	}
	if f.FeedType == "rss" && bytes.Contains(body, []byte("xml:base")) {
		annotateXMLBase(f, body)
	}
	if jf, ok := f.OriginalFeed().(*jsonfeed.Feed); ok && !strings.Contains(jf.Version, "jsonfeed.org/version") && len(f.Items) == 0 {
		// gofeed takes any JSON object for a JSON Feed: an API error
		// body would pass as an empty feed.
		return nil, fmt.Errorf("%w: JSON without a JSON Feed version or items (%s)", ErrNotAFeed, sniff(trimmed))
	}
	doc.Feed = f
	return doc, nil
}

func gofeedParse(body []byte) (*gofeed.Feed, error) {
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	// The universal translator HTML-parses every item to find an image;
	// we take images from explicit fields only, and it costs ~40% of parsing.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	f, err := p.Parse(bytes.NewReader(body))
	if err != nil && !errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	return f, err
}

// readXML checks an XML body's structure (see scanXML), then parses it.
// A document cut short by the item or element limit, or broken part-way
// (truncated, a syntax error), keeps the complete items before the cut,
// and the repair is recorded in doc.
func readXML(body []byte, doc *Document) (*gofeed.Feed, error) {
	// The fast path: a document the byte scan proves within bounds is
	// handed to gofeed at once; if gofeed then reads every item, that is
	// all. Anything else (a break, a repair to make, an item gofeed did
	// not see) takes the streaming path below, which is a second
	// tokenization of the whole document.
	if items, respell, ok := quickScan(body); ok {
		if f, err := gofeedParse(insert(body, respell)); err == nil && len(f.Items) == items {
			return f, nil
		}
	}
	scan, err := scanXML(body)
	if err != nil {
		if !feedRoot(scan.root) {
			// A deep HTML page or other XML is still refused for what it is.
			return nil, gofeed.ErrFeedTypeNotDetected
		}
		return nil, err
	}
	if !feedRoot(scan.root) {
		if scan.broken != nil && feedRoot(writtenRoot(body)) {
			// <rss version="2.0" without its '>': say what is wrong
			// and where, not that this is no feed.
			return nil, fmt.Errorf("the feed's root element is malformed: %w", scan.broken)
		}
		if wrapped := entryAsFeed(body, scan.root); wrapped != nil {
			doc.Repairs = append(doc.Repairs, "an Atom entry document (RFC 4287 §5.1 allows one entry alone): read as a feed of that entry")
			return readXML(wrapped, doc)
		}
		if inner := embeddedFeed(body, scan.root); inner != nil {
			doc.Repairs = append(doc.Repairs, fmt.Sprintf("the feed is wrapped in a <%s> document: read the feed inside it", scan.root))
			return readXML(inner, doc)
		}
		return gofeedParse(body)
	}
	if len(scan.misplaced) > 0 {
		first := scan.misplaced[0]
		doc.Repairs = append(doc.Repairs, fmt.Sprintf("line %d: an item inside %s, which the partner never closed: closed it there (%d such items)", first.line, first.what, len(scan.misplaced)))
		body = insert(body, scan.misplaced)
		if scan, err = scanXML(body); err != nil {
			return nil, err
		}
	}
	cut := func() []byte {
		out := make([]byte, 0, scan.cut+len(scan.closers))
		out = append(out, body[:scan.cut]...)
		return append(out, scan.closers...)
	}
	if scan.capped {
		if scan.cut == 0 {
			return nil, scan.stop
		}
		doc.Repairs = append(doc.Repairs, fmt.Sprintf("%v: read the first %d items", scan.stop, scan.cutItems))
		doc.skipRest(scan.cutItems, countItems(body), scan.stop)
		return gofeedParse(rewriteNamespaces(cut(), scan.namespaces))
	}
	f, err := gofeedParse(rewriteNamespaces(body, scan.namespaces))
	if err == nil && scan.stop != nil {
		// gofeed stopped at the break without complaint (a stray end tag
		// closes everything): say what was left unread.
		doc.Repairs = append(doc.Repairs, fmt.Sprintf("%v: kept the %d complete items before the break", scan.stop, scan.cutItems))
	}
	if err == nil || scan.stop == nil || scan.cut == 0 {
		return f, err
	}
	// Broken part-way: keep the complete items before the break.
	f2, err2 := gofeedParse(rewriteNamespaces(cut(), scan.namespaces))
	if err2 != nil {
		return nil, err
	}
	doc.Repairs = append(doc.Repairs, fmt.Sprintf("%v: kept the %d complete items before the break", err, scan.cutItems))
	return f2, nil
}

// entryAsFeed wraps an Atom entry document (a lone <entry> in the Atom
// namespace, which partners sometimes serve for a single story) in a
// <feed>, or returns nil.
func entryAsFeed(body []byte, root string) []byte {
	if root != "entry" {
		return nil
	}
	i := bytes.Index(body, []byte("<entry"))
	if i < 0 {
		return nil
	}
	tag := body[i:min(len(body), i+2000)]
	if end := bytes.IndexByte(tag, '>'); end > 0 {
		tag = tag[:end]
	}
	if !bytes.Contains(tag, []byte("http://www.w3.org/2005/Atom")) {
		return nil
	}
	out := make([]byte, 0, len(body)-i+100)
	out = append(out, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<feed xmlns="http://www.w3.org/2005/Atom">`...)
	out = append(out, body[i:]...)
	return append(out, "</feed>"...)
}

// embeddedFeed finds a feed root element inside another document (an
// XHTML page whose body holds an Atom feed, as some blog tools serve) and
// returns it as a document of its own, or nil. Only a page root is
// searched, and only for a start tag that declares the Atom namespace or
// an <rss version> element, with its matching last end tag.
func embeddedFeed(body []byte, root string) []byte {
	if root != "html" {
		return nil
	}
	for _, c := range []struct{ open, close string }{{"<feed", "</feed>"}, {"<rss", "</rss>"}} {
		i := bytes.Index(body, []byte(c.open))
		if i < 0 || len(body) <= i+len(c.open) {
			continue
		}
		if b := body[i+len(c.open)]; b != ' ' && b != '\t' && b != '\n' && b != '\r' && b != '>' {
			continue
		}
		j := bytes.LastIndex(body, []byte(c.close))
		if j < i {
			continue
		}
		tag := body[i:min(len(body), i+2000)]
		if end := bytes.IndexByte(tag, '>'); end > 0 {
			tag = tag[:end]
		}
		if c.open == "<feed" && !bytes.Contains(tag, []byte("http://www.w3.org/2005/Atom")) || c.open == "<rss" && !bytes.Contains(tag, []byte("version")) {
			continue
		}
		out := make([]byte, 0, j+len(c.close)-i+40)
		out = append(out, `<?xml version="1.0" encoding="utf-8"?>`+"\n"...)
		return append(out, body[i:j+len(c.close)]...)
	}
	return nil
}

// skipRest records the items from position kept to total (exclusive) as
// skipped because of err, so that a document cut at a limit still
// accounts for the items it lists: one by one for the first MaxItems of
// them, then (a million tiny items must not cost a million entries) one
// entry for the rest.
func (d *Document) skipRest(kept, total int, err error) {
	if total <= kept {
		return
	}
	reason := fmt.Sprintf("left unread: the document breaks a limit (%v)", err)
	end := min(total, kept+MaxItems)
	d.Skipped = slices.Grow(d.Skipped, end-kept+1)
	for i := kept; i < end; i++ {
		d.Skipped = append(d.Skipped, Skip{Index: i, Reason: reason})
	}
	if end < total {
		d.Skipped = append(d.Skipped, Skip{Index: end, Reason: fmt.Sprintf("this item and the %d after it %s", total-end-1, reason)})
	}
}

func feedRoot(local string) bool {
	return local == "rss" || local == "rdf" || local == "feed"
}

// writtenRoot is the lower-case local name of the first element written
// in b, read from the bytes alone (past the prolog, comments and a
// doctype), for a document whose first tag the XML decoder refused.
func writtenRoot(b []byte) string {
	for {
		i := bytes.IndexByte(b, '<')
		if i < 0 || i+1 >= len(b) {
			return ""
		}
		b = b[i+1:]
		if b[0] != '?' && b[0] != '!' {
			break
		}
	}
	end := bytes.IndexAny(b, " \t\r\n/>")
	if end < 0 {
		end = len(b)
	}
	name := b[:min(end, 64)]
	if j := bytes.LastIndexByte(name, ':'); j >= 0 {
		name = name[j+1:]
	}
	return strings.ToLower(string(name))
}

// readJSON checks a JSON body's nesting, reads it leniently (see
// readJSONFeed), and parses the well-typed result.
func readJSON(body []byte, doc *Document) (*gofeed.Feed, error) {
	scan, err := scanJSON(body)
	if err != nil {
		return nil, err
	}
	if scan.stop != nil {
		if scan.cut == 0 {
			return nil, scan.stop
		}
		doc.Repairs = append(doc.Repairs, fmt.Sprintf("%v: read the first %d items", scan.stop, scan.cutItems))
		doc.skipRest(scan.cutItems, scan.items, scan.stop)
		body = append(body[:scan.cut:scan.cut], "]}"...)
	}
	clean, rep, broken, ok := readJSONFeed(body)
	if !ok {
		return gofeedParse(body)
	}
	if broken != nil {
		if isLimit(broken) {
			doc.Repairs = append(doc.Repairs, fmt.Sprintf("%v: read the first %d items", broken, MaxItems))
			doc.skipRest(MaxItems, scan.items, broken)
		} else {
			if rep.items == 0 {
				return nil, fmt.Errorf("parse feed: %w", broken)
			}
			doc.Repairs = append(doc.Repairs, fmt.Sprintf("JSON broken part-way (%v): kept the items before it", broken))
		}
	}
	if rep.fixed > 0 {
		doc.Repairs = append(doc.Repairs, fmt.Sprintf("%d JSON Feed fields of the wrong type coerced or dropped (%s)", rep.fixed, strings.Join(rep.samples, "; ")))
	}
	doc.Skipped = append(doc.Skipped, rep.skipped...)
	return gofeedParse(clean)
}

// fromUTF16 converts a UTF-16 body to UTF-8 and reports whether it did:
// one with a byte order mark, or without one whose first two characters
// are ASCII ('<', '{', whitespace...) with a zero byte beside each, which
// no UTF-8 or legacy document has (XML 1.0 Appendix F, RFC 8259 §8.1).
func fromUTF16(body []byte) ([]byte, bool) {
	var dec *encoding.Decoder
	switch {
	case bytes.HasPrefix(body, []byte{0xff, 0xfe}) && !bytes.HasPrefix(body, []byte{0xff, 0xfe, 0, 0}):
		dec = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(body, []byte{0xfe, 0xff}):
		dec = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
	case len(body) >= 4 && body[0] != 0 && body[0] < 0x80 && body[1] == 0 && body[2] != 0 && body[2] < 0x80 && body[3] == 0:
		dec = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	case len(body) >= 4 && body[0] == 0 && body[1] != 0 && body[1] < 0x80 && body[2] == 0 && body[3] != 0 && body[3] < 0x80:
		dec = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	default:
		return body, false
	}
	out, err := dec.Bytes(body)
	if err != nil {
		return body, false
	}
	return out, true
}

// xmlToUTF8 returns an XML body as UTF-8 whose prolog, if it declares an
// encoding, declares UTF-8, so that the XML decoder never decodes it again.
// Which encoding the bytes are in:
//
//   - bytes that are valid UTF-8 with some non-ASCII are UTF-8, whatever
//     the prolog or the Content-Type claims: a legacy label on them is a
//     stale server default or CMS setting, and decoding would give "CrÃ¨me";
//   - pure ASCII is UTF-8 too, unless labelled with a 7-bit encoding such
//     as ISO-2022-JP;
//   - bytes that are UTF-8 but for a few stray legacy bytes (at least ten
//     valid multi-byte sequences per invalid byte) are that UTF-8 with the
//     strays read as windows-1252, whatever the label says: a UTF-8 feed
//     labelled Latin-1 with one Latin-1 string pasted in (a channel
//     description from another system) would otherwise be "NÃ¸hr" in every
//     item, and no text in a single-byte legacy encoding forms that many
//     UTF-8 sequences by accident;
//   - otherwise the legacy encoding the prolog declares, else the one the
//     Content-Type names (RFC 7303 prefers the header, but the prolog is
//     written with the content, and a header that contradicts it is
//     usually a server default);
//   - otherwise (undeclared, labelled UTF-8 but not, or an unknown label)
//     the valid UTF-8 runs are kept and each invalid byte is read as
//     windows-1252, which is what such feeds almost always are (and a
//     superset of printable ISO-8859-1).
func xmlToUTF8(body []byte, contentType string, converted bool) []byte {
	label, _ := declaredEncoding(body)
	header := headerCharset(contentType)
	switch {
	case converted:
		// Already UTF-8 (it was UTF-16).
	case utf8.Valid(body):
		if !hasNonASCII(body) {
			for _, l := range []string{label, header} {
				if sevenBit(l) && decodable(l) {
					body = decodeLabel(body, l)
					break
				}
			}
		}
	case mostlyUTF8(body):
		body = repairUTF8(body)
	case decodable(label) && !wide(label):
		body = decodeLabel(body, label)
	case decodable(header) && !wide(header):
		body = decodeLabel(body, header)
	default:
		body = repairUTF8(body)
	}
	label, at := declaredEncoding(body)
	if label == "" || isUTF8(label) {
		return body
	}
	out := make([]byte, 0, len(body))
	out = append(out, body[:at[0]]...)
	out = append(out, "UTF-8"...)
	return append(out, body[at[1]:]...)
}

// toUTF8 makes a JSON body UTF-8 (RFC 8259 §8.1 requires it; partners
// still send windows-1252): valid UTF-8 stays, else the Content-Type
// charset decodes it, else invalid bytes are read as windows-1252.
func toUTF8(body []byte, contentType string) []byte {
	if utf8.Valid(body) {
		return body
	}
	if label := headerCharset(contentType); decodable(label) {
		return decodeLabel(body, label)
	}
	return repairUTF8(body)
}

// declaredEncoding returns the encoding label of the XML prolog and the
// label's byte offsets, or "" when none is declared.
func declaredEncoding(body []byte) (string, [2]int) {
	head := body
	if len(head) > 512 {
		head = head[:512]
	}
	m := prologEncoding.FindSubmatchIndex(head)
	if m == nil {
		return "", [2]int{}
	}
	return strings.ToLower(string(head[m[2]:m[3]])), [2]int{m[2], m[3]}
}

func headerCharset(contentType string) string {
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		return strings.ToLower(strings.TrimSpace(params["charset"]))
	}
	return ""
}

func isUTF8(label string) bool {
	return label == "utf-8" || label == "utf8" || label == "unicode-1-1-utf-8"
}

// decodable reports whether label names a legacy encoding we can decode.
func decodable(label string) bool {
	if label == "" || isUTF8(label) {
		return false
	}
	e, _ := charset.Lookup(label)
	return e != nil
}

// wide reports whether label names an encoding in which "<" is not the
// byte '<' (UTF-16, UTF-32): a body that starts with '<' is not in it.
func wide(label string) bool {
	for _, p := range []string{"utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs-4", "iso-10646-ucs", "unicode"} {
		if strings.HasPrefix(label, p) && !isUTF8(label) {
			return true
		}
	}
	return false
}

// sevenBit reports whether label names an escape-based encoding whose
// bytes are all ASCII but whose text is not (ISO-2022-*, HZ).
func sevenBit(label string) bool {
	for _, p := range []string{"iso-2022", "csiso2022", "hz-gb"} {
		if strings.HasPrefix(label, p) {
			return true
		}
	}
	return false
}

func decodeLabel(body []byte, label string) []byte {
	e, _ := charset.Lookup(label)
	if e == nil {
		return repairUTF8(body)
	}
	out, err := e.NewDecoder().Bytes(body)
	if err != nil {
		return repairUTF8(body)
	}
	return out
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// mostlyUTF8 reports whether b, which is not valid UTF-8, has at least
// ten valid multi-byte UTF-8 sequences per byte that is not part of one.
func mostlyUTF8(b []byte) bool {
	valid, invalid := 0, 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			invalid++
		} else {
			valid++
		}
		i += size
	}
	return valid >= 10*invalid
}

// repairUTF8 keeps the valid UTF-8 of b and reads every byte that is not
// part of a valid sequence as windows-1252.
func repairUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, charmap.Windows1252.DecodeByte(b[0]))
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

// annotateXMLBase records in each RSS item's Custom[BaseKey] the xml:base
// in scope at the item, from a second, token-only pass over the document
// (only made when the document mentions xml:base). Items are matched by
// position as gofeed orders them: those in <channel>, then those at the
// root (RSS 1.0); on any mismatch nothing is recorded.
func annotateXMLBase(f *gofeed.Feed, body []byte) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	type frame struct {
		name string
		base *url.URL
	}
	var stack []frame
	var inChannel, atRoot []*url.URL
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var base *url.URL
			if len(stack) > 0 {
				base = stack[len(stack)-1].base
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xml" && a.Name.Local == "base" {
					if u, err := url.Parse(strings.TrimSpace(a.Value)); err == nil {
						if base != nil {
							u = base.ResolveReference(u)
						}
						base = u
					}
				}
			}
			name := strings.ToLower(t.Name.Local)
			if name == "item" {
				switch {
				case len(stack) == 2 && stack[1].name == "channel":
					inChannel = append(inChannel, base)
				case len(stack) == 1:
					atRoot = append(atRoot, base)
				}
			}
			stack = append(stack, frame{name: name, base: base})
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	bases := append(inChannel, atRoot...)
	if len(bases) != len(f.Items) {
		return
	}
	for i, it := range f.Items {
		if bases[i] == nil || !bases[i].IsAbs() {
			continue
		}
		if it.Custom == nil {
			it.Custom = map[string]string{}
		}
		it.Custom[BaseKey] = bases[i].String()
	}
}

// notAFeed explains what a body that is no feed looks like.
func notAFeed(b []byte) error {
	if isHTML(b) {
		if href := feedLink(b); href != "" {
			return fmt.Errorf("%w: an HTML page, which links a feed at %q: use that URL (%s)", ErrNotAFeed, href, sniff(b))
		}
		return fmt.Errorf("%w: an HTML page (%s)", ErrNotAFeed, sniff(b))
	}
	if what := xmlRoot(b); what != "" {
		return fmt.Errorf("%w: %s (%s)", ErrNotAFeed, what, sniff(b))
	}
	return fmt.Errorf("%w (%s)", ErrNotAFeed, sniff(b))
}

// xmlRoot says what an XML document that is no feed is, by its root
// element: "" when b is no XML.
func xmlRoot(b []byte) string {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for range 64 {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if t, ok := tok.(xml.StartElement); ok {
			switch strings.ToLower(t.Name.Local) {
			case "entry":
				return "an <entry> document outside the Atom namespace (not a feed)"
			case "opml":
				return "an OPML outline (a list of feeds, not a feed)"
			}
			return fmt.Sprintf("XML whose root element is <%s>, not <rss>, <feed> or <rdf:RDF>", sanitizeName(t.Name.Local))
		}
	}
	return ""
}

// sanitizeName keeps an element name printable and short for a message.
func sanitizeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}

var htmlStart = regexp.MustCompile(`(?i)^(?:\s|<\?xml[^>]*>|<!--.*?-->)*<(?:!doctype\s+html|html[\s>])`)

func isHTML(b []byte) bool {
	if len(b) > 1024 {
		b = b[:1024]
	}
	return htmlStart.Match(b)
}

// feedLink returns the href of the page's first feed autodiscovery link
// (<link rel="alternate" type="application/rss+xml" ...>), if any.
func feedLink(b []byte) string {
	z := html.NewTokenizer(bytes.NewReader(b))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.DataAtom == atom.Body {
				return ""
			}
			if tok.DataAtom != atom.Link {
				continue
			}
			var rel, typ, href string
			for _, a := range tok.Attr {
				switch a.Key {
				case "rel":
					rel = strings.ToLower(a.Val)
				case "type":
					typ = strings.ToLower(a.Val)
				case "href":
					href = strings.TrimSpace(a.Val)
				}
			}
			if href != "" && strings.Contains(rel, "alternate") &&
				(strings.Contains(typ, "rss") || strings.Contains(typ, "atom") || strings.Contains(typ, "feed+json")) {
				return href
			}
		}
	}
}

func sniff(b []byte) string {
	if len(b) > 64 {
		b = b[:64]
	}
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Join(strings.Fields(s), " ")
	return fmt.Sprintf("starts with %q", s)
}
