package feeds

import (
	"bytes"
	"encoding/json"
	"strconv"

	gfeeds "github.com/gorilla/feeds"

	"syndicate"
	"syndicate/store"
)

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// jsonFeed wraps gorilla's JSON feed: no deprecated author, always an
// items array (docs/decisions/valid-feeds.md).
type jsonFeed struct {
	*gfeeds.JSONFeed
	Items       []*jsonItem      `json:"items"`
	Syndication *FeedSyndication `json:"_syndication,omitempty"` // deleted.go
}

// jsonItem wraps gorilla's item with the fields it lacks.
type jsonItem struct {
	*gfeeds.JSONItem
	Attachments []jsonAttachment `json:"attachments,omitempty"` // gorilla's size is int32
	Language    string           `json:"language,omitempty"`
	Syndication *Syndication     `json:"_syndication,omitempty"`
}

type jsonAttachment struct {
	URL      string `json:"url"`
	MIMEType string `json:"mime_type"`
	Size     int64  `json:"size_in_bytes,omitempty"`
}

// Syndication is the _syndication extension object of JSON Feed items
// (and of /articles/{id}).
type Syndication struct {
	ArticleID       string `json:"article_id,omitempty"`
	SourceID        string `json:"source_id,omitempty"`
	SourceName      string `json:"source_name,omitempty"`
	SourceURL       string `json:"source_url,omitempty"`
	SourceFeedURL   string `json:"source_feed_url,omitempty"`
	CanonicalURL    string `json:"canonical_url,omitempty"`
	CommentsFeedURL string `json:"comments_feed_url,omitempty"`
	// CommentsPage is the partner's web page of comments on the article.
	CommentsPage string `json:"comments_page,omitempty"`
	CommentCount *int   `json:"comment_count,omitempty"`
	// Via lists the other sources that carry the article.
	Via         []string `json:"via,omitempty"`
	Attribution string   `json:"attribution,omitempty"`
	// Rights is the rights notice, License the licence URL.
	Rights  string `json:"rights,omitempty"`
	License string `json:"license,omitempty"`
	// For comments.
	InReplyTo string `json:"in_reply_to,omitempty"`
	ParentID  string `json:"parent_id,omitempty"`
}

func (r *Renderer) jsonRoot(doc Doc) *jsonFeed {
	f := (&gfeeds.JSON{Feed: &gfeeds.Feed{Title: doc.Title, Link: &gfeeds.Link{Href: doc.HomeURL}, Description: doc.Description}}).JSONFeed()
	f.FeedUrl = doc.Links.Self
	f.NextUrl = doc.Links.Next
	f.Language = r.site.Language
	f.Authors = []*gfeeds.JSONAuthor{{Name: r.site.Title, Url: r.site.BaseURL + "/"}}
	if r.site.HubURL != "" && !doc.NoHub {
		f.Hubs = []*gfeeds.JSONHub{{Type: "WebSub", Url: r.site.HubURL}}
	}
	return &jsonFeed{JSONFeed: f, Items: []*jsonItem{}}
}

func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ArticleItem returns the JSON Feed item of an article (also the body of
// /articles/{id}). Emails are never included.
// An article of a source that does not redistribute in full (excerpt or
// none) has its excerpt only: it is a machine-readable route like a feed.
func (r *Renderer) ArticleItem(v store.ArticleView, sources map[string]syndicate.Source) any {
	return r.jsonArticle(Doc{}, v, sources)
}

func (r *Renderer) jsonArticle(doc Doc, v store.ArticleView, sources map[string]syndicate.Source) *jsonItem {
	a := v.Article
	src := sourceOf(a, sources)
	full := level(doc, src) == syndicate.RedistributeFull
	content := ""
	if full {
		content = r.fullContent(a, src)
	}
	gi := r.gorillaItem(a, content)
	if !full {
		gi.Description = excerptText(a)
	}
	gi.Link = &gfeeds.Link{Href: r.PageURL(a)}
	base := (&gfeeds.JSON{Feed: &gfeeds.Feed{Items: []*gfeeds.Item{gi}}}).JSONFeed().Items[0]
	base.ExternalUrl = r.Link(a)
	base.Author = nil
	base.Authors = nil
	for _, au := range a.Authors {
		if au.Name != "" {
			base.Authors = append(base.Authors, &gfeeds.JSONAuthor{Name: au.Name, Url: au.URL})
		}
	}
	base.Tags = a.Categories
	base.Image = a.Image
	pub, upd := a.Published.UTC(), a.Updated.UTC()
	base.PublishedDate, base.ModifiedDate = &pub, &upd
	var atts []jsonAttachment
	for _, e := range a.Enclosures {
		atts = append(atts, jsonAttachment{URL: e.URL, MIMEType: mediaType(e), Size: e.Length})
	}
	if !full {
		base.ContentText = r.excerptPlain(a, src) // an item needs content_html or content_text
	}
	n := v.CommentCount
	it := &jsonItem{
		JSONItem:    base,
		Attachments: atts,
		Language:    a.Language,
		Syndication: &Syndication{
			ArticleID: a.ID, SourceID: src.ID, SourceName: src.Name, SourceURL: src.SiteURL,
			SourceFeedURL: src.PublicFeedURL(), CanonicalURL: a.CanonicalURL,
			CommentsFeedURL: r.CommentsURL(a, JSON), CommentsPage: a.CommentsPage, CommentCount: &n, Via: via(a),
			Attribution: r.Attribution(a, src),
			Rights:      src.RightsNotice(a), License: src.License,
		},
	}
	if doc.NoComments {
		it.Syndication.CommentsFeedURL, it.Syndication.CommentCount, it.Syndication.CommentsPage = "", nil, ""
	}
	return it
}

func (r *Renderer) jsonArticles(doc Doc, items []store.ArticleView, sources map[string]syndicate.Source) ([]byte, error) {
	f := r.jsonRoot(doc)
	f.Syndication = r.jsonDeleted(doc)
	for _, v := range items {
		f.Items = append(f.Items, r.jsonArticle(doc, v, sources))
	}
	return marshalJSON(f)
}

func (r *Renderer) jsonComments(doc Doc, items []CommentItem, global bool) ([]byte, error) {
	f := r.jsonRoot(doc)
	for _, it := range items {
		c := it.Comment
		pub := c.Published.UTC()
		ji := &gfeeds.JSONItem{
			Id:            r.CommentEntryID(c),
			Url:           r.commentLink(c, it.Article),
			Title:         commentTitle(it, global),
			ContentHTML:   c.Content,
			PublishedDate: &pub,
		}
		if c.Author.Name != "" {
			ji.Authors = []*gfeeds.JSONAuthor{{Name: c.Author.Name, Url: c.Author.URL}}
		}
		ref, _ := r.inReplyTo(it)
		f.Items = append(f.Items, &jsonItem{JSONItem: ji, Syndication: &Syndication{
			ArticleID: it.Article.ID, InReplyTo: ref, ParentID: c.ParentID,
		}})
	}
	return marshalJSON(f)
}

// via returns the carriers of a other than its original publisher.
func via(a *syndicate.Article) []string {
	var out []string
	for _, c := range a.Carriers {
		if c != a.Source.ID {
			out = append(out, c)
		}
	}
	return out
}
