package admin

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"syndicate"
	"syndicate/internal/httperr"
)

// base is what every page's layout shows.
type base struct {
	Title     string
	SiteTitle string
	Who       string
	CSRF      string
	Flash     *flash
	// Section is the navigation entry of the page: sources or comments.
	Section string
	// Moderation shows the Comments entry, with the pending count.
	Moderation      bool
	PendingComments int
}

func (p *Page) base(r *http.Request, s session, title string) base {
	b := base{Title: title, SiteTitle: p.opts.SiteTitle, Who: s.Name, Section: "sources"}
	if strings.HasPrefix(r.URL.Path, "/admin/comments") {
		b.Section = "comments"
	}
	if s.ID != "" {
		if key, err := p.key(r.Context()); err == nil {
			b.CSRF = csrfToken(key, s)
		}
	}
	if p.opts.Moderator != nil {
		b.Moderation = true
		// The count is a courtesy: a store error shows up where it matters.
		if pg, err := p.opts.Moderator.List(r.Context(), syndicate.StatusPending, 0, 1); err == nil {
			b.PendingComments = pg.Total
		}
	}
	return b
}

func (p *Page) parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"ago":   p.ago,
		"until": p.until,
		"iso":   iso,
		"stamp": stamp,
		"join":  strings.Join,
	}
	common := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/form.html"))
	out := map[string]*template.Template{}
	for _, name := range []string{"index", "login", "edit", "delete", "error", "comments", "takedown", "preview"} {
		t := template.Must(template.Must(common.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
		out[name] = t
	}
	return out
}

// securityHeaders keep the page out of frames and caches and allow only
// its own stylesheet: there is no script on it at all.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

func (p *Page) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	var buf bytes.Buffer
	if err := p.tmpl[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		p.log.Error("admin page: render", "template", name, "path", r.URL.Path, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

type errorData struct {
	base
	Code    int
	Message string
}

func (p *Page) renderError(w http.ResponseWriter, r *http.Request, code int, title, msg string) {
	p.render(w, r, code, "error", errorData{base: base{Title: title, SiteTitle: p.opts.SiteTitle}, Code: code, Message: msg})
}

func (p *Page) renderDisabled(w http.ResponseWriter, r *http.Request) {
	p.renderError(w, r, http.StatusForbidden, "Admin disabled",
		"The admin page and API are disabled because no admin token is configured. Set admin.tokens in the config file or SYNDICATE_ADMIN_TOKEN, then restart.")
}

// renderServiceError shows a Service error on its own page with the
// status of its kind (the API's table); unknown errors are logged.
func (p *Page) renderServiceError(w http.ResponseWriter, r *http.Request, err error) {
	p.renderErrorOf(w, r, err, "No such source")
}

// renderErrorOf is renderServiceError with the title of a 404.
func (p *Page) renderErrorOf(w http.ResponseWriter, r *http.Request, err error, notFound string) {
	httperr.Log(p.log, err, "admin page", "method", r.Method, "path", r.URL.Path)
	prob := httperr.Of(err, "")
	code := prob.Status
	title := http.StatusText(code)
	switch code {
	case http.StatusConflict:
		title = "Not allowed"
	case http.StatusNotFound:
		title = notFound
	}
	p.renderError(w, r, code, title, upperFirst(prob.Message))
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func (p *Page) handleCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(p.css)
}

func (p *Page) handleSlash(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin", http.StatusMovedPermanently)
}

func (p *Page) ago(t *time.Time) string {
	if t == nil {
		return "never"
	}
	d := p.opts.Now().Sub(*t)
	if d < 0 {
		return "in " + span(-d)
	}
	if d < time.Minute {
		return "just now"
	}
	return span(d) + " ago"
}

func (p *Page) until(t *time.Time) string {
	if t == nil {
		return "—"
	}
	d := t.Sub(p.opts.Now())
	if d < time.Minute {
		return "due now"
	}
	return "in " + span(d)
}

// span says a duration the way people do: 5 min, 3 h, 2 days.
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

func iso(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}
