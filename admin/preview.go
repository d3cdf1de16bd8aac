package admin

import (
	"context"
	"net/http"

	"syndicate"
	"syndicate/ingest"
)

// Previewer tries a partner feed as an ingest pass would, storing nothing
// (ingest.Ingester implements it).
type Previewer interface {
	Try(ctx context.Context, src syndicate.Source) (*ingest.Trial, error)
}

// maxPreviewSkips caps the skipped entries the preview lists one by one.
const maxPreviewSkips = 100

// previewData is the preview page: what a pass of the feed would do,
// then the add-source form as it was sent, to add it from there.
type previewData struct {
	indexData
	Trial      *ingest.Trial
	TrialError string
	Skips      []ingest.TrialSkip // the first maxPreviewSkips
	MoreSkips  int
	Lost       []ingest.LostKind
}

// handlePreview fetches, parses and normalizes the feed of the add-source
// form with the ingest pass's fetcher and bounds, and shows what would be
// republished, skipped (with reasons) and lost. Nothing is stored.
func (p *Page) handlePreview(w http.ResponseWriter, r *http.Request, s session) {
	form := formFromRequest(r)
	d := previewData{indexData: indexData{
		base: p.base(r, s, "Preview"), Form: form, Errors: fieldErrors{}, OpenForm: true, CanPreview: true,
		DefaultSchedule: p.opts.Service.opts.DefaultSchedule, DefaultAttribution: syndicate.DefaultAttribution,
		FormAction: "/admin/sources#add", FormTitle: "Add this source", FormSubmitLabel: "Add source",
	}}
	if p.opts.Preview == nil {
		p.renderError(w, r, http.StatusNotFound, "Preview unavailable", "This server cannot preview feeds.")
		return
	}
	src := form.source()
	if err := syndicate.ValidateFeedURL(src.URL, false); err != nil {
		d.Errors.add(syndicate.FieldError("url", "%v", err))
	}
	if src.SiteURL != "" {
		if err := syndicate.ValidateHTTPURL(src.SiteURL); err != nil {
			d.Errors.add(syndicate.FieldError("site_url", "%v", err))
		}
	}
	if len(d.Errors) > 0 {
		p.render(w, r, http.StatusBadRequest, "preview", d)
		return
	}
	if src.ID == "" {
		src.ID = "preview"
	}
	src.Managed = syndicate.ManagedAPI // never a file: URL from the page
	ctx, cancel := context.WithTimeout(r.Context(), RefreshTimeout)
	defer cancel()
	tr, err := p.opts.Preview.Try(ctx, src)
	d.Trial = tr
	if err != nil {
		d.TrialError = upperFirst(err.Error())
	}
	if tr != nil {
		d.Skips = tr.Skipped[:min(len(tr.Skipped), maxPreviewSkips)]
		d.MoreSkips = len(tr.Skipped) - len(d.Skips)
		d.Lost = tr.LostSummary()
	}
	p.audit(s, "source.preview", "url", syndicate.RedactURL(src.URL))
	p.render(w, r, http.StatusOK, "preview", d)
}

func (p *Page) audit(s session, action string, kv ...any) {
	p.log.Info("audit", append([]any{"who", s.Name, "action", action}, kv...)...)
}
