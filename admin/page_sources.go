package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"syndicate"
	"syndicate/internal/httperr"
	"syndicate/internal/route"
	"syndicate/registry"
)

// sourceForm is the add/edit form as the editor typed it, kept verbatim
// so that a form with an error comes back as it was sent.
type sourceForm struct {
	ID, Name, URL, SiteURL, PublicFeedURL, Schedule, Attribution, Categories string
	Comments, Enabled                                                        bool
	// Version is the ETag of the source the edit form was filled from, so
	// an edit over someone else\'s newer one is refused.
	Version string
	SEO     string
	// Rights, License, Redistribute and Hold: see rights.go in the root package.
	Rights, License, Redistribute, Hold string
}

func formFromRequest(r *http.Request) sourceForm {
	f := r.PostForm
	return sourceForm{
		ID: f.Get("id"), Name: f.Get("name"), URL: f.Get("url"), SiteURL: f.Get("site_url"),
		PublicFeedURL: f.Get("public_feed_url"),
		Schedule:      f.Get("schedule"), Attribution: f.Get("attribution"), Categories: f.Get("categories"),
		Comments: f.Get("comments") != "", Enabled: f.Get("enabled") != "",
		Version: f.Get("version"), SEO: f.Get("seo"),
		Rights: f.Get("rights"), License: f.Get("license"), Redistribute: f.Get("redistribute"), Hold: f.Get("hold"),
	}
}

func formOf(src syndicate.Source) sourceForm {
	return sourceForm{
		ID: src.ID, Name: src.Name, URL: src.URL, SiteURL: src.SiteURL, PublicFeedURL: src.PublicFeed, Schedule: src.Schedule,
		Attribution: src.Attribution, Categories: strings.Join(src.Categories, ", "),
		Comments: src.Comments, Enabled: src.Enabled, SEO: src.SEO,
		Rights: src.Rights, License: src.License, Redistribute: src.Redistribute, Hold: src.Hold,
	}
}

// source converts the form through Input, as the API does.
func (f sourceForm) source() syndicate.Source {
	enabled := f.Enabled
	return Input{
		ID: f.ID, Name: f.Name, URL: f.URL, SiteURL: f.SiteURL, PublicFeedURL: f.PublicFeedURL, Schedule: f.Schedule,
		Attribution: f.Attribution, Categories: strings.Split(f.Categories, ","),
		Comments: f.Comments, Enabled: &enabled, SEO: f.SEO,
		Rights: f.Rights, License: f.License, Redistribute: f.Redistribute, Hold: f.Hold,
	}.Source()
}

// fieldErrors maps a form field to what is wrong with it; "" holds the
// problems that belong to no field.
type fieldErrors map[string]string

func (fe fieldErrors) add(err error) {
	var e *syndicate.Error
	field := ""
	if errors.As(err, &e) {
		field = e.Field
	}
	// categories[2] is about the categories box.
	if i := strings.IndexByte(field, '['); i > 0 {
		field = field[:i]
	}
	switch field {
	case "id", "name", "url", "site_url", "public_feed_url", "schedule", "attribution", "categories", "comments", "enabled", "seo",
		"rights", "license", "redistribute", "hold":
	default:
		field = ""
	}
	msg := upperFirst(syndicate.ErrorMessage(err))
	if fe[field] != "" {
		msg = fe[field] + " " + msg
	}
	fe[field] = msg
}

// check validates src as the Service will and returns every problem.
func (p *Page) check(src syndicate.Source) fieldErrors {
	fe := fieldErrors{}
	for _, e := range registry.Validate(src) {
		fe.add(e)
	}
	return fe
}

// row is one source as the list shows it.
type row struct {
	SourceView
	State, StateLabel string
}

// health classifies a source for its badge.
func health(v SourceView) (state, label string) {
	switch {
	case !v.Enabled:
		return "disabled", "Disabled"
	case v.Status.Disabled != "":
		return "stopped", "Stopped"
	case v.Status.ConsecutiveFailures > 0:
		return "failing", "Failing"
	case v.Status.LastSuccess != nil:
		return "ok", "Healthy"
	}
	return "pending", "Not fetched yet"
}

type indexData struct {
	base
	Sources                                []row
	Healthy, Failing, Disabled, Pending    int
	Form                                   sourceForm
	Errors                                 fieldErrors
	OpenForm, Editing                      bool
	CanPreview                             bool // the form has a Preview button
	DefaultSchedule, DefaultAttribution    string
	FormAction, FormTitle, FormSubmitLabel string
	Takedown                               takedownForm
}

func (p *Page) handleIndex(w http.ResponseWriter, r *http.Request, s session) {
	p.renderIndex(w, r, s, http.StatusOK, sourceForm{Enabled: true}, nil)
}

func (p *Page) renderIndex(w http.ResponseWriter, r *http.Request, s session, code int, form sourceForm, errs fieldErrors) {
	p.renderIndexWith(w, r, s, code, form, errs, takedownForm{})
}

// renderIndexWith is renderIndex with the takedown form as it was sent.
func (p *Page) renderIndexWith(w http.ResponseWriter, r *http.Request, s session, code int, form sourceForm, errs fieldErrors, td takedownForm) {
	list, err := p.opts.Service.List(r.Context())
	if err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	d := indexData{
		base: p.base(r, s, "Sources"), Form: form, Errors: errs, OpenForm: len(errs) > 0,
		DefaultSchedule: p.opts.Service.opts.DefaultSchedule, DefaultAttribution: syndicate.DefaultAttribution,
		// The fragment brings the editor back to the form when it has errors.
		FormAction: "/admin/sources#add", FormTitle: "Add a source", FormSubmitLabel: "Add source",
		Takedown: td, CanPreview: p.opts.Preview != nil,
	}
	d.Flash = p.takeFlash(w, r)
	for _, v := range list {
		state, label := health(v)
		switch state {
		case "ok":
			d.Healthy++
		case "failing", "stopped":
			d.Failing++
		case "disabled":
			d.Disabled++
		default:
			d.Pending++
		}
		d.Sources = append(d.Sources, row{SourceView: v, State: state, StateLabel: label})
	}
	p.render(w, r, code, "index", d)
}

func (p *Page) handleCreate(w http.ResponseWriter, r *http.Request, s session) {
	form := formFromRequest(r)
	src := form.source()
	if errs := p.check(src); len(errs) > 0 {
		p.renderIndex(w, r, s, http.StatusBadRequest, form, errs)
		return
	}
	v, err := p.opts.Service.Create(r.Context(), s.Name, src)
	if err != nil {
		p.formError(w, r, err)
		var e *syndicate.Error
		if errors.As(err, &e) && e.Kind == syndicate.EConflict && e.Field == "" {
			// The store's "id exists": the only conflict a new source has.
			err = &syndicate.Error{Kind: e.Kind, Field: "id", Message: e.Message}
		}
		errs := fieldErrors{}
		errs.add(err)
		p.renderIndex(w, r, s, httperr.Status(err), form, errs)
		return
	}
	p.setFlash(w, r, "ok", fmt.Sprintf("Added %s (%s). Press Refresh to fetch it now, or wait for its schedule.", v.ID, v.Name))
	http.Redirect(w, r, "/admin#source-"+v.ID, http.StatusSeeOther)
}

// formError logs a Service error that is our fault, not the editor's.
func (p *Page) formError(w http.ResponseWriter, r *http.Request, err error) {
	httperr.Log(p.log, err, "admin page", "method", r.Method, "path", r.URL.Path)
}

type editData struct {
	base
	Source                                 SourceView
	Form                                   sourceForm
	Errors                                 fieldErrors
	DefaultSchedule, DefaultAttribution    string
	FormAction, FormTitle, FormSubmitLabel string
	Editing                                bool
}

// editable returns the API source id names, or the error page's reason.
func (p *Page) editable(ctx context.Context, id string) (SourceView, error) {
	v, err := p.opts.Service.Get(ctx, id)
	if err != nil {
		return v, err
	}
	if v.Managed == syndicate.ManagedConfig {
		return v, p.opts.Service.reg.Editable(id)
	}
	return v, nil
}

func (p *Page) handleEditForm(w http.ResponseWriter, r *http.Request, s session) {
	v, err := p.editable(r.Context(), route.Value(r, "id"))
	if err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	form := formOf(v.Source)
	form.Version = SourceETag(v.Source)
	p.renderEdit(w, r, s, http.StatusOK, v, form, nil)
}

func (p *Page) renderEdit(w http.ResponseWriter, r *http.Request, s session, code int, v SourceView, form sourceForm, errs fieldErrors) {
	p.render(w, r, code, "edit", editData{
		base: p.base(r, s, "Edit "+v.ID), Source: v, Form: form, Errors: errs,
		DefaultSchedule: p.opts.Service.opts.DefaultSchedule, DefaultAttribution: syndicate.DefaultAttribution,
		FormAction: "/admin/sources/" + v.ID, FormTitle: "Edit " + v.Name, FormSubmitLabel: "Save changes", Editing: true,
	})
}

func (p *Page) handleReplace(w http.ResponseWriter, r *http.Request, s session) {
	v, err := p.editable(r.Context(), route.Value(r, "id"))
	if err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	form := formFromRequest(r)
	form.ID = v.ID // ids cannot change; the form shows it read-only
	src := form.source()
	if errs := p.check(src); len(errs) > 0 {
		p.renderEdit(w, r, s, http.StatusBadRequest, v, form, errs)
		return
	}
	_, err = p.opts.Service.ReplaceIfMatch(r.Context(), s.Name, v.ID, src, form.Version)
	var stale *StaleError
	if errors.As(err, &stale) {
		// Show the version that won, to edit again from it.
		cur := formOf(stale.Current.Source)
		cur.Version = SourceETag(stale.Current.Source)
		p.renderEdit(w, r, s, http.StatusPreconditionFailed, stale.Current, cur,
			fieldErrors{"": "Not saved: someone else changed this source since you opened it. The form now shows their version; apply your changes to it and save again."})
		return
	}
	if err != nil {
		p.formError(w, r, err)
		errs := fieldErrors{}
		errs.add(err)
		p.renderEdit(w, r, s, httperr.Status(err), v, form, errs)
		return
	}
	p.setFlash(w, r, "ok", fmt.Sprintf("Saved %s.", v.ID))
	http.Redirect(w, r, "/admin#source-"+v.ID, http.StatusSeeOther)
}

func (p *Page) handleEnable(w http.ResponseWriter, r *http.Request, s session) {
	p.setEnabled(w, r, s, true)
}

func (p *Page) handleDisable(w http.ResponseWriter, r *http.Request, s session) {
	p.setEnabled(w, r, s, false)
}

// setEnabled replaces the source with Enabled flipped, through the
// Service (validated and audited like any edit).
func (p *Page) setEnabled(w http.ResponseWriter, r *http.Request, s session, enabled bool) {
	v, err := p.editable(r.Context(), route.Value(r, "id"))
	if err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	src := v.Source
	src.Enabled = enabled
	if _, err := p.opts.Service.Replace(r.Context(), s.Name, v.ID, src); err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	msg := "Disabled %s: it is no longer fetched; its articles stay published."
	if enabled {
		msg = "Enabled %s: it is fetched on its schedule again."
	}
	p.setFlash(w, r, "ok", fmt.Sprintf(msg, v.ID))
	http.Redirect(w, r, "/admin#source-"+v.ID, http.StatusSeeOther)
}

type deleteData struct {
	base
	Source SourceView
}

func (p *Page) handleDeleteConfirm(w http.ResponseWriter, r *http.Request, s session) {
	v, err := p.editable(r.Context(), route.Value(r, "id"))
	if err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "delete", deleteData{base: p.base(r, s, "Delete "+v.ID), Source: v})
}

func (p *Page) handleDelete(w http.ResponseWriter, r *http.Request, s session) {
	id := route.Value(r, "id")
	if err := p.opts.Service.Delete(r.Context(), s.Name, id); err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	p.setFlash(w, r, "ok", fmt.Sprintf("Deleted %s.", id))
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

func (p *Page) handleRefresh(w http.ResponseWriter, r *http.Request, s session) {
	id := route.Value(r, "id")
	sum, err := p.opts.Service.Refresh(r.Context(), s.Name, id)
	if err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	kind, msg := "ok", fmt.Sprintf("Refreshed %s: %s", id, sum.Status)
	switch {
	case sum.Error != "":
		kind, msg = "error", msg+": "+sum.Error
	case sum.Status == "ok":
		msg += fmt.Sprintf(", %d new, %d updated", sum.New, sum.Updated)
	}
	p.setFlash(w, r, kind, msg)
	http.Redirect(w, r, "/admin#source-"+id, http.StatusSeeOther)
}

func (p *Page) handleExport(w http.ResponseWriter, r *http.Request, s session) {
	b, err := p.opts.Service.ExportOPML(r.Context(), p.opts.SiteTitle+" — sources")
	if err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="sources.opml"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
