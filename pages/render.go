package pages

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"syndicate"
	"syndicate/sanitize"
	"syndicate/store"
)

// rendered is a page's bytes with what the cache keeps about them.
type rendered struct {
	body      []byte
	noindex   bool
	expires   time.Time // when the page goes stale by itself (comments close); zero: never
	modified  time.Time // an article page's article update; zero for lists
	memo      string    // an article page's memo (see renderFunc)
	unchanged bool      // the memo matched: no body, the cached copy stands
}

// variant is what makes a page one reader's own: the reply form of a
// comment, the notice after a post, a form sent back with an error.
type variant struct {
	code    int
	replyTo string // ?replytocom=
	posted  string // ?posted=
	form    *formInput
	err     string // a message for the whole form
	errs    map[string]string
}

// formInput is a comment form as the reader sent it.
type formInput struct {
	Author, Email, URL, Body, ParentID string
}

// variant reads the per-reader query parameters of a page request.
func (s *Server) variant(q url.Values) *variant {
	reply, posted := q.Get("replytocom"), q.Get("posted")
	if reply == "" && posted == "" {
		return nil
	}
	return &variant{replyTo: reply, posted: posted}
}

// ---- view models (what the templates see) ----

type date struct{ ISO, Text string }

func dayDate(t time.Time) date {
	t = t.UTC()
	return date{ISO: t.Format(time.RFC3339), Text: t.Format("January 2, 2006")}
}

func minuteDate(t time.Time) date {
	t = t.UTC()
	return date{ISO: t.Format(time.RFC3339), Text: t.Format("January 2, 2006 at 15:04 UTC")}
}

type feedLink struct{ Title, Base string } // Base: absolute URL without extension

type metaProp struct{ Property, Content string }

type head struct {
	Lang, Title, Description, Canonical, CSS string
	NoIndex                                  bool
	Feeds                                    []feedLink
	Meta                                     []metaProp
	JSONLD                                   template.JS
}

type common struct {
	Head      head
	Home      string // the front page, with a trailing slash
	SiteTitle string
}

type person struct{ Name, URL string }

type catLink struct{ Label, URL string }

type articlePage struct {
	common
	closesAt              time.Time
	shareImage            string // og:image and JSON-LD image
	Title                 string
	Authors               []person
	SourceName, SourceURL string
	Published, Updated    date
	FirstSeen             date
	ShowUpdated           bool
	Image                 string
	Content, Attribution  template.HTML
	Original              string
	Categories            []catLink
	Thread                threadView
}

type pager struct {
	Label              string
	PrevText, NextText string
	Page, Last         int
	Prev, Next         string
}

type notice struct{ Kind, Text string }

type threadView struct {
	Embed    bool // the embeddable page, where the heading is the page's h1
	Count    int
	Title    string
	Notice   *notice
	Comments []*commentView
	Pager    pager
	FeedBase string
	Form     formView
}

type replyRef struct{ ID, Author string }

type commentView struct {
	ID, Author, URL string
	Date            date
	Content         template.HTML
	Level           int
	ReplyURL        string
	InReplyTo       *replyRef
	Replies         []*commentView
}

type formView struct {
	Embed                    bool
	Closed                   string
	ReplyTo                  *commentView
	CancelURL, Error         string
	Action, Redirect         string
	ParentID                 string
	Author, Email, URL, Body string
	Honeypot                 string
	Errors                   map[string]string
	MaxLength, MaxAuthor     int
}

type teaser struct {
	URL, Title, SourceName, SourcePage, Summary string
	Published                                   date
	Comments                                    int
}

type feedEntry struct{ Title, Page, Base string }

// FeedListMax bounds the sources and the categories a list page's feed
// list names.
const FeedListMax = 20

type listPage struct {
	common
	Heading, Intro string
	Articles       []teaser
	Pager          pager
	FeedList       []feedEntry
	// MoreSources and MoreCategories count what the feed list leaves to
	// the paged lists at /sources/ and /categories/.
	MoreSources, MoreCategories int
}

// ---- rendering ----

func (s *Server) base() string { return s.r.Site().BaseURL }

func (s *Server) common(title string) common {
	site := s.r.Site()
	return common{
		Head: head{Lang: orDefault(site.Language, "en"), Title: title, CSS: s.cssPath},
		Home: site.BaseURL + "/", SiteTitle: site.Title,
	}
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// render builds page k (with a reader's variant, or nil) from the store.
// With a stamp (what the cache knows the page depends on), an article
// page gets a memo; when it equals prev, render stops at the article read
// and answers unchanged.
func (s *Server) render(ctx context.Context, k Key, v *variant, stamp, prev string) (*rendered, error) {
	var (
		name string
		data any
		out  = &rendered{}
	)
	switch k.Kind {
	case KindArticle, KindThread:
		av, err := s.st.Article(ctx, k.ID)
		if err != nil {
			if syndicate.ErrorKind(err) == syndicate.ENotFound {
				return nil, syndicate.Errorf(syndicate.ENotFound, "No article %q here: it may have been removed.", k.ID)
			}
			return nil, err
		}
		if stamp != "" && v == nil {
			a := av.Article
			out.memo = fmt.Sprintf("%s|%s|%s|%s|%d|%q", stamp, a.Hash, a.Updated.Format(time.RFC3339Nano),
				a.FirstSeen.Format(time.RFC3339Nano), av.CommentCount, s.closed(a)) + "|" + strings.Join(a.Carriers, ",")
			if out.memo == prev {
				out.unchanged = true
				if c := s.opts.Comments; s.closed(a) == "" && c.CloseAfter > 0 {
					out.expires = a.FirstSeen.Add(c.CloseAfter)
				}
				return out, nil
			}
		}
		out.modified = av.Updated
		p, err := s.articleData(ctx, k, v, av)
		if err != nil {
			return nil, err
		}
		out.noindex = p.Head.NoIndex
		out.expires = p.closesAt
		name, data = "article", p
		if k.Kind == KindThread {
			name = "embed"
		}
	case KindFront, KindSource, KindCategory:
		p, err := s.listData(ctx, k)
		if err != nil {
			return nil, err
		}
		name, data = "list", p
	default:
		return nil, syndicate.Errorf(syndicate.ENotFound, "no such page")
	}
	var b bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("render %s page: %w", k.Kind, err)
	}
	s.renders.Add(1)
	out.body = b.Bytes()
	return out, nil
}

// sourceOf returns the live source of an article's original publisher, or
// one rebuilt from the stored snapshot when it is no longer configured.
func sourceOf(a *syndicate.Article, sources map[string]syndicate.Source) syndicate.Source {
	if src, ok := sources[a.Source.ID]; ok {
		return src
	}
	return syndicate.Source{ID: a.Source.ID, Name: a.Source.Name, SiteURL: a.Source.SiteURL, URL: a.Source.FeedURL}
}

// httpsURL returns raw when it is an absolute https URL (the pages' CSP
// loads images over https only), else "".
func httpsURL(raw string) string {
	if strings.HasPrefix(raw, "https://") && syndicate.ValidateHTTPURL(raw) == nil {
		return raw
	}
	return ""
}

// webURL returns raw when it is an absolute http(s) URL, else "".
func webURL(raw string) string {
	if syndicate.ValidateHTTPURL(raw) == nil {
		return raw
	}
	return ""
}

func (s *Server) articleURL(id string) string { return s.base() + "/articles/" + url.PathEscape(id) }

func (s *Server) articleData(ctx context.Context, k Key, v *variant, av store.ArticleView) (*articlePage, error) {
	a := av.Article
	src := sourceOf(a, s.sourcesMap())
	site := s.r.Site()
	self := s.articleURL(a.ID)
	original := webURL(a.CanonicalURL)
	title := a.Title
	if strings.TrimSpace(title) == "" {
		title = "Untitled article"
	}
	p := &articlePage{
		common: s.common(title + " — " + site.Title),
		Title:  title, SourceName: src.Name, SourceURL: orDefault(webURL(src.SiteURL), original),
		Published: dayDate(a.Published), Updated: minuteDate(a.Updated), FirstSeen: dayDate(a.FirstSeen),
		// A partner's correction: shown to the minute, even the same day.
		ShowUpdated: a.Updated.After(a.Published),
		Image:       httpsURL(a.Image),
		// Sanitized when stored; its headings step down from the page's
		// <h1> title without skipping a level.
		Content:     template.HTML(sanitize.ContiguousHeadings(a.Content, 1)),
		Attribution: template.HTML(s.r.Attribution(a, src)),
		Original:    original,
	}
	if p.SourceURL == "" {
		p.SourceURL = self
	}
	p.shareImage = p.Image
	if p.Image != "" && strings.Contains(a.Content, p.Image) {
		p.Image = "" // the content shows it already; og:image and JSON-LD keep it
	}
	for _, au := range a.Authors {
		if strings.TrimSpace(au.Name) != "" {
			p.Authors = append(p.Authors, person{Name: au.Name, URL: webURL(au.URL)})
		}
	}
	for _, c := range a.Categories {
		if slug := syndicate.Slug(c); slug != "" {
			p.Categories = append(p.Categories, catLink{Label: c, URL: s.base() + "/categories/" + url.PathEscape(slug) + "/"})
		}
	}
	h := &p.Head
	h.Description = excerpt(a.Summary, 300)
	switch src.SEO {
	case syndicate.SEONoIndex:
		h.NoIndex = true
	case syndicate.SEOSelf:
		h.Canonical = self
	default:
		h.Canonical = original
	}
	commentsBase := self + "/comments"
	h.Feeds = []feedLink{
		{Title: "Comments on: " + title, Base: commentsBase},
		{Title: site.Title, Base: s.base() + "/feed"},
		{Title: "Comments for " + site.Title, Base: s.base() + "/comments"},
	}
	ogURL := orDefault(h.Canonical, self)
	h.Meta = []metaProp{
		{"og:type", "article"}, {"og:site_name", site.Title}, {"og:title", title}, {"og:url", ogURL},
	}
	if h.Description != "" {
		h.Meta = append(h.Meta, metaProp{"og:description", h.Description})
	}
	if p.shareImage != "" {
		h.Meta = append(h.Meta, metaProp{"og:image", p.shareImage})
	}
	h.Meta = append(h.Meta, metaProp{"article:published_time", p.Published.ISO}, metaProp{"article:modified_time", a.Updated.UTC().Format(time.RFC3339)})
	for _, c := range p.Categories {
		h.Meta = append(h.Meta, metaProp{"article:tag", c.Label})
	}
	ld, err := s.jsonLD(a, p, self, original, src)
	if err != nil {
		return nil, err
	}
	h.JSONLD = ld
	if k.Kind == KindThread {
		p.Head.Title = "Comments on “" + title + "” — " + site.Title
		p.Head.Canonical = ""
		p.Head.Meta = nil
		p.Head.JSONLD = ""
		p.Head.NoIndex = true // made for other sites' frames: the article page is the one to index
	}
	if err := s.thread(ctx, k, v, av, p); err != nil {
		return nil, err
	}
	if v != nil {
		p.Head.NoIndex = true
	}
	return p, nil
}

// jsonLD is the schema.org NewsArticle of a page, as JSON safe inside a
// script element: encoding/json escapes <, > and & (so no "</script>"),
// and U+2028/U+2029.
func (s *Server) jsonLD(a *syndicate.Article, p *articlePage, self, original string, src syndicate.Source) (template.JS, error) {
	type thing struct {
		Type string `json:"@type"`
		Name string `json:"name"`
		URL  string `json:"url,omitempty"`
	}
	ld := struct {
		Context       string   `json:"@context"`
		Type          string   `json:"@type"`
		Headline      string   `json:"headline"`
		URL           string   `json:"url"`
		MainEntity    string   `json:"mainEntityOfPage"`
		IsBasedOn     string   `json:"isBasedOn,omitempty"`
		DatePublished string   `json:"datePublished"`
		DateModified  string   `json:"dateModified"`
		Author        []thing  `json:"author,omitempty"`
		Image         []string `json:"image,omitempty"`
		Description   string   `json:"description,omitempty"`
		Publisher     thing    `json:"publisher"`
		Source        *thing   `json:"sourceOrganization,omitempty"`
		Language      string   `json:"inLanguage,omitempty"`
	}{
		Context: "https://schema.org", Type: "NewsArticle", Headline: p.Title, URL: self, MainEntity: self,
		IsBasedOn:     original,
		DatePublished: a.Published.UTC().Format(time.RFC3339), DateModified: a.Updated.UTC().Format(time.RFC3339),
		Description: p.Head.Description,
		Publisher:   thing{Type: "Organization", Name: s.r.Site().Title, URL: s.base() + "/"},
		Language:    a.Language,
	}
	for _, au := range p.Authors {
		ld.Author = append(ld.Author, thing{Type: "Person", Name: au.Name, URL: au.URL})
	}
	if p.shareImage != "" {
		ld.Image = []string{p.shareImage}
	}
	if src.Name != "" {
		ld.Source = &thing{Type: "Organization", Name: src.Name, URL: webURL(src.SiteURL)}
	}
	b, err := json.Marshal(ld)
	if err != nil {
		return "", err
	}
	return template.JS(b), nil
}

// excerpt cuts plain text to at most n characters at a word boundary.
func excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// maxThread bounds the comments one article page reads.
const maxThread = 5000

func (s *Server) thread(ctx context.Context, k Key, v *variant, av store.ArticleView, p *articlePage) error {
	a := av.Article
	self := s.articleURL(a.ID)
	pageURL := self
	if k.Kind == KindThread {
		pageURL = self + "/comments"
	}
	all, err := s.allComments(ctx, a.ID)
	if err != nil {
		return err
	}
	t := &p.Thread
	t.Count, t.Title, t.FeedBase = av.CommentCount, p.Title, self+"/comments"
	t.Embed = k.Kind == KindThread
	closed := s.closed(a)
	if c := s.opts.Comments; closed == "" && c.CloseAfter > 0 {
		p.closesAt = a.FirstSeen.Add(c.CloseAfter)
	}
	roots := buildThread(all, s.opts.Comments.MaxDepth)
	per := s.opts.ThreadsPerPage
	last := max(1, (len(roots)+per-1)/per)
	if k.Page > last {
		return errPastEnd
	}
	pageOf := func(n int) string {
		if n == 1 {
			return pageURL + "#comments"
		}
		return pageURL + "?comments=" + strconv.Itoa(n) + "#comments"
	}
	t.Pager = pager{Label: "Comment pages", PrevText: "Earlier comments", NextText: "Later comments", Page: k.Page, Last: last}
	if k.Page > 1 {
		t.Pager.Prev = pageOf(k.Page - 1)
	}
	if k.Page < last {
		t.Pager.Next = pageOf(k.Page + 1)
	}
	t.Comments = roots[(k.Page-1)*per : min(len(roots), k.Page*per)]
	pageQuery := ""
	if k.Page > 1 {
		pageQuery = "comments=" + strconv.Itoa(k.Page) + "&"
	}
	// The thread's heading is the embeddable page's h1, else an h2 under
	// the article's title: a comment's own headings sit below it.
	under := 2
	if t.Embed {
		under = 1
	}
	byID := map[string]*commentView{}
	var walk func([]*commentView)
	walk = func(list []*commentView) {
		for _, c := range list {
			byID[c.ID] = c
			c.Content = template.HTML(sanitize.SubHeadings(string(c.Content), under))
			if closed == "" && c.Level < s.opts.Comments.MaxDepth {
				c.ReplyURL = pageURL + "?" + pageQuery + "replytocom=" + url.QueryEscape(c.ID) + "#respond"
			}
			walk(c.Replies)
		}
	}
	walk(t.Comments)
	f := &t.Form
	f.Closed, f.Embed = closed, t.Embed
	f.Action = self + "/comments"
	f.Redirect = pageURL
	f.Honeypot = s.opts.Comments.Honeypot
	f.MaxLength, f.MaxAuthor = s.opts.Comments.MaxLength, s.opts.Comments.MaxAuthor
	if v == nil {
		return nil
	}
	if v.replyTo != "" {
		if c, ok := byID[v.replyTo]; ok && c.ReplyURL != "" {
			f.ReplyTo, f.ParentID = c, c.ID
			f.CancelURL = pageURL + "#respond"
			if k.Page > 1 {
				f.CancelURL = pageURL + "?comments=" + strconv.Itoa(k.Page) + "#respond"
			}
		}
	}
	if in := v.form; in != nil {
		f.Author, f.Email, f.URL, f.Body = in.Author, in.Email, in.URL, in.Body
		if in.ParentID != "" {
			f.ParentID = in.ParentID
			if c, ok := byID[in.ParentID]; ok {
				f.ReplyTo = c
				f.CancelURL = pageURL + "#respond"
			}
		}
	}
	f.Error, f.Errors = v.err, v.errs
	if v.posted != "" {
		c, err := s.st.Comment(ctx, v.posted)
		switch {
		case err == nil && c.ArticleID == a.ID && c.Status == syndicate.StatusApproved:
			t.Notice = &notice{Kind: "ok", Text: "Thank you: your comment is published."}
		case err == nil && c.ArticleID == a.ID:
			t.Notice = &notice{Kind: "pending", Text: "Thank you: your comment is awaiting moderation. It will appear here once an editor approves it."}
		case err != nil && syndicate.ErrorKind(err) != syndicate.ENotFound:
			return err
		}
	}
	return nil
}

// allComments reads an article's approved comments, oldest first (the
// store lists them newest first; threads read oldest first).
func (s *Server) allComments(ctx context.Context, id string) ([]*syndicate.Comment, error) {
	var all []*syndicate.Comment
	const chunk = 500
	for off := 0; off < maxThread; off += chunk {
		pg, err := s.st.Comments(ctx, store.ArticleCommentsFeed(id), off, chunk)
		if err != nil {
			return nil, err
		}
		all = append(all, pg.Items...)
		if len(pg.Items) < chunk {
			break
		}
	}
	slices.Reverse(all)
	return all, nil
}

// closed says why comments are closed on a, or "" when they are open.
// Closing counts from first_seen, when this site republished it.
func (s *Server) closed(a *syndicate.Article) string {
	c := s.opts.Comments
	if !c.Enabled {
		return "Comments are closed on this site."
	}
	if c.CloseAfter > 0 && s.opts.Now().Sub(a.FirstSeen) > c.CloseAfter {
		return "Comments are closed on this article."
	}
	return ""
}

// buildThread nests approved comments (oldest first) by reply: each
// reply under its parent, up to maxDepth levels below the top; deeper
// replies are listed after their parent at the deepest level, saying
// whom they answer. A reply whose parent is not shown (unapproved,
// deleted) starts its own thread.
func buildThread(list []*syndicate.Comment, maxDepth int) []*commentView {
	ids := make(map[string]bool, len(list))
	for _, c := range list {
		ids[c.ID] = true
	}
	children := map[string][]*syndicate.Comment{}
	var roots []*syndicate.Comment
	for _, c := range list {
		if c.ParentID != "" && c.ParentID != c.ID && ids[c.ParentID] {
			children[c.ParentID] = append(children[c.ParentID], c)
		} else {
			roots = append(roots, c)
		}
	}
	seen := map[string]bool{}
	var add func(c *syndicate.Comment, level int, into *[]*commentView, parent *commentView)
	add = func(c *syndicate.Comment, level int, into *[]*commentView, parent *commentView) {
		if seen[c.ID] {
			return
		}
		seen[c.ID] = true
		v := &commentView{
			ID: c.ID, Author: orDefault(strings.TrimSpace(c.Author.Name), "Anonymous"), URL: webURL(c.Author.URL),
			Date: minuteDate(c.Published), Content: template.HTML(c.Content), Level: level,
		}
		if level > maxDepth {
			v.Level = maxDepth
		}
		if level > maxDepth && parent != nil {
			v.InReplyTo = &replyRef{ID: parent.ID, Author: parent.Author}
		}
		*into = append(*into, v)
		for _, r := range children[c.ID] {
			if level+1 > maxDepth {
				add(r, level+1, into, v)
			} else {
				add(r, level+1, &v.Replies, v)
			}
		}
	}
	var out []*commentView
	for _, c := range roots {
		add(c, 0, &out, nil)
	}
	// Comments caught in a parent loop (hostile partner data) are shown
	// rather than lost.
	for _, c := range list {
		if !seen[c.ID] {
			add(c, 0, &out, nil)
		}
	}
	return out
}

// ---- lists ----

func (s *Server) listData(ctx context.Context, k Key) (*listPage, error) {
	site := s.r.Site()
	base := s.base()
	var (
		feed    store.FeedKey
		heading string
		intro   string
		pageURL string
		own     []feedLink
	)
	switch k.Kind {
	case KindFront:
		feed, heading, pageURL = store.FeedAll, site.Title, base+"/"
		intro = site.Description
		own = []feedLink{{Title: site.Title, Base: base + "/feed"}, {Title: "Comments for " + site.Title, Base: base + "/comments"}}
	case KindSource:
		src, ok := s.sourcesMap()[k.ID]
		if !ok {
			return nil, syndicate.Errorf(syndicate.ENotFound, "No source %q here.", k.ID)
		}
		feed, heading, pageURL = store.SourceFeed(k.ID), src.Name, base+"/sources/"+url.PathEscape(k.ID)+"/"
		intro = "Articles from " + src.Name + ", republished by " + site.Title + "."
		own = []feedLink{{Title: src.Name + " — " + site.Title, Base: base + "/sources/" + url.PathEscape(k.ID) + "/feed"}, {Title: site.Title, Base: base + "/feed"}}
	case KindCategory:
		label, ok, err := s.st.CategoryLabel(ctx, k.ID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, syndicate.Errorf(syndicate.ENotFound, "No category %q here.", k.ID)
		}
		feed, heading, pageURL = store.CategoryFeed(k.ID), label, base+"/categories/"+url.PathEscape(k.ID)+"/"
		intro = "Articles in " + label + ", republished by " + site.Title + "."
		own = []feedLink{{Title: label + " — " + site.Title, Base: base + "/categories/" + url.PathEscape(k.ID) + "/feed"}, {Title: site.Title, Base: base + "/feed"}}
	}
	per := s.opts.PageSize
	pg, err := s.st.Articles(ctx, feed, (k.Page-1)*per, per)
	if err != nil {
		return nil, err
	}
	last := max(1, (pg.Total+per-1)/per)
	if k.Page > last {
		return nil, errPastEnd
	}
	title := heading
	if k.Kind != KindFront {
		title = heading + " — " + site.Title
	}
	if k.Page > 1 {
		title += " (page " + strconv.Itoa(k.Page) + ")"
	}
	p := &listPage{common: s.common(title), Heading: heading, Intro: intro}
	p.Head.Description = intro
	p.Head.Feeds = own
	if k.Page == 1 {
		p.Head.Canonical = pageURL
	} else {
		p.Head.Canonical = pageURL + "?page=" + strconv.Itoa(k.Page)
	}
	pageOf := func(n int) string {
		if n == 1 {
			return pageURL
		}
		return pageURL + "?page=" + strconv.Itoa(n)
	}
	p.Pager = pager{Label: "Pages", PrevText: "Newer", NextText: "Older", Page: k.Page, Last: last}
	if k.Page > 1 {
		p.Pager.Prev = pageOf(k.Page - 1)
	}
	if k.Page < last {
		p.Pager.Next = pageOf(k.Page + 1)
	}
	srcs := s.sourcesMap()
	for _, v := range pg.Items {
		a := v.Article
		src := sourceOf(a, srcs)
		t := teaser{
			URL: s.articleURL(a.ID), Title: orDefault(strings.TrimSpace(a.Title), "Untitled article"), SourceName: src.Name,
			SourcePage: base + "/sources/" + url.PathEscape(src.ID) + "/", Summary: excerpt(a.Summary, 280),
			Published: dayDate(a.Published), Comments: v.CommentCount,
		}
		if _, live := srcs[src.ID]; !live {
			t.SourcePage = orDefault(webURL(src.SiteURL), t.URL)
		}
		p.Articles = append(p.Articles, t)
	}
	p.FeedList, p.MoreSources, p.MoreCategories, err = s.feedList(ctx)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// feedList is every public feed, as on the old index page: the site, its
// comments, each source, each category in use — the first FeedListMax
// of each, so that a page stays small however many there are (the paged
// lists at /sources/ and /categories/ hold the rest).
func (s *Server) feedList(ctx context.Context) (list []feedEntry, moreSources, moreCategories int, err error) {
	site := s.r.Site()
	base := s.base()
	out := []feedEntry{
		{Title: site.Title, Page: base + "/", Base: base + "/feed"},
		{Title: "Comments for " + site.Title, Base: base + "/comments"},
	}
	srcs, ids := s.listedSources()
	moreSources = len(srcs) - len(ids)
	for _, id := range ids {
		p := base + "/sources/" + url.PathEscape(id)
		out = append(out, feedEntry{Title: srcs[id].Name, Page: p + "/", Base: p + "/feed"})
	}
	// The first page of the categories in use, by slug, from the store.
	cats, err := s.st.CategoryPage(ctx, 0, FeedListMax)
	if err != nil {
		return nil, 0, 0, err
	}
	for _, c := range cats.Items {
		p := base + "/categories/" + url.PathEscape(c.Slug)
		out = append(out, feedEntry{Title: "Category: " + c.Label, Page: p + "/", Base: p + "/feed"})
	}
	return out, moreSources, max(cats.Total-len(cats.Items), 0), nil
}
