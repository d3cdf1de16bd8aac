package parse

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// Structural limits on one document. gofeed parses extension elements
// recursively and keeps a map per element, so an unbounded document can
// overflow the stack (millions of nested elements) or cost a hundred times
// its size in memory (millions of tiny elements or items). A streaming pass
// checks these before gofeed sees the document. BenchmarkRead_WorstShapes
// measures what the worst documents within them cost.
const (
	// MaxDepth bounds element nesting (XML) and array/object nesting
	// (JSON). Real feeds nest a dozen levels; XHTML content a few dozen.
	// A deeper document is refused.
	MaxDepth = 256
	// MaxAttrs bounds the attributes (namespace declarations included)
	// of one element. An element with more is refused with its line.
	MaxAttrs = 64
	// MaxNamespaces bounds the namespace declarations in scope at any
	// element: gofeed's pull parser copies them all for every element, so
	// a few thousand declared on nested elements make each of the
	// document's elements cost that much (400 KB took minutes). Real
	// feeds declare a dozen or two. A document with more is refused.
	MaxNamespaces = 128
	// MaxItems bounds the items or entries read from one document: the
	// complete items before the limit are kept and the cut is recorded
	// in Document.Repairs.
	MaxItems = 10000
	// MaxElements bounds the elements read from one XML document, like
	// MaxItems: the complete items before the limit are kept. gofeed keeps
	// a few hundred bytes per extension element, so this bounds what a
	// document of tiny elements costs.
	MaxElements = 50000
	// MaxAttributes bounds the attributes of all elements of one XML
	// document, like MaxElements.
	MaxAttributes = 200000
	// MaxSplitText bounds the bytes gofeed copies to reassemble text
	// split into pieces: it appends each piece of an extension element's
	// text to what it has, so one element whose text is cut into many
	// pieces by comments, CDATA sections or child elements costs the
	// square of its length (2 MB of "a<!---->" took 12 s). The pass counts
	// those copies for every element, like MaxElements.
	MaxSplitText = 64 << 20
	// MaxValues bounds the values (strings, numbers, lists, objects...)
	// read from one JSON document, like MaxElements.
	MaxValues = 250000
)

// LimitError says which structural limit a document broke, and where.
type LimitError struct {
	Limit string // "nesting", "attributes", "elements", "items"
	Max   int
	Line  int
}

func (e *LimitError) Error() string {
	switch e.Limit {
	case "nesting":
		return fmt.Sprintf("nesting deeper than %d at line %d", e.Max, e.Line)
	case "attributes":
		return fmt.Sprintf("more than %d attributes on one element at line %d", e.Max, e.Line)
	case "namespaces":
		return fmt.Sprintf("more than %d namespace declarations in scope at line %d", e.Max, e.Line)
	default:
		return fmt.Sprintf("more than %d %s at line %d", e.Max, e.Limit, e.Line)
	}
}

// CheckXML streams an XML document (an OPML file, say) and refuses it
// with a *LimitError when it nests deeper than MaxDepth, has an element
// with more than MaxAttrs attributes, or more than maxElements elements
// (0: no element limit). Syntax errors are left to the real decoder.
func CheckXML(body []byte, maxElements int) error {
	if err := checkTags(body); err != nil {
		return err
	}
	d := newDecoder(body)
	depth, elements := 0, 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			elements++
			line, _ := d.InputPos()
			if depth > MaxDepth {
				return &LimitError{Limit: "nesting", Max: MaxDepth, Line: line}
			}
			if len(t.Attr) > MaxAttrs {
				return &LimitError{Limit: "attributes", Max: MaxAttrs, Line: line}
			}
			if maxElements > 0 && elements > maxElements {
				return &LimitError{Limit: "elements", Max: maxElements, Line: line}
			}
		case xml.EndElement:
			// RawToken does not match end tags: a stray one must not
			// let the count drift below the real depth.
			depth = max(depth-1, 0)
		}
	}
}

func newDecoder(body []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(body))
	// As gofeed configures it, so both see the same tokens.
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel
	return d
}

// xmlScan is what the streaming pass learned about an XML feed.
type xmlScan struct {
	root string // the root element's local name, lower case
	// broken is the syntax error that stopped the pass before the root
	// element was read (a malformed root tag, say).
	broken error
	// items counts the items (or entries) completed before the pass stopped.
	items int
	// cut is the byte offset just after the last complete item, and
	// closers the end tags of the elements open there; cut is 0 when no
	// item was complete.
	cut      int
	cutItems int
	closers  string
	// stop says why the pass stopped before the root element closed:
	// a *LimitError for the item and element limits, a syntax error, or
	// an unexpected end. nil when the document is complete.
	stop error
	// capped is true when stop is a limit: the document must be cut.
	capped bool
	// namespaces maps namespace URIs declared in the document to the
	// spelling gofeed recognizes (see canonicalNamespace).
	namespaces map[string]string
	// misplaced lists items found inside an element that is not their
	// feed's container (a partner left <itunes:category> open before its
	// items): inserting the end tags at each offset puts them back.
	misplaced []insertion
}

// insertion is text to insert into a document at a byte offset, in place
// of the cut bytes that follow it (none for a plain insertion).
type insertion struct {
	off  int
	cut  int
	text string
	line int
	// what names the elements closed, for the repair note.
	what string
}

type frame struct {
	name xml.Name // as written: Space is the prefix
	item bool
	// container is an element whose text gofeed ignores (<channel>, the
	// root): only its children are read.
	container bool
	// decls counts the namespaces the element declares.
	decls int
	// text is the length of the element's own text so far, and pieces
	// the number of separate character-data tokens it came in.
	text, pieces int
}

// feedParents are the elements whose item or entry children are a feed's
// items: RSS 2.0 <channel>, RSS 0.9x/1.0 roots, the Atom <feed>.
func feedParent(local string) bool {
	switch strings.ToLower(local) {
	case "channel", "rss", "rdf", "feed":
		return true
	}
	return false
}

func isItem(local string) bool {
	l := strings.ToLower(local)
	return l == "item" || l == "entry"
}

// scanXML streams body with the decoder settings gofeed uses, mirroring
// how its non-strict decoder matches end tags, and returns a *LimitError
// for a document that nests too deep, has an element with too many
// attributes or too many namespaces in scope. Items beyond MaxItems, elements beyond MaxElements, a
// syntax error or a truncated document stop the pass, and the scan says
// where the last complete item ended so the caller can keep what is
// before it.
func scanXML(body []byte) (*xmlScan, error) {
	s := &xmlScan{}
	if err := checkTags(body); err != nil {
		// The root is still worth knowing: a non-feed is refused as such.
		s.root = rootName(body)
		return s, err
	}
	d := newDecoder(body)
	var stack []frame
	elements, items, attrs, copies, inScope := 0, 0, 0, 0, 0
	seenRoot := false
	for {
		before := int(d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			if len(stack) > 0 {
				line, _ := d.InputPos()
				s.stop = fmt.Errorf("document ends at line %d with %d elements open", line, len(stack))
			}
			return s, nil
		}
		if err != nil {
			if seenRoot {
				s.stop = err
			} else {
				s.broken = err
			}
			return s, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			if len(stack) >= MaxDepth {
				return s, &LimitError{Limit: "nesting", Max: MaxDepth, Line: line}
			}
			if len(t.Attr) > MaxAttrs {
				return s, &LimitError{Limit: "attributes", Max: MaxAttrs, Line: line}
			}
			if !seenRoot {
				seenRoot = true
				s.root = strings.ToLower(t.Name.Local)
			}
			elements++
			if elements > MaxElements {
				s.stop, s.capped = &LimitError{Limit: "elements", Max: MaxElements, Line: line}, true
				return s, nil
			}
			attrs += len(t.Attr)
			if attrs > MaxAttributes {
				s.stop, s.capped = &LimitError{Limit: "attributes", Max: MaxAttributes, Line: line}, true
				return s, nil
			}
			f := frame{name: t.Name, container: feedParent(t.Name.Local)}
			if n := len(stack); n > 1 && isItem(t.Name.Local) && !feedParent(stack[n-1].name.Local) && !emptyTag(body, before, int(d.InputOffset())) && len(s.misplaced) < MaxItems {
				// An item inside something else (not another item): close
				// what stands between it and its feed's container. An
				// empty <item/> carries nothing and closes nothing (a
				// feed generator's stray <item /> inside a complete item).
				for i := n - 2; i >= 0; i-- {
					if stack[i].item {
						break
					}
					if stack[i].container {
						open := stack[i+1:]
						s.misplaced = append(s.misplaced, insertion{off: before, text: closers(open), line: line, what: "<" + qname(open[0].name) + ">"})
						for _, fr := range open {
							inScope -= fr.decls
						}
						stack = stack[:i+1]
						break
					}
				}
			}
			if n := len(stack); n > 0 && isItem(t.Name.Local) && feedParent(stack[n-1].name.Local) {
				f.item = true
				items++
				if items > MaxItems {
					s.stop, s.capped = &LimitError{Limit: "items", Max: MaxItems, Line: line}, true
					return s, nil
				}
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					f.decls++
					if inScope+f.decls > MaxNamespaces {
						return s, &LimitError{Limit: "namespaces", Max: MaxNamespaces, Line: line}
					}
					if c := canonicalNamespace(a.Value); c != "" && c != a.Value {
						if s.namespaces == nil {
							s.namespaces = map[string]string{}
						}
						s.namespaces[a.Value] = c
					}
				}
			}
			inScope += f.decls
			stack = append(stack, f)
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			top := &stack[len(stack)-1]
			if top.container {
				continue
			}
			if top.pieces > 0 {
				copies += top.text + len(t)
				if copies > MaxSplitText {
					line, _ := d.InputPos()
					s.stop, s.capped = &LimitError{Limit: "bytes of split text", Max: MaxSplitText, Line: line}, true
					return s, nil
				}
			}
			top.text += len(t)
			top.pieces++
		case xml.EndElement:
			// The non-strict decoder closes open elements until one
			// matches; an end tag that matches none is a syntax error.
			matched := false
			for len(stack) > 0 && !matched {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				inScope -= top.decls
				if top.name.Local != t.Name.Local {
					continue
				}
				matched = true
				if top.item {
					s.items++
					s.cut, s.cutItems = int(d.InputOffset()), s.items
					s.closers = closers(stack)
				}
			}
			if !matched {
				line, _ := d.InputPos()
				s.stop = fmt.Errorf("XML syntax error on line %d: unexpected end element </%s>", line, t.Name.Local)
				return s, nil
			}
			if len(stack) == 0 {
				return s, nil // gofeed reads nothing after the root
			}
		}
	}
}

// emptyTag reports whether the start tag at body[from:to] is an empty
// element (<item/>, <item />): the decoder gives its end at once.
func emptyTag(body []byte, from, to int) bool {
	if from < 0 || to > len(body) || from >= to {
		return false
	}
	return bytes.HasSuffix(body[from:to], []byte("/>"))
}

// countItems counts the items (or entries) of an XML feed, as scanXML
// finds them, stopping where gofeed would stop reading.
func countItems(body []byte) int {
	d := newDecoder(body)
	var stack []frame
	n := 0
	for len(stack) <= MaxDepth {
		tok, err := d.RawToken()
		if err != nil {
			return n
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if k := len(stack); k > 0 && isItem(t.Name.Local) && feedParent(stack[k-1].name.Local) {
				n++
			}
			stack = append(stack, frame{name: t.Name})
		case xml.EndElement:
			matched := false
			for len(stack) > 0 && !matched {
				matched = stack[len(stack)-1].name.Local == t.Name.Local
				stack = stack[:len(stack)-1]
			}
			if !matched || len(stack) == 0 {
				return n
			}
		}
	}
	return n
}

// checkTags refuses a document with a start tag of more than MaxAttrs
// attributes before the XML decoder, which reads every attribute of a tag
// into memory at once, sees it. It counts attribute names outside quoted
// values, skipping comments, CDATA sections, processing instructions and
// declarations, where '<' and '=' mean nothing.
func checkTags(body []byte) error {
	for i := 0; i < len(body); {
		j := bytes.IndexByte(body[i:], '<')
		if j < 0 {
			return nil
		}
		i += j
		rest := body[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = skipPast(body, i+4, "-->")
			continue
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i = skipPast(body, i+9, "]]>")
			continue
		case bytes.HasPrefix(rest, []byte("<?")):
			i = skipPast(body, i+2, "?>")
			continue
		case bytes.HasPrefix(rest, []byte("<!")), bytes.HasPrefix(rest, []byte("</")):
			i = skipPast(body, i+2, ">")
			continue
		}
		if len(rest) < 2 || !nameStart(rest[1]) {
			// "a < b", "<3": no tag (the decoder stops there instead).
			i++
			continue
		}
		start := i
		n, quote, space := 0, byte(0), false
		for i++; i < len(body); i++ {
			c := body[i]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			if c == '>' {
				break
			}
			switch c {
			case '"', '\'':
				quote, space = c, false
			case ' ', '\t', '\r', '\n':
				space = true
			case '=', '/':
				space = false
			default:
				if space {
					n++
					if n > MaxAttrs {
						return &LimitError{Limit: "attributes", Max: MaxAttrs, Line: lineAt(body, start)}
					}
				}
				space = false
			}
		}
		i++
	}
	return nil
}

// nameStart reports whether c may start an XML name (any byte of a
// non-ASCII character may).
func nameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

// skipPast returns the offset just after the first end at or after i, or
// len(b).
func skipPast(b []byte, i int, end string) int {
	if i > len(b) {
		return len(b)
	}
	k := bytes.Index(b[i:], []byte(end))
	if k < 0 {
		return len(b)
	}
	return i + k + len(end)
}

// rootName returns the lower-case local name of the first element of
// body, or "".
func rootName(body []byte) string {
	d := newDecoder(body[:min(len(body), 4096)])
	for {
		tok, err := d.RawToken()
		if err != nil {
			return ""
		}
		if t, ok := tok.(xml.StartElement); ok {
			return strings.ToLower(t.Name.Local)
		}
	}
}

// qname is an element's name as written.
func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// insert returns body with each insertion (in offset order) applied.
func insert(body []byte, ins []insertion) []byte {
	if len(ins) == 0 {
		return body
	}
	n := len(body)
	for _, in := range ins {
		n += len(in.text) - in.cut
	}
	out := make([]byte, 0, n)
	last := 0
	for _, in := range ins {
		out = append(out, body[last:in.off]...)
		out = append(out, in.text...)
		last = in.off + in.cut
	}
	return append(out, body[last:]...)
}

// closers returns the end tags that close the open elements, innermost first.
func closers(stack []frame) string {
	var b strings.Builder
	for i := len(stack) - 1; i >= 0; i-- {
		b.WriteString("</")
		if n := stack[i].name; n.Space != "" {
			b.WriteString(n.Space)
			b.WriteByte(':')
		}
		b.WriteString(stack[i].name.Local)
		b.WriteByte('>')
	}
	return b.String()
}

// jsonScan is what the streaming pass learned about a JSON document.
type jsonScan struct {
	// cut is the byte offset just after the last complete element of the
	// top-level "items" list (0: none); cutItems counts the items before it.
	cut, cutItems int
	// items counts the elements of the "items" list, to its end or to a
	// syntax error, past the value limit too.
	items int
	// stop is the *LimitError for MaxValues, when the document has more.
	stop error
}

// scanJSON streams a JSON document and refuses one that nests arrays and
// objects deeper than MaxDepth. One with more than MaxValues values stops
// the pass, which says where its last complete item ended. Syntax errors
// are left to the reader.
func scanJSON(body []byte) (*jsonScan, error) {
	s := &jsonScan{}
	d := json.NewDecoder(bytes.NewReader(body))
	depth, values := 0, 0
	expectKey, itemsNext, inItems := false, false, false
	for {
		tok, err := d.Token()
		if err != nil {
			return s, nil
		}
		values++
		if values > MaxValues && s.stop == nil {
			// Past the limit only items are counted, so that the cut
			// ones can be reported.
			s.stop = &LimitError{Limit: "values", Max: MaxValues, Line: lineAt(body, int(d.InputOffset()))}
		}
		delim, isDelim := tok.(json.Delim)
		if depth == 1 && expectKey && !isDelim {
			// A key of the top-level object.
			itemsNext = tok == "items"
			expectKey = false
			continue
		}
		switch {
		case isDelim && (delim == '[' || delim == '{'):
			depth++
			if depth > MaxDepth {
				return s, &LimitError{Limit: "nesting", Max: MaxDepth, Line: lineAt(body, int(d.InputOffset()))}
			}
			if depth == 1 {
				expectKey = delim == '{'
			}
			if depth == 2 && itemsNext && delim == '[' {
				inItems = true
			}
			if depth == 3 && inItems {
				s.items++
			}
			itemsNext = false
		case isDelim:
			depth--
			switch {
			case depth == 2 && inItems && s.stop == nil:
				s.cutItems++
				s.cut = int(d.InputOffset())
			case depth == 1:
				inItems, expectKey = false, true
			}
		default:
			switch {
			case depth == 2 && inItems:
				s.items++
				if s.stop == nil {
					s.cutItems++
					s.cut = int(d.InputOffset())
				}
			case depth == 1:
				expectKey = true
			}
			itemsNext = false
		}
	}
}

// lineAt returns the 1-based line of byte offset off in b.
func lineAt(b []byte, off int) int {
	off = min(max(off, 0), len(b))
	return bytes.Count(b[:off], []byte{'\n'}) + 1
}

// isLimit reports whether err is a *LimitError.
func isLimit(err error) bool {
	var le *LimitError
	return errors.As(err, &le)
}
