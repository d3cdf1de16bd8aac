package admin_test

import (
	"context"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/admin"
)

func TestPage_Create(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		e.rt.NextRunFunc = func(id string) time.Time { return e.clock.Now().Add(10 * time.Minute) }
		b := e.browser(t)
		b.mustLogin()
		wantRedirect(t, b.action("/admin/sources", addForm("partner-daily")), "/admin#source-partner-daily")

		page := b.get("/admin")
		wantStatus(t, page, http.StatusOK, "Added partner-daily (Partner Daily)")
		row := rowOf(page.Body, "partner-daily")
		for _, want := range []string{"Partner Daily", "https://partner.example/feed/", "Not fetched yet", "in 10 min", "Politics", "World", `/admin/sources/partner-daily/edit`} {
			if !strings.Contains(row, want) {
				t.Errorf("row lacks %q:\n%s", want, row)
			}
		}
		// The message is shown once.
		if strings.Contains(b.get("/admin").Body, "Added partner-daily") {
			t.Error("the flash message is shown twice")
		}
		srcs, err := e.st.Sources(t.Context())
		if err != nil || len(srcs) != 1 {
			t.Fatalf("sources = %v, %v", srcs, err)
		}
		got := srcs[0]
		if got.ID != "partner-daily" || got.Schedule != "*/10 * * * *" || !slices.Equal(got.Categories, []string{"Politics", "World"}) ||
			!got.Comments || !got.Enabled || got.Managed != syndicate.ManagedAPI {
			t.Errorf("stored %+v", got)
		}
		if !strings.Contains(e.logs.String(), "who=editor action=source.create source_id=partner-daily") {
			t.Errorf("no audit line for the create:\n%s", e.logs.String())
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, tc := range []struct {
			name, field, value, want string
		}{
			{"BadID", "id", "Bad ID", "must be 1-64 characters"},
			{"NoName", "name", "", "Is required"},
			{"FTPURL", "url", "ftp://partner.example/feed", "must be an http or https URL"},
			{"FileURL", "url", "file:feeds/local.xml", "allowed only for sources in the config file"},
			{"BadSiteURL", "site_url", "partner.example", "must be an http or https URL"},
			{"BadSchedule", "schedule", "every tuesday", "schedule"},
			{"BadAttribution", "attribution", "From {{.Nope}}", "Bad template"},
			{"BadCategory", "categories", "Politics, !!!", `"!!!" has no letters or digits`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := newPageEnv(t, editorTokens, nil)
				b := e.browser(t)
				b.mustLogin()
				form := addForm("partner-daily")
				form.Set(tc.field, tc.value)
				res := b.action("/admin/sources", form)
				wantStatus(t, res, http.StatusBadRequest)
				if got := fieldError(res.Body, tc.field); !strings.Contains(got, tc.want) {
					t.Errorf("error next to %s = %q, want it to contain %q\n%s", tc.field, got, tc.want, res.Body)
				}
				// What was typed comes back, the bad value included.
				for _, f := range []string{"id", "name", "url", "site_url", "schedule", "categories"} {
					v := form.Get(f)
					if v != "" && !strings.Contains(html.UnescapeString(res.Body), `value="`+v+`"`) {
						t.Errorf("input %s=%q not kept", f, v)
					}
				}
				if v := form.Get("attribution"); v != "" && !strings.Contains(html.UnescapeString(res.Body), ">"+v+"</textarea>") {
					t.Errorf("attribution %q not kept", v)
				}
				if srcs, _ := e.st.Sources(t.Context()); len(srcs) != 0 {
					t.Errorf("stored %v from an invalid form", srcs)
				}
			})
		}
	})
	t.Run("ConfigID", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		b := e.browser(t)
		b.mustLogin()
		res := b.action("/admin/sources", addForm("wire"))
		wantStatus(t, res, http.StatusConflict)
		if got := fieldError(res.Body, "id"); !strings.Contains(got, "config file") {
			t.Errorf("id error = %q", got)
		}
	})
	t.Run("DuplicateID", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		b := e.browser(t)
		b.mustLogin()
		wantRedirect(t, b.action("/admin/sources", addForm("partner-daily")), "/admin#source-partner-daily")
		res := b.action("/admin/sources", addForm("partner-daily"))
		wantStatus(t, res, http.StatusConflict)
		if fieldError(res.Body, "id") == "" {
			t.Errorf("no error next to the id:\n%s", res.Body)
		}
	})
	t.Run("Escaped", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		b := e.browser(t)
		b.mustLogin()
		form := addForm("xss")
		form.Set("name", `<script>alert(1)</script>`)
		wantRedirect(t, b.action("/admin/sources", form), "/admin#source-xss")
		page := b.get("/admin")
		if strings.Contains(page.Body, "<script>") || !strings.Contains(page.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("the name is not escaped:\n%s", rowOf(page.Body, "xss"))
		}
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("Content-Security-Policy = %q", csp)
		}
	})
}

func TestPage_ConfigSourceReadOnly(t *testing.T) {
	e := newPageEnv(t, editorTokens, nil)
	b := e.browser(t)
	b.mustLogin()
	row := rowOf(b.get("/admin").Body, "wire")
	if !strings.Contains(row, "config · read-only") || !strings.Contains(row, `action="/admin/sources/wire/refresh"`) {
		t.Errorf("the config source is not marked read-only with a refresh button:\n%s", row)
	}
	for _, link := range []string{"/admin/sources/wire/edit", "/admin/sources/wire/delete", "/admin/sources/wire/disable"} {
		if strings.Contains(row, link) {
			t.Errorf("the config source's row offers %s", link)
		}
	}
	wantStatus(t, b.get("/admin/sources/wire/edit"), http.StatusConflict, "managed by the config file")
	wantStatus(t, b.get("/admin/sources/wire/delete"), http.StatusConflict, "managed by the config file")
	wantStatus(t, b.action("/admin/sources/wire", addForm("wire")), http.StatusConflict, "managed by the config file")
	wantStatus(t, b.action("/admin/sources/wire/disable", nil), http.StatusConflict, "managed by the config file")
	wantStatus(t, b.action("/admin/sources/wire/delete", nil), http.StatusConflict, "managed by the config file")
	if strings.Contains(e.logs.String(), "action=source.") {
		t.Errorf("a refused change was audited:\n%s", e.logs.String())
	}
}

// withPartner returns a signed-in browser with the API source partner-daily.
func withPartner(t *testing.T) (*pageEnv, *browser) {
	t.Helper()
	e := newPageEnv(t, editorTokens, nil)
	b := e.browser(t)
	b.mustLogin()
	wantRedirect(t, b.action("/admin/sources", addForm("partner-daily")), "/admin#source-partner-daily")
	b.get("/admin") // take the flash
	return e, b
}

func storedSource(t *testing.T, e *pageEnv, id string) (syndicate.Source, bool) {
	t.Helper()
	srcs, err := e.st.Sources(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if s.ID == id {
			return s, true
		}
	}
	return syndicate.Source{}, false
}

func TestPage_Edit(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e, b := withPartner(t)
		form := b.get("/admin/sources/partner-daily/edit")
		wantStatus(t, form, http.StatusOK, `value="Partner Daily"`, `value="Politics, World"`, "Save changes")
		edit := addForm("partner-daily")
		edit.Set("name", "Partner Daily (weekend)")
		edit.Set("categories", "Weekend")
		edit.Del("comments")
		wantRedirect(t, b.action("/admin/sources/partner-daily", edit), "/admin#source-partner-daily")
		wantStatus(t, b.get("/admin"), http.StatusOK, "Saved partner-daily.", "Partner Daily (weekend)")
		got, _ := storedSource(t, e, "partner-daily")
		if got.Name != "Partner Daily (weekend)" || got.Comments || !slices.Equal(got.Categories, []string{"Weekend"}) {
			t.Errorf("stored %+v", got)
		}
		if !strings.Contains(e.logs.String(), "who=editor action=source.replace source_id=partner-daily") {
			t.Errorf("no audit line for the edit:\n%s", e.logs.String())
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		e, b := withPartner(t)
		edit := addForm("partner-daily")
		edit.Set("url", "not a url")
		res := b.action("/admin/sources/partner-daily", edit)
		wantStatus(t, res, http.StatusBadRequest, `value="not a url"`)
		if fieldError(res.Body, "url") == "" {
			t.Errorf("no error next to the url:\n%s", res.Body)
		}
		if got, _ := storedSource(t, e, "partner-daily"); got.URL != "https://partner.example/feed/" {
			t.Errorf("stored url %q after an invalid edit", got.URL)
		}
	})
	t.Run("IDCannotChange", func(t *testing.T) {
		e, b := withPartner(t)
		wantRedirect(t, b.action("/admin/sources/partner-daily", addForm("renamed")), "/admin#source-partner-daily")
		if _, ok := storedSource(t, e, "renamed"); ok {
			t.Error("the edit form renamed the source")
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		_, b := withPartner(t)
		wantStatus(t, b.get("/admin/sources/nope/edit"), http.StatusNotFound)
	})
}

func TestPage_DisableEnable(t *testing.T) {
	e, b := withPartner(t)
	wantRedirect(t, b.action("/admin/sources/partner-daily/disable", nil), "/admin#source-partner-daily")
	if got, _ := storedSource(t, e, "partner-daily"); got.Enabled {
		t.Fatal("still enabled after disable")
	}
	page := b.get("/admin")
	row := rowOf(page.Body, "partner-daily")
	if !strings.Contains(page.Body, "Disabled partner-daily") || !strings.Contains(row, ">Disabled<") || !strings.Contains(row, "/admin/sources/partner-daily/enable") {
		t.Errorf("after disable, row:\n%s", row)
	}
	wantRedirect(t, b.action("/admin/sources/partner-daily/enable", nil), "/admin#source-partner-daily")
	if got, _ := storedSource(t, e, "partner-daily"); !got.Enabled {
		t.Fatal("still disabled after enable")
	}
	if logs := e.logs.String(); !strings.Contains(logs, "action=source.replace source_id=partner-daily") || !strings.Contains(logs, "enabled=false") {
		t.Errorf("no audit line for the disable:\n%s", e.logs.String())
	}
}

func TestPage_Delete(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e, b := withPartner(t)
		confirm := b.get("/admin/sources/partner-daily/delete")
		wantStatus(t, confirm, http.StatusOK, "Delete Partner Daily?", `action="/admin/sources/partner-daily/delete"`, "cannot be undone")
		if _, ok := storedSource(t, e, "partner-daily"); !ok {
			t.Fatal("the confirm step deleted the source")
		}
		wantRedirect(t, b.action("/admin/sources/partner-daily/delete", nil), "/admin")
		if _, ok := storedSource(t, e, "partner-daily"); ok {
			t.Fatal("still stored after delete")
		}
		page := b.get("/admin")
		wantStatus(t, page, http.StatusOK, "Deleted partner-daily.")
		if rowOf(page.Body, "partner-daily") != "" {
			t.Error("still listed after delete")
		}
		if !strings.Contains(e.logs.String(), "who=editor action=source.delete source_id=partner-daily") {
			t.Errorf("no audit line for the delete:\n%s", e.logs.String())
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		_, b := withPartner(t)
		wantStatus(t, b.action("/admin/sources/nope/delete", nil), http.StatusNotFound)
	})
}

func TestPage_Refresh(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e, b := withPartner(t)
		e.rt.RefreshFunc = func(ctx context.Context, src syndicate.Source) admin.Summary {
			now := e.clock.Now()
			if err := e.st.SaveSourceStatus(ctx, &syndicate.SourceStatus{SourceID: src.ID, FeedURL: src.URL,
				LastAttempt: now, LastSuccess: now, LastStatus: "ok", HTTPStatus: 200}); err != nil {
				t.Error(err)
			}
			return admin.Summary{SourceID: src.ID, Status: "ok", HTTP: 200, New: 3, Updated: 1}
		}
		wantRedirect(t, b.action("/admin/sources/partner-daily/refresh", nil), "/admin#source-partner-daily")
		page := b.get("/admin")
		wantStatus(t, page, http.StatusOK, "Refreshed partner-daily: ok, 3 new, 1 updated")
		row := rowOf(page.Body, "partner-daily")
		if !strings.Contains(row, "Healthy") || !strings.Contains(row, "just now") {
			t.Errorf("after refresh, row:\n%s", row)
		}
		if !strings.Contains(e.logs.String(), "who=editor action=source.refresh source_id=partner-daily status=ok") {
			t.Errorf("no audit line for the refresh:\n%s", e.logs.String())
		}
	})
	t.Run("Failed", func(t *testing.T) {
		e, b := withPartner(t)
		e.rt.RefreshFunc = func(ctx context.Context, src syndicate.Source) admin.Summary {
			now := e.clock.Now()
			e.st.SaveSourceStatus(ctx, &syndicate.SourceStatus{SourceID: src.ID, FeedURL: src.URL,
				LastAttempt: now, LastError: "fetch partner-daily: status 503", LastStatus: "failed", ConsecutiveFailures: 2})
			return admin.Summary{SourceID: src.ID, Status: "failed", HTTP: 503, Error: "fetch partner-daily: status 503"}
		}
		wantRedirect(t, b.action("/admin/sources/partner-daily/refresh", nil), "/admin#source-partner-daily")
		page := b.get("/admin")
		wantStatus(t, page, http.StatusOK, "Refreshed partner-daily: failed: fetch partner-daily: status 503")
		if !strings.Contains(page.Body, `class="flash flash-error"`) {
			t.Error("a failed refresh is not shown as an error")
		}
		row := rowOf(page.Body, "partner-daily")
		if !strings.Contains(row, "Failing") || !strings.Contains(row, "status 503") || !strings.Contains(row, `failures bad">2<`) {
			t.Errorf("after a failed refresh, row:\n%s", row)
		}
	})
	t.Run("ConfigSource", func(t *testing.T) {
		e, b := withPartner(t)
		var got string
		e.rt.RefreshFunc = func(ctx context.Context, src syndicate.Source) admin.Summary {
			got = src.ID
			return admin.Summary{SourceID: src.ID, Status: "not-modified", HTTP: 304}
		}
		wantRedirect(t, b.action("/admin/sources/wire/refresh", nil), "/admin#source-wire")
		wantStatus(t, b.get("/admin"), http.StatusOK, "Refreshed wire: not-modified")
		if got != "wire" {
			t.Errorf("refreshed %q, want wire", got)
		}
	})
	t.Run("LongError", func(t *testing.T) {
		e, b := withPartner(t)
		e.rt.RefreshFunc = func(ctx context.Context, src syndicate.Source) admin.Summary {
			return admin.Summary{SourceID: src.ID, Status: "failed", Error: "parse: " + strings.Repeat("é", 4000)}
		}
		wantRedirect(t, b.action("/admin/sources/partner-daily/refresh", nil), "/admin#source-partner-daily")
		if c := b.cookie("syndicate_admin_flash"); c == nil || len(c.Value) > 3000 {
			t.Fatalf("flash cookie = %v, want one under 3000 bytes", c)
		}
		wantStatus(t, b.get("/admin"), http.StatusOK, "Refreshed partner-daily: failed: parse: éé", "é…")
	})
	t.Run("NotFound", func(t *testing.T) {
		_, b := withPartner(t)
		wantStatus(t, b.action("/admin/sources/nope/refresh", nil), http.StatusNotFound)
	})
}
