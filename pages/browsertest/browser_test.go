package browsertest_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"syndicate"
	"syndicate/admin"
	"syndicate/comments"
	"syndicate/feeds"
	"syndicate/internal/browsertest"
	"syndicate/pages"
	"syndicate/registry"
	"syndicate/store"
	"syndicate/store/embedded"
)

const editorToken = "reader-pages-browser-token"

// site is the public site and /admin wired as `syndicate serve` wires
// them, on the embedded store, with one article to comment on.
func site(t *testing.T) (*httptest.Server, *embedded.Store, string) {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Listener.Close()
	srv.Listener = ln
	base := "http://" + ln.Addr().String()

	src := syndicate.Source{ID: "harbor", Name: "Harbor Dispatch", URL: "https://harbor.example/feed", SiteURL: "https://harbor.example/", Enabled: true}
	now := time.Now().UTC().Truncate(time.Second)
	a := &syndicate.Article{
		GUID: "https://harbor.example/news/ferry", CanonicalURL: "https://harbor.example/news/ferry",
		Title:   "Winter ferry schedule drops two Pellan Island sailings",
		Summary: "The ferry authority cuts the early and late runs to Pellan Island, citing a crew shortage.",
		Content: "<p>The Gullhaven Sound Ferry Authority will drop two daily sailings between Port Ames and Pellan Island starting December 7.</p>" +
			"<p>Authority spokesperson Kerrin Mbeki said the cuts were forced by a shortage of licensed deckhands.</p>",
		Authors:   []syndicate.Author{{Name: "Tobias Reinholt"}},
		Published: now.Add(-3 * time.Hour), Updated: now.Add(-3 * time.Hour), Categories: []string{"Ferries"},
	}
	a.Hash = a.ContentHash()
	if _, err := st.ApplyIngest(t.Context(), &store.Batch{Source: src.Ref(), Entries: []*store.Entry{{Key: a.GUID, Article: a}}, Now: now}); err != nil {
		t.Fatal(err)
	}
	id := syndicate.MintArticleID("harbor", a.GUID)

	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News", Language: "en"}, nil)
	ps := pages.New(pages.Options{Renderer: r, Store: st, Logger: log,
		Comments: pages.CommentRules{Enabled: true, MaxDepth: 5, CloseAfter: 720 * time.Hour}})
	fsrv := feeds.NewServer(feeds.Options{Renderer: r, Store: st, Logger: log, Pages: ps})
	ps.SetSources([]syndicate.Source{src})
	fsrv.SetSources([]syndicate.Source{src})
	ps.Start(t.Context())
	fsrv.Start(t.Context())
	mux := http.NewServeMux()
	fsrv.Routes(mux)
	ps.Routes(mux)
	csvc := comments.NewService(comments.Options{Store: st, AutoApprove: "known", MaxLength: 10000, MaxAuthorLength: 100,
		MaxLinks: 3, MaxDepth: 5, RateLimit: 100, RateWindow: time.Minute, CloseAfter: 720 * time.Hour, Logger: log})
	inner := http.NewServeMux()
	comments.NewHandler(csvc, comments.HandlerOptions{BaseURL: base, Logger: log}).Routes(inner)
	mux.Handle("POST /articles/{id}/comments", ps.CommentForm(inner))
	svc := admin.NewService(admin.Options{Store: st, Runtime: noRuntime{}, Sources: registry.New(registry.Options{Store: st, Config: []syndicate.Source{src}}), DefaultSchedule: "@every 15m", Logger: log})
	api := admin.NewAPI(svc, []admin.Token{{Name: "night-desk", Value: editorToken}}, "Example News", log)
	api.SetModerator(csvc)
	api.Routes(mux)
	admin.NewPage(admin.PageOptions{Service: svc, API: api, Store: st, Logger: log, SiteTitle: "Example News", Moderator: csvc, Lookup: st}).Routes(mux)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, st, id
}

// noRuntime is the admin surface's runtime without a scheduler: this test
// never refreshes a source.
type noRuntime struct{}

func (noRuntime) Refresh(_ context.Context, src syndicate.Source) admin.Summary {
	return admin.Summary{SourceID: src.ID, Status: "failed", Error: "no ingester in this test"}
}
func (noRuntime) NextRun(string) time.Time { return time.Time{} }

// TestReaderPages_Browser opens an article page, posts a comment through
// the form, approves it in /admin, sees it on the page, replies to it and
// sees the reply nested under it, on a desktop and on a phone, with
// screenshots kept.
func TestReaderPages_Browser(t *testing.T) {
	srv, st, id := site(t)
	page := srv.URL + "/articles/" + id

	b := browsertest.Open(t, 60*time.Second)
	do, text, exists, submit, shot := b.Do, b.Text, b.Exists, b.Submit, b.Shot
	latest := func(author string) *syndicate.Comment {
		t.Helper()
		for _, status := range []string{syndicate.StatusPending, syndicate.StatusApproved} {
			p, err := st.CommentsByStatus(t.Context(), status, 0, 20)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Items {
				if c.Author.Name == author {
					return c
				}
			}
		}
		t.Fatalf("no comment by %s stored", author)
		return nil
	}

	signedIn := false
	for _, vp := range []struct {
		name          string
		width, height int64
		phone         bool
		author, email string
	}{
		{"desktop", 1280, 900, false, "Lena Sorvik", "lena@readers.example"},
		{"phone", 390, 844, true, "Priya Holm", "priya@readers.example"},
	} {
		if vp.phone {
			do("phone viewport", chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		} else {
			do("desktop viewport", chromedp.EmulateViewport(vp.width, vp.height))
		}
		do("open the article", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("comment-body")))
		if got := text("h1"); got != "Winter ferry schedule drops two Pellan Island sailings" {
			t.Errorf("%s: the title is %q", vp.name, got)
		}
		if got := text(".attribution"); !strings.Contains(got, "A previous version of this article was published on Harbor Dispatch") {
			t.Errorf("%s: the attribution line is %q", vp.name, got)
		}
		// The page's own policy (a meta element) lets our stylesheet in.
		if !exists(`document.styleSheets.length === 1 && document.styleSheets[0].cssRules.length > 0`) {
			t.Errorf("%s: the stylesheet did not load under the page's policy", vp.name)
		}
		if exists(`document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s: the article page scrolls sideways", vp.name)
		}
		shot("article-" + vp.name + ".png")

		// A first comment from a new reader waits for moderation.
		do("fill the comment form",
			chromedp.SendKeys(chromedp.ID("comment-body"), "Without the 5:40 sailing I would stay on the mainland four nights a week."),
			chromedp.SendKeys(chromedp.ID("comment-author"), vp.author),
			chromedp.SendKeys(chromedp.ID("comment-email"), vp.email),
		)
		submit("post a comment", ".comment-form button")
		if got := text("#notice"); !strings.Contains(got, "awaiting moderation") {
			t.Fatalf("%s: after posting, the notice is %q", vp.name, got)
		}
		shot("posted-" + vp.name + ".png")
		c := latest(vp.author)
		if c.Status != syndicate.StatusPending {
			t.Fatalf("%s: the new comment is %s, want pending", vp.name, c.Status)
		}

		// An editor approves it in /admin.
		if !signedIn {
			do("open /admin", chromedp.Navigate(srv.URL+"/admin/login"), chromedp.WaitVisible(chromedp.ID("f-token")))
			do("type the token", chromedp.SendKeys(chromedp.ID("f-token"), editorToken))
			submit("sign in", "#f-signin")
			signedIn = true
		}
		do("moderation queue", chromedp.Navigate(srv.URL+"/admin/comments"), chromedp.WaitVisible(chromedp.ID("comment-"+c.ID)))
		submit("approve", "#comment-"+c.ID+" .btn-approve")
		if got := text("#flash"); !strings.Contains(got, "Approved the comment by "+vp.author) {
			t.Errorf("%s: after approving, the message is %q", vp.name, got)
		}

		// The page shows it now; the reader replies to it.
		do("back to the article", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("comment-"+c.ID)))
		if got := text("#comment-" + c.ID + " .comment-author"); got != vp.author {
			t.Errorf("%s: the comment's author is %q", vp.name, got)
		}
		if got := text("#comments-title"); !strings.HasSuffix(got, "on “Winter ferry schedule drops two Pellan Island sailings”") {
			t.Errorf("%s: the heading is %q", vp.name, got)
		}
		do("reply link", chromedp.Click(chromedp.CSS("#comment-"+c.ID+" .reply a")), chromedp.WaitVisible(chromedp.ID("reply-title")))
		if got := text("#reply-title"); got != "Reply to "+vp.author {
			t.Errorf("%s: the reply form says %q", vp.name, got)
		}
		do("fill the reply",
			chromedp.SendKeys(chromedp.ID("comment-body"), "Update: the authority keeps the early run after all."),
			chromedp.SendKeys(chromedp.ID("comment-author"), vp.author),
			chromedp.SendKeys(chromedp.ID("comment-email"), vp.email),
		)
		submit("post the reply", ".comment-form button")
		// Known now (an approved comment), the reader is published at once.
		if got := text("#notice"); !strings.Contains(got, "your comment is published") {
			t.Fatalf("%s: after replying, the notice is %q", vp.name, got)
		}
		var reply *syndicate.Comment
		p, err := st.Comments(t.Context(), store.ArticleCommentsFeed(id), 0, 20)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range p.Items {
			if x.ParentID == c.ID {
				reply = x
			}
		}
		if reply == nil {
			t.Fatalf("%s: no reply to %s stored", vp.name, c.ID)
		}
		nested := `document.querySelector("li.comment > #comment-` + c.ID + `") !== null && ` +
			`document.querySelector("#comment-` + c.ID + `").parentElement.querySelector(":scope > ol.children #comment-` + reply.ID + `") !== null`
		if !exists(nested) {
			t.Errorf("%s: the reply is not nested under its parent", vp.name)
		}
		if exists(`document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s: the thread scrolls sideways", vp.name)
		}
		shot("thread-" + vp.name + ".png")
	}
}
