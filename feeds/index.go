package feeds

import (
	"encoding/xml"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

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

// listing is one public feed on the index page and in the OPML.
type listing struct {
	Title string
	Path  string // without extension
	Home  string
}

// listings returns every public feed: the site, its comments, each
// source, each category in use.
func (s *Server) listings(r *http.Request) ([]listing, error) {
	site := s.r.Site()
	out := []listing{
		{Title: site.Title, Path: "/feed", Home: site.BaseURL + "/"},
		{Title: "Comments for " + site.Title, Path: "/comments", Home: site.BaseURL + "/"},
	}
	srcs := s.Sources()
	ids := make([]string, 0, len(srcs))
	for id := range srcs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		src := srcs[id]
		home := src.SiteURL
		if home == "" {
			home = site.BaseURL + "/"
		}
		p, _ := feedPath(store.SourceFeed(id))
		out = append(out, listing{Title: src.Name, Path: p, Home: home})
	}
	cats, err := s.st.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	slugs := make([]string, 0, len(cats))
	for slug := range cats {
		slugs = append(slugs, slug)
	}
	slices.Sort(slugs)
	for _, slug := range slugs {
		p, _ := feedPath(store.CategoryFeed(slug))
		out = append(out, listing{Title: "Category: " + cats[slug], Path: p, Home: site.BaseURL + "/"})
	}
	return out, nil
}

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
{{range .Feeds}}{{$f := .}}{{range $.Formats}}<link rel="alternate" {{index $.Types .}} title="{{$f.Title}} ({{.}})" href="{{$.Base}}{{$f.Path}}.{{.}}">
{{end}}{{end}}<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}li{margin:.4rem 0}a{color:#0645ad}.fmt a{margin-right:.6rem;font-size:.9rem}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .Description}}<p>{{.}}</p>{{end}}
<p>Articles republished from our partners, each with a link to where it was first published. Subscribe in any feed reader; <a href="{{.Base}}/feeds.opml">all feeds as OPML</a>.</p>
<ul>
{{range .Feeds}}{{$f := .}}<li>{{.Title}} <span class="fmt">{{range $.Formats}}<a href="{{$.Base}}{{$f.Path}}.{{.}}">{{.}}</a>{{end}}</span></li>
{{end}}</ul>
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

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	feeds, err := s.listings(r)
	if err != nil {
		s.log.Error("index page", "error", err)
		httpError(w, http.StatusServiceUnavailable, "the store is unavailable; try again shortly")
		return
	}
	site := s.r.Site()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header()["Cache-Control"] = s.hCacheControl
	if r.Method == http.MethodHead {
		return
	}
	err = indexPage.Execute(w, map[string]any{
		"Lang": site.Language, "Title": site.Title, "Description": site.Description,
		"Base": site.BaseURL, "Feeds": feeds, "Formats": Formats, "Types": linkTypes,
	})
	if err != nil {
		s.log.Warn("index page write", "error", err)
	}
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
	feeds, err := s.listings(r)
	if err != nil {
		s.log.Error("opml", "error", err)
		httpError(w, http.StatusServiceUnavailable, "the store is unavailable; try again shortly")
		return
	}
	site := s.r.Site()
	doc := opmlDoc{Version: "2.0", Title: site.Title + " — feeds", Owner: site.Title}
	for _, f := range feeds {
		doc.Body = append(doc.Body, opmlEntry{Text: f.Title, Title: f.Title, Type: "rss", XMLURL: site.BaseURL + f.Path + ".rss", HTMLURL: f.Home})
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		s.log.Error("opml", "error", err)
		httpError(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header()["Cache-Control"] = s.hCacheControl
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodHead {
		return
	}
	w.Write([]byte(xml.Header))
	w.Write(out)
	w.Write([]byte("\n"))
}
