package admin_test

import (
	"net/http"
	"testing"
)

// TestPage_SourceRights: the editors' form sets a source's rights,
// licence, redistribution and embargo, shows them when editing, and an
// edit keeps them; a bad value is shown next to its field.
func TestPage_SourceRights(t *testing.T) {
	e := newPageEnv(t, editorTokens, nil)
	b := e.browser(t)
	b.mustLogin()
	form := addForm("teaser")
	form.Set("rights", "© 2026 Teaser & Co")
	form.Set("license", "https://teaser.example/terms")
	form.Set("redistribute", "excerpt")
	form.Set("hold", "2h")
	wantRedirect(t, b.action("/admin/sources", form), "/admin#source-teaser")
	srcs, err := e.st.Sources(t.Context())
	if err != nil || len(srcs) != 1 {
		t.Fatalf("sources = %v, %v", srcs, err)
	}
	if s := srcs[0]; s.Rights != "© 2026 Teaser & Co" || s.License != "https://teaser.example/terms" || s.Redistribute != "excerpt" || s.Hold != "2h" {
		t.Fatalf("stored %+v", s)
	}
	wantStatus(t, b.get("/admin/sources/teaser/edit"), http.StatusOK, `value="© 2026 Teaser & Co"`, `value="excerpt" selected`, `value="2h"`)
	bad := addForm("other")
	bad.Set("hold", "soon")
	res := b.action("/admin/sources", bad)
	if fieldError(res.Body, "hold") == "" {
		t.Errorf("no error shown next to the hold field:\n%s", res.Body)
	}
}
