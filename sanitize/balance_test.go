package sanitize_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"syndicate/sanitize"
)

// contained parses out placed where the pages put content (a comment's
// body inside a list item of the thread) and reports how it escaped, or "".
func contained(out string) string {
	page := `<!DOCTYPE html><html><body><ol id="list"><li id="item"><div id="wrap">` + out +
		`</div><p id="after">after</p></li><li id="next">next</li></ol></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return err.Error()
	}
	byID := map[string]*html.Node{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for _, a := range n.Attr {
			if a.Key == "id" {
				if _, dup := byID[a.Val]; !dup {
					byID[a.Val] = n
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	after, item, list, next := byID["after"], byID["item"], byID["list"], byID["next"]
	if after == nil || item == nil || list == nil || next == nil {
		return "a page element went missing"
	}
	if after.Parent != item {
		return "the text after the content left its list item (parent <" + after.Parent.Data + ">)"
	}
	if item.Parent != list || next.Parent != list {
		return "the page's list items moved"
	}
	for n := after; n != nil; n = n.Parent {
		if n.Data == "a" {
			return "the page after the content is inside a link"
		}
	}
	for n := next; n != nil; n = n.Parent {
		if n.Data == "a" {
			return "the next item is inside a link"
		}
	}
	if c := next.FirstChild; c == nil || c.Type != html.TextNode || c.Data != "next" {
		return "the next item's text was wrapped"
	}
	return ""
}

func TestHTMLCannotEscapeItsContainer(t *testing.T) {
	article := sanitize.New(sanitize.Options{IframeHosts: []string{"www.youtube.com"}})
	comment := sanitize.Comment()
	for _, in := range []string{
		`<p>a</div></li></ol><h1>fake</h1>`,
		`</div></div></li></ol></section></article></main><p>fake chrome</p>`,
		`<a href="https://phish.example/">the rest of the page is mine`,
		`<blockquote><p>unclosed quote`,
		`<strong><em>unclosed`,
		`<li>a bare list item`,
		`<dd>a bare definition`,
		`<ul><li>a<li>b</ul></li></li>`,
		`<table><tr><td><a href="https://phish.example/">x</td></tr>`,
		`<b>x<p>y</b>z</p>`,
		`<a href="https://a.example/"><div>block in link</div>`,
		`<iframe src="https://www.youtube.com/embed/x">`,
		`<p><p><p>`,
		`<h1>one<h2>two`,
		`<div><a href="https://phish.example/">x</div>after`,
	} {
		for name, p := range map[string]*sanitize.Policy{"article": article, "comment": comment} {
			out := p.HTML(in, base)
			if why := contained(out); why != "" {
				t.Errorf("%s policy: %q\n  => %q: %s", name, in, out, why)
			}
		}
	}
}

func TestBalancedHTMLIsUnchanged(t *testing.T) {
	p := sanitize.New(sanitize.Options{})
	for _, in := range []string{
		`<p>one <a href="https://a.example/">two</a></p><ul><li>x</li><li>y</li></ul>`,
		`<p>br<br>and <img src="https://a.example/i.png" alt="i"/> void</p>`,
		`<table><tbody><tr><td>1</td></tr></tbody></table><dl><dt>t</dt><dd>d</dd></dl>`,
		`text only &amp; entities`,
	} {
		if out := p.HTML(in, base); out != in {
			t.Errorf("%q\n  => %q", in, out)
		}
	}
}

// Where an HTML parser ends an element without its end tag, balance
// writes the end tag there (and drops the stray one that follows), so the
// markup an HTML checker reads has no error to recover from: partners
// write "<p>one<p>two", paragraphs around lists and links inside links.
func TestBalanceImpliedEndTags(t *testing.T) {
	p := sanitize.New(sanitize.Options{})
	for _, c := range []struct{ in, want string }{
		{`<p>one<p>two`, `<p>one</p><p>two</p>`},
		{`<p>intro<ul><li>a</li></ul></p>after`, `<p>intro</p><ul><li>a</li></ul>after`},
		{`<p>a<blockquote>q</blockquote>b</p>`, `<p>a</p><blockquote>q</blockquote>b`},
		{`<p><b>bold<div>block</div></b></p>`, `<p><b>bold</b></p><div>block</div>`},
		{`<ol><li><p>one<li><p>two</ol>`, `<ol><li><p>one</p></li><li><p>two</p></li></ol>`},
		{`<ul><li>a<ul><li>b</ul><li>c</ul>`, `<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>`},
		{`<dl><dt>t<dd>d<dt>u</dl>`, `<dl><dt>t</dt><dd>d</dd><dt>u</dt></dl>`},
		{`<a href="https://a.example/">one<a href="https://b.example/">two</a></a>`,
			`<a href="https://a.example/">one</a><a href="https://b.example/">two</a>`},
		{`<h2>one<h3>two</h3></h2>`, `<h2>one</h2><h3>two</h3>`},
		// A table cell is a scope of its own: its paragraphs and links do
		// not end the ones around the table.
		{`<p>x</p><table><tbody><tr><td><p>cell</td></tr></tbody></table>`, `<p>x</p><table><tbody><tr><td><p>cell</p></td></tr></tbody></table>`},
		{`<a href="https://a.example/"><table><tbody><tr><td><a href="https://b.example/">in</a></td></tr></tbody></table></a>`,
			`<a href="https://a.example/"><table><tbody><tr><td><a href="https://b.example/">in</a></td></tr></tbody></table></a>`},
		{`<div><p>a</div>b</p>`, `<div><p>a</p></div>b`},
		{`<img src="https://a.example/i.png">`, `<img alt="" src="https://a.example/i.png">`},
		{`<img src="https://a.example/i.png" alt="kept">`, `<img src="https://a.example/i.png" alt="kept">`},
		{`<img src="https://a.example/i.png" alt="i"><figcaption>cap</figcaption><p>text</p>`,
			`<img src="https://a.example/i.png" alt="i"><figure><figcaption>cap</figcaption></figure><p>text</p>`},
		{`<figure><img src="https://a.example/i.png" alt="i"><figcaption>cap</figcaption></figure>`,
			`<figure><img src="https://a.example/i.png" alt="i"><figcaption>cap</figcaption></figure>`},
		{`<img src="https://a.example/i.png" alt="i" width="80%" height="120">`, `<img src="https://a.example/i.png" alt="i" height="120">`},
		// A block where only phrasing content may be ends the phrasing
		// elements around it, as a <p> would end.
		{`<span>a<div>b</div>c</span>`, `<span>a</span><div>b</div>c`},
		{`<em><strong>x<ul><li>y</li></ul></strong>z</em>`, `<em><strong>x</strong></em><ul><li>y</li></ul>z`},
		{`<h2>t<div>d</div></h2>`, `<h2>t</h2><div>d</div>`},
		{`<span>a<li>b</li></span>`, `<span>a</span><ul><li>b</li></ul>`},
		{`<div><a href="https://a.example/"><div>ok</div></a></div>`, `<div><a href="https://a.example/"><div>ok</div></a></div>`},
		{`<span><a href="https://a.example/">x<div>y</div></a></span>`, `<span><a href="https://a.example/">x</a></span><div>y</div>`},
		{`<blockquote><span>q</span><p>r</p></blockquote>`, `<blockquote><span>q</span><p>r</p></blockquote>`},
		// A line break between list items or rows goes.
		{`<ul><li>a</li><br><li>b</li></ul>`, `<ul><li>a</li><li>b</li></ul>`},
		{`<ul><li>a<br>b</li></ul>`, `<ul><li>a<br>b</li></ul>`},
		// A new cell ends the open one, a new row its row, a new row
		// group its group (partners leave <td> and <tr> unclosed, as HTML
		// allows; nested, the Nu Html Checker found stray end tags).
		{`<table><tr><td>a<td>b<tr><th>c<td>d</table>`,
			`<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table>`},
		{`<table><thead><tr><th>h<tbody><tr><td><p>x<td>y</table>`,
			`<table><thead><tr><th>h</th></tr></thead><tbody><tr><td><p>x</p></td><td>y</td></tr></tbody></table>`},
		// A table inside a cell has cells of its own.
		{`<table><tr><td><table><tr><td>in<td>in2</table>out<td>next</table>`,
			`<table><tr><td><table><tr><td>in</td><td>in2</td></tr></table>out</td><td>next</td></tr></table>`},
		// Table parts outside any table are tags a parser ignores: they go,
		// their text stays.
		{`<p>a</p><tbody><tr><td>orphan</td></tr></tbody><caption>c</caption>`, `<p>a</p>orphanc`},
		{`<div><td>x</td></div>`, `<div>x</div>`},
		// A description list begins with a term (the Nu Html Checker
		// rejected <dl><dd>): an empty one goes first when it has none.
		{`<dl><dd>x</dl>`, `<dl><dt></dt><dd>x</dd></dl>`},
		{`<p>a</p><dd>bare</dd>`, `<p>a</p><dl><dt></dt><dd>bare</dd></dl>`},
		{`<dl><dt>t</dt><dd>d</dd><dd>e</dd></dl>`, `<dl><dt>t</dt><dd>d</dd><dd>e</dd></dl>`},
	} {
		if out := p.HTML(c.in, base); out != c.want {
			t.Errorf("%q\n  => %q\n want %q", c.in, out, c.want)
		}
	}
}

// Balancing is linear: deep nesting with list items or stray end tags
// does not walk the whole stack per tag.
func TestBalanceLinear(t *testing.T) {
	p := sanitize.New(sanitize.Options{})
	n := 200_000
	for _, c := range []struct {
		in, end string
		ends    int
	}{
		{"<ol>" + strings.Repeat("<li>x", n), "</li>", n},
		{strings.Repeat("<div>", n) + strings.Repeat("<li>x", n), "</div>", n},
		{strings.Repeat("<div>", n) + strings.Repeat("</span>", n), "</div>", n},
		{"<p><table><tbody><tr><td>" + strings.Repeat("<div>", n) + strings.Repeat("<li>x", n), "</div>", n},
		{strings.Repeat(`<a href="https://a.example/">x`, n), "</a>", n},
		{"<p>" + strings.Repeat("<b>", n) + strings.Repeat("<p>x", n), "</p>", n + 1},
	} {
		out := p.HTML(c.in, nil)
		if got := strings.Count(out, c.end); got != c.ends || strings.Contains(out, "</span>") {
			t.Errorf("%.40q...: %d %s, want %d", c.in, got, c.end, c.ends)
		}
	}
}
