// Package normalize turns a parsed partner feed into Syndicate's article
// model. Normalize is a pure function of the parsed feed, the source and
// the options (the clock included): it resolves links by the spec's rule
// (xml:base, else the channel's website link, else the feed URL),
// canonicalizes them, decides identity keys, sanitizes content, and
// records the canonical source of every entry.
package normalize

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
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
}

// Skip is one entry Normalize left out.
type Skip struct {
	Index  int    // 0-based position in the partner's document
	Reason string // why, for the log and the source status
}

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
	for i, it := range f.Items {
		e, problems := n.item(i, it)
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
	return res
}

type normalizer struct {
	f        *gofeed.Feed
	src      syndicate.Source
	opts     Options
	linkBase *url.URL
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

func (n *normalizer) item(i int, it *gofeed.Item) (*store.Entry, []string) {
	ri, ae, ji := n.originals(i)
	var problems []string
	guid := strings.TrimSpace(it.GUID)
	link := strings.TrimSpace(it.Link)
	if link == "" && guid != "" && absHTTP(guid, nil) != nil && (ri == nil || ri.GUID == nil || ri.GUID.IsPermalink != "false") {
		link = guid // an RSS permalink guid, or an http(s) Atom/JSON id
	}
	canonical := ""
	if link != "" {
		c, err := Canonical(link, n.linkBase, n.opts.StripParams)
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			canonical = c
		}
	}
	// Content URLs resolve against xml:base, else the canonical URL
	// (SPEC "Links and URLs"); gofeed applies Atom's xml:base itself.
	contentBase := n.linkBase
	if c := absHTTP(canonical, nil); c != nil {
		contentBase = c
	}
	if b := absHTTP(it.Custom[parse.BaseKey], nil); b != nil {
		contentBase = b
	}

	a := &syndicate.Article{GUID: guid, CanonicalURL: canonical}
	rawContent := it.Content
	if ji != nil && ji.ContentHTML == "" && ji.ContentText != "" {
		rawContent = sanitize.EscapeText(ji.ContentText)
	}
	if ae != nil && ae.Content != nil && ae.Content.Src == "" && atomText(ae.Content.Type) {
		rawContent = sanitize.EscapeText(ae.Content.Value)
	}
	rawSummary := it.Description
	if strings.TrimSpace(rawContent) == "" {
		rawContent, rawSummary = rawSummary, ""
	}
	a.Content = n.opts.Policy.HTML(rawContent, contentBase)
	if s := sanitize.PlainText(rawSummary); s != "" {
		a.Summary = sanitize.Truncate(s, PartnerSummaryLength)
	} else {
		a.Summary = sanitize.Truncate(sanitize.PlainText(a.Content), SummaryLength)
	}
	a.Title = sanitize.PlainText(it.Title)
	if a.Title == "" {
		a.Title = sanitize.Truncate(a.Summary, DerivedTitleLength)
	}
	if a.Title == "" && a.Content == "" && canonical == "" {
		return nil, append(problems, "no title, content or link: skipped")
	}

	a.Authors = n.authors(it, ae, ji)
	a.Categories = n.categories(it, ae)
	a.Enclosures = enclosures(it, contentBase)
	if it.Image != nil {
		if u := absHTTP(it.Image.URL, contentBase); u != nil {
			a.Image = u.String()
		}
	}
	a.Language = n.f.Language
	if ji != nil && ji.Language != "" {
		a.Language = ji.Language
	}
	a.Rights = sanitize.PlainText(n.f.Copyright)
	if ae != nil && ae.Rights != "" {
		a.Rights = sanitize.PlainText(ae.Rights)
	}
	a.CommentsURL = commentsURL(it, ae, contentBase)
	if a.CommentsURL == "" && syndicate.IsFileURL(n.src.URL) {
		a.CommentsURL = fileCommentsURL(it, ae, n.src.URL) // offline demos
	}
	a.Origin = origin(ri, ae)

	// Dates (DECISIONS §3): the hash sees the partner's own published
	// date, before any fallback, so an entry dated only by <updated> (or
	// not at all) does not look changed whenever that moves; then fall
	// back (published → dc:date → updated → first_seen, which the store
	// fills) and clamp dates in the future.
	published, updated, dateProblems := partnerDates(it, ri, ae, ji)
	problems = append(problems, dateProblems...)
	a.Published = published
	if ae != nil {
		// gofeed already put <updated> in for a missing <published>.
		a.Published = time.Time{}
		if ae.PublishedParsed != nil {
			a.Published = ae.PublishedParsed.UTC().Truncate(time.Second)
		}
	}
	a.Hash = a.ContentHash()
	a.Published = published
	if a.Published.IsZero() {
		a.Published = updated // zero too: the store uses first_seen
	}
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
	return &store.Entry{Key: key, Article: a}, problems
}

// partnerDates returns the entry's published date (gofeed: pubDate, else
// dc:date, else Atom <published>, else <updated> in Atom) and updated date
// (dc:date or atom:updated in RSS, <updated> in Atom, date_modified in
// JSON), in UTC to the second, with a problem for each date the partner
// wrote but nobody can read.
func partnerDates(it *gofeed.Item, ri *rss.Item, ae *atom.Entry, ji *jsonfeed.Item) (published, updated time.Time, problems []string) {
	if it.PublishedParsed != nil {
		published = it.PublishedParsed.UTC().Truncate(time.Second)
	}
	if it.UpdatedParsed != nil {
		updated = it.UpdatedParsed.UTC().Truncate(time.Second)
	}
	bad := func(kind, raw string) {
		problems = append(problems, fmt.Sprintf("unparseable %s date %q", kind, strings.TrimSpace(raw)))
	}
	switch {
	case ri != nil:
		if strings.TrimSpace(ri.PubDate) != "" && ri.PubDateParsed == nil {
			bad("published", ri.PubDate)
		}
	case ae != nil:
		if strings.TrimSpace(ae.Published) != "" && ae.PublishedParsed == nil {
			bad("published", ae.Published)
		}
	case ji != nil:
		if strings.TrimSpace(ji.DatePublished) != "" && it.PublishedParsed == nil {
			bad("published", ji.DatePublished)
		}
	}
	if strings.TrimSpace(it.Updated) != "" && it.UpdatedParsed == nil {
		bad("updated", it.Updated)
	}
	return published, updated, problems
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

func (n *normalizer) authors(it *gofeed.Item, ae *atom.Entry, ji *jsonfeed.Item) []syndicate.Author {
	var out []syndicate.Author
	add := func(name, email, uri string) {
		name = sanitize.PlainText(name)
		email = strings.TrimSpace(email)
		if name == "" && email == "" {
			return
		}
		au := syndicate.Author{Name: name, Email: email}
		if u := absHTTP(uri, n.linkBase); u != nil {
			au.URL = u.String()
		}
		if au.Name == "" {
			au.Name = strings.SplitN(email, "@", 2)[0]
		}
		if !slices.ContainsFunc(out, func(x syndicate.Author) bool { return x.Name == au.Name }) {
			out = append(out, au)
		}
	}
	switch {
	case ae != nil && len(ae.Authors) > 0:
		for _, p := range ae.Authors {
			add(p.Name, p.Email, p.URI)
		}
	case ji != nil && len(ji.Authors) > 0:
		for _, p := range ji.Authors {
			add(p.Name, "", p.URL)
		}
	case ji != nil && ji.Author != nil:
		add(ji.Author.Name, "", ji.Author.URL)
	default:
		for _, p := range it.Authors {
			if p != nil {
				add(p.Name, p.Email, "")
			}
		}
	}
	if len(out) == 0 {
		for _, p := range n.f.Authors {
			if p != nil {
				add(p.Name, p.Email, "")
			}
		}
	}
	return out
}

func (n *normalizer) categories(it *gofeed.Item, ae *atom.Entry) []string {
	var labels []string
	if ae != nil {
		for _, c := range ae.Categories {
			if c.Label != "" {
				labels = append(labels, c.Label)
			} else {
				labels = append(labels, c.Term)
			}
		}
	} else {
		labels = append(labels, it.Categories...)
	}
	labels = append(labels, n.src.Categories...)
	var out []string
	seen := map[string]bool{}
	for _, l := range labels {
		// WordPress and others sometimes pack several into one: "a, b".
		for _, part := range strings.Split(l, ",") {
			part = sanitize.PlainText(part)
			s := syndicate.Slug(part)
			if s == "" || seen[s] {
				continue
			}
			seen[s] = true
			out = append(out, part)
		}
	}
	return out
}

func enclosures(it *gofeed.Item, base *url.URL) []syndicate.Enclosure {
	var out []syndicate.Enclosure
	for _, e := range it.Enclosures {
		if e == nil {
			continue
		}
		u := absHTTP(e.URL, base)
		if u == nil {
			continue
		}
		enc := syndicate.Enclosure{URL: u.String(), Type: strings.TrimSpace(e.Type)}
		if l, err := strconv.ParseInt(strings.TrimSpace(e.Length), 10, 64); err == nil && l > 0 {
			enc.Length = l
		}
		out = append(out, enc)
	}
	return out
}

// commentsURL finds the entry's comment feed: wfw:commentRss in RSS, a
// rel="replies" link in Atom (RFC 4685). Only http(s) URLs count
// (DECISIONS §7).
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
		if u := absHTTP(ri.Source.URL, nil); u != nil {
			o.FeedURL = u.String()
		}
		return o
	case ae != nil && ae.Source != nil:
		s := ae.Source
		o := &syndicate.Origin{Title: sanitize.PlainText(s.Title), ID: strings.TrimSpace(s.ID)}
		for _, l := range s.Links {
			u := absHTTP(l.Href, nil)
			if u == nil {
				continue
			}
			switch l.Rel {
			case "self":
				o.FeedURL = u.String()
			case "", "alternate":
				o.SiteURL = u.String()
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
