package feeds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"syndicate"
	"syndicate/store"
)

// TopicURLs returns the public URLs of feeds under baseURL (every format,
// first page): the WebSub topics to ping when they change.
func TopicURLs(baseURL string, keys []store.FeedKey) []string {
	baseURL = strings.TrimRight(baseURL, "/")
	var out []string
	for _, k := range keys {
		path, ok := feedPath(k)
		if !ok {
			continue
		}
		for _, f := range Formats {
			out = append(out, baseURL+path+"."+string(f))
		}
	}
	return out
}

// feedPath is the URL path of a feed without its extension.
func feedPath(k store.FeedKey) (string, bool) {
	kind, id := k.Split()
	switch kind {
	case "all":
		return "/feed", true
	case "comments":
		return "/comments", true
	case "source":
		return "/sources/" + url.PathEscape(id) + "/feed", true
	case "category":
		return "/categories/" + url.PathEscape(id) + "/feed", true
	case "article":
		return "/articles/" + url.PathEscape(id) + "/comments", true
	}
	return "", false
}

// The index page, the paged lists of sources and categories and the OPML
// are cached documents like the feeds: rendered once per change (of the
// site feed, which moves with every article write and so with the
// categories in use, or of the source set) and served with ETag, 304, gzip
// and stale-if-error. The HTML lists are paged so that no response grows
// with the site, and so is what they read: the index and a list page
// read one page of categories from the store (store.Reader.CategoryPage),
// never the whole list. The OPML stays one document, of every feed.

// listPageSize is how many sources or categories an HTML list page shows;
// the index page shows the first indexShows of each, with autodiscovery
// links for those (list pages carry none: a hundred feeds' worth of
// <link> tags helps no reader).
const (
	listPageSize = 100
	indexShows   = 20
)

// listing is one public feed on the index page, a list page and the OPML.
type listing struct {
	Title string
	Path  string // without extension
	Home  string
}

// listMemo identifies what a list document shows: the source set and the
// categories it lists (with how many there are in all). A site feed
// change that leaves both alone (most ingests) keeps the cached document
// without rendering it again.
func listMemo(set *sourceSet, cats []store.Category, total int) string {
	h := sha256.New()
	for _, c := range cats {
		h.Write([]byte(c.Slug + "\x00" + c.Label + "\x01"))
	}
	return strconv.FormatUint(set.gen, 10) + "|" + strconv.Itoa(total) + "|" + hex.EncodeToString(h.Sum(nil)[:16])
}

func (s *Server) siteListings() []listing {
	site := s.r.Site()
	return []listing{
		{Title: site.Title, Path: "/feed", Home: site.BaseURL + "/"},
		{Title: "Comments for " + site.Title, Path: "/comments", Home: site.BaseURL + "/"},
	}
}

// sourceListings returns the listings of sources ids[from:to].
func (s *Server) sourceListings(set *sourceSet, from, to int) []listing {
	site := s.r.Site()
	to = min(to, len(set.ids))
	out := make([]listing, 0, max(0, to-from))
	for _, id := range set.ids[min(from, to):to] {
		src := set.m[id]
		home := src.SiteURL
		if home == "" {
			home = site.BaseURL + "/"
		}
		p, _ := feedPath(store.SourceFeed(id))
		out = append(out, listing{Title: src.Name, Path: p, Home: home})
	}
	return out
}

// categoryListings returns the listings of categories.
func (s *Server) categoryListings(cats []store.Category) []listing {
	home := s.r.Site().BaseURL + "/"
	out := make([]listing, 0, len(cats))
	for _, c := range cats {
		p, _ := feedPath(store.CategoryFeed(c.Slug))
		out = append(out, listing{Title: "Category: " + c.Label, Path: p, Home: home})
	}
	return out
}

const pageHead = `<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
{{range .Alternates}}{{$f := .}}{{range $.Formats}}<link rel="alternate" {{index $.Types .}} title="{{$f.Title}} ({{.}})" href="{{$.Base}}{{$f.Path}}.{{.}}">
{{end}}{{end}}<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}li{margin:.4rem 0}a{color:#0645ad}.fmt a{margin-right:.6rem;font-size:.9rem}
</style>
</head>
<body>
`

var pageTemplates = template.Must(template.New("feeds").Parse(`{{define "list"}}<ul>
{{range .}}{{$f := .}}<li>{{.Title}} <span class="fmt">{{range $.Formats}}<a href="{{$.Base}}{{$f.Path}}.{{.}}">{{.}}</a>{{end}}</span></li>
{{end}}</ul>{{end}}`))

var indexPage = template.Must(template.Must(pageTemplates.Clone()).New("index").Parse(pageHead + `<h1>{{.Title}}</h1>
{{with .Description}}<p>{{.}}</p>{{end}}
<p>Articles republished from our partners, each with a link to where it was first published. Subscribe in any feed reader; <a href="{{.Base}}/feeds.opml">all feeds as OPML</a>.</p>
{{$d := .}}<ul>
{{range .Site}}{{$f := .}}<li>{{.Title}} <span class="fmt">{{range $d.Formats}}<a href="{{$d.Base}}{{$f.Path}}.{{.}}">{{.}}</a>{{end}}</span></li>
{{end}}</ul>
{{with .Sources}}<h2>Sources</h2>
<ul>
{{range .}}{{$f := .}}<li>{{.Title}} <span class="fmt">{{range $d.Formats}}<a href="{{$d.Base}}{{$f.Path}}.{{.}}">{{.}}</a>{{end}}</span></li>
{{end}}</ul>
{{end}}{{if .MoreSources}}<p><a href="{{.Base}}/sources/">All {{.SourceCount}} sources</a></p>
{{end}}{{with .Categories}}<h2>Categories</h2>
<ul>
{{range .}}{{$f := .}}<li>{{.Title}} <span class="fmt">{{range $d.Formats}}<a href="{{$d.Base}}{{$f.Path}}.{{.}}">{{.}}</a>{{end}}</span></li>
{{end}}</ul>
{{end}}{{if .MoreCategories}}<p><a href="{{.Base}}/categories/">All {{.CategoryCount}} categories</a></p>
{{end}}</body>
</html>
`))

var listPage = template.Must(template.New("list").Parse(pageHead + `<h1>{{.Heading}}</h1>
<p><a href="{{.Base}}/">{{.SiteTitle}}</a> · page {{.Page}} of {{.Last}}</p>
{{$d := .}}<ul>
{{range .Items}}{{$f := .}}<li>{{.Title}} <span class="fmt">{{range $d.Formats}}<a href="{{$d.Base}}{{$f.Path}}.{{.}}">{{.}}</a>{{end}}</span></li>
{{end}}</ul>
<p>{{with .Prev}}<a rel="prev" href="{{.}}">Previous page</a> {{end}}{{with .Next}}<a rel="next" href="{{.}}">Next page</a>{{end}}</p>
</body>
</html>
`))

// linkTypes are the type attributes of autodiscovery links, written as
// is: html/template would escape the '+' of the media types as &#43;,
// which naive autodiscovery code does not decode.
var linkTypes = func() map[Format]template.HTMLAttr {
	m := map[Format]template.HTMLAttr{}
	for _, f := range Formats {
		m[f] = template.HTMLAttr(`type="` + f.MediaType() + `"`)
	}
	return m
}()

const htmlType = "text/html; charset=utf-8"

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.cache.Serve(w, r, Key{Name: "/"}, s.Deps(store.FeedAll), s.renderIndex)
}

// renderIndex renders the index page: the site's feeds and the first page
// of sources and of categories, each with autodiscovery links. It is the
// one place that knows what the front page shows.
func (s *Server) renderIndex(ctx context.Context, in RenderInput) (Content, error) {
	set := s.srcs.Load()
	cats, err := s.st.CategoryPage(ctx, 0, indexShows)
	if err != nil {
		return Content{}, err
	}
	memo := listMemo(set, cats.Items, cats.Total)
	if memo == in.Memo {
		return Content{Memo: memo, Unchanged: true}, nil
	}
	site := s.r.Site()
	srcs := s.sourceListings(set, 0, indexShows)
	catl := s.categoryListings(cats.Items)
	var buf bytes.Buffer
	err = indexPage.Execute(&buf, map[string]any{
		"Lang": site.Language, "Title": site.Title, "Description": site.Description,
		"Base": site.BaseURL, "Formats": Formats, "Types": linkTypes,
		"Alternates": slices.Concat(s.siteListings(), srcs, catl),
		"Site":       s.siteListings(), "Sources": srcs, "Categories": catl,
		"MoreSources": len(set.ids) > len(srcs), "SourceCount": len(set.ids),
		"MoreCategories": cats.Total > len(catl), "CategoryCount": cats.Total,
	})
	return Content{Body: buf.Bytes(), Type: htmlType, Memo: memo}, err
}

// listParams reads ?page= of a list page (unknown parameters are ignored).
func listParams(w http.ResponseWriter, r *http.Request) (int, bool) {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		httpError(w, http.StatusBadRequest, "page must be a whole number from 1")
		return 0, false
	}
	return n, true
}

func (s *Server) handleSourceList(w http.ResponseWriter, r *http.Request) {
	page, ok := listParams(w, r)
	if !ok {
		return
	}
	s.cache.Serve(w, r, Key{Name: "/sources/", Page: page}, s.Deps(), func(ctx context.Context, in RenderInput) (Content, error) {
		set := s.srcs.Load()
		return s.renderList(page, len(set.ids), "/sources/", "Sources", func(from, to int) []listing { return s.sourceListings(set, from, to) })
	})
}

func (s *Server) handleCategoryList(w http.ResponseWriter, r *http.Request) {
	page, ok := listParams(w, r)
	if !ok {
		return
	}
	s.cache.Serve(w, r, Key{Name: "/categories/", Page: page}, s.Deps(store.FeedAll), func(ctx context.Context, in RenderInput) (Content, error) {
		// One page of the list from the store, never the whole list.
		cats, err := s.st.CategoryPage(ctx, pageOffset(page), listPageSize)
		if err != nil {
			return Content{}, err
		}
		memo := listMemo(s.srcs.Load(), cats.Items, cats.Total)
		if memo == in.Memo {
			return Content{Memo: memo, Unchanged: true}, nil
		}
		c, err := s.renderList(page, cats.Total, "/categories/", "Categories", func(int, int) []listing { return s.categoryListings(cats.Items) })
		c.Memo = memo
		return c, err
	})
}

// pageOffset is the first item of list page n (from 1); a page number
// too large to have items gives an offset past any list, not an overflow.
func pageOffset(n int) int {
	if n > math.MaxInt/listPageSize {
		return math.MaxInt - listPageSize
	}
	return (n - 1) * listPageSize
}

// renderList renders one page of a list of feeds.
func (s *Server) renderList(page, total int, path, heading string, items func(from, to int) []listing) (Content, error) {
	last := max(1, (total+listPageSize-1)/listPageSize)
	if page > last {
		return Content{}, syndicate.Errorf(syndicate.ENotFound, "page %d is past the end of this list", page)
	}
	site := s.r.Site()
	pageURL := func(n int) string {
		if n == 1 {
			return site.BaseURL + path
		}
		return site.BaseURL + path + "?page=" + strconv.Itoa(n)
	}
	list := items((page-1)*listPageSize, page*listPageSize)
	data := map[string]any{
		"Lang": site.Language, "Title": heading + " — " + site.Title, "Heading": heading, "SiteTitle": site.Title,
		"Base": site.BaseURL, "Formats": Formats, "Types": linkTypes, "Items": list,
		"Page": page, "Last": last, "Prev": "", "Next": "",
	}
	if page > 1 {
		data["Prev"] = pageURL(page - 1)
	}
	if page < last {
		data["Next"] = pageURL(page + 1)
	}
	var buf bytes.Buffer
	err := listPage.Execute(&buf, data)
	return Content{Body: buf.Bytes(), Type: htmlType}, err
}

// OPML 2.0 (http://opml.org/spec2.opml) documents.
type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Title   string      `xml:"head>title"`
	Owner   string      `xml:"head>ownerName,omitempty"`
	Body    []opmlEntry `xml:"body>outline"`
}

type opmlEntry struct {
	Text    string `xml:"text,attr"`
	Title   string `xml:"title,attr"`
	Type    string `xml:"type,attr"`
	XMLURL  string `xml:"xmlUrl,attr"`
	HTMLURL string `xml:"htmlUrl,attr,omitempty"`
}

func (s *Server) handleOPML(w http.ResponseWriter, r *http.Request) {
	s.cache.Serve(w, r, Key{Name: "/feeds.opml"}, s.Deps(store.FeedAll), s.renderOPML)
}

// renderOPML renders every public feed as one OPML document.
func (s *Server) renderOPML(ctx context.Context, in RenderInput) (Content, error) {
	set := s.srcs.Load()
	// The one document that lists every category, by design: it reads
	// the whole list (once per change of the site feed's version).
	labels, err := s.st.Categories(ctx)
	if err != nil {
		return Content{}, err
	}
	cats := make([]store.Category, 0, len(labels))
	for slug, label := range labels {
		cats = append(cats, store.Category{Slug: slug, Label: label})
	}
	slices.SortFunc(cats, func(a, b store.Category) int { return strings.Compare(a.Slug, b.Slug) })
	memo := listMemo(set, cats, len(cats))
	if memo == in.Memo {
		return Content{Memo: memo, Unchanged: true}, nil
	}
	site := s.r.Site()
	doc := opmlDoc{Version: "2.0", Title: site.Title + " — feeds", Owner: site.Title}
	feeds := slices.Concat(s.siteListings(), s.sourceListings(set, 0, len(set.ids)), s.categoryListings(cats))
	doc.Body = make([]opmlEntry, 0, len(feeds))
	for _, f := range feeds {
		doc.Body = append(doc.Body, opmlEntry{Text: f.Title, Title: f.Title, Type: "rss", XMLURL: site.BaseURL + f.Path + ".rss", HTMLURL: f.Home})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return Content{}, fmt.Errorf("render opml: %w", err)
	}
	buf.WriteString("\n")
	return Content{Body: buf.Bytes(), Type: "text/x-opml; charset=utf-8", Memo: memo}, nil
}
