package admin_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"syndicate/admin"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/store"
)

// previewPartner serves a feed of five entries, one unusable and one a
// repeat, on /feed, and a 503 on /down.
func previewPartner(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		item := func(guid, title string) string {
			return fmt.Sprintf(`<item><title>%s</title><link>http://%s/%s</link><guid isPermaLink="false">%s</guid><pubDate>Mon, 14 Mar 2022 09:00:00 +0000</pubDate><description>Story.</description></item>`, title, r.Host, guid, guid)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Partner &amp; Daily</title><link>http://%s/</link><description>d</description>%s<item></item>%s%s%s</channel></rss>`,
			r.Host, item("a", "A"), item("b", "B"), item("a", "A again"), item("c", "C"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPage_Preview(t *testing.T) {
	partner := previewPartner(t)
	// The real ingester (its Try needs no store), on a loopback partner.
	withPreview := func(o *admin.PageOptions) {
		o.Preview = ingest.New(nil, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true})})
	}
	form := func(feedURL string) url.Values {
		f := addForm("partner-daily")
		f.Set("url", feedURL)
		return f
	}
	t.Run("ShowsWhatWouldBeRepublished", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, withPreview)
		b := e.browser(t)
		b.mustLogin()
		if page := b.get("/admin"); !strings.Contains(page.Body, `formaction="/admin/preview#preview"`) {
			t.Fatalf("no Preview button on the add-source form:\n%s", page.Body)
		}
		res := b.action("/admin/preview", form(partner.URL+"/feed"))
		wantStatus(t, res, http.StatusOK, "Preview of Partner & Daily", "Nothing was stored.")
		for id, want := range map[string]string{"preview-read": "5", "preview-republish": "3", "preview-skipped": "2", "preview-undated": "0"} {
			if got := between(res.Body, `id="`+id+`">`, "<"); got != want {
				t.Errorf("%s = %q, want %q", id, got, want)
			}
		}
		skips := between(res.Body, `id="preview-skips">`, "</table>")
		for _, want := range []string{"<td>1</td><td>no title", "<td>3</td><td>the same entry as position 0"} {
			if !strings.Contains(skips, want) {
				t.Errorf("skipped entries lack %q:\n%s", want, skips)
			}
		}
		if lost := between(res.Body, `id="preview-lost">`, "</table>"); !strings.Contains(lost, "<td>date</td><td>0</td>") || !strings.Contains(lost, "<td>category</td>") {
			t.Errorf("lost fields table:\n%s", lost)
		}
		// The form comes back filled in, posting to the create action.
		addSection := between(res.Body, `id="add"`, "</section>")
		if !strings.Contains(addSection, `action="/admin/sources#add"`) || !strings.Contains(addSection, `value="partner-daily"`) || !strings.Contains(addSection, partner.URL+"/feed") {
			t.Errorf("the add form is not shown filled in:\n%s", addSection)
		}
		// Nothing was stored: no source, no article.
		if srcs, _ := e.st.Sources(t.Context()); len(srcs) != 0 {
			t.Errorf("preview stored a source: %v", srcs)
		}
		if p, _ := e.st.Articles(t.Context(), store.FeedAll, 0, 10); p.Total != 0 {
			t.Errorf("preview stored %d articles", p.Total)
		}
		if !strings.Contains(e.logs.String(), "who=editor action=source.preview") {
			t.Errorf("no audit line:\n%s", e.logs.String())
		}
	})
	t.Run("Errors", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, withPreview)
		b := e.browser(t)
		b.mustLogin()
		res := b.action("/admin/preview", form("ftp://partner.example/feed"))
		wantStatus(t, res, http.StatusBadRequest)
		if fieldError(res.Body, "url") == "" {
			t.Errorf("no error next to the URL field:\n%s", res.Body)
		}
		res = b.action("/admin/preview", form("file:/etc/passwd"))
		wantStatus(t, res, http.StatusBadRequest)
		res = b.action("/admin/preview", form(partner.URL+"/down"))
		wantStatus(t, res, http.StatusOK)
		if msg := between(res.Body, `id="preview-error">`, "<"); !strings.Contains(msg, "503") {
			t.Errorf("preview error = %q, want the partner's 503", msg)
		}
		if strings.Contains(res.Body, `id="preview-counts"`) {
			t.Error("counts shown for a feed that could not be fetched")
		}
		// Like every form, it needs the session's CSRF token.
		res = b.post("/admin/preview", form(partner.URL+"/feed"))
		wantStatus(t, res, http.StatusForbidden)
	})
	t.Run("WithoutPreviewer", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		b := e.browser(t)
		b.mustLogin()
		if page := b.get("/admin"); strings.Contains(page.Body, "/admin/preview") {
			t.Error("a Preview button without a previewer")
		}
		wantStatus(t, b.action("/admin/preview", form(partner.URL+"/feed")), http.StatusNotFound)
	})
}

// between returns the text after the first from and before the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
