package admin_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"syndicate"
	"syndicate/admin"
	"syndicate/registry"
	"syndicate/store/embedded"
)

// The one-time link signs the first browser in, once; it is tied to its
// token like any session.
func TestOneTimeSignIn(t *testing.T) {
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := admin.NewService(admin.Options{Store: st, Runtime: &pageRuntime{}, Sources: registry.New(registry.Options{Store: st, Config: []syndicate.Source{pageConfigSource}}), DefaultSchedule: "@every 15m"})
	tok := admin.Token{Name: "sign-in-link", Value: "a-random-value-nobody-sees-0123456789"}
	api := admin.NewAPI(svc, []admin.Token{tok}, "Example News", nil)
	page := admin.NewPage(admin.PageOptions{Service: svc, API: api, Store: st, SiteTitle: "Example News"})
	mux := http.NewServeMux()
	api.Routes(mux)
	page.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	path := page.OneTimeSignIn(tok.Name, tok.Value)
	if !strings.HasPrefix(path, "/admin/signin/") || len(path) < len("/admin/signin/")+20 {
		t.Fatalf("link path = %q", path)
	}
	client := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar}
	}
	for _, tc := range []struct {
		name, path string
		code       int
		signedIn   bool
	}{
		{"WrongCode", "/admin/signin/not-the-code", http.StatusNotFound, false},
		{"First", path, http.StatusOK, true},
		{"Again", path, http.StatusNotFound, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := client().Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.code {
				t.Fatalf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.code)
			}
			if got := resp.Request.URL.Path == "/admin"; got != tc.signedIn {
				t.Errorf("landed on %s; signed in = %v, want %v", resp.Request.URL.Path, got, tc.signedIn)
			}
		})
	}
}

// The edit form shows and keeps a source's seo choice.
func TestPage_EditSEO(t *testing.T) {
	e, b := withPartner(t)
	edit := addForm("partner-daily")
	edit.Set("seo", "noindex")
	wantRedirect(t, b.action("/admin/sources/partner-daily", edit), "/admin#source-partner-daily")
	if got, _ := storedSource(t, e, "partner-daily"); got.SEO != syndicate.SEONoIndex {
		t.Fatalf("stored seo = %q, want noindex", got.SEO)
	}
	wantStatus(t, b.get("/admin/sources/partner-daily/edit"), http.StatusOK, `<option value="noindex" selected>`)
	edit.Set("seo", "hide")
	res := b.action("/admin/sources/partner-daily", edit)
	wantStatus(t, res, http.StatusBadRequest)
	if !strings.Contains(fieldError(res.Body, "seo"), "canonical, noindex or self") {
		t.Errorf("no error next to the seo field:\n%s", res.Body)
	}
}
