package feeds

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	"sync"
	"text/template"
	"time"

	"syndicate"
	"syndicate/sanitize"
	"syndicate/store"
)

// Site is what every feed says about the republishing site.
type Site struct {
	BaseURL     string // absolute, without a trailing slash
	Title       string
	Description string
	Language    string
	// ArticleURL, if set, gives an article's republished page from its
	// fields (site.article_url, e.g. https://news.example/s/{{.ID}}).
	ArticleURL *template.Template
	HubURL     string // WebSub hub; "" = none
}

// Links are a feed document's own URLs, already in its format.
type Links struct {
	Self, First, Prev, Next, Last string
}

// Doc describes one feed document besides its entries.
type Doc struct {
	Format      Format
	ID          string // stable feed id: the feed's URL without paging
	Title       string
	Description string
	HomeURL     string // the human page the feed belongs to
	Links       Links
	// Created is the feed's stored state time, used as its date when it
	// has no entries (docs/decisions/dates.md and docs/decisions/valid-feeds.md).
	Created time.Time
	// Deleted lists the articles retracted from an article feed, newest
	// first (see deleted.go); their times count for the feed's date.
	Deleted []store.Retraction
	// Content caps what the document passes on of each article
	// (syndicate.RedistributeExcerpt for a partner profile of excerpts);
	// "" leaves each source's own redistribute level.
	Content string
	// NoComments leaves out the links to comment feeds (a partner profile
	// without comments).
	NoComments bool
	// NoHub leaves out the WebSub hub: a partner's private feed is never
	// announced to the hub, and a reader subscribing there would hand the
	// hub's operator the key its links carry.
	NoHub bool
}

// Renderer renders feeds. It is safe for concurrent use.
type Renderer struct {
	site   Site
	policy *sanitize.Policy

	mu    sync.Mutex
	tmpls map[string]*htmltemplate.Template
}

// Policy is the sanitizing policy of the site's content.
func (r *Renderer) Policy() *sanitize.Policy { return r.policy }

// NewRenderer returns a Renderer for site; policy sanitizes attribution
// lines (an editor's template must not inject script either).
func NewRenderer(site Site, policy *sanitize.Policy) *Renderer {
	site.BaseURL = strings.TrimRight(site.BaseURL, "/")
	if policy == nil {
		policy = sanitize.New(sanitize.Options{})
	}
	return &Renderer{site: site, policy: policy, tmpls: map[string]*htmltemplate.Template{}}
}

// Site returns the site the renderer was built for.
func (r *Renderer) Site() Site { return r.site }

// EntryID is the id emitted for an article (docs/decisions/identity.md).
func (r *Renderer) EntryID(a *syndicate.Article) string {
	if a.EntryID != "" {
		return a.EntryID
	}
	return r.site.BaseURL + "/articles/" + a.ID
}

// Link is the article's link to the original (its canonical URL with the
// partner's #fragment), or our article URL without one.
func (r *Renderer) Link(a *syndicate.Article) string {
	if a.CanonicalURL != "" {
		return a.Link()
	}
	return r.site.BaseURL + "/articles/" + a.ID
}

// PageURL is the republished page of an article (JSON Feed url).
func (r *Renderer) PageURL(a *syndicate.Article) string {
	if r.site.ArticleURL != nil {
		var b strings.Builder
		if err := r.site.ArticleURL.Execute(&b, a); err == nil && b.Len() > 0 {
			return b.String()
		}
	}
	return r.Link(a)
}

// CommentsURL is the article's comment feed in format f.
func (r *Renderer) CommentsURL(a *syndicate.Article, f Format) string {
	return r.site.BaseURL + "/articles/" + a.ID + "/comments." + string(f)
}

// CommentEntryID is the id emitted for a comment (docs/decisions/identity.md).
func (r *Renderer) CommentEntryID(c *syndicate.Comment) string {
	if c.EntryID != "" {
		return c.EntryID
	}
	return r.site.BaseURL + "/articles/" + c.ArticleID + "/comments/" + c.ID
}

// sourceOf returns the live source of an article's original publisher, or
// one rebuilt from the stored snapshot when it is no longer configured.
func sourceOf(a *syndicate.Article, sources map[string]syndicate.Source) syndicate.Source {
	if s, ok := sources[a.Source.ID]; ok {
		return s
	}
	return syndicate.Source{ID: a.Source.ID, Name: a.Source.Name, SiteURL: a.Source.SiteURL, URL: a.Source.FeedURL}
}

// Attribution renders a source's attribution line for an article as safe
// HTML (docs/decisions/attribution.md): html/template escaping, then the sanitizer.
func (r *Renderer) Attribution(a *syndicate.Article, src syndicate.Source) string {
	text := src.Attribution
	if text == "" {
		text = syndicate.DefaultAttribution
	}
	t := r.template(text)
	canonical := a.Link()
	if canonical == "" {
		canonical = src.SiteURL
	}
	data := syndicate.AttributionData{
		SourceName: src.Name, SourceURL: src.SiteURL, SourceFeed: src.PublicFeedURL(),
		CanonicalURL: canonical, Title: a.Title, Published: a.Published,
	}
	if len(a.Authors) > 0 {
		data.Author = a.Authors[0].Name
	}
	// Capped: a short template cannot make a feed of megabytes. The
	// default line is bounded by its two fields.
	line, err := syndicate.RenderAttribution(t, data)
	if err != nil {
		var b bytes.Buffer
		_ = r.template(syndicate.DefaultAttribution).Execute(&b, data)
		line = b.String()
	}
	return r.policy.HTML(line, nil)
}

func (r *Renderer) template(text string) *htmltemplate.Template {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.tmpls[text]; ok {
		return t
	}
	t, err := syndicate.ParseAttribution(text)
	if err != nil {
		// Validated at config/API time; a bad one here falls back.
		t, _ = syndicate.ParseAttribution(syndicate.DefaultAttribution)
	}
	r.tmpls[text] = t
	return t
}

// fullContent is the article HTML ending with its attribution line.
func (r *Renderer) fullContent(a *syndicate.Article, src syndicate.Source) string {
	line := `<p class="syndicate-attribution">` + r.Attribution(a, src) + `</p>`
	if a.Content == "" {
		return line
	}
	return a.Content + "\n" + line
}

// articlesUpdated is a document's date: the newest updated time among its
// articles, else the feed's stored time (docs/decisions/dates.md and docs/decisions/valid-feeds.md).
func articlesUpdated(doc Doc, items []store.ArticleView) time.Time {
	var t time.Time
	for _, v := range items {
		if v.Updated.After(t) {
			t = v.Updated
		}
	}
	for _, d := range doc.Deleted {
		if d.When.After(t) {
			t = d.When
		}
	}
	return orCreated(t, doc)
}

// commentsUpdated is articlesUpdated for a comment feed.
func commentsUpdated(doc Doc, items []CommentItem) time.Time {
	var t time.Time
	for _, it := range items {
		if it.Comment.Published.After(t) {
			t = it.Comment.Published
		}
	}
	return orCreated(t, doc)
}

func orCreated(t time.Time, doc Doc) time.Time {
	if t.IsZero() {
		t = doc.Created
	}
	return t.UTC()
}

func authorNames(a *syndicate.Article) []string {
	var out []string
	for _, au := range a.Authors {
		if au.Name != "" {
			out = append(out, au.Name)
		}
	}
	return out
}

// ArticleFeed renders a page of articles in doc.Format.
func (r *Renderer) ArticleFeed(doc Doc, items []store.ArticleView, sources map[string]syndicate.Source) ([]byte, error) {
	switch doc.Format {
	case RSS:
		return r.rssArticles(doc, items, sources)
	case Atom:
		return r.atomArticles(doc, items, sources)
	default:
		return r.jsonArticles(doc, items, sources)
	}
}

// CommentItem is one comment with the article it belongs to.
type CommentItem struct {
	Comment *syndicate.Comment
	Article *syndicate.Article
}

// CommentFeed renders a page of comments; global titles each item
// "Comment on ARTICLE by NAME", otherwise "By: NAME" (WordPress).
func (r *Renderer) CommentFeed(doc Doc, items []CommentItem, global bool) ([]byte, error) {
	switch doc.Format {
	case RSS:
		return r.rssComments(doc, items, global)
	case Atom:
		return r.atomComments(doc, items, global)
	default:
		return r.jsonComments(doc, items, global)
	}
}

func commentTitle(it CommentItem, global bool) string {
	name := it.Comment.Author.Name
	if name == "" {
		name = "Anonymous"
	}
	if global {
		return "Comment on " + it.Article.Title + " by " + name
	}
	return "By: " + name
}

// inReplyTo returns the entry id and link of what a comment answers.
func (r *Renderer) inReplyTo(it CommentItem) (ref, href string) {
	c := it.Comment
	if c.ParentID != "" {
		ref = c.ParentEntryID
		if ref == "" {
			ref = r.site.BaseURL + "/articles/" + c.ArticleID + "/comments/" + c.ParentID
		}
		return ref, r.PageURL(it.Article) + "#comment-" + c.ParentID
	}
	return r.EntryID(it.Article), r.Link(it.Article)
}

// commentLink is a comment's own page: the partner's, else the article's
// page with a fragment.
func (r *Renderer) commentLink(c *syndicate.Comment, a *syndicate.Article) string {
	if c.URL != "" {
		return c.URL
	}
	return r.PageURL(a) + "#comment-" + c.ID
}
