package sanitize

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// void elements have no end tag.
var void = map[atom.Atom]bool{atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true,
	atom.Hr: true, atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true, atom.Source: true,
	atom.Track: true, atom.Wbr: true}

// listParent is the element an orphan list item is wrapped in: a bare
// <li> (or <dt>, <dd>) closes an enclosing list item of the page (a
// comment in the thread is one), so it must not appear outside a list of
// its own.
// A bare <figcaption> (a partner's caption written after an image, with
// no <figure>) gets its figure the same way.
var listParent = map[atom.Atom]atom.Atom{atom.Li: atom.Ul, atom.Dt: atom.Dl, atom.Dd: atom.Dl, atom.Figcaption: atom.Figure}

// closesP are the start tags before which an HTML parser closes an open
// <p> (in button scope): a partner that writes "<p>one<p>two" or
// "<p>text<ul>…</ul></p>" means paragraphs that end there.
var closesP = map[atom.Atom]bool{atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Center: true, atom.Details: true, atom.Dialog: true, atom.Dir: true, atom.Div: true, atom.Dl: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true,
	atom.Hgroup: true, atom.Hr: true, atom.Main: true, atom.Menu: true, atom.Nav: true, atom.Ol: true,
	atom.P: true, atom.Pre: true, atom.Section: true, atom.Search: true, atom.Summary: true, atom.Table: true,
	atom.Ul: true, atom.Li: true, atom.Dd: true, atom.Dt: true, atom.Listing: true, atom.Xmp: true}

// buttonScope are the elements an open <p> is not seen through (the
// HTML parser's "button scope").
var buttonScope = map[atom.Atom]bool{atom.Applet: true, atom.Caption: true, atom.Html: true, atom.Table: true,
	atom.Td: true, atom.Th: true, atom.Marquee: true, atom.Object: true, atom.Template: true, atom.Button: true}

// special are the HTML parser's "special" elements: a new list item
// closes an open one only through elements that are not special (but for
// address, div and p).
var special = map[atom.Atom]bool{atom.Address: true, atom.Applet: true, atom.Area: true, atom.Article: true,
	atom.Aside: true, atom.Base: true, atom.Basefont: true, atom.Bgsound: true, atom.Blockquote: true,
	atom.Body: true, atom.Br: true, atom.Button: true, atom.Caption: true, atom.Center: true, atom.Col: true,
	atom.Colgroup: true, atom.Dd: true, atom.Details: true, atom.Dir: true, atom.Div: true, atom.Dl: true,
	atom.Dt: true, atom.Embed: true, atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true,
	atom.Footer: true, atom.Form: true, atom.Frame: true, atom.Frameset: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Head: true, atom.Header: true,
	atom.Hgroup: true, atom.Hr: true, atom.Html: true, atom.Iframe: true, atom.Img: true, atom.Input: true,
	atom.Keygen: true, atom.Li: true, atom.Link: true, atom.Listing: true, atom.Main: true, atom.Marquee: true,
	atom.Menu: true, atom.Meta: true, atom.Nav: true, atom.Noembed: true, atom.Noframes: true,
	atom.Noscript: true, atom.Object: true, atom.Ol: true, atom.P: true, atom.Param: true, atom.Plaintext: true,
	atom.Pre: true, atom.Script: true, atom.Search: true, atom.Section: true, atom.Select: true,
	atom.Source: true, atom.Style: true, atom.Summary: true, atom.Table: true, atom.Tbody: true, atom.Td: true,
	atom.Template: true, atom.Textarea: true, atom.Tfoot: true, atom.Th: true, atom.Thead: true,
	atom.Title: true, atom.Tr: true, atom.Track: true, atom.Ul: true, atom.Wbr: true, atom.Xmp: true}

// linkMarker are the elements inside which an outer open <a> is not
// closed by a new one (markers in the parser's list of formatting
// elements).
var linkMarker = map[atom.Atom]bool{atom.Applet: true, atom.Object: true, atom.Marquee: true,
	atom.Template: true, atom.Td: true, atom.Th: true, atom.Caption: true}

// phrasingOnly are the elements whose content is phrasing content only:
// a block inside one (a partner's <span><div>, <h2><p>, <em><ul>) is
// invalid HTML that a browser nests anyway.
var phrasingOnly = map[atom.Atom]bool{atom.P: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Pre: true, atom.Span: true, atom.Em: true, atom.Strong: true, atom.B: true,
	atom.I: true, atom.U: true, atom.S: true, atom.Strike: true, atom.Small: true, atom.Big: true, atom.Mark: true,
	atom.Abbr: true, atom.Acronym: true, atom.Cite: true, atom.Code: true, atom.Kbd: true, atom.Samp: true,
	atom.Var: true, atom.Sub: true, atom.Sup: true, atom.Q: true, atom.Dfn: true, atom.Time: true, atom.Label: true,
	atom.Font: true, atom.Tt: true, atom.Bdi: true, atom.Bdo: true, atom.Data: true, atom.Legend: true,
	atom.Summary: true, atom.Button: true, atom.Ruby: true, atom.Rt: true, atom.Rp: true, atom.Output: true}

// transparent elements take the content model of their parent.
var transparent = map[atom.Atom]bool{atom.A: true, atom.Ins: true, atom.Del: true, atom.Map: true,
	atom.Noscript: true, atom.Object: true, atom.Video: true, atom.Audio: true, atom.Canvas: true}

// noBreakIn are the elements a <br> may not be a child of (only their own
// items or rows are).
var noBreakIn = map[atom.Atom]bool{atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Menu: true,
	atom.Table: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true, atom.Tr: true}

var heading = map[atom.Atom]bool{atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true}

// openElement is one element of balance's stack, with where (as stack
// indexes, -1 for none) the innermost <p>, list item, definition term or
// description, and <a> are that a start tag here would implicitly close,
// and the outermost element whose phrasing-only content this is in.
type openElement struct {
	name               string
	a                  atom.Atom
	p, li, dx, ln, phr int
	// The open cell, row and row group of the innermost table, which a
	// new cell, row or row group closes as the HTML parser does.
	cell, row, group int
	tbl              int  // the innermost table's index in balance's tables
	wrapper          bool // a <figure> balance put around a bare <figcaption>
	terms            bool // a <dl> that has a term (<dt>) already
}

// tableWidth follows a table's column count as its rows go by: the
// first row establishes it (the HTML table model), and a later cell's
// colspan is cut so that its row does not go past it (a partner's footer
// cell spanning 173 columns of a 6-column table made 167 columns without
// a cell beginning in them, an error for HTML checkers). Rowspans are not
// followed: a row is only ever judged narrower than it is, so a colspan
// is never cut where it was right.
type tableWidth struct {
	cols, rowCols    int
	started, counted bool // the first row has begun; it has ended, and cols holds its width
}

// row starts a row.
func (t *tableWidth) row() {
	if t.started && !t.counted {
		t.cols, t.counted = t.rowCols, true
	}
	t.started, t.rowCols = true, 0
}

// cell counts a cell spanning span columns and returns the span it may
// have.
func (t *tableWidth) cell(span int) int {
	if !t.started {
		t.row()
	}
	if t.counted && t.cols > 0 && t.rowCols+span > t.cols {
		span = max(1, t.cols-t.rowCols)
	}
	t.rowCols += span
	return span
}

// colspan reads a cell's colspan (1 when absent or no number; HTML's
// maximum, 1000, at most).
func colspan(z *html.Tokenizer, more bool) int {
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		if string(k) == "colspan" {
			n, err := strconv.Atoi(strings.TrimSpace(string(v)))
			if err != nil || n < 1 {
				return 1
			}
			return min(n, 1000)
		}
	}
	return 1
}

// withColspan returns a cell's start tag with its colspan set to n.
func withColspan(raw string, n int) string {
	i := strings.Index(raw, `colspan="`)
	if i < 0 {
		return raw
	}
	j := i + len(`colspan="`)
	k := strings.IndexByte(raw[j:], '"')
	if k < 0 {
		return raw
	}
	return raw[:j] + strconv.Itoa(n) + raw[j+k:]
}

// tablePart are the elements that belong inside a <table>: outside one an
// HTML parser ignores their tags (keeping their content), and an HTML
// checker calls them stray.
var tablePart = map[atom.Atom]bool{atom.Caption: true, atom.Colgroup: true, atom.Col: true, atom.Thead: true,
	atom.Tbody: true, atom.Tfoot: true, atom.Tr: true, atom.Td: true, atom.Th: true}

// balance returns sanitized HTML as a self-contained fragment: every end
// tag closes an element the fragment opened (stray ones are dropped),
// every element it opens is closed at its end, and list items sit in a
// list. Sanitizing alone keeps unsafe markup out but not the structure:
// "</div></article>" in a partner's content would close the page's own
// containers, and an unclosed <a href> would make the rest of the page
// (attribution, comments, the form) one link to wherever it points.
//
// Where an HTML parser ends an element without its end tag (a <p> at the
// next block, a list item at the next item, a link at the next link, a
// heading at the next heading), the end tag is written there, so the
// fragment reads the same without a parser's error recovery (and a stray
// end tag later is dropped). A block inside phrasing-only elements
// (<span><div>) ends them first, as a block ends a <p>, and a <br>
// between list items or table rows goes: HTML allows neither. An <img> without alternative text gets an
// empty one (HTML requires the attribute). Balanced input comes out byte
// for byte as it went in.
func balance(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s) + 16)
	// The stack of open elements, outermost first, and how many of each
	// name are open: a stray end tag or a list item is judged without
	// walking the stack (a document of a million nested elements must not
	// cost a million squared), and what a start tag implicitly closes is
	// kept on each level for the same reason.
	var stack []openElement
	var tables []tableWidth
	count := map[string]int{}
	top := func() openElement {
		if len(stack) == 0 {
			return openElement{p: -1, li: -1, dx: -1, ln: -1, phr: -1, cell: -1, row: -1, group: -1, tbl: -1}
		}
		return stack[len(stack)-1]
	}
	push := func(name string, a atom.Atom) {
		e := top()
		n := len(stack)
		e.name, e.a = name, a
		switch {
		case a == atom.P:
			e.p = n
		case buttonScope[a]:
			e.p = -1
		}
		switch {
		case a == atom.Li:
			e.li = n
		case a == atom.Dd || a == atom.Dt:
			e.dx = n
		case special[a] && a != atom.Address && a != atom.Div && a != atom.P:
			e.li, e.dx = -1, -1
		}
		switch {
		case a == atom.A:
			e.ln = n
		case linkMarker[a]:
			e.ln = -1
		}
		switch a {
		case atom.Table:
			e.cell, e.row, e.group = -1, -1, -1
			tables = append(tables, tableWidth{})
			e.tbl = len(tables) - 1
		case atom.Td, atom.Th:
			e.cell = n
		case atom.Tr:
			e.row, e.cell = n, -1
		case atom.Thead, atom.Tbody, atom.Tfoot:
			e.group, e.row, e.cell = n, -1, -1
		}
		switch {
		case phrasingOnly[a]:
			if e.phr < 0 {
				e.phr = n
			}
		case !transparent[a]:
			e.phr = -1
		}
		stack = append(stack, e)
		count[name]++
	}
	closeTo := func(i int) { // close stack[i:], innermost first
		for j := len(stack) - 1; j >= i; j-- {
			b.WriteString("</" + stack[j].name + ">")
			count[stack[j].name]--
		}
		stack = stack[:i]
	}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := string(z.Raw())
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if tablePart[a] && count["table"] == 0 {
				continue // its end tag, if any, is stray too and goes
			}
			switch t := top(); {
			case (a == atom.Td || a == atom.Th) && t.cell >= 0:
				closeTo(t.cell)
			case a == atom.Tr && outermost(t.row, t.cell) >= 0:
				closeTo(outermost(t.row, t.cell))
			case (a == atom.Thead || a == atom.Tbody || a == atom.Tfoot) && outermost(t.group, t.row, t.cell) >= 0:
				closeTo(outermost(t.group, t.row, t.cell))
			}
			switch {
			case a == atom.Li && top().li >= 0:
				closeTo(top().li)
			case (a == atom.Dd || a == atom.Dt) && top().dx >= 0:
				closeTo(top().dx)
			case a == atom.A && top().ln >= 0:
				closeTo(top().ln)
			}
			parent, wrap := listParent[a]
			wrap = wrap && count[parent.String()] == 0 && (a != atom.Li || count["ol"] == 0)
			if (wrap || closesP[a] && a != atom.Li && a != atom.Dd && a != atom.Dt) && top().phr >= 0 {
				// A block where only phrasing content may be: the phrasing
				// elements end before it (as a <p> does), and their end
				// tags later are stray.
				closeTo(top().phr)
			}
			if closesP[a] && top().p >= 0 {
				closeTo(top().p)
			}
			if a == atom.Br && len(stack) > 0 && noBreakIn[top().a] {
				continue // a line break between list items or table rows
			}
			if heading[a] && len(stack) > 0 && heading[top().a] {
				closeTo(len(stack) - 1)
			}
			if wrap {
				b.WriteString("<" + parent.String() + ">")
				push(parent.String(), parent)
				stack[len(stack)-1].wrapper = parent == atom.Figure
			}
			if (a == atom.Dd || a == atom.Dt) && len(stack) > 0 && stack[len(stack)-1].a == atom.Dl {
				// HTML's description list starts with a term: a partner's
				// (or a wrapped) description without one gets an empty one.
				if a == atom.Dd && !stack[len(stack)-1].terms {
					b.WriteString("<dt></dt>")
				}
				stack[len(stack)-1].terms = true
			}
			if a == atom.Img && !hasAlt(z, hasAttr) && strings.HasPrefix(raw, "<img") {
				raw = `<img alt=""` + raw[len("<img"):]
			}
			if t := top().tbl; t >= 0 {
				switch a {
				case atom.Tr:
					tables[t].row()
				case atom.Td, atom.Th:
					span := colspan(z, hasAttr)
					if got := tables[t].cell(span); got != span {
						raw = withColspan(raw, got)
					}
				}
			}
			b.WriteString(raw)
			if tt == html.StartTagToken && !void[a] {
				push(string(name), a)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			n := string(name)
			if count[n] == 0 {
				continue // nothing of ours to close
			}
			if n == "p" && top().p < 0 {
				continue // its paragraph was ended already, or is outside a table cell this is in
			}
			i := len(stack) - 1
			for stack[i].name != n {
				i--
			}
			closeTo(i + 1)
			b.Write(z.Raw())
			count[n]--
			stack = stack[:i]
			if len(stack) > 0 && stack[len(stack)-1].wrapper {
				closeTo(len(stack) - 1) // the caption's figure ends with it
			}
		default:
			b.Write(z.Raw())
		}
	}
	closeTo(0)
	return b.String()
}

// outermost is the smallest of the stack indexes that are set (>= 0), or
// -1 when none is.
func outermost(idx ...int) int {
	out := -1
	for _, i := range idx {
		if i >= 0 && (out < 0 || i < out) {
			out = i
		}
	}
	return out
}

// hasAlt reports whether the start tag z is at has an alt attribute.
func hasAlt(z *html.Tokenizer, more bool) bool {
	for more {
		var k []byte
		k, _, more = z.TagAttr()
		if string(k) == "alt" {
			return true
		}
	}
	return false
}
