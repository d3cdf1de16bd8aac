package feeds

import (
	"bytes"
	"strings"
	"time"

	gfeeds "github.com/gorilla/feeds"

	"syndicate"
	"syndicate/store"
)

// atomFeed wraps gorilla's feed: namespaces, every link we need (gorilla
// has one), and our entries. encoding/xml writes embedded fields first, so
// feed-level elements precede the entries (docs/decisions/valid-feeds.md).
type atomFeed struct {
	*gfeeds.AtomFeed
	NSThr     string       `xml:"xmlns:thr,attr"`
	NSMedia   string       `xml:"xmlns:media,attr,omitempty"`
	Lang      string       `xml:"xml:lang,attr,omitempty"`
	Links     []atomLink   `xml:"link"` // shadows AtomFeed.Link
	Generator string       `xml:"generator,omitempty"`
	NSAt      string       `xml:"xmlns:at,attr,omitempty"` // deleted.go
	Deleted   []atDeleted  `xml:"at:deleted-entry"`
	Entries   []*atomEntry `xml:"entry"` // shadows AtomFeed.Entries
}

// FeedXml implements gorilla's XmlFeed.
func (f *atomFeed) FeedXml() any { return f }

type atomEntry struct {
	*gfeeds.AtomEntry
	Links      []atomLink     `xml:"link"`
	Authors    []atomPerson   `xml:"author"`   // shadows the single Author
	Categories []atomCategory `xml:"category"` // shadows the string Category
	Source     *atomSource    `xml:"source"`   // shadows the string Source
	InReplyTo  *thrInReplyTo  `xml:"thr:in-reply-to"`
	mediaImage
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomSource struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
}

type thrInReplyTo struct {
	Ref  string `xml:"ref,attr"`
	Href string `xml:"href,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

// atomDate writes t to the millisecond, fractions only when there are
// any: entries without a date of their own are dated a millisecond apart
// in their feed's order (docs/decisions/dates.md), and whole seconds made
// them equal (validators warn of entries with one atom:updated).
func atomDate(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.999Z07:00")
}

func (r *Renderer) atomRoot(doc Doc, updated time.Time) *atomFeed {
	f := &gfeeds.Feed{Title: doc.Title, Link: &gfeeds.Link{Href: doc.HomeURL}, Updated: updated}
	af := (&gfeeds.Atom{Feed: f}).AtomFeed()
	af.Id = doc.ID // gorilla ignores Feed.Id
	af.Subtitle = doc.Description
	af.Updated = atomDate(updated)
	af.Author = &gfeeds.AtomAuthor{AtomPerson: gfeeds.AtomPerson{Name: r.site.Title}}
	links := append([]atomLink{{Href: doc.HomeURL, Rel: "alternate", Type: "text/html"}}, r.pagingLinks(doc)...)
	return &atomFeed{AtomFeed: af, NSThr: nsThr, Lang: r.site.Language, Links: links, Generator: "Syndicate", Entries: []*atomEntry{}}
}

func marshalAtom(f *atomFeed) ([]byte, error) {
	var b bytes.Buffer
	if err := gfeeds.WriteXML(f, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// baseEntry lets gorilla build an entry from its generic item, then fixes
// what it gets wrong: it never writes <published>, and the link list is
// ours.
func baseEntry(gi *gfeeds.Item, published time.Time) *gfeeds.AtomEntry {
	e := (&gfeeds.Atom{Feed: &gfeeds.Feed{Items: []*gfeeds.Item{gi}}}).AtomFeed().Entries[0]
	e.Links = nil
	e.Author = nil
	e.Published = atomDate(published)
	if u := gi.Updated; !u.IsZero() {
		e.Updated = atomDate(u) // gorilla's is to the second
	} else if c := gi.Created; !c.IsZero() {
		e.Updated = atomDate(c)
	}
	if e.Summary != nil {
		e.Summary.Type = "text"
	}
	return e
}

func (r *Renderer) atomArticles(doc Doc, items []store.ArticleView, sources map[string]syndicate.Source) ([]byte, error) {
	feed := r.atomRoot(doc, articlesUpdated(doc, items))
	feed.NSMedia = nsMedia
	if feed.Deleted = r.atomDeleted(doc); feed.Deleted != nil {
		feed.NSAt = nsTombstones
	}
	for _, v := range items {
		a := v.Article
		src := sourceOf(a, sources)
		full := level(doc, src) == syndicate.RedistributeFull
		content := ""
		if full {
			content = r.fullContent(a, src)
		}
		gi := r.gorillaItem(a, content)
		e := baseEntry(gi, a.Published)
		if !full {
			e.Summary = &gfeeds.AtomSummary{Content: r.excerptHTML(a, src), Type: "html"}
		}
		if e.Summary != nil && e.Summary.Content == "" {
			e.Summary = nil
		}
		e.Rights = src.RightsNotice(a)
		n := v.CommentCount
		links := []atomLink{
			{Href: r.Link(a), Rel: "alternate", Type: "text/html"},
			{Href: r.CommentsURL(a, Atom), Rel: "replies", Type: Atom.MediaType(), Count: &n},
		}
		if doc.NoComments {
			links = links[:1]
		} else if a.CommentsPage != "" {
			// The partner's own page of comments (RFC 4685 allows several
			// replies links; this one is HTML).
			links = append(links, atomLink{Href: a.CommentsPage, Rel: "replies", Type: "text/html"})
		}
		links = append(links, licenseLinks(src)...)
		for _, enc := range a.Enclosures {
			t := ""
			if enc.Type != "" || syndicate.MediaType("", enc.URL) != "" {
				t = mediaType(enc)
			}
			links = append(links, atomLink{Href: enc.URL, Rel: "enclosure", Type: t, Length: lengthAttr(enc.Length)})
		}
		var authors []atomPerson
		for _, au := range a.Authors {
			if au.Name != "" {
				authors = append(authors, atomPerson{Name: au.Name, URI: au.URL})
			}
		}
		var cats []atomCategory
		for _, c := range a.Categories {
			// The term is the category's name: Atom readers show the term
			// (feedparser's tag term, newsboat, NetNewsWire), so a slug there
			// republished "Amazon SDB" as "amazon-sdb". Our category routes
			// take the slug of the name.
			cats = append(cats, atomCategory{Term: c})
		}
		srcFeed := src.PublicFeedURL()
		as := &atomSource{ID: srcFeed, Title: src.Name, Updated: atomDate(a.Updated), Links: []atomLink{{Href: srcFeed, Rel: "self"}}}
		if src.SiteURL != "" && strings.TrimSuffix(src.SiteURL, "/") != strings.TrimSuffix(srcFeed, "/") {
			as.Links = append(as.Links, atomLink{Href: src.SiteURL, Rel: "alternate", Type: "text/html"})
		}
		feed.Entries = append(feed.Entries, &atomEntry{AtomEntry: e, Links: links, Authors: authors, Categories: cats, Source: as, mediaImage: leadImage(a)})
	}
	return marshalAtom(feed)
}

func lengthAttr(n int64) string {
	if n <= 0 {
		return ""
	}
	return itoa64(n)
}

func (r *Renderer) atomComments(doc Doc, items []CommentItem, global bool) ([]byte, error) {
	feed := r.atomRoot(doc, commentsUpdated(doc, items))
	for _, it := range items {
		c := it.Comment
		gi := &gfeeds.Item{Title: commentTitle(it, global), Id: r.CommentEntryID(c), Created: c.Published.UTC(), Updated: c.Published.UTC(), Content: c.Content}
		e := baseEntry(gi, c.Published)
		e.Summary = nil
		ref, href := r.inReplyTo(it)
		var authors []atomPerson
		if c.Author.Name != "" {
			authors = []atomPerson{{Name: c.Author.Name, URI: c.Author.URL}}
		}
		feed.Entries = append(feed.Entries, &atomEntry{
			AtomEntry: e,
			Links:     []atomLink{{Href: r.commentLink(c, it.Article), Rel: "alternate", Type: "text/html"}},
			Authors:   authors,
			InReplyTo: &thrInReplyTo{Ref: ref, Href: href, Type: "text/html"},
		})
	}
	return marshalAtom(feed)
}
