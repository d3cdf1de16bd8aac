package sanitize

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// headingLevel is 1 to 6 for h1 to h6, else 0.
func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

var headingTag = [...]string{"", "h1", "h2", "h3", "h4", "h5", "h6"}

// ContiguousHeadings returns sanitized HTML placed under a heading of
// level after (a page's <h1> title: 1) with no heading more than one level
// below the heading before it: a partner's article that starts at <h3>
// under the page's <h1> has its <h3> shown as <h2>, and the headings after
// it keep their steps. HTML checkers reject a skipped level, and screen
// readers navigate by it. Headings that skip no level come out as they
// went in, and so does HTML with no heading.
func ContiguousHeadings(s string, after int) string {
	return headings(s, after, false)
}

// SubHeadings is ContiguousHeadings for HTML that is a part of the section
// under a heading of level under (a comment in the thread under the page's
// "N comments" heading): every heading in it is shown at least one level
// below, so a partner comment's <h1> cannot end the thread's section. The
// page's own heading after the thread (the reply form's, one below) then
// follows a heading no higher than its own level, which HTML checkers ask.
func SubHeadings(s string, under int) string {
	return headings(s, under, true)
}

// headings shows each heading of s one below the section it is in (or, but
// for sub, at its own level when that skips none).
func headings(s string, after int, sub bool) string {
	if !strings.Contains(s, "<h") && !strings.Contains(s, "<H") {
		return s
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s))
	// The partner's outline so far: each open section's heading level
	// and the level it is shown at. A heading closes the sections of its
	// level and below and is shown one below the section it is in (or at
	// its own level when that skips none).
	type section struct{ level, shown int }
	outline := []section{{after, after}}
	// The heading open now and the level it is shown at: a heading's end
	// tag follows its start tag (balance closed them).
	open, shown := 0, 0
	changed := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		switch tt {
		case html.StartTagToken, html.EndTagToken:
			name, _ := z.TagName()
			l := headingLevel(atom.Lookup(name))
			if l == 0 {
				break
			}
			if tt == html.StartTagToken {
				for len(outline) > 1 && outline[len(outline)-1].level >= l {
					outline = outline[:len(outline)-1]
				}
				open, shown = l, min(l, outline[len(outline)-1].shown+1)
				if sub {
					open, shown = l, min(6, outline[len(outline)-1].shown+1)
				}
				outline = append(outline, section{l, shown})
				if shown != l {
					changed = true
					b.WriteString("<" + headingTag[shown])
					b.Write(raw[1+len(name):])
					continue
				}
			} else if l == open && shown != l {
				b.WriteString("</" + headingTag[shown] + ">")
				open, shown = 0, 0
				continue
			}
		}
		b.Write(raw)
	}
	if !changed {
		return s
	}
	return b.String()
}
