package admin_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"syndicate"
)

func TestPage_TakeDown(t *testing.T) {
	article := func(t *testing.T, m *modEnv) bool {
		t.Helper()
		_, err := m.st.Article(t.Context(), m.aid)
		if err != nil && syndicate.ErrorKind(err) != syndicate.ENotFound {
			t.Fatal(err)
		}
		return err == nil
	}
	takedownID := regexp.MustCompile(`<code id="takedown-id">([^<]*)<`)
	t.Run("OK", func(t *testing.T) {
		m := newModEnv(t, false)
		m.submit(t, "Ann Reader", "Good piece.", "")
		b := m.browser(t)
		b.mustLogin()
		if page := b.get("/admin"); !strings.Contains(page.Body, `action="/admin/takedown#takedown"`) {
			t.Fatalf("no takedown form on the sources page:\n%s", page.Body)
		}
		confirm := b.get("/admin/takedown?article=" + url.QueryEscape(m.aid))
		wantStatus(t, confirm, http.StatusOK, "Take down “Council passes the budget”?", "Partner Daily", `href="https://partner.example/2026/03/budget"`,
			"cannot be undone", `name="article" value="`+m.aid+`"`)
		if !article(t, m) {
			t.Fatal("the confirm step took the article down")
		}
		wantRedirect(t, b.action("/admin/takedown", url.Values{"article": {m.aid}}), "/admin")
		wantStatus(t, b.get("/admin"), http.StatusOK, "Took down “Council passes the budget” ("+m.aid+")")
		if article(t, m) {
			t.Fatal("the article is still stored after the takedown")
		}
		if !strings.Contains(m.logs.String(), "who=editor action=article.takedown article_id="+m.aid) {
			t.Errorf("no audit line for the takedown:\n%s", m.logs.String())
		}
		// Its comments went with it.
		if p, err := m.csvc.List(t.Context(), syndicate.StatusPending, 0, 10); err != nil || p.Total != 0 {
			t.Errorf("pending comments after the takedown = %+v, %v", p, err)
		}
	})
	t.Run("URLs", func(t *testing.T) {
		m := newModEnv(t, false)
		b := m.browser(t)
		b.mustLogin()
		for _, in := range []string{
			"  " + m.aid + " ",
			"https://news.example/articles/" + m.aid,
			"https://news.example/articles/" + m.aid + "/",
			"https://news.example/articles/" + m.aid + "/comments.atom?limit=5#top",
			"/articles/" + m.aid,
		} {
			res := b.get("/admin/takedown?article=" + url.QueryEscape(in))
			wantStatus(t, res, http.StatusOK)
			if got := takedownID.FindStringSubmatch(res.Body); got == nil || got[1] != m.aid {
				t.Errorf("%q: confirm step for %v, want %s", in, got, m.aid)
			}
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		m := newModEnv(t, false)
		b := m.browser(t)
		b.mustLogin()
		for _, tc := range []struct{ in, want string }{
			{"", "Enter the article's id"},
			{"https://partner.example/2026/03/budget", "names no article"},
			{"two words", "is not an article id"},
		} {
			res := b.get("/admin/takedown?article=" + url.QueryEscape(tc.in))
			wantStatus(t, res, http.StatusBadRequest)
			if got := fieldError(res.Body, "article"); !strings.Contains(got, tc.want) {
				t.Errorf("%q: error next to the field = %q, want %q", tc.in, got, tc.want)
			}
			if tc.in != "" && !strings.Contains(html.UnescapeString(res.Body), `value="`+tc.in+`"`) {
				t.Errorf("%q: the input is not kept", tc.in)
			}
		}
		wantStatus(t, b.action("/admin/takedown", url.Values{"article": {"https://partner.example/x"}}), http.StatusBadRequest)
		if !article(t, m) {
			t.Fatal("an invalid takedown removed the article")
		}
	})
	t.Run("UnknownID", func(t *testing.T) {
		m := newModEnv(t, false)
		b := m.browser(t)
		b.mustLogin()
		res := b.get("/admin/takedown?article=partner-daily-nope")
		wantStatus(t, res, http.StatusNotFound, `value="partner-daily-nope"`)
		if got := fieldError(res.Body, "article"); !strings.Contains(got, `No article has the id "partner-daily-nope"`) {
			t.Errorf("error next to the field = %q", got)
		}
		res = b.action("/admin/takedown", url.Values{"article": {"partner-daily-nope"}})
		wantStatus(t, res, http.StatusNotFound)
		if got := fieldError(res.Body, "article"); !strings.Contains(got, "No article has the id") {
			t.Errorf("after the POST, error next to the field = %q", got)
		}
		if strings.Contains(m.logs.String(), "article.takedown") {
			t.Errorf("a failed takedown was audited:\n%s", m.logs.String())
		}
	})
	t.Run("NoLookup", func(t *testing.T) {
		m := newModEnv(t, true)
		b := m.browser(t)
		b.mustLogin()
		// Without a lookup the confirm step shows the id, and an unknown
		// id is found out when the form is sent.
		wantStatus(t, b.get("/admin/takedown?article=partner-daily-nope"), http.StatusOK, "Take down article partner-daily-nope?")
		res := b.action("/admin/takedown", url.Values{"article": {"partner-daily-nope"}})
		wantStatus(t, res, http.StatusNotFound)
		if fieldError(res.Body, "article") == "" {
			t.Errorf("no error next to the field:\n%s", res.Body)
		}
		wantRedirect(t, b.action("/admin/takedown", url.Values{"article": {m.aid}}), "/admin")
		wantStatus(t, b.get("/admin"), http.StatusOK, "Took down article "+m.aid)
		if article(t, m) {
			t.Fatal("still stored")
		}
	})
	t.Run("CSRF", func(t *testing.T) {
		m := newModEnv(t, false)
		b := m.browser(t)
		b.mustLogin()
		wantStatus(t, b.post("/admin/takedown", url.Values{"article": {m.aid}}), http.StatusForbidden)
		wantStatus(t, b.post("/admin/takedown", url.Values{"article": {m.aid}, "csrf": {b.csrf("/admin")}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
		if !article(t, m) {
			t.Fatal("a refused form took the article down")
		}
	})
}
