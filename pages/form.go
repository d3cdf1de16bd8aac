package pages

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"syndicate"
	"syndicate/internal/route"
)

// CommentForm wraps the comment endpoint (POST /articles/{id}/comments)
// for the pages' own form. The endpoint decides everything as for any
// other client (validation, the honeypot, closing, the rate limit,
// moderation); this only changes what a reader sees afterwards:
//
//   - on success, the 303 lands on the page with ?posted=ID, so the page
//     can say "published" or "awaiting moderation", at the comment's
//     anchor when it is published, else at the notice;
//   - on an error, the page comes back with the form refilled and the
//     message next to its field, with the endpoint's status code.
//
// Requests whose redirect field is not one of this article's pages (JSON
// clients, other sites' forms) pass through untouched.
func (s *Server) CommentForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if r.Method != http.MethodPost || mt != "application/x-www-form-urlencoded" {
			next.ServeHTTP(w, r)
			return
		}
		limit := s.opts.Comments.MaxBodyBytes
		raw, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			s.plainError(w, http.StatusBadRequest, "The form could not be read.")
			return
		}
		// The endpoint reads the same bytes (and applies its own size
		// limit to them).
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(raw), r.Body))
		if int64(len(raw)) > limit {
			next.ServeHTTP(w, r)
			return
		}
		form, err := url.ParseQuery(string(raw))
		id := route.Value(r, "id")
		kind, ok := s.formPage(form.Get("redirect"), id)
		if err != nil || !ok {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{h: http.Header{}}
		next.ServeHTTP(rec, r)
		for k, v := range rec.h {
			if k != "Content-Type" && k != "Content-Length" && k != "Location" && k != "Cache-Control" {
				w.Header()[k] = v
			}
		}
		switch {
		case rec.code == http.StatusSeeOther:
			s.afterPost(w, r, kind, id, rec.h.Get("Location"))
		case rec.code >= 400 && rec.code != http.StatusNotFound && rec.code != http.StatusRequestEntityTooLarge:
			var e struct{ Error, Field string }
			json.Unmarshal(rec.body.Bytes(), &e)
			v := &variant{code: rec.code, form: &formInput{
				Author: form.Get("author"), Email: form.Get("email"), URL: form.Get("url"),
				Body: form.Get("body"), ParentID: form.Get("parent_id"),
			}}
			switch e.Field {
			case "author", "email", "url", "body":
				v.errs = map[string]string{e.Field: fieldLabel(e.Field) + " " + e.Error}
				v.err = "Your comment was not posted: please correct the field marked below."
			default:
				v.err = "Your comment was not posted: " + upperFirst(e.Error)
				if e.Field == "parent_id" {
					v.form.ParentID = ""
				}
			}
			if e.Field == s.opts.Comments.Honeypot {
				v.err = "Your comment was not posted: the hidden field meant to catch robots was filled in."
			}
			s.serveVariant(w, r, Key{Kind: kind, ID: id, Page: 1}, v)
		default:
			rec.flush(w)
		}
	})
}

func fieldLabel(f string) string {
	switch f {
	case "author":
		return "Your name"
	case "email":
		return "Your e-mail"
	case "url":
		return "The website"
	}
	return "The comment"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	s = strings.TrimSuffix(s, ".")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// formPage reports which page of article id a redirect names (the
// article page or its embeddable thread), as the pages' form sends it.
func (s *Server) formPage(redirect, id string) (string, bool) {
	self := s.articleURL(id)
	switch redirect {
	case self:
		return KindArticle, true
	case self + "/comments":
		return KindThread, true
	}
	return "", false
}

// afterPost sends the reader back to the page with the notice of the
// comment just posted: at the comment when it is published, else at the
// notice.
func (s *Server) afterPost(w http.ResponseWriter, r *http.Request, kind, id, location string) {
	_, frag, _ := strings.Cut(location, "#")
	cid, ok := strings.CutPrefix(frag, "comment-")
	page := s.articleURL(id)
	if kind == KindThread {
		page += "/comments"
	}
	if !ok || cid == "" {
		http.Redirect(w, r, page, http.StatusSeeOther)
		return
	}
	target := page + "?"
	anchor := "#notice"
	if c, err := s.st.Comment(r.Context(), cid); err == nil && c.Status == syndicate.StatusApproved {
		anchor = "#comment-" + cid
		if n := s.commentPage(r.Context(), id, cid); n > 1 {
			target += "comments=" + strconv.Itoa(n) + "&"
		}
	}
	target += "posted=" + url.QueryEscape(cid) + anchor
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// commentPage is the comment page of an article that shows comment cid
// (1 when it cannot tell).
func (s *Server) commentPage(ctx context.Context, id, cid string) int {
	all, err := s.allComments(ctx, id)
	if err != nil {
		return 1
	}
	var holds func(list []*commentView) bool
	holds = func(list []*commentView) bool {
		for _, c := range list {
			if c.ID == cid || holds(c.Replies) {
				return true
			}
		}
		return false
	}
	for i, root := range buildThread(all, s.opts.Comments.MaxDepth) {
		if holds([]*commentView{root}) {
			return i/s.opts.ThreadsPerPage + 1
		}
	}
	return 1
}

// recorder keeps the endpoint's answer for CommentForm to rewrite.
type recorder struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) flush(w http.ResponseWriter) {
	for _, k := range []string{"Content-Type", "Content-Length", "Location", "Cache-Control"} {
		if v, ok := r.h[k]; ok {
			w.Header()[k] = v
		}
	}
	if r.code == 0 {
		r.code = http.StatusOK
	}
	w.WriteHeader(r.code)
	w.Write(r.body.Bytes())
}
