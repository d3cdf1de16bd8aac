package sanitize

import (
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
var listParent = map[atom.Atom]atom.Atom{atom.Li: atom.Ul, atom.Dt: atom.Dl, atom.Dd: atom.Dl}

// balance returns sanitized HTML as a self-contained fragment: every end
// tag closes an element the fragment opened (stray ones are dropped),
// every element it opens is closed at its end, and list items sit in a
// list. Sanitizing alone keeps unsafe markup out but not the structure:
// "</div></article>" in a partner's content would close the page's own
// containers, and an unclosed <a href> would make the rest of the page
// (attribution, comments, the form) one link to wherever it points.
// Balanced input comes out byte for byte as it went in.
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
	// cost a million squared).
	var names []string
	count := map[string]int{}
	push := func(name string) { names = append(names, name); count[name]++ }
	closeTo := func(i int) { // close names[i:], innermost first
		for j := len(names) - 1; j >= i; j-- {
			b.WriteString("</" + names[j] + ">")
			count[names[j]]--
		}
		names = names[:i]
	}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := string(z.Raw())
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if p, ok := listParent[a]; ok && count[p.String()] == 0 && (a != atom.Li || count["ol"] == 0) {
				b.WriteString("<" + p.String() + ">")
				push(p.String())
			}
			b.WriteString(raw)
			if tt == html.StartTagToken && !void[a] {
				push(string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			n := string(name)
			if count[n] == 0 {
				continue // nothing of ours to close
			}
			i := len(names) - 1
			for names[i] != n {
				i--
			}
			closeTo(i + 1)
			b.Write(z.Raw())
			count[n]--
			names = names[:i]
		default:
			b.Write(z.Raw())
		}
	}
	closeTo(0)
	return b.String()
}
