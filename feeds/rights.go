package feeds

import (
	"context"
	"html"
	"strings"
	"unicode/utf8"

	"syndicate"
	"syndicate/store"
)

// Rights in feeds (docs/decisions/rights-and-embargoes.md): every article carries its
// source's rights notice and licence link; an excerpt source passes on
// its summary and the attribution line only, never its content; a source
// whose redistribute is none is left out of every feed.

// level is how much of a's source doc may pass on: the source's own
// redistribute, lowered to the document's cap (a partner profile's
// content), never raised.
func level(doc Doc, src syndicate.Source) string {
	l := src.RedistributeLevel()
	if doc.Content != "" && syndicate.LessRedistribution(doc.Content, l) {
		return doc.Content
	}
	return l
}

// excerptChars bounds an excerpt made from content when the article has
// no summary of its own.
const excerptChars = 300

// excerptText is the plain-text summary an excerpt publishes: the
// article's summary, else the start of its content's text, cut at a word.
func excerptText(a *syndicate.Article) string {
	s := strings.TrimSpace(a.Summary)
	if s == "" {
		s = strings.Join(strings.Fields(html.UnescapeString(stripTags(a.Content))), " ")
	}
	if utf8.RuneCountInString(s) <= excerptChars {
		return s
	}
	cut := 0
	for i := range s {
		if utf8.RuneCountInString(s[:i]) > excerptChars {
			break
		}
		if s[i] == ' ' {
			cut = i
		}
	}
	if cut == 0 {
		r := []rune(s)
		return string(r[:excerptChars]) + "…"
	}
	return s[:cut] + " …"
}

// stripTags drops the markup of sanitized HTML, leaving its text; a tag
// other than an inline one leaves a space, so words of adjacent blocks
// do not run together.
func stripTags(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return b.String() // an unterminated tag: drop the rest
		}
		name := strings.ToLower(strings.TrimLeft(s[i+1:i+j], "/"))
		if k := strings.IndexAny(name, " \t\n/"); k >= 0 {
			name = name[:k]
		}
		if !inlineTags[name] {
			b.WriteByte(' ')
		}
		s = s[i+j+1:]
	}
}

var inlineTags = map[string]bool{"a": true, "b": true, "i": true, "em": true, "strong": true, "span": true, "code": true,
	"abbr": true, "sub": true, "sup": true, "small": true, "mark": true, "q": true, "cite": true, "u": true, "s": true}

// excerptHTML is an excerpt's HTML (RSS description, Atom summary): the
// summary text and the attribution line.
func (r *Renderer) excerptHTML(a *syndicate.Article, src syndicate.Source) string {
	out := `<p class="syndicate-attribution">` + r.Attribution(a, src) + `</p>`
	if t := excerptText(a); t != "" {
		out = "<p>" + html.EscapeString(t) + "</p>\n" + out
	}
	return out
}

// excerptPlain is an excerpt as text (JSON Feed content_text): the
// summary, the attribution line's text and the link to the original.
func (r *Renderer) excerptPlain(a *syndicate.Article, src syndicate.Source) string {
	line := strings.Join(strings.Fields(html.UnescapeString(stripTags(r.Attribution(a, src)))), " ")
	if l := r.Link(a); l != "" {
		line += " " + l
	}
	if t := excerptText(a); t != "" {
		return t + "\n\n" + line
	}
	return line
}

// Visible decides which articles a document lists. A nil Visible lists
// every article of the store's feed.
type Visible func(a *syndicate.Article) bool

// visibleIn returns the filter of public feeds given the sources: nil
// when no source is kept out of feeds (the store's pages are then served
// as they are), else one that drops articles of such sources.
func visibleIn(sources map[string]syndicate.Source) Visible {
	out := false
	for _, s := range sources {
		if !s.InFeeds() {
			out = true
			break
		}
	}
	if !out {
		return nil
	}
	return func(a *syndicate.Article) bool {
		src := sourceOf(a, sources)
		return src.InFeeds()
	}
}

// filteredArticles returns a page of feed's articles that keep accepts,
// with their total (store.FilterPage: a walk of the feed when the
// document is rendered, a cache miss, never per request).
func filteredArticles(ctx context.Context, st store.Reader, feed store.FeedKey, offset, limit int, keep Visible) (store.Page[store.ArticleView], error) {
	if keep == nil {
		return st.Articles(ctx, feed, offset, limit)
	}
	read := func(ctx context.Context, offset, limit int) (store.Page[store.ArticleView], error) {
		return st.Articles(ctx, feed, offset, limit)
	}
	return store.FilterPage(ctx, read, offset, limit, func(v store.ArticleView) bool { return keep(v.Article) })
}

// licenseLinks is the source's licence as an RFC 4946 link.
func licenseLinks(src syndicate.Source) []atomLink {
	if src.License == "" {
		return nil
	}
	return []atomLink{{Href: src.License, Rel: "license"}}
}
