// Package sanitize makes partner and reader HTML safe to store and
// republish: relative URLs become absolute, iframes survive only from
// allowlisted hosts, and one bluemonday policy removes scripts, styles,
// event handlers, forms, objects and non-http(s) links. It also turns HTML
// into plain text for titles and summaries, and removes characters that
// XML 1.0 forbids, which neither bluemonday nor encoding/xml's CDATA
// writer does.
package sanitize

import (
	"bytes"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Options configure a Policy.
type Options struct {
	// IframeHosts lists hosts (e.g. www.youtube.com) whose iframes are
	// kept; a leading "." also allows every subdomain. Empty = no iframes.
	IframeHosts []string
}

// altText is any text without control characters, bounded.
var altText = regexp.MustCompile(`^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]{0,1000}$`)

// pixels is an HTML dimension: a non-negative integer.
var pixels = regexp.MustCompile(`^[0-9]{1,6}$`)

// Policy sanitizes article HTML. It is safe for concurrent use.
type Policy struct {
	bm          *bluemonday.Policy
	iframeHosts []string
}

// New returns the article policy: bluemonday's UGC policy (no script,
// style, form, object, embed, event handler, style attribute, or
// javascript:/data: link) plus iframes from opts.IframeHosts.
func New(opts Options) *Policy {
	// Partner articles are editorial, not user content: their links (and
	// the attribution link back to the partner) stay followable.
	bm := bluemonday.UGCPolicy()
	bm.RequireNoFollowOnLinks(false)
	bm.AllowURLSchemes("http", "https", "mailto")
	// UGC allows an image's alternative text only without "&", "?",
	// quotes and most punctuation, so "Tom & Jerry" lost its alt (and an
	// image-only item its only words). Attribute values are escaped on
	// output: any text is inert there.
	bm.AllowAttrs("alt").Matching(altText).OnElements("img")
	if len(opts.IframeHosts) > 0 {
		bm.AllowElements("iframe")
		bm.AllowAttrs("width", "height").Matching(bluemonday.Number).OnElements("iframe")
		bm.AllowAttrs("src").OnElements("iframe")
		bm.AllowAttrs("title").OnElements("iframe")
		bm.AllowAttrs("allowfullscreen").OnElements("iframe")
	}
	var hosts []string
	for _, h := range opts.IframeHosts {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			hosts = append(hosts, h)
		}
	}
	return &Policy{bm: bm, iframeHosts: hosts}
}

// FrameSources are the CSP sources of the iframes this policy keeps:
// https from each allowed host, "https://*.example.com" for ".example.com"
// (its subdomains). None without iframe hosts. A configured value that is
// no host name is left out (nothing could match it anyway).
func (p *Policy) FrameSources() []string {
	var srcs []string
	for _, h := range p.iframeHosts {
		name := strings.TrimPrefix(h, ".")
		if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" {
			continue
		}
		if name != h {
			name = "*." + name
		}
		srcs = append(srcs, "https://"+name)
	}
	return srcs
}

// Comment returns the small policy for reader comments: p, br, a, em,
// strong, blockquote and code, links with rel="nofollow".
func Comment() *Policy {
	bm := bluemonday.NewPolicy()
	bm.AllowElements("p", "br", "em", "strong", "blockquote", "code")
	bm.AllowAttrs("href").OnElements("a")
	bm.AllowURLSchemes("http", "https")
	bm.RequireParseableURLs(true)
	bm.RequireNoFollowOnLinks(true)
	return &Policy{bm: bm}
}

// HTML returns s made safe: URLs absolute against base (when base is an
// absolute http(s) URL), disallowed iframes dropped, the policy applied,
// the markup balanced (it can neither close nor leave open anything of the
// page it is placed in) and XML-invalid characters removed.
func (p *Policy) HTML(s string, base *url.URL) string {
	out, _ := p.HTMLWithin(s, base, -1)
	return out
}

// HTMLWithin is HTML bounded: when the policy's output passes max bytes
// (max < 0: no bound) it stops there and reports false, so an oversized
// fragment costs about its own size to refuse, not the several copies of
// its escaped text a whole pass would make (9 MiB of quotes is 45 MiB
// escaped).
func (p *Policy) HTMLWithin(s string, base *url.URL, max int) (string, bool) {
	if strings.TrimSpace(s) == "" {
		return "", true
	}
	// Characters XML forbids go first, so that they count against no bound
	// (the output is checked again: entities can spell them).
	s = ValidXML(s)
	w := &boundedBuffer{max: max}
	if room := len(s); max < 0 || room < max {
		w.buf.Grow(room + 64)
	} else {
		w.buf.Grow(max)
	}
	rewritten, fits := p.rewrite(s, base, max)
	if !fits {
		return "", false
	}
	if err := p.bm.SanitizeReaderToWriter(strings.NewReader(rewritten), w); err != nil {
		return "", false
	}
	return strings.TrimSpace(ValidXML(balance(w.buf.String()))), true
}

// boundedBuffer is a buffer that refuses to grow past max bytes (max < 0:
// unbounded).
type boundedBuffer struct {
	buf bytes.Buffer
	max int
}

var errTooLarge = errors.New("sanitize: output over its bound")

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.max >= 0 && b.buf.Len()+len(p) > b.max {
		return 0, errTooLarge
	}
	return b.buf.Write(p)
}

func (b *boundedBuffer) WriteString(s string) (int, error) {
	if b.max >= 0 && b.buf.Len()+len(s) > b.max {
		return 0, errTooLarge
	}
	return b.buf.WriteString(s)
}

// textEscaper escapes what text needs to read back as the same text: the
// policy's parser reads this pass's output, and quotes outside attributes
// need no escaping (html.EscapeString's &#34; made quote-heavy text five
// times its size before the policy saw it).
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// MaxResolveGrowth bounds, with the fragment's own length, how many bytes
// making its URLs absolute may add. A partner controls both the base (an
// item's link, up to 4 KB) and the fragment, and a one-letter relative URL
// would otherwise grow into the whole base: a 228 KB feed of <img src=a>
// under a 4 KB link became 80 MB of content and took 700 MB to sanitize.
// Past the bound the remaining URLs stay as the partner wrote them (the
// policy still judges them), so no text is lost. An article's own links
// grow it by far less than its length.
const MaxResolveGrowth = 4 << 10

// urlAttrs are the attributes whose value is one URL.
var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true, "longdesc": true, "background": true, "action": true}

// rewrite makes URLs absolute and drops iframes from hosts not allowed, in
// one tokenizer pass (cheaper than building a tree).
//
// It also refuses early what the policy's output could not fit in max
// bytes (max < 0: no bound): the policy keeps, escaped, every text outside
// the elements whose content it drops, so the escaped size of that text is
// a floor of its output's.
func (p *Policy) rewrite(s string, base *url.URL, max int) (string, bool) {
	if base != nil && (base.Scheme != "http" && base.Scheme != "https" || base.Host == "") {
		base = nil
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	skipping := 0 // inside a dropped iframe
	growth := len(s) + MaxResolveGrowth
	dropped, kept := 0, 0 // open elements whose content the policy drops; escaped text it keeps
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch {
		case !contentDropped[tok.Data]:
		case tt == html.StartTagToken:
			dropped++
		case tt == html.EndTagToken && dropped > 0:
			dropped--
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if skipping > 0 {
				continue
			}
			if tok.DataAtom == atom.Iframe && !p.iframeAllowed(tok, base) {
				if tt == html.StartTagToken {
					skipping++
				}
				continue
			}
			if !startTag(&tok, base, &growth) {
				continue // an image with no usable source (a void element: no end tag follows)
			}
			if tt == html.SelfClosingTagToken && !voidElement(tok.DataAtom) {
				// XHTML's empty element (<span/>, <a name="x"/>): to an
				// HTML parser the slash means nothing and the element
				// stays open over what follows, so it is written empty.
				tok.Type = html.StartTagToken
				b.WriteString(tok.String() + "</" + tok.Data + ">")
				continue
			}
			b.WriteString(tok.String())
		case html.EndTagToken:
			if tok.DataAtom == atom.Iframe && skipping > 0 {
				skipping--
				continue
			}
			if skipping > 0 {
				continue
			}
			switch {
			case tok.DataAtom == atom.Br:
				// A browser reads </br> as <br>.
				b.WriteString("<br>")
			case voidElement(tok.DataAtom):
				// An end tag of an element that has none (<img></img>,
				// as feed generators write them) is invalid HTML.
			default:
				rename(&tok)
				b.WriteString(tok.String())
			}
		case html.TextToken:
			if skipping > 0 {
				continue
			}
			textEscaper.WriteString(&b, tok.Data)
			if dropped == 0 && max >= 0 {
				if kept += escapedLen(tok.Data); kept > max {
					return "", false
				}
			}
		}
		// Comments and doctypes are dropped.
	}
	return b.String(), true
}

// startTag rewrites a start tag the pass keeps: its name as rename gives
// it, no id, URLs made absolute against base while *growth (the bytes they
// may still add) lasts, http(s) URLs that are no address dropped and their
// credentials removed (httpURL), an image's sizes only in pixels. It
// reports false for an image left without a source, which the pass drops:
// the policy would keep <img alt="…"> without src, which HTML forbids.
func startTag(tok *html.Token, base *url.URL, growth *int) bool {
	rename(tok)
	// ids go: the page an article is shown on has its own (#comments,
	// #respond, #comment-{id}), several fragments share a page, and
	// nothing points at a partner's ids (its fragment links are made
	// absolute, to its own page).
	tok.Attr = slices.DeleteFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == "id" })
	if tok.DataAtom == atom.Img {
		lazySource(tok)
	}
	// srcset is not resolved: the policy drops it, as bluemonday cannot vet
	// the URLs inside it.
	for i, a := range tok.Attr {
		if !urlAttrs[a.Key] {
			continue
		}
		r := Resolve(base, a.Val)
		if d := len(r) - len(a.Val); d > *growth {
			continue
		} else if d > 0 {
			*growth -= d
		}
		tok.Attr[i].Val = r
	}
	kept := tok.Attr[:0]
	for _, a := range tok.Attr {
		if urlAttrs[a.Key] {
			var ok bool
			if a.Val, ok = httpURL(a.Val); !ok {
				continue
			}
		}
		kept = append(kept, a)
	}
	tok.Attr = kept
	if tok.DataAtom == atom.Img {
		tok.Attr = pixelSizes(tok.Attr)
		// Only an http(s) or relative source survives the policy
		// (javascript:, data: and the rest are removed from the element,
		// not the element).
		return slices.ContainsFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == "src" && imageSource(a.Val) })
	}
	return true
}

// imageSource reports whether v can be an image's source: an http(s) URL
// or a relative one (left so where resolving was bounded).
func imageSource(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return false
	}
	i := strings.IndexAny(v, ":/?#")
	if i < 0 || v[i] != ':' {
		return true // no scheme
	}
	scheme := strings.ToLower(v[:i])
	return scheme == "http" || scheme == "https"
}

// lazyAttrs are where lazy-loading scripts keep an image's real source
// (lazysizes and most WordPress plugins data-src, WP Rocket
// data-lazy-src, jQuery Lazy Load data-original), in the order they are
// believed; the src beside them is a placeholder.
var lazyAttrs = []string{"data-src", "data-lazy-src", "data-original", "data-lazy", "data-url"}

// lazySource gives a lazy-loaded image its real source: the script that
// would have swapped it in never runs in a republished copy, and the
// policy keeps no data-* attribute. A data: URL source (a placeholder,
// which the policy refuses anyway) goes, so an image with nothing else is
// then dropped rather than kept without a source.
func lazySource(tok *html.Token) {
	real := ""
	for _, k := range lazyAttrs {
		i := slices.IndexFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == k })
		if i >= 0 && !isDataURL(tok.Attr[i].Val) && strings.TrimSpace(tok.Attr[i].Val) != "" {
			real = strings.TrimSpace(tok.Attr[i].Val)
			break
		}
	}
	src := slices.IndexFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == "src" })
	switch {
	case real != "" && src >= 0:
		tok.Attr[src].Val = real
	case real != "":
		tok.Attr = append(tok.Attr, html.Attribute{Key: "src", Val: real})
	case src >= 0 && isDataURL(tok.Attr[src].Val):
		tok.Attr = slices.Delete(tok.Attr, src, src+1)
	}
}

func isDataURL(v string) bool {
	v = strings.TrimSpace(v)
	return len(v) >= 5 && strings.EqualFold(v[:5], "data:")
}

// httpURL vets an http(s) URL of an attribute as browsers and HTML
// checkers read it: one without a host ("http:///x", "https:h.example")
// or with a port past 65535 is no address and reports false; a user and
// password are removed (an HTML checker rejects a URL that carries
// credentials, and a partner's would be published). Other schemes, and
// what does not parse, are returned as they are, for the policy to judge.
func httpURL(v string) (string, bool) {
	t := strings.TrimSpace(v)
	if len(t) < 5 || !strings.EqualFold(t[:5], "http:") && (len(t) < 6 || !strings.EqualFold(t[:6], "https:")) {
		return v, true
	}
	u, err := url.Parse(t)
	if err != nil {
		return v, true
	}
	if u.Host == "" || u.Opaque != "" || strings.HasPrefix(u.Host, ":") {
		return v, false
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n > 65535 {
			return v, false
		}
	}
	if u.User != nil {
		u.User = nil
		return u.String(), true
	}
	return v, true
}

// contentDropped are the elements whose content the policy drops with
// them (bluemonday's default list).
var contentDropped = map[string]bool{
	"frame": true, "frameset": true, "iframe": true, "noembed": true, "noframes": true, "noscript": true,
	"nostyle": true, "object": true, "script": true, "style": true, "title": true,
}

// escapedLen is the length of s escaped as the policy writes text
// (golang.org/x/net/html's escaping: & ' < > " and CR).
func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&', '\'', '"', '\r':
			n += 4
		case '<', '>':
			n += 3
		}
	}
	return n
}

// rename gives elements that cannot stay as written the name of what they
// mean. The obsolete literal-text elements (xmp, listing, plaintext)
// become pre: the tokenizer reads their content as raw text, which this
// pass writes out escaped; left under its own name, the element would make
// the policy's parser read that escaped text raw again and escape it a
// second time ("<b>" shown as "&lt;b&gt;"). A table footer becomes a body:
// HTML wants <tfoot> after every <tbody>, partners write it before (as
// HTML 4 did), and only a reordering that buffers the table could keep it.
func rename(tok *html.Token) {
	switch tok.DataAtom {
	case atom.Xmp, atom.Listing, atom.Plaintext:
		tok.DataAtom, tok.Data = atom.Pre, "pre"
	case atom.Tfoot:
		tok.DataAtom, tok.Data = atom.Tbody, "tbody"
	}
}

// pixelSizes drops an image's width or height that is not a number of
// pixels, as HTML has them ("80%", "12px"): the policy keeps those, an
// HTML checker rejects them, and the image shows at its own size.
func pixelSizes(attrs []html.Attribute) []html.Attribute {
	out := attrs[:0]
	for _, a := range attrs {
		if (a.Key == "width" || a.Key == "height") && !pixels.MatchString(strings.TrimSpace(a.Val)) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// voidElement reports whether a is an HTML element that has no end tag.
func voidElement(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

func (p *Policy) iframeAllowed(tok html.Token, base *url.URL) bool {
	if len(p.iframeHosts) == 0 {
		return false
	}
	for _, a := range tok.Attr {
		if a.Key != "src" {
			continue
		}
		u, err := url.Parse(Resolve(base, a.Val))
		if err != nil || u.Scheme != "https" {
			return false
		}
		host := strings.ToLower(u.Hostname())
		for _, h := range p.iframeHosts {
			if host == h || strings.HasPrefix(h, ".") && strings.HasSuffix(host, h) {
				return true
			}
		}
	}
	return false
}

// Resolve returns ref made absolute against base. A ref that does not parse,
// or any ref when base is nil, is returned unchanged (the policy then
// judges it).
func Resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if base == nil || ref == "" {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	if u.IsAbs() {
		return ref
	}
	return base.ResolveReference(u).String()
}

// blockish elements end a run of words in plain text.
var blockish = map[atom.Atom]bool{atom.P: true, atom.Br: true, atom.Div: true, atom.Li: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Tr: true, atom.Td: true, atom.Th: true}

// Text returns the plain text of an HTML fragment (or of text that may hold
// entities): tags stripped, script and style content dropped, entities
// decoded exactly once, whitespace collapsed, XML-invalid characters removed.
func Text(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return collapse(ValidXML(s))
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Script || a == atom.Style || a == atom.Template {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			}
			if blockish[a] {
				b.WriteByte(' ')
			}
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		}
	}
	return collapse(ValidXML(b.String()))
}

func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// Truncate shortens plain text to at most n runes, cutting at a word
// boundary when one is near and adding "…".
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*2/3 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-") + "…"
}

// EscapeText returns plain text as HTML paragraphs (for JSON Feed
// content_text and other text-only content).
func EscapeText(s string) string {
	var b bytes.Buffer
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return ValidXML(b.String())
}

// ValidXML returns s as valid UTF-8 without the characters XML 1.0 forbids
// (C0 controls other than tab, newline and carriage return; U+FFFE, U+FFFF;
// lone surrogates) or discourages (DEL, the C1 controls U+0080–U+009F and
// the other noncharacters, XML 1.0 §2.2), which HTML also forbids: one in a
// partner's title made every page showing it invalid HTML.
func ValidXML(s string) string {
	ok := utf8.ValidString(s)
	if ok {
		for _, r := range s {
			if !xmlChar(r) {
				ok = false
				break
			}
		}
	}
	if ok {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if xmlChar(r) {
			return r
		}
		return -1
	}, s)
}

func xmlChar(r rune) bool {
	switch {
	case r < 0x7F:
		return r >= 0x20 || r == 0x9 || r == 0xA || r == 0xD
	case r <= 0x9F: // DEL and the C1 controls
		return false
	case r < 0xD800:
		return true
	case r < 0xE000: // surrogates
		return false
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE: // noncharacters
		return false
	}
	return r <= 0x10FFFF
}
