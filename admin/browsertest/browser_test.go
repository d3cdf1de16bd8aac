package browsertest_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"syndicate"
	"syndicate/admin"
	"syndicate/comments"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/internal/browsertest"
	"syndicate/registry"
	"syndicate/schedule"
	"syndicate/store"
	"syndicate/store/embedded"
)

const editorToken = "browser-test-token"

// runtime is the real ingester behind the admin surface, with next runs
// computed from each source's schedule.
type runtime struct {
	in          *ingest.Ingester
	defaultSpec string

	mu    sync.Mutex
	specs map[string]string // id → schedule, from Apply
}

var _ admin.Runtime = (*runtime)(nil)

func (r *runtime) Refresh(ctx context.Context, src syndicate.Source) admin.Summary {
	sum := r.in.Run(ctx, src, true)
	out := admin.Summary{SourceID: sum.SourceID, Status: sum.Status, HTTP: sum.HTTP, New: sum.New,
		Updated: sum.Updated, Unchanged: sum.Unchanged, Duration: sum.Duration.String()}
	if sum.Err != nil {
		out.Error = sum.Err.Error()
	}
	return out
}

func (r *runtime) NextRun(id string) time.Time {
	r.mu.Lock()
	spec := r.specs[id]
	r.mu.Unlock()
	if spec == "" {
		spec = r.defaultSpec
	}
	s, err := schedule.Parse(spec)
	if err != nil {
		return time.Time{}
	}
	return s.Next(time.Now())
}

// Apply is the registry's consumer: it keeps each source's schedule.
func (r *runtime) Apply(srcs []syndicate.Source) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.specs = map[string]string{}
	for _, s := range srcs {
		r.specs[s.ID] = s.Schedule
	}
	return nil
}

// partner serves testdata/partner.rss under /daily/ and /wire/, each with
// its own links, and a 503 under /down/.
func partner(t *testing.T) *httptest.Server {
	t.Helper()
	raw, err := os.ReadFile("testdata/partner.rss")
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/daily/feed/", "/wire/feed/":
			base := srv.URL + strings.TrimSuffix(r.URL.Path, "/feed/")
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			w.Write(bytes.ReplaceAll(raw, []byte("BASE"), []byte(base)))
		case "/down/feed/":
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestAdminPage_Browser signs in to /admin in headless Chromium, adds a
// source through the form (after a validation error), refreshes it and
// sees its health, edits and deletes, approves a pending reader comment
// and takes an article down, with screenshots on a desktop and a phone.
func TestAdminPage_Browser(t *testing.T) {

	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	feeds := partner(t)
	in := ingest.New(st, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	rt := &runtime{in: in, defaultSpec: "@every 15m"}
	reg := registry.New(registry.Options{Store: st, Logger: log, Config: []syndicate.Source{{ID: "the-wire", Name: "The Wire", URL: feeds.URL + "/wire/feed/",
		SiteURL: feeds.URL + "/wire/", Categories: []string{"World"}, Enabled: true, Managed: syndicate.ManagedConfig}}})
	reg.Subscribe(rt.Apply)
	svc := admin.NewService(admin.Options{
		Store: st, Runtime: rt, Sources: reg, DefaultSchedule: "@every 15m", Logger: log,
	})
	api := admin.NewAPI(svc, []admin.Token{{Name: "night-desk", Value: editorToken}}, "Example News", log)
	mux := http.NewServeMux()
	api.Routes(mux)
	csvc := comments.NewService(comments.Options{Store: st, MaxLinks: 3, MaxDepth: 5, RateLimit: 100, Logger: log})
	api.SetModerator(csvc)
	admin.NewPage(admin.PageOptions{Service: svc, API: api, Store: st, Logger: log, SiteTitle: "Example News",
		Moderator: csvc, Lookup: st}).Routes(mux)
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)

	// A healthy config source and a failing API source, so the list shows
	// every state.
	ctx := t.Context()
	if sum, err := svc.Refresh(ctx, "setup", "the-wire"); err != nil || sum.Status != "ok" {
		t.Fatalf("refresh the-wire = %+v, %v", sum, err)
	}
	if _, err := svc.Create(ctx, "setup", syndicate.Source{ID: "metro-herald", Name: "Metro Herald", URL: feeds.URL + "/down/feed/",
		SiteURL: feeds.URL + "/down/", Schedule: "@every 30m", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	svc.Refresh(ctx, "setup", "metro-herald")

	// Reader comments on the wire's articles (newest first: the budget,
	// the bridge, the library): an approved one, a pending reply to it
	// and a spam.
	wire, err := st.Articles(ctx, store.SourceFeed("the-wire"), 0, 3)
	if err != nil || len(wire.Items) != 3 {
		t.Fatalf("the-wire's articles = %+v, %v", wire, err)
	}
	budget, library := wire.Items[0].Article, wire.Items[2].Article
	comment := func(article, author, email, body, parent, status string) *syndicate.Comment {
		t.Helper()
		c, err := csvc.Submit(ctx, &comments.Submission{ArticleID: article, Author: author, Email: email, Body: body, ParentID: parent}, "198.51.100.23")
		if err != nil {
			t.Fatalf("comment by %s: %v", author, err)
		}
		if status != c.Status {
			if c, err = csvc.SetStatus(ctx, "setup", c.ID, status); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	tom := comment(budget.ID, "Tom Becker", "tom@readers.example", "Finally. The school repairs have waited three years.", "", syndicate.StatusApproved)
	comment(wire.Items[1].ID, "Cheap Watches", "deals@spam.example", "Best prices at https://spam.example/watches", "", syndicate.StatusSpam)
	priya := comment(budget.ID, "Priya Natarajan", "priya.n@readers.example",
		"<p>Thanks for the clear write-up.</p><p>Is the <em>line-by-line</em> table public? The <a href=\"https://council.example/budget-2027.pdf\">budget PDF</a> on the council site is from last year.</p>",
		tom.ID, syndicate.StatusPending)

	b := browsertest.Open(t, 45*time.Second)
	tab := b.Tab
	out := b.Out
	do, text, submit, shot := b.Do, b.Text, b.Submit, b.Shot

	// Signed out, /admin leads to the login form.
	do("open /admin", chromedp.Navigate(site.URL+"/admin"), chromedp.WaitVisible(chromedp.ID("f-token")))
	if loc, _ := chromedp.Run(tab, chromedp.Location()); loc != site.URL+"/admin/login" {
		t.Fatalf("signed out, /admin went to %s", loc)
	}
	do("type the token", chromedp.SendKeys(chromedp.ID("f-token"), editorToken))
	submit("sign in", "#f-signin")
	do("the list", chromedp.WaitVisible(chromedp.ID("sources")))
	if who := text(".who"); who != "Signed in as night-desk" {
		t.Errorf("header says %q", who)
	}

	// A bad feed URL comes back next to its field, with the input kept.
	do("fill the form",
		chromedp.SendKeys(chromedp.ID("f-id"), "partner-daily"),
		chromedp.SendKeys(chromedp.ID("f-name"), "Partner Daily"),
		chromedp.SendKeys(chromedp.ID("f-url"), "ftp://partner.example/feed"),
		chromedp.SendKeys(chromedp.ID("f-site_url"), feeds.URL+"/daily/"),
		chromedp.SendKeys(chromedp.ID("f-categories"), "Politics, Local"),
	)
	submit("add with a bad URL", "#f-submit")
	if got := text("#err-url"); !strings.Contains(got, "must be an http or https URL") {
		t.Errorf("error next to the URL = %q", got)
	}
	if name, _ := chromedp.Run(tab, chromedp.Value(chromedp.ID("f-name"))); name != "Partner Daily" {
		t.Errorf("the name field came back as %q", name)
	}
	shot("admin-validation.png")

	do("fix the URL", chromedp.SetValue(chromedp.ID("f-url"), feeds.URL+"/daily/feed/"))
	submit("add", "#f-submit")
	if got := text("#flash"); !strings.Contains(got, "Added partner-daily (Partner Daily)") {
		t.Fatalf("after adding, the message is %q", got)
	}
	if got := text("#source-partner-daily .badge"); got != "Not fetched yet" {
		t.Errorf("new source's health = %q", got)
	}

	submit("refresh", `#source-partner-daily form[action$="/refresh"] button`)
	if got := text("#flash"); got != "Refreshed partner-daily: ok, 3 new, 0 updated" {
		t.Errorf("after refresh, the message is %q", got)
	}
	for sel, want := range map[string]string{
		"#source-partner-daily .badge":        "Healthy",
		"#source-partner-daily .last-success": "just now",
		"#source-partner-daily .articles":     "3",
		"#source-partner-daily .failures":     "0",
		"#source-metro-herald .badge":         "Failing",
		"#source-the-wire .articles":          "3",
	} {
		if got := text(sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if got := text("#source-metro-herald .err-text"); !strings.Contains(got, "503") {
		t.Errorf("the failing source's error = %q", got)
	}
	if got := text("#source-the-wire .tag-config"); got != "config · read-only" {
		t.Errorf("the config source is marked %q", got)
	}
	shot("admin-desktop.png")

	// Edit, then delete through the confirm step.
	do("edit form", chromedp.Navigate(site.URL+"/admin/sources/partner-daily/edit"), chromedp.WaitVisible(chromedp.ID("f-name")))
	do("rename", chromedp.SetValue(chromedp.ID("f-name"), "Partner Daily (weekend)"))
	shot("admin-edit.png")
	submit("save", "#f-submit")
	if got := text("#flash"); got != "Saved partner-daily." {
		t.Errorf("after saving, the message is %q", got)
	}
	if got := text("#source-partner-daily .src-name"); got != "Partner Daily (weekend)" {
		t.Errorf("after saving, the name is %q", got)
	}
	do("delete link", chromedp.Click(chromedp.CSS(`#source-metro-herald a[href$="/delete"]`)), chromedp.WaitVisible(chromedp.ID("confirm-delete")))
	shot("admin-delete.png")
	submit("confirm delete", "#confirm-delete")
	if got := text("#flash"); got != "Deleted metro-herald." {
		t.Errorf("after deleting, the message is %q", got)
	}
	if gone, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.getElementById("source-metro-herald") === null`)); err != nil || !gone {
		t.Errorf("metro-herald still listed after delete (%v)", err)
	}

	// On a phone the list becomes cards and nothing scrolls sideways.
	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(site.URL+"/admin"), chromedp.WaitVisible(chromedp.ID("sources")))
	wide, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if wide {
		t.Error("on a 390px phone the page scrolls sideways")
	}
	shot("admin-phone.png")

	// Moderation: the pending reply, approved from the Comments page.
	do("desktop again", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(site.URL+"/admin"), chromedp.WaitVisible(chromedp.ID("nav-comments")))
	do("open comments", chromedp.Click(chromedp.ID("nav-comments")), chromedp.WaitVisible(chromedp.ID("comments")))
	item := "#comment-" + priya.ID
	for sel, want := range map[string]string{
		"#tab-pending .tab-count":  "1",
		"#tab-approved .tab-count": "1",
		"#tab-spam .tab-count":     "1",
		item + " .c-name":          "Priya Natarajan",
		item + " .c-email":         "priya.n@readers.example",
		item + " .c-article":       "Council passes the budget",
		item + " .c-reply":         "↳ Reply to Tom Becker",
	} {
		if got := text(sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if got := text(item + " .c-body"); !strings.Contains(got, "line-by-line table public?") {
		t.Errorf("the comment's body = %q", got)
	}
	shot("admin-moderation.png")
	submit("approve", item+" .btn-approve")
	if got := text("#flash"); got != "Approved the comment by Priya Natarajan: it is published." {
		t.Errorf("after approving, the message is %q", got)
	}
	if got := text("#tab-approved .tab-count"); got != "2" {
		t.Errorf("after approving, %s approved", got)
	}
	if v, err := st.Article(ctx, budget.ID); err != nil || v.CommentCount != 2 {
		t.Errorf("published comments on the budget = %d, %v; want 2", v.CommentCount, err)
	}

	// Take the library article down, pasting its URL, through the confirm step.
	do("takedown box", chromedp.Navigate(site.URL+"/admin"), chromedp.SendKeys(chromedp.ID("f-article"), site.URL+"/articles/"+library.ID))
	submit("review takedown", "#f-takedown")
	if got := text("h1"); got != "Take down “Library extends its hours”?" {
		t.Errorf("the confirm step says %q", got)
	}
	shot("admin-takedown.png")
	submit("take down", "#confirm-takedown")
	if got := text("#flash"); !strings.HasPrefix(got, "Took down “Library extends its hours”") {
		t.Errorf("after the takedown, the message is %q", got)
	}
	if _, err := st.Article(ctx, library.ID); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("the library article after its takedown: %v", err)
	}

	// The moderation list on a phone, with a delete confirm open.
	do("phone comments", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(site.URL+"/admin/comments?status=approved"), chromedp.WaitVisible(chromedp.ID("comments")),
		chromedp.Click(chromedp.CSS("#comment-"+tom.ID+" .c-delete summary")), chromedp.WaitVisible(chromedp.CSS("#comment-"+tom.ID+" .c-confirm")))
	if wide, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || wide {
		t.Errorf("on a 390px phone the comments page scrolls sideways (%v)", err)
	}
	shot("admin-moderation-phone.png")
	fmt.Fprintln(t.Output(), "artifacts in", out)
}
