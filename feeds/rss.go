package feeds

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	gfeeds "github.com/gorilla/feeds"

	"syndicate"
	"syndicate/store"
)

// Namespaces used in our XML.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsWfw     = "http://wellformedweb.org/CommentAPI/"
	nsSlash   = "http://purl.org/rss/1.0/modules/slash/"
	nsThr     = "http://purl.org/syndication/thread/1.0"
	nsMedia   = "http://search.yahoo.com/mrss/"
)

// rssRoot wraps gorilla's channel with the namespaces we add.
type rssRoot struct {
	XMLName   xml.Name    `xml:"rss"`
	Version   string      `xml:"version,attr"`
	NSContent string      `xml:"xmlns:content,attr"`
	NSDC      string      `xml:"xmlns:dc,attr"`
	NSWfw     string      `xml:"xmlns:wfw,attr"`
	NSSlash   string      `xml:"xmlns:slash,attr"`
	NSAtom    string      `xml:"xmlns:atom,attr"`
	NSMedia   string      `xml:"xmlns:media,attr"`
	Channel   *rssChannel `xml:"channel"`
}

// FeedXml implements gorilla's XmlFeed, so gorilla writes it.
func (r *rssRoot) FeedXml() any { return r }

type rssChannel struct {
	*gfeeds.RssFeed
	AtomLinks []atomLink `xml:"atom:link"`
	Items     []*rssItem `xml:"item"` // shadows RssFeed.Items
}

// rssItem extends gorilla's item; same-named fields shadow the embedded
// ones that cannot carry what RSS needs.
type rssItem struct {
	Title rssText `xml:"title"` // before the embedded item: written first, where gorilla writes its own
	*gfeeds.RssItem
	Source        *rssSource `xml:"source,omitempty"` // gorilla writes no url attribute
	Categories    []string   `xml:"category"`         // gorilla has one at most
	Creators      []string   `xml:"dc:creator"`
	CommentRSS    string     `xml:"wfw:commentRss,omitempty"`
	SlashComments *int       `xml:"slash:comments,omitempty"`
	// Updated is atom:updated, written when the partner corrected the
	// article after publishing it (RSS has no element of its own).
	Updated string     `xml:"atom:updated,omitempty"`
	Rights  string     `xml:"dc:rights,omitempty"`
	License []atomLink `xml:"atom:link"` // rel="license" (RFC 4946)
	mediaImage
}

// mediaImage is an article's lead image as Media RSS (in RSS and Atom):
// media:content for readers that show it with the entry, media:thumbnail
// for those that want a preview.
type mediaImage struct {
	Content   *mediaRef `xml:"media:content,omitempty"`
	Thumbnail *mediaRef `xml:"media:thumbnail,omitempty"`
}

type mediaRef struct {
	URL    string `xml:"url,attr"`
	Medium string `xml:"medium,attr,omitempty"`
}

func leadImage(a *syndicate.Article) mediaImage {
	if a.Image == "" {
		return mediaImage{}
	}
	return mediaImage{Content: &mediaRef{URL: a.Image, Medium: "image"}, Thumbnail: &mediaRef{URL: a.Image}}
}

// mediaType is an enclosure's type as we publish it: a valid media type
// (normalization makes it one; an article stored before that gets one
// here from its URL), else application/octet-stream.
func mediaType(e syndicate.Enclosure) string {
	if t := syndicate.MediaType(e.Type, e.URL); t != "" {
		return t
	}
	return "application/octet-stream"
}

type rssSource struct {
	URL  string `xml:"url,attr"`
	Name string `xml:",chardata"`
}

// atomLink is an Atom link element, used in Atom and as atom:link in RSS.
type atomLink struct {
	Href   string `xml:"href,attr"`
	Rel    string `xml:"rel,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
	Length string `xml:"length,attr,omitempty"`
	Title  string `xml:"title,attr,omitempty"`
	Count  *int   `xml:"thr:count,attr,omitempty"`
}

func rssDate(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// correctedAt is an article's atom:updated in RSS: its updated time when
// that is later than its published time (a correction), else nothing.
func correctedAt(a *syndicate.Article) string {
	if !a.Updated.After(a.Published) {
		return ""
	}
	return atomDate(a.Updated)
}

// pagingLinks returns the self, hub and RFC 5005 links of a document.
func (r *Renderer) pagingLinks(doc Doc) []atomLink {
	mt := doc.Format.MediaType()
	links := []atomLink{{Href: doc.Links.Self, Rel: "self", Type: mt}}
	for _, l := range []struct{ rel, href string }{{"first", doc.Links.First}, {"previous", doc.Links.Prev}, {"next", doc.Links.Next}, {"last", doc.Links.Last}} {
		if l.href != "" {
			links = append(links, atomLink{Href: l.href, Rel: l.rel, Type: mt})
		}
	}
	if r.site.HubURL != "" && !doc.NoHub {
		links = append(links, atomLink{Href: r.site.HubURL, Rel: "hub"})
	}
	return links
}

func (r *Renderer) rssChannel(doc Doc, updated time.Time) *rssChannel {
	f := &gfeeds.Feed{
		Title:       doc.Title,
		Link:        &gfeeds.Link{Href: doc.HomeURL},
		Description: doc.Description,
		Updated:     updated,
		Created:     updated,
	}
	if f.Description == "" {
		f.Description = doc.Title
	}
	ch := (&gfeeds.Rss{Feed: f}).RssFeed()
	ch.Language = r.site.Language
	ch.Generator = "Syndicate"
	ch.Docs = "https://www.rssboard.org/rss-specification"
	return &rssChannel{RssFeed: ch, AtomLinks: r.pagingLinks(doc), Items: []*rssItem{}}
}

func marshalRSS(root *rssRoot) ([]byte, error) {
	root.Version, root.NSContent, root.NSDC, root.NSWfw, root.NSSlash, root.NSAtom, root.NSMedia = "2.0", nsContent, nsDC, nsWfw, nsSlash, nsAtom, nsMedia
	var b bytes.Buffer
	if err := gfeeds.WriteXML(root, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// gorillaItem converts an article to gorilla's generic item; the format
// converters then build on what it makes.
func (r *Renderer) gorillaItem(a *syndicate.Article, content string) *gfeeds.Item {
	it := &gfeeds.Item{
		Title:       a.Title,
		Link:        &gfeeds.Link{Href: r.Link(a)},
		Description: a.Summary,
		Id:          r.EntryID(a),
		Created:     a.Published.UTC(),
		Updated:     a.Updated.UTC(),
		Content:     content,
	}
	if len(a.Enclosures) > 0 {
		e := a.Enclosures[0]
		it.Enclosure = &gfeeds.Enclosure{Url: e.URL, Type: mediaType(e), Length: strconv.FormatInt(e.Length, 10)}
	}
	return it
}

// rssEnclosure is the RSS item's one enclosure: the first whose URL RSS
// accepts, a full http(s) URL on a dotted host name or IPv4 address (a
// file on "localhost" or "someurl" stays in Atom and JSON Feed, which
// take any URI).
func rssEnclosure(encs []syndicate.Enclosure) *gfeeds.Enclosure {
	for _, e := range encs {
		u, err := url.Parse(e.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || !dottedHost.MatchString(u.Hostname()) {
			continue
		}
		return &gfeeds.Enclosure{Url: e.URL, Type: mediaType(e), Length: strconv.FormatInt(e.Length, 10)}
	}
	return nil
}

var dottedHost = regexp.MustCompile(`^(?i)([0-9a-z-]+\.)+[0-9a-z][0-9a-z-]*$`)

// textAsHTML escapes plain text for an element read as HTML (an RSS
// description), so that it reads as the same text.
func textAsHTML(s string) string {
	return htmlTextEscaper.Replace(s)
}

var htmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// rssText is plain text in an RSS element (an item's title). RSS has no
// type for it and many readers take it for HTML: text that would read as
// markup ("Nice <gorilla>", "&#169;" written out) has its "&" and "<" as
// hexadecimal character references, as the RSS Best Practices Profile
// asks (the W3C validator warns otherwise); other text is escaped as
// encoding/xml does.
type rssText struct {
	Inner string `xml:",innerxml"`
}

var looksLikeMarkup = regexp.MustCompile(`&#[x0-9]|<[/a-zA-Z]`)

func plainRSS(s string) rssText {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	if !looksLikeMarkup.MatchString(s) {
		return rssText{b.String()}
	}
	return rssText{strings.NewReplacer("&amp;", "&#x26;", "&lt;", "&#x3C;").Replace(b.String())}
}

// permaLink is RSS guid isPermaLink (docs/decisions/identity.md).
func permaLink(guid, link string) string {
	if guid == link && syndicate.ValidateHTTPURL(guid) == nil {
		return "true"
	}
	return "false"
}

func (r *Renderer) rssArticles(doc Doc, items []store.ArticleView, sources map[string]syndicate.Source) ([]byte, error) {
	ch := r.rssChannel(doc, articlesUpdated(doc, items))
	for _, v := range items {
		a := v.Article
		src := sourceOf(a, sources)
		content := ""
		if level(doc, src) == syndicate.RedistributeFull {
			content = r.fullContent(a, src)
		}
		gi := r.gorillaItem(a, content)
		if content == "" {
			gi.Description = r.excerptHTML(a, src)
		}
		gi.IsPermaLink = permaLink(gi.Id, gi.Link.Href)
		gi.Enclosure = rssEnclosure(a.Enclosures)
		ri := gfeeds.Rss{Feed: &gfeeds.Feed{Items: []*gfeeds.Item{gi}}}
		base := ri.RssFeed().Items[0]
		base.Author = "" // RSS <author> must be an e-mail; names go in dc:creator
		base.PubDate = rssDate(a.Published)
		if content != "" {
			// The summary beside full content is plain text, and an RSS
			// description is HTML: "Mail.Ru <...>" would be a tag to
			// every reader, "AT&T" invalid HTML.
			base.Description = textAsHTML(a.Summary)
		}
		if base.Description == "" {
			base.Description = textAsHTML(a.Title)
		}
		n := v.CommentCount
		it := &rssItem{
			RssItem:       base,
			Title:         plainRSS(base.Title),
			Source:        &rssSource{URL: src.PublicFeedURL(), Name: src.Name},
			Categories:    a.Categories,
			Creators:      authorNames(a),
			CommentRSS:    r.CommentsURL(a, RSS),
			SlashComments: &n,
			Updated:       correctedAt(a),
			Rights:        src.RightsNotice(a),
			License:       licenseLinks(src),
			mediaImage:    leadImage(a),
		}
		if doc.NoComments {
			it.CommentRSS, it.SlashComments = "", nil
		} else {
			base.Comments = a.CommentsPage // the partner's page of comments
		}
		ch.Items = append(ch.Items, it)
	}
	return marshalRSS(&rssRoot{Channel: ch})
}

func (r *Renderer) rssComments(doc Doc, items []CommentItem, global bool) ([]byte, error) {
	ch := r.rssChannel(doc, commentsUpdated(doc, items))
	for _, it := range items {
		c := it.Comment
		link := r.commentLink(c, it.Article)
		id := r.CommentEntryID(c)
		ri := &gfeeds.RssItem{
			Title:       commentTitle(it, global),
			Link:        link,
			Description: c.Content, // sanitized HTML, as RSS descriptions are read
			Content:     &gfeeds.RssContent{Content: c.Content},
			Guid:        &gfeeds.RssGuid{Id: id, IsPermaLink: permaLink(id, link)},
			PubDate:     rssDate(c.Published),
		}
		var creators []string
		if c.Author.Name != "" {
			creators = []string{c.Author.Name}
		}
		ch.Items = append(ch.Items, &rssItem{RssItem: ri, Title: plainRSS(ri.Title), Creators: creators})
	}
	return marshalRSS(&rssRoot{Channel: ch})
}
