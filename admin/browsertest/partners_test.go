package browsertest_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"syndicate"
	"syndicate/admin"
	"syndicate/internal/browsertest"
	"syndicate/registry"
	"syndicate/store"
	"syndicate/store/embedded"
)

// TestPartnersPage_Browser signs in, adds a partner through the Partners
// form, sees its key once and its pulls, then opens the Analytics view and
// checks that its SVG charts draw (bars sized by the day's pulls) with the
// numbers beside them, on a desktop and a phone, with screenshots.
func TestPartnersPage_Browser(t *testing.T) {

	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := admin.NewService(admin.Options{Store: st, Runtime: &runtime{defaultSpec: "@every 15m"}, DefaultSchedule: "@every 15m", Logger: log,
		Sources: registry.New(registry.Options{Store: st, Config: []syndicate.Source{{ID: "the-wire", Name: "The Wire", URL: "http://127.0.0.1:1/feed/", Enabled: true, Managed: syndicate.ManagedConfig}}})})
	api := admin.NewAPI(svc, []admin.Token{{Name: "night-desk", Value: editorToken}}, "Example News", log)
	mux := http.NewServeMux()
	api.Routes(mux)
	page := admin.NewPage(admin.PageOptions{Service: svc, API: api, Store: st, Logger: log, SiteTitle: "Example News"})
	page.Routes(mux)
	page.PartnerRoutes(mux, st)
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)

	// Thirty days of pulls of a partner's feeds and two public feeds.
	now := time.Now().UTC()
	var deltas []store.PullDelta
	for i := range store.PullDays {
		day := now.AddDate(0, 0, -i).Format(store.PullDayFormat)
		deltas = append(deltas,
			store.PullDelta{Day: day, Feed: "/partners/baltic-daily/feed.atom", PullCounts: store.PullCounts{Pulls: int64(10 + i), NotModified: int64(i)}, Last: now.Add(-2 * time.Minute)},
			store.PullDelta{Day: day, Feed: "/feed.rss", PullCounts: store.PullCounts{Pulls: int64(100 + 3*i), NotModified: int64(60 + i)}, Last: now, Subscribers: map[string]int64{"Feedly": 42}},
		)
	}
	deltas = append(deltas, store.PullDelta{Day: now.Format(store.PullDayFormat), Feed: "/categories/politics/feed.atom", PullCounts: store.PullCounts{Pulls: 4}, Last: now})
	if err := st.AddPulls(t.Context(), deltas); err != nil {
		t.Fatal(err)
	}

	b := browsertest.Open(t, 45*time.Second)
	tab := b.Tab
	do, text, submit, shot := b.Do, b.Text, b.Submit, b.Shot

	do("open the partners page", chromedp.Navigate(site.URL+"/admin/partners"), chromedp.WaitVisible(chromedp.ID("f-token")))
	do("type the token", chromedp.SendKeys(chromedp.ID("f-token"), editorToken))
	submit("sign in", "#f-signin")
	do("open the partners page", chromedp.Navigate(site.URL+"/admin/partners"), chromedp.WaitVisible(chromedp.ID("partner-form")))
	do("fill the form",
		chromedp.SendKeys(chromedp.ID("p-name"), "baltic-daily"),
		chromedp.SendKeys(chromedp.ID("p-sources"), "the-wire"),
		chromedp.SetValue(chromedp.ID("p-content"), "excerpt"),
	)
	submit("add the partner", `#partner-form button[type="submit"]`)
	if key := text("#new-key-value"); len(key) < syndicate.MinPartnerKey {
		t.Fatalf("the new key shown is %q", key)
	}
	for sel, want := range map[string]string{
		"#partner-baltic-daily .pulls-today":           "10",
		"#partner-baltic-daily .share":                 "0%",
		"#partner-baltic-daily .last-pull":             "2 min ago",
		"#partner-baltic-daily td[data-label=Content]": "excerpts",
		"#nav-partners":                                "Partners",
	} {
		if got := text(sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	shot("admin-partners-desktop.png")

	do("open analytics", chromedp.Click(chromedp.ID("nav-analytics")), chromedp.WaitVisible(chromedp.ID("chart-partner-baltic-daily")))
	// The bars are drawn: 30 per chart, the tallest on the busiest day (the
	// oldest: 39 pulls), and the numbers sit beside the chart.
	bars, err := chromedp.Run(tab, chromedp.Evaluate[[]float64](`[...document.querySelectorAll("#chart-partner-baltic-daily rect.bar")].map(r => r.getBoundingClientRect().height)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(bars) != store.PullDays {
		t.Fatalf("partner chart draws %d bars, want %d", len(bars), store.PullDays)
	}
	if bars[0] <= bars[len(bars)-1] || bars[len(bars)-1] <= 0 {
		t.Errorf("bar heights %v: the oldest day (39 pulls) must be taller than today (10)", bars)
	}
	side, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => { const c = document.querySelector("#chart-partner-baltic-daily svg").getBoundingClientRect(); const n = document.querySelector("#chart-partner-baltic-daily table").getBoundingClientRect(); return n.left >= c.right - 1 })()`))
	if err != nil || !side {
		t.Errorf("on a desktop the numbers are not beside the chart (%v)", err)
	}
	if got := text("#chart-feed-1 figcaption"); !strings.HasPrefix(got, "/feed.rss: ") || !strings.Contains(got, "42 subscribers reported") {
		t.Errorf("the top public feed's caption = %q", got)
	}
	if got := text("#chart-feed-2 figcaption"); !strings.HasPrefix(got, "/categories/politics/feed.atom: 4 pulls") {
		t.Errorf("the second public feed's caption = %q", got)
	}
	shot("admin-analytics-desktop.png")

	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("chart-partner-baltic-daily")))
	wide, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`))
	if err != nil || !wide {
		t.Errorf("the analytics view scrolls sideways on a phone (%v)", err)
	}
	shot("admin-analytics-phone.png")
}
