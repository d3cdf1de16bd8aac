package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"syndicate"
	"syndicate/store"
)

// takedownForm is the "take down an article" box as the editor typed it.
type takedownForm struct {
	Value, Error string
}

// articleRef returns the article id an editor pasted: the id itself or
// a URL with /articles/{id} in its path (the article's JSON, its comment
// feeds), or what is wrong with it, a sentence for the form.
func articleRef(in string) (id, problem string) {
	in = strings.TrimSpace(in)
	if in == "" {
		return "", "Enter the article's id or its URL on this site."
	}
	id = in
	if strings.Contains(in, "/") {
		u, err := url.Parse(in)
		if err != nil {
			return "", fmt.Sprintf("%q is not a URL.", in)
		}
		id = ""
		segs := strings.Split(u.EscapedPath(), "/")
		for i := 0; i+1 < len(segs); i++ {
			if segs[i] == "articles" && segs[i+1] != "" {
				if id, err = url.PathUnescape(segs[i+1]); err != nil {
					id = segs[i+1]
				}
				break
			}
		}
		if id == "" {
			return "", "That URL names no article: use the article's id or its URL on this site, …/articles/{id}. A partner's own URL does not work here."
		}
	}
	if len(id) > 200 || strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.~", r))
	}) >= 0 {
		return "", fmt.Sprintf("%q is not an article id: ids look like partner-daily-4k2j… (letters, digits and dashes).", id)
	}
	return id, ""
}

// errNoArticle is the field error of an id no article has.
func errNoArticle(id string) string {
	return fmt.Sprintf("No article has the id %q: check it, or it was taken down already.", id)
}

type takedownData struct {
	base
	ID      string
	Article *store.ArticleView // nil without a Lookup
	Link    string             // its canonical URL, else /articles/{id}
}

// handleTakeDownConfirm is the confirm step: it finds the article and
// says what taking it down does.
func (p *Page) handleTakeDownConfirm(w http.ResponseWriter, r *http.Request, s session) {
	in := r.URL.Query().Get("article")
	id, problem := articleRef(in)
	if problem != "" {
		p.renderIndexWith(w, r, s, http.StatusBadRequest, sourceForm{Enabled: true}, nil, takedownForm{Value: in, Error: problem})
		return
	}
	d := takedownData{base: p.base(r, s, "Take down "+id), ID: id, Link: "/articles/" + url.PathEscape(id)}
	if p.opts.Lookup != nil {
		v, err := p.opts.Lookup.Article(r.Context(), id)
		switch {
		case syndicate.ErrorKind(err) == syndicate.ENotFound:
			p.renderIndexWith(w, r, s, http.StatusNotFound, sourceForm{Enabled: true}, nil, takedownForm{Value: in, Error: errNoArticle(id)})
			return
		case err != nil:
			p.renderErrorOf(w, r, err, "No such article")
			return
		}
		d.Article = &v
		if v.CanonicalURL != "" {
			d.Link = v.CanonicalURL
		}
	}
	p.render(w, r, http.StatusOK, "takedown", d)
}

func (p *Page) handleTakeDown(w http.ResponseWriter, r *http.Request, s session) {
	in := r.PostForm.Get("article")
	id, problem := articleRef(in)
	if problem != "" {
		p.renderIndexWith(w, r, s, http.StatusBadRequest, sourceForm{Enabled: true}, nil, takedownForm{Value: in, Error: problem})
		return
	}
	name := fmt.Sprintf("article %s", id)
	if p.opts.Lookup != nil { // for the message only
		if v, err := p.opts.Lookup.Article(r.Context(), id); err == nil && v.Title != "" {
			name = fmt.Sprintf("“%s” (%s)", v.Title, id)
		}
	}
	if err := p.opts.Service.Retract(r.Context(), s.Name, id, r.PostForm.Get("reason")); err != nil {
		if syndicate.ErrorKind(err) == syndicate.ENotFound {
			p.renderIndexWith(w, r, s, http.StatusNotFound, sourceForm{Enabled: true}, nil, takedownForm{Value: in, Error: errNoArticle(id)})
			return
		}
		p.renderErrorOf(w, r, err, "No such article")
		return
	}
	p.setFlash(w, r, "ok", fmt.Sprintf("Took down %s: it is gone from every feed with its comments, and no partner feed will bring it back.", name))
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}
