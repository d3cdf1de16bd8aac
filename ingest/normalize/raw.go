package normalize

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"

	"syndicate/sanitize"
)

const nsXHTML = "http://www.w3.org/1999/xhtml"

// rawDoc is what gofeed's model drops, read from the document itself,
// per item position: whether an Atom title is text (gofeed decodes text
// and HTML titles alike), and the markup of an RSS item's xhtml:body
// (gofeed keeps its text only, out of order), the text of Atom categories
// written as <category>text</category> without a term (gofeed reads the
// attributes only).
type rawDoc struct {
	textTitle []bool
	xhtml     []string
	catText   [][]string
}

func (r *rawDoc) categoryTexts(i int) []string {
	if r == nil || i >= len(r.catText) {
		return nil
	}
	return r.catText[i]
}

func (r *rawDoc) titleIsText(i int) bool {
	return r != nil && i < len(r.textTitle) && r.textTitle[i]
}

func (r *rawDoc) xhtmlBody(i int) string {
	if r == nil || i >= len(r.xhtml) {
		return ""
	}
	return r.xhtml[i]
}

var bodyPrefix = regexp.MustCompile(`^<\s*([A-Za-z_][\w.-]*):`)

// scanRaw reads body for what f's items need and gofeed lost. It reads
// nothing (nil) when no item needs it, and gives up (nil) when the items
// it counts are not gofeed's, so that nothing lands on the wrong item.
func scanRaw(body []byte, f *gofeed.Feed) *rawDoc {
	needTitles, needBodies, needCats := false, false, false
	if af, ok := f.OriginalFeed().(*atom.Feed); ok {
		for _, e := range af.Entries {
			for _, c := range e.Categories {
				if c != nil && strings.TrimSpace(c.Term) == "" && strings.TrimSpace(c.Label) == "" {
					needCats = true
				}
			}
		}
	}
	for _, it := range f.Items {
		if f.FeedType == "atom" && strings.ContainsAny(it.Title, "<&") {
			needTitles = true
		}
		if _, ok := it.Extensions["xhtml"]["body"]; ok && strings.TrimSpace(it.Content) == "" {
			needBodies = true
		}
	}
	if !needTitles && !needBodies && !needCats {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	r := &rawDoc{}
	var stack []string
	item := -1      // index of the item being read
	itemDepth := -1 // its depth in stack
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			name := t.Name.Local
			switch {
			case itemDepth < 0 && (name == "item" && (parent == "channel" || parent == "RDF") || name == "entry" && parent == "feed"):
				item++
				itemDepth = len(stack)
				r.textTitle = append(r.textTitle, false)
				r.xhtml = append(r.xhtml, "")
				r.catText = append(r.catText, nil)
			case itemDepth >= 0 && len(stack) == itemDepth+1 && name == "title" && needTitles:
				typ := ""
				for _, a := range t.Attr {
					if a.Name.Local == "type" {
						typ = a.Value
					}
				}
				r.textTitle[item] = atomText(typ)
			case itemDepth >= 0 && len(stack) == itemDepth+1 && name == "category" && needCats && !hasAttr(t, "term") && !hasAttr(t, "label"):
				var c struct {
					Text string `xml:",chardata"`
				}
				if err := d.DecodeElement(&c, &t); err != nil {
					return nil
				}
				if v := strings.TrimSpace(c.Text); v != "" {
					r.catText[item] = append(r.catText[item], v)
				}
				continue // DecodeElement consumed the end tag
			case itemDepth >= 0 && len(stack) == itemDepth+1 && name == "body" && t.Name.Space == nsXHTML && needBodies:
				start := d.InputOffset()
				if err := d.Skip(); err != nil {
					return nil
				}
				end := d.InputOffset()
				inner := body[start:end]
				if i := bytes.LastIndex(inner, []byte("</")); i >= 0 {
					inner = inner[:i]
				}
				html := string(inner)
				if m := bodyPrefix.FindSubmatch(body[off:start]); m != nil {
					p := string(m[1])
					html = strings.NewReplacer("<"+p+":", "<", "</"+p+":", "</").Replace(html)
				}
				r.xhtml[item] = html
				continue // Skip consumed the end tag
			}
			stack = append(stack, name)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil
			}
			stack = stack[:len(stack)-1]
			if len(stack) == itemDepth {
				itemDepth = -1
			}
		}
	}
	if item+1 != len(f.Items) {
		return nil
	}
	return r
}

func hasAttr(t xml.StartElement, name string) bool {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" && strings.TrimSpace(a.Value) != "" {
			return true
		}
	}
	return false
}

// xhtmlExt is the text of an xhtml:body as gofeed keeps it (text without
// its markup), for when the document was not at hand: better than nothing.
func xhtmlExt(e ext.Extensions) string {
	var parts []string
	var walk func(x ext.Extension, depth int)
	walk = func(x ext.Extension, depth int) {
		if v := strings.TrimSpace(x.Value); v != "" {
			parts = append(parts, v)
		}
		if depth > 20 {
			return
		}
		names := make([]string, 0, len(x.Children))
		for k := range x.Children {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			for _, c := range x.Children[k] {
				walk(c, depth+1)
			}
		}
	}
	for _, b := range e["xhtml"]["body"] {
		walk(b, 0)
	}
	if len(parts) == 0 {
		return ""
	}
	return sanitize.EscapeText(strings.Join(parts, "\n\n"))
}
