package admin_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/admin"
	"syndicate/comments"
	"syndicate/store"
	"syndicate/store/embedded"
)

// modEnv is a page with a real comments.Service on its store and one
// article to comment on.
type modEnv struct {
	*pageEnv
	csvc    *comments.Service
	clogs   *lockedBuffer // the comments service's audit lines
	aid     string
	article *syndicate.Article
}

// newModEnv returns the page with moderation (and the store as its
// Lookup unless noLookup).
func newModEnv(t *testing.T, noLookup bool) *modEnv {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := &modEnv{clogs: &lockedBuffer{}}
	m.csvc = comments.NewService(comments.Options{Store: st, MaxLinks: 3, MaxDepth: 5, RateLimit: 1000,
		Now: func() time.Time { return m.clock.Now() }, Logger: slog.New(slog.NewTextHandler(m.clogs, nil))})
	m.pageEnv = newPageEnvOn(t, st, editorTokens, func(o *admin.PageOptions) {
		o.Moderator = m.csvc
		if !noLookup {
			o.Lookup = st
		}
	})
	published := m.clock.Now().Add(-2 * time.Hour)
	m.article = &syndicate.Article{GUID: "budget", CanonicalURL: "https://partner.example/2026/03/budget", Title: "Council passes the budget",
		Published: published, Updated: published}
	m.article.Hash = m.article.ContentHash()
	if _, err := st.ApplyIngest(t.Context(), &store.Batch{Source: syndicate.SourceRef{ID: "partner-daily", Name: "Partner Daily"},
		Now: published, Entries: []*store.Entry{{Key: "budget", Article: m.article}}}); err != nil {
		t.Fatal(err)
	}
	m.aid = syndicate.MintArticleID("partner-daily", "budget")
	return m
}

// submit takes a reader's comment through the comments service, a
// minute after the previous one.
func (m *modEnv) submit(t *testing.T, author, body, parent string) *syndicate.Comment {
	t.Helper()
	m.clock.Advance(time.Minute)
	c, err := m.csvc.Submit(t.Context(), &comments.Submission{ArticleID: m.aid, Author: author,
		Email: strings.ToLower(strings.Fields(author)[0]) + "@readers.example", Body: body, ParentID: parent}, "203.0.113.7")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// replyToPending submits a reply to parent, a pending comment: replies
// are taken only by published comments, so parent is approved for the
// reply and put back to pending, as when a moderator changes their mind.
func (m *modEnv) replyToPending(t *testing.T, author, body string, parent *syndicate.Comment) *syndicate.Comment {
	t.Helper()
	if _, err := m.csvc.SetStatus(t.Context(), "setup", parent.ID, syndicate.StatusApproved); err != nil {
		t.Fatal(err)
	}
	c := m.submit(t, author, body, parent.ID)
	if _, err := m.csvc.SetStatus(t.Context(), "setup", parent.ID, syndicate.StatusPending); err != nil {
		t.Fatal(err)
	}
	return c
}

func (m *modEnv) status(t *testing.T, id string) string {
	t.Helper()
	c, err := m.st.Comment(t.Context(), id)
	if syndicate.ErrorKind(err) == syndicate.ENotFound {
		return "deleted"
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

// commentOf returns the list item of one comment, or "".
func commentOf(body, id string) string {
	i := strings.Index(body, `<li class="comment`)
	for i >= 0 {
		j := strings.Index(body[i:], "</li>")
		if item := body[i : i+j]; strings.Contains(item, `id="comment-`+id+`"`) {
			return item
		}
		k := strings.Index(body[i+j:], `<li class="comment`)
		if k < 0 {
			break
		}
		i += j + k
	}
	return ""
}

var commentIDs = regexp.MustCompile(`<li class="comment[^"]*" id="comment-([^"]+)"`)

func listed(body string) []string {
	var ids []string
	for _, m := range commentIDs.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// tabCount returns the count shown on a status tab.
func tabCount(t *testing.T, body, status string) string {
	t.Helper()
	m := regexp.MustCompile(`id="tab-` + status + `"[^>]*>[^<]*<span class="tab-count">(\d+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s tab in:\n%s", status, body)
	}
	return m[1]
}

func TestPage_Comments(t *testing.T) {
	t.Run("List", func(t *testing.T) {
		m := newModEnv(t, false)
		ann := m.submit(t, "Ann Reader", "First! Thanks for covering this.", "")
		bob := m.submit(t, "Bob Writer", `<p>Nice <script>alert(1)</script><a href="https://bob.example/notes">notes</a> and <em>more</em></p>`, "")
		reply := m.replyToPending(t, "Cleo Answer", "I disagree with Ann.", ann)
		ok := m.submit(t, "Dan Approved", "Already approved.", "")
		spam := m.submit(t, "Eve Spammer", "Buy now at https://spam.example", "")
		for id, st := range map[string]string{ok.ID: syndicate.StatusApproved, spam.ID: syndicate.StatusSpam} {
			if _, err := m.csvc.SetStatus(t.Context(), "setup", id, st); err != nil {
				t.Fatal(err)
			}
		}
		// Something that was not sanitized by the comment policy (a
		// store written by hand) is sanitized again on the page.
		raw, _, err := m.st.AddComment(t.Context(), &syndicate.Comment{ArticleID: m.aid, Author: syndicate.Author{Name: "Raw"},
			Content: `<p onclick="steal()">raw <script>alert(2)</script><img src="x" onerror="y()"></p>`, Published: m.clock.Now().Add(time.Hour),
			Status: syndicate.StatusPending}, 5)
		if err != nil {
			t.Fatal(err)
		}

		b := m.browser(t)
		b.mustLogin()
		page := b.get("/admin/comments")
		wantStatus(t, page, http.StatusOK, "Council passes the budget", "Partner Daily")
		if got, want := listed(page.Body), []string{raw.ID, reply.ID, bob.ID, ann.ID}; !slices.Equal(got, want) {
			t.Errorf("pending list = %v, want newest first %v", got, want)
		}
		for status, want := range map[string]string{"pending": "4", "approved": "1", "spam": "1"} {
			if got := tabCount(t, page.Body, status); got != want {
				t.Errorf("%s tab count = %s, want %s", status, got, want)
			}
		}
		if !strings.Contains(page.Body, `id="nav-comments" class="on" aria-current="page">Comments <span class="nav-count"`) {
			t.Errorf("the Comments entry is not current with a pending count:\n%s", page.Body)
		}
		item := commentOf(page.Body, bob.ID)
		for _, want := range []string{"Bob Writer", `href="mailto:bob@readers.example"`, "203.0.113.7",
			`href="https://partner.example/2026/03/budget"`, `<a href="https://bob.example/notes" rel="nofollow">notes</a>`, "<em>more</em>",
			`action="/admin/comments/` + bob.ID + `/approve"`, `action="/admin/comments/` + bob.ID + `/spam"`, `action="/admin/comments/` + bob.ID + `/delete"`,
			"Delete this comment for good?", `datetime="2026-03-01T12:02:00Z"`} {
			if !strings.Contains(item, want) {
				t.Errorf("Bob's comment lacks %q:\n%s", want, item)
			}
		}
		if strings.Contains(item, "alert(1)") {
			t.Errorf("a script survived:\n%s", item)
		}
		if r := commentOf(page.Body, reply.ID); !strings.Contains(r, `Reply to <a href="#comment-`+ann.ID+`">Ann Reader</a>`) {
			t.Errorf("the reply does not name its parent:\n%s", r)
		}
		if r := commentOf(page.Body, raw.ID); strings.Contains(r, "<script") || strings.Contains(r, "onclick") || strings.Contains(r, "onerror") || !strings.Contains(r, "raw") {
			t.Errorf("an unsanitized body is shown as is:\n%s", r)
		}

		approved := b.get("/admin/comments?status=approved")
		wantStatus(t, approved, http.StatusOK)
		if got := listed(approved.Body); !slices.Equal(got, []string{ok.ID}) {
			t.Errorf("approved list = %v", got)
		}
		if item := commentOf(approved.Body, ok.ID); !strings.Contains(item, "/pending\"") || strings.Contains(item, "/approve\"") {
			t.Errorf("an approved comment offers:\n%s", item)
		}
		if got := listed(b.get("/admin/comments?status=spam").Body); !slices.Equal(got, []string{spam.ID}) {
			t.Errorf("spam list = %v", got)
		}
		wantStatus(t, b.get("/admin/comments?status=deleted"), http.StatusBadRequest, "pending, approved or spam")
		// The sources page links to the queue too.
		if src := b.get("/admin").Body; !strings.Contains(src, `href="/admin/comments" id="nav-comments">Comments <span class="nav-count" title="4 waiting for moderation">4`) {
			t.Errorf("the sources page has no pending count:\n%s", src)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		m := newModEnv(t, false)
		b := m.browser(t)
		b.mustLogin()
		wantStatus(t, b.get("/admin/comments"), http.StatusOK, "No comments are waiting for moderation.")
	})
	t.Run("Moderate", func(t *testing.T) {
		m := newModEnv(t, false)
		ann := m.submit(t, "Ann Reader", "Good piece.", "")
		bob := m.submit(t, "Bob Writer", "Cheap pills.", "")
		cleo := m.submit(t, "Cleo Answer", "Off topic.", "")
		b := m.browser(t)
		b.mustLogin()
		form := func() url.Values { return url.Values{"status": {"pending"}, "page": {"1"}} }

		wantRedirect(t, b.action("/admin/comments/"+ann.ID+"/approve", form()), "/admin/comments?status=pending")
		if got := m.status(t, ann.ID); got != syndicate.StatusApproved {
			t.Errorf("after approve: %s", got)
		}
		page := b.get("/admin/comments")
		wantStatus(t, page, http.StatusOK, "Approved the comment by Ann Reader: it is published.")
		if slices.Contains(listed(page.Body), ann.ID) {
			t.Error("an approved comment is still listed as pending")
		}
		if v, _ := m.st.Article(t.Context(), m.aid); v.CommentCount != 1 {
			t.Errorf("published comments = %d, want 1", v.CommentCount)
		}

		wantRedirect(t, b.action("/admin/comments/"+bob.ID+"/spam", form()), "/admin/comments?status=pending")
		wantStatus(t, b.get("/admin/comments"), http.StatusOK, "Marked the comment by Bob Writer as spam")
		if got := m.status(t, bob.ID); got != syndicate.StatusSpam {
			t.Errorf("after spam: %s", got)
		}

		// Back from spam to pending, from the spam tab.
		wantRedirect(t, b.action("/admin/comments/"+bob.ID+"/pending", url.Values{"status": {"spam"}}), "/admin/comments?status=spam")
		if got := m.status(t, bob.ID); got != syndicate.StatusPending {
			t.Errorf("after pending: %s", got)
		}

		wantRedirect(t, b.action("/admin/comments/"+cleo.ID+"/delete", form()), "/admin/comments?status=pending")
		wantStatus(t, b.get("/admin/comments"), http.StatusOK, "Deleted the comment by Cleo Answer.")
		if got := m.status(t, cleo.ID); got != "deleted" {
			t.Errorf("after delete: %s", got)
		}

		// Every change is audited under the session's token name.
		for _, want := range []string{
			"who=editor action=comment.approved comment_id=" + ann.ID,
			"who=editor action=comment.spam comment_id=" + bob.ID,
			"who=editor action=comment.pending comment_id=" + bob.ID,
			"who=editor action=comment.delete comment_id=" + cleo.ID,
		} {
			if !strings.Contains(m.clogs.String(), want) {
				t.Errorf("no audit line %q:\n%s", want, m.clogs.String())
			}
		}

		// A comment another editor deleted meanwhile: a message, no error page.
		wantRedirect(t, b.action("/admin/comments/"+cleo.ID+"/approve", form()), "/admin/comments?status=pending")
		wantStatus(t, b.get("/admin/comments"), http.StatusOK, "Comment "+cleo.ID+" no longer exists")
		// The list a form came from is where it leads back, and only a list.
		wantRedirect(t, b.action("/admin/comments/"+ann.ID+"/pending", url.Values{"status": {"approved"}, "page": {"3"}}), "/admin/comments?status=approved&page=3")
		wantRedirect(t, b.action("/admin/comments/"+ann.ID+"/approve", url.Values{"status": {"//evil.example"}, "page": {"x"}}), "/admin/comments?status=pending")
	})
	t.Run("CSRF", func(t *testing.T) {
		m := newModEnv(t, false)
		ann := m.submit(t, "Ann Reader", "Good piece.", "")
		b := m.browser(t)
		b.mustLogin()
		good := b.csrf("/admin/comments")
		for _, path := range []string{"/approve", "/spam", "/delete"} {
			wantStatus(t, b.post("/admin/comments/"+ann.ID+path, url.Values{}), http.StatusForbidden)
			wantStatus(t, b.post("/admin/comments/"+ann.ID+path, url.Values{"csrf": {good}}, "Origin", "https://evil.example"), http.StatusForbidden)
		}
		// Signed out, nothing happens either.
		wantRedirect(t, m.browser(t).post("/admin/comments/"+ann.ID+"/delete", url.Values{"csrf": {good}}), "/admin/login")
		if got := m.status(t, ann.ID); got != syndicate.StatusPending {
			t.Errorf("after refused forms: %s", got)
		}
	})
	t.Run("Paging", func(t *testing.T) {
		m := newModEnv(t, false)
		var ids []string
		for i := range 55 {
			c, _, err := m.st.AddComment(t.Context(), &syndicate.Comment{ArticleID: m.aid, Author: syndicate.Author{Name: fmt.Sprintf("Reader %d", i)},
				Content: "<p>hello</p>", Published: m.clock.Now().Add(time.Duration(i) * time.Minute), Status: syndicate.StatusPending}, 5)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		slices.Reverse(ids) // newest first
		b := m.browser(t)
		b.mustLogin()
		first := b.get("/admin/comments")
		wantStatus(t, first, http.StatusOK, "1–50 of 55", `href="/admin/comments?status=pending&page=2"`)
		if got := listed(first.Body); !slices.Equal(got, ids[:50]) {
			t.Errorf("page 1 = %d comments %v…", len(got), got[:min(3, len(got))])
		}
		second := b.get("/admin/comments?status=pending&page=2")
		wantStatus(t, second, http.StatusOK, "51–55 of 55", `href="/admin/comments?status=pending"`)
		if got := listed(second.Body); !slices.Equal(got, ids[50:]) {
			t.Errorf("page 2 = %v, want %v", got, ids[50:])
		}
		// A form on page 2 keeps the page.
		if !strings.Contains(second.Body, `name="page" value="2"`) {
			t.Error("page 2's forms do not carry the page")
		}
		// Past the end (the last comments were moderated): the last page.
		wantStatus(t, b.get("/admin/comments?status=pending&page=9"), http.StatusOK, "51–55 of 55")
	})
	t.Run("NoLookup", func(t *testing.T) {
		m := newModEnv(t, true)
		ann := m.submit(t, "Ann Reader", "Good piece.", "")
		reply := m.replyToPending(t, "Bob Writer", "Agreed.", ann)
		b := m.browser(t)
		b.mustLogin()
		page := b.get("/admin/comments")
		wantStatus(t, page, http.StatusOK)
		if item := commentOf(page.Body, reply.ID); !strings.Contains(item, `href="/articles/`+m.aid+`"`) || !strings.Contains(item, "article "+m.aid) ||
			!strings.Contains(item, `href="#comment-`+ann.ID+`">comment `+ann.ID) {
			t.Errorf("without a lookup, the reply shows:\n%s", item)
		}
		wantRedirect(t, b.action("/admin/comments/"+ann.ID+"/delete", url.Values{}), "/admin/comments?status=pending")
		wantStatus(t, b.get("/admin/comments"), http.StatusOK, "Deleted the comment.")
	})
	t.Run("NoModerator", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		c, _, err := e.st.AddComment(t.Context(), &syndicate.Comment{ArticleID: "nope", Content: "x", Status: syndicate.StatusPending}, 5)
		if err == nil {
			t.Fatalf("stored %+v on an unknown article", c)
		}
		b := e.browser(t)
		b.mustLogin()
		if page := b.get("/admin"); strings.Contains(page.Body, "/admin/comments") {
			t.Errorf("the sources page links to moderation without a moderator:\n%s", page.Body)
		}
		wantStatus(t, b.get("/admin/comments"), http.StatusNotFound, "Comment moderation is off", "started without comment moderation")
		wantStatus(t, b.action("/admin/comments/c1/approve", nil), http.StatusNotFound, "Comment moderation is off")
		wantStatus(t, b.action("/admin/comments/c1/delete", nil), http.StatusNotFound, "Comment moderation is off")
	})
}
