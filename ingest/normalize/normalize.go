// Package normalize turns a parsed partner feed into Syndicate's article
// model. Normalize is a pure function of the parsed feed, the source and
// the options (the clock included): it resolves links by the spec's rule
// (xml:base, else the channel's website link, else the feed URL),
// canonicalizes them, decides identity keys, sanitizes content, and
// records the canonical source of every entry.
package normalize

import (
	"encoding/xml"
	"fmt"
	"html"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"syndicate"
	"syndicate/ingest/parse"
	"syndicate/sanitize"
	"syndicate/store"
)

// Limits on derived text.
const (
	SummaryLength        = 300  // a summary derived from content, in runes
	PartnerSummaryLength = 2000 // a partner's own summary is cut here
	DerivedTitleLength   = 80   // a title derived from text, for untitled items
	DefaultFutureSkew    = 10 * time.Minute
)

// Options are the inputs of Normalize besides the feed and the source.
type Options struct {
	// FeedURL is where the feed came from; for a file: source it is the
	// source's site URL (no file: URL is ever resolved against or published).
	FeedURL     string
	Now         time.Time
	StripParams []string
	Policy      *sanitize.Policy
	FutureSkew  time.Duration
	// Body is the document as fetched (optional). Normalize reads from it
	// what gofeed drops: the type of Atom titles, RSS xhtml:body markup.
	Body []byte
}

// Result is a normalized feed.
type Result struct {
	Entries []*store.Entry
	// Problems lists entries that were skipped or degraded, with their
	// position, for the source's status and log.
	Problems []string
	Title    string
	// TTLAdvice is the partner's <ttl> or sy:updatePeriod, shown to editors
	// as advice; the editor's schedule is what runs.
	TTLAdvice string
	// Read is the number of entries in the partner's document.
	Read int
	// Skipped lists the entries left out, each with its position and reason.
	Skipped []Skip
	// Undated counts entries with no date anyone can read (they are dated
	// from first_seen, in the partner's order).
	Undated int
	// Lost counts, per kind ("date", "author", "image", "category", ...),
	// fields the partner wrote that could not be used.
	Lost map[string]int
	// Deleted lists the entry keys the partner marked deleted with RFC
	// 6721 at:deleted-entry (see deleted.go); ingest retires them.
	Deleted []string
}

// Skip is one entry left out, with its 0-based position and why.
type Skip = parse.Skip

// lose counts one field of kind that could not be used.
func (r *Result) lose(kind string) {
	if r.Lost == nil {
		r.Lost = map[string]int{}
	}
	r.Lost[kind]++
}

// Normalize normalizes every item of f for source src.
func Normalize(f *gofeed.Feed, src syndicate.Source, opts Options) *Result {
	if opts.Policy == nil {
		opts.Policy = sanitize.New(sanitize.Options{})
	}
	if opts.FutureSkew <= 0 {
		opts.FutureSkew = DefaultFutureSkew
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	opts.Now = opts.Now.UTC().Truncate(time.Second)
	feedURL := absHTTP(opts.FeedURL, nil)
	if feedURL == nil {
		feedURL = absHTTP(src.SiteURL, nil)
	}
	// Item links resolve against the channel's website link, then the feed URL.
	linkBase := feedURL
	if l := absHTTP(f.Link, feedURL); l != nil {
		linkBase = l
	}
	res := &Result{Title: sanitize.PlainText(f.Title), TTLAdvice: ttlAdvice(f), Read: len(f.Items)}
	n := &normalizer{f: f, src: src, opts: opts, linkBase: linkBase}
	if len(opts.Body) > 0 {
		n.raw = scanRaw(opts.Body, f)
	}
	for i, it := range f.Items {
		e, problems := n.item(i, it, res)
		for _, p := range problems {
			res.Problems = append(res.Problems, fmt.Sprintf("item %d: %s", i, p))
		}
		if e != nil {
			res.Entries = append(res.Entries, e)
			continue
		}
		reason := "skipped"
		if len(problems) > 0 {
			reason = problems[len(problems)-1]
		}
		res.Skipped = append(res.Skipped, Skip{Index: i, Reason: reason})
	}
	splitSharedLinks(res.Entries)
	res.Deleted = n.deletedKeys(f)
	return res
}

// splitSharedLinks gives distinct keys to the entries without a guid that
// share one link: a podcast whose every episode links to the show's page
// has as many entries as episodes, and two items of one source that share
// a link stay two (docs/normalization.md). Such an entry's key is its
// canonical URL plus a hash of its first enclosure, else of its title, so
// that the same item listed twice (even reworded) is still one entry; an
// entry alone with its link, or only with copies of itself, keeps the
// plain canonical URL.
func splitSharedLinks(entries []*store.Entry) {
	distinct := func(a *syndicate.Article) string {
		if len(a.Enclosures) > 0 {
			return a.Enclosures[0].URL
		}
		return a.Title
	}
	byLink := map[string]map[string]bool{}
	for _, e := range entries {
		if e.Article.GUID == "" && e.Key != "" && e.Key == e.Article.CanonicalURL {
			if byLink[e.Key] == nil {
				byLink[e.Key] = map[string]bool{}
			}
			byLink[e.Key][distinct(e.Article)] = true
		}
	}
	for _, e := range entries {
		if e.Article.GUID == "" && e.Key == e.Article.CanonicalURL && len(byLink[e.Key]) > 1 {
			e.Key += "#" + syndicate.ShortHash(distinct(e.Article))
		}
	}
}

type normalizer struct {
	f        *gofeed.Feed
	src      syndicate.Source
	opts     Options
	linkBase *url.URL
	raw      *rawDoc // what gofeed drops, read from the document; may be nil
}

func (n *normalizer) originals(i int) (*rss.Item, *atom.Entry, *jsonfeed.Item) {
	switch o := n.f.OriginalFeed().(type) {
	case *rss.Feed:
		if i < len(o.Items) {
			return o.Items[i], nil, nil
		}
	case *atom.Feed:
		if i < len(o.Entries) {
			return nil, o.Entries[i], nil
		}
	case *jsonfeed.Feed:
		if i < len(o.Items) {
			return nil, nil, o.Items[i]
		}
	}
	return nil, nil, nil
}

// nextAlternate returns the first alternate link of an entry after the
// unusable one it offered first that makes a canonical URL: an Atom
// entry's other rel="alternate" (or rel-less) links in document order,
// else gofeed's list of the item's links.
func (n *normalizer) nextAlternate(it *gofeed.Item, ae *atom.Entry, bad string) (link, canonical string, ok bool) {
	var cands []string
	if ae != nil {
		for _, l := range ae.Links {
			if l != nil && (l.Rel == "" || l.Rel == "alternate") {
				cands = append(cands, l.Href)
			}
		}
	} else {
		cands = it.Links
	}
	for _, h := range cands {
		h = strings.TrimSpace(h)
		if h == "" || h == bad || len(h) > MaxIDLength {
			continue
		}
		if c, err := Canonical(h, n.linkBase, n.opts.StripParams); err == nil {
			return h, c, true
		}
	}
	return "", "", false
}

func (n *normalizer) item(i int, it *gofeed.Item, res *Result) (*store.Entry, []string) {
	ri, ae, ji := n.originals(i)
	if ae != nil {
		it = atomDublinCore(it, ae)
	}
	var problems []string
	guid := strings.TrimSpace(it.GUID)
	link := strings.TrimSpace(it.Link)
	if ji != nil {
		// A republisher's item: its external_url is the original, and the
		// dedupe key that meets the original's own entry.
		if ext := strings.TrimSpace(ji.ExternalURL); ext != "" && ext != strings.TrimSpace(ji.URL) && absHTTP(ext, n.linkBase) != nil {
			link = ext
		}
	}
	// FeedBurner's <link> is its own redirect; feedburner:origLink is the
	// original (the dedupe key that meets the partner's own entry).
	exts := it.Extensions
	if ae != nil && ae.Extensions != nil {
		exts = ae.Extensions
	}
	if orig := extValue(exts, "feedburner", "origLink"); orig != "" && absHTTP(orig, n.linkBase) != nil {
		link = orig
	}
	if len(guid) > MaxIDLength {
		return nil, append(problems, fmt.Sprintf("guid of %d bytes, over the limit of %d: skipped", len(guid), MaxIDLength))
	}
	if len(link) > MaxIDLength {
		return nil, append(problems, fmt.Sprintf("link of %d bytes, over the limit of %d: skipped", len(link), MaxIDLength))
	}
	if link == "" && guid != "" && absHTTP(guid, nil) != nil && (ri == nil || ri.GUID == nil || ri.GUID.IsPermalink != "false") {
		link = guid // an RSS permalink guid, or an http(s) Atom/JSON id
	}
	canonical := ""
	if link != "" {
		c, err := Canonical(link, n.linkBase, n.opts.StripParams)
		if err != nil && link == strings.TrimSpace(it.Link) {
			// The first alternate link is unusable (javascript:, no
			// host...): another alternate of the entry may be its page.
			if alt, ac, ok := n.nextAlternate(it, ae, link); ok {
				problems = append(problems, fmt.Sprintf("%v: used the next alternate link %q", err, alt))
				link, c, err = alt, ac, nil
			}
		}
		if err != nil {
			problems = append(problems, err.Error())
			res.lose("link")
		} else if len(c) > MaxIDLength {
			return nil, append(problems, fmt.Sprintf("link of %d bytes, over the limit of %d: skipped", len(c), MaxIDLength))
		} else {
			canonical = c
		}
	}
	// Content URLs resolve against xml:base, else the canonical URL
	// (docs/decisions/links.md); gofeed applies Atom's xml:base itself.
	contentBase := n.linkBase
	if c := absHTTP(canonical, nil); c != nil {
		contentBase = c
	}
	if b := absHTTP(it.Custom[parse.BaseKey], nil); b != nil {
		contentBase = b
	}

	a := &syndicate.Article{GUID: guid, CanonicalURL: canonical}
	if canonical != "" {
		a.Fragment = fragmentOf(link)
	}
	rawContent := it.Content
	if ji != nil && ji.ContentHTML == "" && ji.ContentText != "" {
		rawContent = sanitize.EscapeText(ji.ContentText)
	}
	if ae != nil && ae.Content != nil && ae.Content.Src == "" && atomText(ae.Content.Type) {
		rawContent = sanitize.EscapeText(ae.Content.Value)
	}
	if strings.TrimSpace(rawContent) == "" && n.raw != nil {
		rawContent = n.raw.xhtmlBody(i)
	}
	rawSummary := it.Description
	if ji != nil && ji.Summary != "" {
		rawSummary = ji.Summary
	}
	if strings.TrimSpace(rawContent) == "" {
		rawContent, rawSummary = rawSummary, ""
	}
	if strings.TrimSpace(rawContent) == "" {
		rawContent = xhtmlExt(exts)
	}
	if strings.TrimSpace(rawContent) == "" {
		// Media RSS items (YouTube, Flickr, podcasts) carry their text in
		// media:description, alone or in a media:group.
		rawContent = mediaText(exts, "description")
	}
	if strings.TrimSpace(rawContent) == "" {
		// Google Play's podcast tags: the episode's text, where the item
		// has neither a description nor an itunes:summary.
		if d := extValue(exts, "googleplay", "description"); d != "" {
			rawContent = sanitize.EscapeText(d)
		}
	}
	if strings.TrimSpace(rawContent) == "" && ri != nil && ri.ITunesExt != nil {
		rawContent = sanitize.EscapeText(firstNonEmpty(ri.ITunesExt.Summary, ri.ITunesExt.Subtitle))
	}
	var fits bool
	a.Content, fits = n.opts.Policy.HTMLWithin(rawContent, contentBase, MaxContentBytes)
	if !fits || len(a.Content) > MaxContentBytes {
		return nil, append(problems, fmt.Sprintf("content over the limit of %d bytes once sanitized: skipped", MaxContentBytes))
	}
	if s := sanitize.PlainText(rawSummary); s != "" {
		a.Summary = sanitize.Truncate(s, PartnerSummaryLength)
	} else {
		a.Summary = sanitize.Truncate(sanitize.PlainText(a.Content), SummaryLength)
	}
	a.Title = n.title(i, it, ae)
	if a.Title == "" && strings.TrimSpace(it.Title) != "" {
		res.lose("title") // markup only, or nothing printable
	}
	if a.Title == "" {
		if t := sanitize.PlainText(mediaText(exts, "title")); t != "" {
			a.Title = sanitize.Truncate(t, MaxTitleLength)
		} else {
			a.Title = DeriveTitle(firstNonEmpty(a.Summary, sanitize.PlainText(a.Content)))
		}
	}
	a.Enclosures = n.enclosures(it, ji, contentBase, res)
	if a.Title == "" && a.Content == "" && canonical == "" && len(a.Enclosures) == 0 {
		return nil, append(problems, "no title, content, link or enclosure: skipped")
	}

	a.Authors = n.authors(it, ri, ae, ji, res)
	a.Categories = n.categories(i, it, ae, res)
	a.Image = n.image(it, ri, ae, ji, contentBase, res)
	if a.Title == "" {
		a.Title = untitled(a, canonical)
	}
	a.Language = languageTag(n.f.Language)
	if ji != nil && ji.Language != "" {
		a.Language = languageTag(ji.Language)
	}
	a.Rights = sanitize.Truncate(sanitize.PlainText(n.f.Copyright), MaxRightsLength)
	if ae != nil && ae.Rights != "" {
		a.Rights = sanitize.Truncate(sanitize.PlainText(ae.Rights), MaxRightsLength)
	}
	a.CommentsURL = commentsURL(it, ae, contentBase)
	if a.CommentsURL == "" && syndicate.IsFileURL(n.src.URL) {
		a.CommentsURL = fileCommentsURL(it, ae, n.src.URL) // offline demos
	}
	a.CommentsPage = commentsPage(ri, ae, contentBase)
	a.Origin = origin(ri, ae)

	// Dates (docs/decisions/dates.md): the hash sees the partner's own published
	// date, before any fallback, so an entry dated only by <updated> (or
	// not at all) does not look changed whenever that moves; then fall
	// back (published → dc:date → updated → first_seen, which the store
	// fills) and clamp dates in the future.
	d := entryDates(it, ri, ae, ji)
	for _, raw := range d.bad {
		problems = append(problems, fmt.Sprintf("unparseable %s date %q", raw[0], raw[1]))
		res.lose("date")
	}
	a.Published = d.own
	a.Hash = a.ContentHash()
	a.Published = d.published
	if a.Published.IsZero() {
		a.Published = d.updated // zero too: the store uses first_seen
	}
	if a.Published.IsZero() {
		res.Undated++
	}
	updated := d.updated
	limit := n.opts.Now.Add(n.opts.FutureSkew)
	if a.Published.After(limit) {
		a.Published = n.opts.Now
	}
	if updated.After(limit) {
		updated = n.opts.Now
	}
	a.Updated = updated
	if a.Updated.Before(a.Published) {
		a.Updated = a.Published
	}

	key := guid
	if key == "" {
		key = canonical
	}
	if key == "" {
		key = "h:" + syndicate.ShortHash(a.Title+"\x00"+a.Content)
	}
	a.EntryID = canonical
	if syndicate.IsAbsoluteIRI(guid) {
		a.EntryID = guid
	}
	return &store.Entry{Key: key, Article: a, Order: i}, problems
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// title is the entry's title as plain text. An Atom title of type text
// is text: markup in it is shown as written, never read as HTML. So is
// another title whose angle brackets make no HTML element and that has no
// character reference ("Nice <gorilla>", "Vec<T>"): read as HTML, its
// words would go.
// charRef is a character reference: a title escaped once more than XML
// needs ("&amp;amp;") is HTML.
var charRef = regexp.MustCompile(`&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);`)

func (n *normalizer) title(i int, it *gofeed.Item, ae *atom.Entry) string {
	raw := it.Title
	textTitle := ae != nil && n.raw != nil && n.raw.titleIsText(i) && strings.ContainsAny(raw, "<&")
	if ae == nil && strings.Contains(raw, "<") && !sanitize.HasElement(raw) && !charRef.MatchString(raw) {
		textTitle = true
	}
	if textTitle && !sanitize.HasActive(raw) {
		// Inert markup stays as written; anything that would run if a
		// reader took the title for HTML is stripped like an HTML title.
		return sanitize.Truncate(sanitize.TextLine(raw), MaxTitleLength)
	}
	return sanitize.Truncate(sanitize.PlainText(raw), MaxTitleLength)
}

// DeriveTitle makes a title for an untitled item from its text: the
// first words, at most DerivedTitleLength characters, cut at a word
// (text without spaces, as in Chinese or Japanese, is cut anywhere).
func DeriveTitle(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	r := []rune(text)
	if len(r) <= DerivedTitleLength {
		return text
	}
	cut := string(r[:DerivedTitleLength-1])
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:-–—") + "…"
}

// untitled names an item that has no title and no text: by its media
// file, else by its link, else by the alternative text of its images.
func untitled(a *syndicate.Article, canonical string) string {
	for _, e := range a.Enclosures {
		if u, err := url.Parse(e.URL); err == nil {
			if base := path.Base(u.Path); base != "" && base != "/" && base != "." {
				if s, err := url.PathUnescape(base); err == nil {
					base = s
				}
				return DeriveTitle(sanitize.PlainText(base))
			}
		}
	}
	if canonical != "" {
		s := strings.TrimPrefix(strings.TrimPrefix(canonical, "https://"), "http://")
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		return DeriveTitle(sanitize.PlainText(s))
	}
	// Only an image, no link: its alternative text.
	for _, m := range imgAlt.FindAllStringSubmatch(a.Content, 10) {
		if t := DeriveTitle(sanitize.PlainText(html.UnescapeString(m[1]))); t != "" {
			return t
		}
	}
	return ""
}

var imgAlt = regexp.MustCompile(`<img\b[^>]*?\balt="([^"]*)"`)

// dates are an entry's dates: own is the partner's published date alone
// (for the hash), published falls back to other dates the partner wrote,
// bad lists (kind, text) of dates nobody could read.
type dates struct {
	own, published, updated time.Time
	bad                     [][2]string
}

// entryDates reads every date the entry carries with ParseDate.
// Published: RSS pubDate, dc:date, dcterms:issued, dcterms:created,
// atom:published; Atom <published> (Atom 0.3 <issued>, <created>); JSON
// date_published. Updated: atom:updated, dcterms:modified, dc:date in
// RSS; <updated> (Atom 0.3 <modified>); JSON date_modified.
func entryDates(it *gofeed.Item, ri *rss.Item, ae *atom.Entry, ji *jsonfeed.Item) dates {
	var d dates
	read := func(kind string, raws ...string) time.Time {
		for _, raw := range raws {
			raw = strings.TrimSpace(raw)
			if raw == "" {
				continue
			}
			if t, ok := ParseDate(raw); ok {
				return t.UTC().Truncate(time.Second)
			}
			if len(raw) > 80 {
				raw = raw[:80]
			}
			d.bad = append(d.bad, [2]string{kind, sanitize.ValidXML(raw)})
		}
		return time.Time{}
	}
	e := it.Extensions
	switch {
	case ri != nil:
		var dc string
		if ri.DublinCoreExt != nil && len(ri.DublinCoreExt.Date) > 0 {
			dc = ri.DublinCoreExt.Date[0]
		}
		d.own = read("published", ri.PubDate)
		if d.own.IsZero() {
			d.own = firstDate(dc, extValue(e, "dcterms", "issued"), extValue(e, "dcterms", "created"), extValue(e, "dcterms", "date"), extValue(e, "atom", "published"))
		}
		d.published = d.own
		d.updated = firstDate(extValue(e, "atom", "updated"), extValue(e, "dcterms", "modified"), dc)
		if d.own.IsZero() && d.updated.IsZero() {
			read("published", dc, extValue(e, "dcterms", "issued"), extValue(e, "dcterms", "created"), extValue(e, "atom", "published"))
			read("updated", extValue(e, "atom", "updated"), extValue(e, "dcterms", "modified"))
		}
	case ae != nil:
		e = ae.Extensions
		d.own = read("published", ae.Published)
		if d.own.IsZero() {
			d.own = firstDate(extValue(e, "atom03", "created"), extValue(e, "dcterms", "issued"), extValue(e, "dcterms", "created"), extValue(e, "dc", "date"))
		}
		d.published = d.own
		d.updated = read("updated", ae.Updated)
		if d.updated.IsZero() {
			d.updated = firstDate(extValue(e, "dcterms", "modified"), extValue(e, "atom03", "modified"))
		}
	case ji != nil:
		d.own = read("published", ji.DatePublished)
		d.published = d.own
		d.updated = read("updated", ji.DateModified)
	default:
		d.own = read("published", it.Published)
		d.published = d.own
		d.updated = read("updated", it.Updated)
	}
	// gofeed's own reading, for the few shapes ParseDate refuses that its
	// layout list accepts.
	known := map[string]time.Time{}
	note := func(raw string, t *time.Time) {
		if t != nil && strings.TrimSpace(raw) != "" {
			if u, ok := plausible(t.UTC().Truncate(time.Second)); ok {
				known[sanitize.ValidXML(strings.TrimSpace(raw))] = u
			}
		}
	}
	if ji != nil {
		note(it.Published, it.PublishedParsed) // elsewhere it may hold a fallback
	}
	note(it.Updated, it.UpdatedParsed)
	if ri != nil {
		note(ri.PubDate, ri.PubDateParsed)
	}
	if ae != nil {
		note(ae.Published, ae.PublishedParsed)
		note(ae.Updated, ae.UpdatedParsed)
	}
	bad := d.bad[:0]
	for _, b := range d.bad {
		t, ok := known[b[1]]
		switch {
		case !ok:
			bad = append(bad, b)
		case b[0] == "published" && d.own.IsZero():
			d.own, d.published = t, t
		case b[0] == "updated" && d.updated.IsZero():
			d.updated = t
		}
	}
	d.bad = bad
	if d.updated.Before(d.published) {
		d.updated = d.published
	}
	return d
}

// firstDate is the first of raws that ParseDate reads, in UTC to the second.
func firstDate(raws ...string) time.Time {
	for _, raw := range raws {
		if t, ok := ParseDate(raw); ok {
			return t.UTC().Truncate(time.Second)
		}
	}
	return time.Time{}
}

// atomText reports whether an Atom text construct of this type is plain
// text (RFC 4287 §3.1.1: the default), also in Atom 0.3's MIME form.
func atomText(typ string) bool {
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "", "text", "text/plain":
		return true
	}
	return false
}

func (n *normalizer) authors(it *gofeed.Item, ri *rss.Item, ae *atom.Entry, ji *jsonfeed.Item, res *Result) []syndicate.Author {
	s := &authorSet{n: n, res: res}
	switch {
	case ae != nil && len(ae.Authors) > 0:
		for _, p := range ae.Authors {
			if p != nil {
				s.add(person{name: p.Name, email: p.Email, uri: p.URI})
			}
		}
	case ae != nil && len(extValues(ae.Extensions, "dc", "creator")) > 0:
		for _, v := range extValues(ae.Extensions, "dc", "creator") {
			s.add(parsePerson(v))
		}
	case ji != nil && len(ji.Authors) > 0:
		for _, p := range ji.Authors {
			if p != nil {
				s.add(person{name: p.Name, uri: p.URL})
			}
		}
	case ji != nil && ji.Author != nil:
		s.add(person{name: ji.Author.Name, uri: ji.Author.URL})
	case ri != nil:
		if ri.Author != "" {
			s.add(parsePerson(ri.Author))
		}
		if dc := ri.DublinCoreExt; dc != nil {
			for _, v := range dc.Creator {
				s.add(parsePerson(v))
			}
			for _, v := range dc.Author {
				s.add(parsePerson(v))
			}
		}
		if len(s.out) == 0 && ri.ITunesExt != nil && ri.ITunesExt.Author != "" {
			s.add(parsePerson(ri.ITunesExt.Author))
		}
		for _, x := range it.Extensions["atom"]["author"] {
			s.add(person{name: extChild(x, "name"), email: extChild(x, "email"), uri: extChild(x, "uri")})
		}
	default:
		for _, p := range it.Authors {
			if p != nil {
				s.add(person{name: p.Name, email: p.Email})
			}
		}
	}
	if len(s.out) == 0 {
		// Media RSS credits (YouTube, photo agencies) name the author.
		exts := it.Extensions
		if ae != nil && ae.Extensions != nil {
			exts = ae.Extensions
		}
		for _, x := range mediaElems(exts, "credit") {
			if r := strings.ToLower(x.Attrs["role"]); r == "" || r == "author" || r == "owner" || r == "creator" {
				s.add(person{name: x.Value})
			}
		}
	}
	s.done()
	if len(s.out) == 0 {
		// The feed's authors stand in; what they lack is not the entry's loss.
		fs := &authorSet{n: n, res: &Result{}}
		for _, p := range n.feedAuthors() {
			fs.add(p)
		}
		return fs.out
	}
	return s.out
}

// feedAuthors are the people the feed names as its authors.
func (n *normalizer) feedAuthors() []person {
	var out []person
	switch o := n.f.OriginalFeed().(type) {
	case *atom.Feed:
		for _, p := range o.Authors {
			if p != nil {
				out = append(out, person{name: p.Name, email: p.Email, uri: p.URI})
			}
		}
		return out
	case *rss.Feed:
		if o.ManagingEditor != "" {
			out = append(out, parsePerson(o.ManagingEditor))
		}
		if o.DublinCoreExt != nil {
			for _, v := range o.DublinCoreExt.Creator {
				out = append(out, parsePerson(v))
			}
		}
		if len(out) == 0 && o.ITunesExt != nil && o.ITunesExt.Author != "" {
			out = append(out, parsePerson(o.ITunesExt.Author))
		}
		if len(out) > 0 {
			return out
		}
	}
	for _, p := range n.f.Authors {
		if p != nil {
			out = append(out, person{name: p.Name, email: p.Email})
		}
	}
	return out
}

func extChild(x ext.Extension, name string) string {
	for _, c := range x.Children[name] {
		if v := strings.TrimSpace(c.Value); v != "" {
			return v
		}
	}
	return ""
}

// wrappedCategories reads the <category> elements some generators wrap
// in an RSS item's <categories> element (gofeed keeps its inner XML).
func wrappedCategories(inner string) []string {
	if !strings.Contains(inner, "category") {
		return nil
	}
	d := xml.NewDecoder(strings.NewReader("<c>" + inner + "</c>"))
	d.Strict = false
	var out []string
	for len(out) <= MaxCategories {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "category" {
			var c struct {
				Text string `xml:",chardata"`
			}
			if d.DecodeElement(&c, &t) == nil && strings.TrimSpace(c.Text) != "" {
				out = append(out, c.Text)
			}
		}
	}
	return out
}

// atomCategory is what an Atom category is called: its term (RFC 4287:
// the category itself), or its label when the label only spells the term
// for display ("science", "Science"), when the term is no name (empty,
// a URI, a number) or gives no slug. Taking the label always would turn
// USGS's term="Magnitude 3" label="Magnitude" into "Magnitude", and
// Reddit's term="rust" label="r/rust" into "r/rust".
func atomCategory(term, label string) string {
	term, label = strings.TrimSpace(term), strings.TrimSpace(label)
	if label == "" {
		return term
	}
	ts := syndicate.Slug(term)
	if ts == "" || ts == syndicate.Slug(label) || strings.Trim(term, "0123456789") == "" || syndicate.IsAbsoluteIRI(term) {
		return label
	}
	return term
}

func (n *normalizer) categories(i int, it *gofeed.Item, ae *atom.Entry, res *Result) []string {
	var labels []string
	if ae != nil {
		// <category>text</category>: no term, its text in the document.
		labels = append(labels, n.raw.categoryTexts(i)...)
		for _, c := range ae.Categories {
			if c == nil || c.Scheme == "http://schemas.google.com/g/2005#kind" {
				continue // Blogger's entry kind, no label
			}
			labels = append(labels, atomCategory(c.Term, c.Label))
		}
		labels = append(labels, extValues(ae.Extensions, "dc", "subject")...)
	} else {
		labels = append(labels, it.Categories...)
		if len(it.Categories) == 0 {
			labels = append(labels, wrappedCategories(it.Custom["categories"])...)
		}
	}
	// Media RSS keywords ("boats, harbour") and categories are the
	// item's tags too.
	exts := it.Extensions
	if ae != nil && ae.Extensions != nil {
		exts = ae.Extensions
	}
	for _, k := range mediaElems(exts, "keywords") {
		labels = append(labels, k.Value)
	}
	for _, c := range mediaElems(exts, "category") {
		labels = append(labels, c.Value)
	}
	var out []string
	seen := map[string]bool{}
	add := func(l string, partner bool) {
		// WordPress and others sometimes pack several into one: "a, b".
		for _, part := range strings.Split(l, ",") {
			part = sanitize.Truncate(sanitize.PlainText(part), MaxLabelLength)
			s := syndicate.Slug(part)
			switch {
			case s == "":
				if partner && part != "" {
					res.lose("category") // punctuation only
				}
			case seen[s]:
			case partner && len(out) >= MaxCategories:
				res.lose("category")
			default:
				seen[s] = true
				out = append(out, part)
			}
		}
	}
	for _, l := range labels {
		add(l, true)
	}
	for _, l := range n.src.Categories {
		add(l, false)
	}
	return out
}

// commentsURL finds the entry's comment feed: wfw:commentRss in RSS, a
// rel="replies" link in Atom (RFC 4685). Only http(s) URLs count
// (docs/decisions/partners.md).
func commentsURL(it *gofeed.Item, ae *atom.Entry, base *url.URL) string {
	if v := extValue(it.Extensions, "wfw", "commentRss"); v != "" {
		if u := absHTTP(v, base); u != nil {
			return u.String()
		}
	}
	if ae != nil {
		for _, l := range ae.Links {
			if l.Rel == "replies" && (l.Type == "" || strings.Contains(l.Type, "xml")) {
				if u := absHTTP(l.Href, base); u != nil {
					return u.String()
				}
			}
		}
	}
	return ""
}

// commentsPage is the partner's web page of comments on an entry: RSS
// <comments>, or an Atom link rel="replies" to HTML (RFC 4685 replies
// links to a feed are the comment feed, commentsURL).
func commentsPage(ri *rss.Item, ae *atom.Entry, base *url.URL) string {
	if ri != nil && ri.Comments != "" {
		return publicURL(ri.Comments, base)
	}
	if ae != nil {
		for _, l := range ae.Links {
			if l != nil && l.Rel == "replies" && strings.Contains(strings.ToLower(l.Type), "html") {
				if u := publicURL(l.Href, base); u != "" {
					return u
				}
			}
		}
	}
	return ""
}

// atomDublinCore returns the item of an Atom entry with the Dublin Core
// elements some Atom feeds (Atom 0.3 generators above all) write instead
// of Atom's own: dc:title for a missing title, dc:description for missing
// text. gofeed reads them in RSS only. The parsed item is not changed.
func atomDublinCore(it *gofeed.Item, ae *atom.Entry) *gofeed.Item {
	title, desc := extValue(ae.Extensions, "dc", "title"), extValue(ae.Extensions, "dc", "description")
	if title == "" && desc == "" {
		return it
	}
	c := *it
	if strings.TrimSpace(c.Title) == "" {
		c.Title = title
	}
	if strings.TrimSpace(c.Description) == "" && strings.TrimSpace(c.Content) == "" {
		c.Description = desc
	}
	return &c
}

// extValues returns every non-empty value of an extension element.
func extValues(e ext.Extensions, ns, name string) []string {
	var out []string
	for _, x := range e[ns][name] {
		if v := strings.TrimSpace(x.Value); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func extValue(e ext.Extensions, ns, name string) string {
	if e == nil {
		return ""
	}
	for _, x := range e[ns][name] {
		if v := strings.TrimSpace(x.Value); v != "" {
			return v
		}
	}
	return ""
}

// origin records a further-upstream publisher the entry names.
func origin(ri *rss.Item, ae *atom.Entry) *syndicate.Origin {
	switch {
	case ri != nil && ri.Source != nil && (ri.Source.URL != "" || ri.Source.Title != ""):
		o := &syndicate.Origin{Title: sanitize.PlainText(ri.Source.Title)}
		o.FeedURL = publicURL(ri.Source.URL, nil)
		return o
	case ae != nil && ae.Source != nil:
		s := ae.Source
		o := &syndicate.Origin{Title: sanitize.PlainText(s.Title), ID: strings.TrimSpace(s.ID)}
		for _, l := range s.Links {
			u := publicURL(l.Href, nil)
			if u == "" {
				continue
			}
			switch l.Rel {
			case "self":
				o.FeedURL = u
			case "", "alternate":
				o.SiteURL = u
			}
		}
		if o.Title == "" && o.FeedURL == "" && o.SiteURL == "" && o.ID == "" {
			return nil
		}
		return o
	}
	return nil
}

func ttlAdvice(f *gofeed.Feed) string {
	if rf, ok := f.OriginalFeed().(*rss.Feed); ok && strings.TrimSpace(rf.TTL) != "" {
		return "ttl " + strings.TrimSpace(rf.TTL) + " min"
	}
	if p := extValue(f.Extensions, "sy", "updatePeriod"); p != "" {
		if fr := extValue(f.Extensions, "sy", "updateFrequency"); fr != "" {
			return fmt.Sprintf("sy:updatePeriod %s x%s", p, fr)
		}
		return "sy:updatePeriod " + p
	}
	return ""
}

// langTag is a BCP 47 language tag in its common shape: a primary
// language of two or three letters (or an i-/x- prefix) and subtags.
var langTag = regexp.MustCompile(`^(?:[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*|[iIxX](?:-[A-Za-z0-9]{1,8})+)$`)

// languageTag returns a partner's language as a tag ("de_DE" written as
// "de-DE"), or "" when it is not one: the value is copied into every
// entry of the feed and published, so neither length nor markup may
// come through.
func languageTag(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", "-")
	if len(s) > 35 || !langTag.MatchString(s) {
		return ""
	}
	return s
}
