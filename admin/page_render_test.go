package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestPage_Disabled(t *testing.T) {
	e := newPageEnv(t, nil, nil)
	b := e.browser(t)
	for _, res := range []pageResponse{
		b.get("/admin"),
		b.get("/admin/login"),
		b.post("/admin/login", url.Values{"token": {""}}),
		b.post("/admin/sources", addForm("x")),
	} {
		wantStatus(t, res, http.StatusForbidden, "no admin token is configured")
	}
	if srcs, _ := e.st.Sources(t.Context()); len(srcs) != 0 {
		t.Errorf("sources = %v, want none", srcs)
	}
}

func TestPage_Static(t *testing.T) {
	b := newPageEnv(t, editorTokens, nil).browser(t)
	res := b.get("/admin/static/admin.css")
	if res.Code != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(res.Body, "@media") {
		t.Errorf("GET admin.css = %d %q", res.Code, res.Header.Get("Content-Type"))
	}
	login := b.get("/admin/login")
	wantStatus(t, login, http.StatusOK, `name="viewport"`, `href="/admin/static/admin.css"`)
	if login.Header.Get("Cache-Control") != "no-store" || login.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("login headers: %v", login.Header)
	}
}
