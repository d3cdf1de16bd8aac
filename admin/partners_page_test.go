package admin_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"syndicate/store"
)

// seedPulls stores pulls as replicas' flushes would.
func seedPulls(t *testing.T, e *pageEnv) {
	t.Helper()
	now := e.clock.Now().UTC()
	today := now.Format(store.PullDayFormat)
	earlier := now.AddDate(0, 0, -3).Format(store.PullDayFormat)
	err := e.st.AddPulls(t.Context(), []store.PullDelta{
		{Day: today, Feed: "/partners/baltic-daily/feed.atom", PullCounts: store.PullCounts{Pulls: 8, NotModified: 6}, Last: now.Add(-5 * time.Minute)},
		{Day: today, Feed: "/partners/baltic-daily/sources/wire/feed.rss", PullCounts: store.PullCounts{Pulls: 2}, Last: now.Add(-time.Hour)},
		{Day: earlier, Feed: "/partners/baltic-daily/feed.atom", PullCounts: store.PullCounts{Pulls: 30, NotModified: 10}, Last: now.AddDate(0, 0, -3)},
		{Day: today, Feed: "/feed.atom", PullCounts: store.PullCounts{Pulls: 120, NotModified: 90}, Last: now, Subscribers: map[string]int64{"Feedly": 42, "Inoreader": 3}},
		{Day: earlier, Feed: "/sources/wire/feed.rss", PullCounts: store.PullCounts{Pulls: 7}, Last: now.AddDate(0, 0, -3)},
	})
	if err != nil {
		t.Fatal(err)
	}
}

var keyValue = regexp.MustCompile(`<code id="new-key-value">([^<]+)</code>`)

func partnerRowOf(body, name string) string {
	i := strings.Index(body, `<tr id="partner-`+name+`"`)
	if i < 0 {
		return ""
	}
	return body[i : i+strings.Index(body[i:], "</tr>")]
}

// TestPartnersPage: editors add, edit, rotate and delete partners through
// the Service, behind the session and CSRF rules, and see each partner's
// pulls today, 304 share and last pull.
func TestPartnersPage(t *testing.T) {
	e := newPageEnv(t, editorTokens, nil)
	seedPulls(t, e)
	b := e.browser(t)
	if res := b.get("/admin/partners"); res.Code != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login" {
		t.Fatalf("signed out: %d %q", res.Code, res.Header.Get("Location"))
	}
	b.mustLogin()
	wantStatus(t, b.get("/admin/partners"), http.StatusOK, "No partner yet")

	// Without the CSRF token nothing is created.
	res := b.post("/admin/partners", url.Values{"name": {"baltic-daily"}})
	wantStatus(t, res, http.StatusForbidden, "Form expired")

	form := url.Values{"name": {"baltic-daily"}, "sources": {"wire, other"}, "categories": {"Politics"}, "content": {"excerpt"}, "comments": {"on"}, "csrf": {b.csrf("/admin/partners")}}
	res = b.post("/admin/partners", form)
	wantStatus(t, res, http.StatusCreated, "The key of baltic-daily")
	m := keyValue.FindStringSubmatch(res.Body)
	if m == nil || len(m[1]) < 16 {
		t.Fatalf("no key shown after create:\n%s", res.Body)
	}
	key := m[1]
	saveArtifact(t, "admin-partners.html", res.Body)
	row := partnerRowOf(res.Body, "baltic-daily")
	for _, want := range []string{"wire, other", "Politics", "excerpts", ">yes<", `class="num pulls-today">10<`, `class="num share">60%<`, "5 min ago"} {
		if !strings.Contains(row, want) {
			t.Errorf("row lacks %q:\n%s", want, row)
		}
	}
	if got := b.get("/admin/partners").Body; strings.Contains(got, key) {
		t.Error("the key is shown again after its create")
	}

	// A bad name is refused with its reason, and the form keeps its input.
	form.Set("name", "Not A Name")
	res = b.post("/admin/partners", form)
	wantStatus(t, res, http.StatusBadRequest, "must be 1-64 characters")
	if !strings.Contains(res.Body, `value="Not A Name"`) {
		t.Error("the form lost its input")
	}

	// Edit: full text, no comments, every source.
	res = b.get("/admin/partners/baltic-daily/edit")
	wantStatus(t, res, http.StatusOK, "Edit baltic-daily")
	saveArtifact(t, "admin-partner-edit.html", res.Body)
	res = b.post("/admin/partners/baltic-daily", url.Values{"content": {"full"}, "csrf": {b.csrf("/admin/partners/baltic-daily/edit")}})
	wantRedirect(t, res, "/admin/partners#partner-baltic-daily")
	res = b.get("/admin/partners")
	wantStatus(t, res, http.StatusOK, "Saved partner baltic-daily.")
	row = partnerRowOf(res.Body, "baltic-daily")
	if !strings.Contains(row, "full text") || !strings.Contains(row, ">no<") {
		t.Errorf("row after edit:\n%s", row)
	}
	if p, err := e.st.Partners(t.Context()); err != nil || len(p) != 1 || p[0].Key != key || p[0].Content != "full" {
		t.Errorf("stored after edit: %+v, %v (the key must stay)", p, err)
	}

	// Rotate: a new key, shown once.
	res = b.post("/admin/partners/baltic-daily/rotate", url.Values{"csrf": {b.csrf("/admin/partners")}})
	wantStatus(t, res, http.StatusOK, "The key of baltic-daily")
	m = keyValue.FindStringSubmatch(res.Body)
	if m == nil || m[1] == key {
		t.Fatalf("rotate showed %v, want a new key", m)
	}
	if p, _ := e.st.Partners(t.Context()); len(p) != 1 || p[0].Key != m[1] {
		t.Errorf("stored key after rotate = %+v", p)
	}

	// Delete.
	res = b.post("/admin/partners/baltic-daily/delete", url.Values{"csrf": {b.csrf("/admin/partners")}})
	wantRedirect(t, res, "/admin/partners")
	wantStatus(t, b.get("/admin/partners"), http.StatusOK, "Deleted partner baltic-daily", "No partner yet")
	res = b.post("/admin/partners/baltic-daily/delete", url.Values{"csrf": {b.csrf("/admin/partners")}})
	wantStatus(t, res, http.StatusNotFound, "No such partner")
}

// TestAnalyticsPage: pulls per day as SVG bars (no script) with the
// numbers beside them, per partner and for the top public feeds.
func TestAnalyticsPage(t *testing.T) {
	e := newPageEnv(t, editorTokens, nil)
	seedPulls(t, e)
	b := e.browser(t)
	b.mustLogin()
	res := b.post("/admin/partners", url.Values{"name": {"baltic-daily"}, "content": {"full"}, "csrf": {b.csrf("/admin/partners")}})
	wantStatus(t, res, http.StatusCreated)
	res = b.get("/admin/analytics")
	wantStatus(t, res, http.StatusOK,
		"baltic-daily</strong>: 40 pulls in 30 days, 40% answered 304",
		"/feed.atom</strong>: 120 pulls in 30 days, 75% answered 304, 45 subscribers reported",
		"/sources/wire/feed.rss</strong>: 7 pulls in 30 days",
		"2026-03-01: 10 pulls, 60% 304",
		"<td>2026-02-26</td><td class=\"num\">30</td><td class=\"num\">33%</td>")
	saveArtifact(t, "admin-analytics.html", res.Body)
	if strings.Contains(res.Body, "<script") {
		t.Error("the analytics page has a script")
	}
	chart := res.Body[strings.Index(res.Body, `id="chart-partner-baltic-daily"`):]
	chart = chart[:strings.Index(chart, "</svg>")]
	if n := strings.Count(chart, "<rect "); n != store.PullDays {
		t.Errorf("partner chart has %d bars, want %d", n, store.PullDays)
	}
	// The tallest bar is the day with the most pulls (30 on 2026-02-26).
	tallest := regexp.MustCompile(`height="130.0" class="bar" fill="#1f5fd1"><title>2026-02-26:`)
	if !tallest.MatchString(chart) {
		t.Errorf("the 2026-02-26 bar is not full height:\n%s", chart)
	}
	// The busiest public feed comes first.
	if i, j := strings.Index(res.Body, "<strong>/feed.atom</strong>"), strings.Index(res.Body, "<strong>/sources/wire/feed.rss</strong>"); i < 0 || j < i {
		t.Errorf("public feeds out of order (%d, %d)", i, j)
	}
}

// saveArtifact writes a page to $SYNDICATE_TEST_ARTIFACTS (if set), for
// validate-html and for a look.
func saveArtifact(t *testing.T, name, body string) {
	t.Helper()
	dir := os.Getenv("SYNDICATE_TEST_ARTIFACTS")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Error(err)
	}
}
