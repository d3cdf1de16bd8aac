package admin

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"syndicate"
	"syndicate/internal/route"
	"syndicate/sanitize"
	"syndicate/store"
)

const commentsPerPage = 50

// moderationStatuses are the tabs of the comments page, in order.
var moderationStatuses = []struct{ Status, Label, Empty string }{
	{syndicate.StatusPending, "Pending", "No comments are waiting for moderation."},
	{syndicate.StatusApproved, "Approved", "No approved comments yet."},
	{syndicate.StatusSpam, "Spam", "No comments are marked as spam."},
}

func validStatus(s string) bool {
	for _, m := range moderationStatuses {
		if m.Status == s {
			return true
		}
	}
	return false
}

// commentPolicy sanitizes comment bodies again as they are shown: they
// were sanitized with this policy when they were taken, so this changes
// nothing unless something else wrote the store (defence in depth).
var commentPolicy = sanitize.Comment()

type commentTab struct {
	Status, Label string
	Count         int
	Current       bool
}

// commentRow is one comment as the moderation list shows it.
type commentRow struct {
	*syndicate.Comment
	// Body is the comment's HTML. Comment content is sanitized with the
	// comment policy (p, br, a with http(s) href and rel=nofollow, em,
	// strong, blockquote, code) when it is submitted and once more here,
	// so it is safe to show as HTML; the page's CSP allows no script.
	Body         template.HTML
	When         *time.Time
	ArticleTitle string // "" without a Lookup: the id is shown
	ArticleLink  string // canonical URL, else /articles/{id}
	SourceName   string
	// Parent is the comment this one replies to, when it can be read.
	Parent     *syndicate.Comment
	ParentHere bool // on this page: linked by its anchor
}

type commentsData struct {
	base
	Status, Empty                   string
	Tabs                            []commentTab
	Comments                        []commentRow
	Total, From, To, PageNum, Pages int
	PrevURL, NextURL                string
}

// moderation reports whether comments can be moderated here, and shows
// why not otherwise.
func (p *Page) moderation(w http.ResponseWriter, r *http.Request) bool {
	if p.opts.Moderator != nil {
		return true
	}
	p.renderError(w, r, http.StatusNotFound, "Comment moderation is off",
		"This server was started without comment moderation, so reader comments cannot be listed or moderated here.")
	return false
}

// commentsURL is the moderation list of status at page n.
func commentsURL(status string, n int) string {
	u := "/admin/comments?status=" + url.QueryEscape(status)
	if n > 1 {
		u += "&page=" + strconv.Itoa(n)
	}
	return u
}

func (p *Page) handleComments(w http.ResponseWriter, r *http.Request, s session) {
	if !p.moderation(w, r) {
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	if status == "" {
		status = syndicate.StatusPending
	}
	if !validStatus(status) {
		p.renderError(w, r, http.StatusBadRequest, "Unknown status", fmt.Sprintf("Comments are pending, approved or spam, not %q.", status))
		return
	}
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	ctx := r.Context()
	list, err := p.opts.Moderator.List(ctx, status, (n-1)*commentsPerPage, commentsPerPage)
	if err != nil {
		p.renderErrorOf(w, r, err, "Not found")
		return
	}
	pages := max(1, (list.Total+commentsPerPage-1)/commentsPerPage)
	if n > pages { // past the end, e.g. after moderating the last page's comments
		n = pages
		if list, err = p.opts.Moderator.List(ctx, status, (n-1)*commentsPerPage, commentsPerPage); err != nil {
			p.renderErrorOf(w, r, err, "Not found")
			return
		}
	}
	d := commentsData{base: p.base(r, s, "Comments"), Status: status, Total: list.Total, PageNum: n, Pages: pages}
	d.Flash = p.takeFlash(w, r)
	for _, m := range moderationStatuses {
		t := commentTab{Status: m.Status, Label: m.Label, Current: m.Status == status, Count: list.Total}
		if !t.Current {
			pg, err := p.opts.Moderator.List(ctx, m.Status, 0, 1)
			if err != nil {
				p.renderErrorOf(w, r, err, "Not found")
				return
			}
			t.Count = pg.Total
		} else {
			d.Empty = m.Empty
		}
		d.Tabs = append(d.Tabs, t)
	}
	if len(list.Items) > 0 {
		d.From = (n-1)*commentsPerPage + 1
		d.To = d.From + len(list.Items) - 1
	}
	if n > 1 {
		d.PrevURL = commentsURL(status, n-1)
	}
	if n < pages {
		d.NextURL = commentsURL(status, n+1)
	}
	d.Comments = p.commentRows(ctx, list.Items)
	p.render(w, r, http.StatusOK, "comments", d)
}

// commentRows adds what a moderator needs to see around each comment,
// reading each article and parent once. A failed lookup only leaves the
// id showing.
func (p *Page) commentRows(ctx context.Context, cs []*syndicate.Comment) []commentRow {
	here := map[string]bool{}
	for _, c := range cs {
		here[c.ID] = true
	}
	articles := map[string]*store.ArticleView{}
	parents := map[string]*syndicate.Comment{}
	out := make([]commentRow, 0, len(cs))
	for _, c := range cs {
		when := c.Published
		row := commentRow{Comment: c, When: &when, ArticleLink: "/articles/" + url.PathEscape(c.ArticleID),
			Body: template.HTML(commentPolicy.HTML(c.Content, nil)), ParentHere: c.ParentID != "" && here[c.ParentID]}
		if p.opts.Lookup != nil {
			a, seen := articles[c.ArticleID]
			if !seen {
				if v, err := p.opts.Lookup.Article(ctx, c.ArticleID); err == nil {
					a = &v
				}
				articles[c.ArticleID] = a
			}
			if a != nil {
				row.ArticleTitle, row.SourceName = a.Title, a.Source.Name
				if a.CanonicalURL != "" {
					row.ArticleLink = a.CanonicalURL
				}
			}
			if c.ParentID != "" {
				pc, seen := parents[c.ParentID]
				if !seen {
					pc, _ = p.opts.Lookup.Comment(ctx, c.ParentID)
					parents[c.ParentID] = pc
				}
				row.Parent = pc
			}
		}
		out = append(out, row)
	}
	return out
}

// commentsBack is the list a moderation form was sent from.
func commentsBack(r *http.Request) string {
	status := r.PostForm.Get("status")
	if !validStatus(status) {
		status = syndicate.StatusPending
	}
	n, err := strconv.Atoi(r.PostForm.Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	return commentsURL(status, n)
}

// authorOf names a comment's author for a message.
func authorOf(c *syndicate.Comment) string {
	if c == nil || c.Author.Name == "" {
		return "the comment"
	}
	return "the comment by " + c.Author.Name
}

// handleModerate moves a comment to status through the Moderator.
func (p *Page) handleModerate(status string) func(http.ResponseWriter, *http.Request, session) {
	return func(w http.ResponseWriter, r *http.Request, s session) {
		if !p.moderation(w, r) {
			return
		}
		back := commentsBack(r)
		id := route.Value(r, "id")
		c, err := p.opts.Moderator.SetStatus(r.Context(), s.Name, id, status)
		if err != nil {
			p.moderationError(w, r, err, id, back)
			return
		}
		var msg string
		switch status {
		case syndicate.StatusApproved:
			msg = "Approved %s: it is published."
		case syndicate.StatusSpam:
			msg = "Marked %s as spam: it is not published."
		default:
			msg = "Moved %s back to pending: it is no longer published."
		}
		p.setFlash(w, r, "ok", upperFirst(fmt.Sprintf(msg, authorOf(c))))
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

func (p *Page) handleDeleteComment(w http.ResponseWriter, r *http.Request, s session) {
	if !p.moderation(w, r) {
		return
	}
	back := commentsBack(r)
	id := route.Value(r, "id")
	var c *syndicate.Comment
	if p.opts.Lookup != nil { // for the message only
		c, _ = p.opts.Lookup.Comment(r.Context(), id)
	}
	if err := p.opts.Moderator.Delete(r.Context(), s.Name, id); err != nil {
		p.moderationError(w, r, err, id, back)
		return
	}
	p.setFlash(w, r, "ok", upperFirst(fmt.Sprintf("Deleted %s.", authorOf(c))))
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// moderationError answers a failed moderation: a comment that is gone
// (another editor deleted it) is a message on the list, anything else an
// error page.
func (p *Page) moderationError(w http.ResponseWriter, r *http.Request, err error, id, back string) {
	if syndicate.ErrorKind(err) == syndicate.ENotFound {
		p.setFlash(w, r, "error", fmt.Sprintf("Comment %s no longer exists: another editor may have deleted it.", id))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	p.renderErrorOf(w, r, err, "No such comment")
}
