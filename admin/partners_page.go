package admin

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"syndicate"
	"syndicate/analytics"
	"syndicate/internal/httperr"
	"syndicate/internal/route"
	"syndicate/store"
)

// partnersPage is the Partners section of /admin (partner profiles with
// their pulls) and the Analytics view (pulls per day as SVG bar charts,
// with the numbers beside them). It shares the Page's sessions, CSRF
// tokens and flash messages; every change goes through the Service.
type partnersPage struct {
	*Page
	stats store.PullStats
}

// PartnerRoutes registers /admin/partners and /admin/analytics on mux;
// stats reads the fleet's pull counts (both stores implement it).
func (p *Page) PartnerRoutes(mux route.Registrar, stats store.PullStats) {
	pp := &partnersPage{Page: p, stats: stats}
	pp.addTemplates("partners", "partner", "analytics")
	mux.Handle("GET /admin/partners", p.auth(pp.handleList))
	mux.Handle("POST /admin/partners", p.auth(pp.handleCreate))
	mux.Handle("GET /admin/partners/{name}/edit", p.auth(pp.handleEdit))
	mux.Handle("POST /admin/partners/{name}", p.auth(pp.handleReplace))
	mux.Handle("POST /admin/partners/{name}/rotate", p.auth(pp.handleRotate))
	mux.Handle("POST /admin/partners/{name}/delete", p.auth(pp.handleDelete))
	mux.Handle("GET /admin/analytics", p.auth(pp.handleAnalytics))
}

// addTemplates parses more page templates over the common layout.
func (p *Page) addTemplates(names ...string) {
	funcs := template.FuncMap{"ago": p.ago, "until": p.until, "iso": iso, "stamp": stamp, "join": strings.Join}
	common := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/form.html", "templates/partnerform.html"))
	for _, name := range names {
		p.tmpl[name] = template.Must(template.Must(common.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
	}
}

// partnerForm is the add/edit form as submitted.
type partnerForm struct {
	Name, Sources, Categories, Content string
	Comments                           bool
}

func partnerFormOf(r *http.Request) partnerForm {
	return partnerForm{Name: strings.TrimSpace(r.PostForm.Get("name")), Sources: r.PostForm.Get("sources"), Categories: r.PostForm.Get("categories"),
		Content: r.PostForm.Get("content"), Comments: r.PostForm.Get("comments") == "on"}
}

func partnerFormFrom(pt syndicate.Partner) partnerForm {
	return partnerForm{Name: pt.Name, Sources: strings.Join(pt.Sources, ", "), Categories: strings.Join(pt.Categories, ", "), Content: cmp.Or(pt.Content, syndicate.RedistributeFull), Comments: pt.Comments}
}

// splitList reads a comma- or line-separated list.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' })
}

func (f partnerForm) partner() syndicate.Partner {
	return PartnerInput{Name: f.Name, Sources: splitList(f.Sources), Categories: splitList(f.Categories), Content: f.Content, Comments: f.Comments}.Partner()
}

// partnerRow is one partner in the list, with its pulls.
type partnerRow struct {
	syndicate.Partner
	Config      bool
	Feed        string // the site feed's path (the key goes in ?key=)
	Today       int64
	Share       string // 304 share of today's pulls, "—" without pulls
	Last        *time.Time
	Subscribers int64
}

type partnersData struct {
	base
	Partners []partnerRow
	Form     partnerForm
	Error    string
	// NewKey is shown once, after a create or a rotation.
	NewKey, NewKeyFor string
	StatsError        string
	Editing           bool // never: the list's form adds partners
}

type partnerData struct {
	base
	Partner partnerRow
	Form    partnerForm
	Error   string
	Editing bool
}

// share is the 304 share of c as a percentage.
func share(c store.PullCounts) string {
	if c.Pulls == 0 {
		return "—"
	}
	return fmt.Sprintf("%d%%", (c.NotModified*100+c.Pulls/2)/c.Pulls)
}

func (pp *partnersPage) today() string { return pp.opts.Now().UTC().Format(store.PullDayFormat) }

// report reads the last PullDays days of pulls.
func (pp *partnersPage) report(ctx context.Context) (*store.PullReport, error) {
	since := pp.opts.Now().UTC().AddDate(0, 0, 1-store.PullDays).Format(store.PullDayFormat)
	return pp.stats.Pulls(ctx, since)
}

func (pp *partnersPage) rows(ctx context.Context, r *store.PullReport) ([]partnerRow, error) {
	ps, err := pp.opts.Service.Partners(ctx)
	if err != nil {
		return nil, err
	}
	today := pp.today()
	out := make([]partnerRow, 0, len(ps))
	for _, pt := range ps {
		row := partnerRow{Partner: pt, Config: pt.Managed == syndicate.ManagedConfig, Feed: "/partners/" + pt.Name + "/feed.atom", Share: "—"}
		if r != nil {
			var c store.PullCounts
			for feed, n := range r.Days[today] {
				if analytics.PartnerOf(feed) == pt.Name {
					c.Pulls += n.Pulls
					c.NotModified += n.NotModified
				}
			}
			row.Today, row.Share = c.Pulls, share(c)
			for feed, t := range r.Last {
				if analytics.PartnerOf(feed) == pt.Name && (row.Last == nil || t.After(*row.Last)) {
					row.Last = &t
				}
			}
			for feed, m := range r.Subscribers {
				if analytics.PartnerOf(feed) == pt.Name {
					for _, n := range m {
						row.Subscribers += n
					}
				}
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func (pp *partnersPage) renderList(w http.ResponseWriter, r *http.Request, s session, code int, d partnersData) {
	d.base = pp.base(r, s, "Partners")
	d.base.Section = "partners"
	d.Flash = pp.takeFlash(w, r)
	rep, err := pp.report(r.Context())
	if err != nil {
		pp.log.Error("admin page: pull analytics", "error", err)
		d.StatsError = "Pull counts are unavailable: the store does not answer."
		rep = nil
	}
	rows, err := pp.rows(r.Context(), rep)
	if err != nil {
		pp.renderServiceError(w, r, err)
		return
	}
	d.Partners = rows
	if d.Form.Content == "" {
		d.Form.Content = syndicate.RedistributeFull
	}
	pp.render(w, r, code, "partners", d)
}

func (pp *partnersPage) handleList(w http.ResponseWriter, r *http.Request, s session) {
	pp.renderList(w, r, s, http.StatusOK, partnersData{})
}

func (pp *partnersPage) handleCreate(w http.ResponseWriter, r *http.Request, s session) {
	f := partnerFormOf(r)
	pt, err := pp.opts.Service.CreatePartner(r.Context(), s.Name, f.partner())
	if err != nil {
		pp.renderList(w, r, s, httperr.Status(err), partnersData{Form: f, Error: upperFirst(syndicate.ErrorMessage(err))})
		return
	}
	// The key is shown once, on this answer, and never again.
	pp.renderList(w, r, s, http.StatusCreated, partnersData{NewKey: pt.Key, NewKeyFor: pt.Name})
}

func (pp *partnersPage) partnerRow(w http.ResponseWriter, r *http.Request) (partnerRow, bool) {
	pt, err := pp.opts.Service.Partner(r.Context(), route.Value(r, "name"))
	if err != nil {
		pp.renderErrorOf(w, r, err, "No such partner")
		return partnerRow{}, false
	}
	return partnerRow{Partner: pt, Config: pt.Managed == syndicate.ManagedConfig, Feed: "/partners/" + pt.Name + "/feed.atom"}, true
}

func (pp *partnersPage) handleEdit(w http.ResponseWriter, r *http.Request, s session) {
	row, ok := pp.partnerRow(w, r)
	if !ok {
		return
	}
	pp.renderEdit(w, r, s, http.StatusOK, row, partnerFormFrom(row.Partner), "")
}

func (pp *partnersPage) renderEdit(w http.ResponseWriter, r *http.Request, s session, code int, row partnerRow, f partnerForm, msg string) {
	b := pp.base(r, s, "Edit "+row.Name)
	b.Section = "partners"
	pp.render(w, r, code, "partner", partnerData{base: b, Partner: row, Form: f, Error: msg, Editing: true})
}

func (pp *partnersPage) handleReplace(w http.ResponseWriter, r *http.Request, s session) {
	row, ok := pp.partnerRow(w, r)
	if !ok {
		return
	}
	f := partnerFormOf(r)
	f.Name = row.Name
	if _, err := pp.opts.Service.ReplacePartner(r.Context(), s.Name, row.Name, f.partner()); err != nil {
		pp.renderEdit(w, r, s, httperr.Status(err), row, f, upperFirst(syndicate.ErrorMessage(err)))
		return
	}
	pp.setFlash(w, r, "ok", "Saved partner "+row.Name+".")
	http.Redirect(w, r, "/admin/partners#partner-"+row.Name, http.StatusSeeOther)
}

func (pp *partnersPage) handleRotate(w http.ResponseWriter, r *http.Request, s session) {
	pt, err := pp.opts.Service.RotatePartnerKey(r.Context(), s.Name, route.Value(r, "name"))
	if err != nil {
		pp.renderErrorOf(w, r, err, "No such partner")
		return
	}
	pp.renderList(w, r, s, http.StatusOK, partnersData{NewKey: pt.Key, NewKeyFor: pt.Name})
}

func (pp *partnersPage) handleDelete(w http.ResponseWriter, r *http.Request, s session) {
	name := route.Value(r, "name")
	if err := pp.opts.Service.DeletePartner(r.Context(), s.Name, name); err != nil {
		pp.renderErrorOf(w, r, err, "No such partner")
		return
	}
	pp.setFlash(w, r, "ok", "Deleted partner "+name+": its key no longer works.")
	http.Redirect(w, r, "/admin/partners", http.StatusSeeOther)
}

// ---- the analytics view ----

// Chart geometry (SVG user units).
const (
	chartW, chartH = 600, 160
	chartTop       = 10
	chartBottom    = 20 // room for the day labels
	barGap         = 2
)

type bar struct {
	X, Y, W, H float64
	Day        string
	Pulls      int64
	Share      string
}

type chartTick struct {
	X     float64
	Label string
}

// chart is one feed's or partner's pulls per day, for the last PullDays
// days, oldest first.
type chart struct {
	ID, Title string
	Total     int64
	Share     string
	Last      *time.Time
	Subs      int64
	Max       int64
	Bars      []bar
	Ticks     []chartTick
	W, H      int
	Baseline  float64
}

func newChart(id, title string, days []string, counts map[string]store.PullCounts) chart {
	c := chart{ID: id, Title: title, W: chartW, H: chartH, Baseline: chartH - chartBottom}
	var sum store.PullCounts
	for _, d := range days {
		n := counts[d]
		c.Max = max(c.Max, n.Pulls)
		sum.Pulls += n.Pulls
		sum.NotModified += n.NotModified
	}
	c.Total, c.Share = sum.Pulls, share(sum)
	slot := float64(chartW) / float64(len(days))
	plot := float64(chartH - chartTop - chartBottom)
	for i, d := range days {
		n := counts[d]
		h := 0.0
		if c.Max > 0 {
			h = plot * float64(n.Pulls) / float64(c.Max)
		}
		if n.Pulls > 0 && h < 1 {
			h = 1
		}
		c.Bars = append(c.Bars, bar{X: float64(i)*slot + barGap/2, Y: c.Baseline - h, W: slot - barGap, H: h, Day: d, Pulls: n.Pulls, Share: share(n)})
		// A label a week, and the last day's, never two labels overlapping.
		if (i%7 == 0 && len(days)-1-i >= 4) || i == len(days)-1 {
			c.Ticks = append(c.Ticks, chartTick{X: float64(i)*slot + slot/2, Label: d[5:]})
		}
	}
	return c
}

type analyticsData struct {
	base
	Days     int
	Partners []chart
	Feeds    []chart
	Error    string
}

// topFeeds is how many public feeds the view charts.
const topFeeds = 10

func (pp *partnersPage) handleAnalytics(w http.ResponseWriter, r *http.Request, s session) {
	d := analyticsData{base: pp.base(r, s, "Analytics"), Days: store.PullDays}
	d.base.Section = "analytics"
	rep, err := pp.report(r.Context())
	if err != nil {
		pp.log.Error("admin page: pull analytics", "error", err)
		pp.renderError(w, r, http.StatusServiceUnavailable, "Store unavailable", "The pull counts cannot be read; try again shortly.")
		return
	}
	ps, err := pp.opts.Service.Partners(r.Context())
	if err != nil {
		pp.renderServiceError(w, r, err)
		return
	}
	now := pp.opts.Now().UTC()
	days := make([]string, store.PullDays)
	for i := range days {
		days[i] = now.AddDate(0, 0, i+1-store.PullDays).Format(store.PullDayFormat)
	}
	partner := map[string]map[string]store.PullCounts{} // name -> day -> counts
	public := map[string]map[string]store.PullCounts{}  // feed -> day -> counts
	for day, feeds := range rep.Days {
		for feed, n := range feeds {
			kind, ok := analytics.Classify(feed)
			if !ok {
				continue
			}
			m, key := public, feed
			if kind == analytics.Partner {
				m, key = partner, analytics.PartnerOf(feed)
			}
			if m[key] == nil {
				m[key] = map[string]store.PullCounts{}
			}
			c := m[key][day]
			c.Pulls += n.Pulls
			c.NotModified += n.NotModified
			m[key][day] = c
		}
	}
	for _, pt := range ps {
		c := newChart("partner-"+pt.Name, pt.Name, days, partner[pt.Name])
		for feed, t := range rep.Last {
			if analytics.PartnerOf(feed) == pt.Name && (c.Last == nil || t.After(*c.Last)) {
				c.Last = &t
			}
		}
		for feed, m := range rep.Subscribers {
			if analytics.PartnerOf(feed) == pt.Name {
				for _, n := range m {
					c.Subs += n
				}
			}
		}
		d.Partners = append(d.Partners, c)
	}
	for feed, counts := range public {
		c := newChart("", feed, days, counts)
		if t, ok := rep.Last[feed]; ok {
			c.Last = &t
		}
		for _, n := range rep.Subscribers[feed] {
			c.Subs += n
		}
		d.Feeds = append(d.Feeds, c)
	}
	slices.SortFunc(d.Feeds, func(a, b chart) int { return cmp.Or(cmp.Compare(b.Total, a.Total), strings.Compare(a.Title, b.Title)) })
	if len(d.Feeds) > topFeeds {
		d.Feeds = d.Feeds[:topFeeds]
	}
	for i := range d.Feeds {
		d.Feeds[i].ID = fmt.Sprintf("feed-%d", i+1)
	}
	d.Flash = pp.takeFlash(w, r)
	pp.render(w, r, http.StatusOK, "analytics", d)
}
