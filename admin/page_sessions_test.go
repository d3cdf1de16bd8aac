package admin_test

import (
	"context"
	"crypto/tls"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/admin"
)

func TestPage_Login(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		b := e.browser(t)
		wantRedirect(t, b.get("/admin"), "/admin/login")
		b.mustLogin()
		wantStatus(t, b.get("/admin"), http.StatusOK, "Signed in as <strong>editor</strong>", "The Wire")
		if logs := e.logs.String(); !strings.Contains(logs, "who=editor action=session.login") || strings.Contains(logs, pageToken) {
			t.Errorf("want an audit line for the login and never the token; logs:\n%s", logs)
		}
		// Signed in, the login form sends you to the page.
		wantRedirect(t, b.get("/admin/login"), "/admin")
	})
	t.Run("WrongToken", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		b := e.browser(t)
		res := b.login("guess")
		wantStatus(t, res, http.StatusUnauthorized)
		if got := fieldError(res.Body, "token"); got != "That token is not valid." {
			t.Errorf("token error = %q", got)
		}
		if b.cookie("syndicate_admin") != nil {
			t.Error("a session cookie was set for a wrong token")
		}
		wantRedirect(t, b.get("/admin"), "/admin/login")
	})
	t.Run("EmptyToken", func(t *testing.T) {
		b := newPageEnv(t, editorTokens, nil).browser(t)
		wantStatus(t, b.login(""), http.StatusUnauthorized)
	})
	t.Run("MissingCSRF", func(t *testing.T) {
		b := newPageEnv(t, editorTokens, nil).browser(t)
		b.get("/admin/login") // the nonce cookie, but no token in the form
		wantStatus(t, b.post("/admin/login", url.Values{"token": {pageToken}}), http.StatusForbidden)
		if b.cookie("syndicate_admin") != nil {
			t.Error("signed in without the form's CSRF token")
		}
	})
	t.Run("NoFormCookie", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		csrf := e.browser(t).csrf("/admin/login") // another browser's form
		b := e.browser(t)
		wantStatus(t, b.post("/admin/login", url.Values{"token": {pageToken}, "csrf": {csrf}}), http.StatusForbidden)
	})
	t.Run("CrossOrigin", func(t *testing.T) {
		b := newPageEnv(t, editorTokens, nil).browser(t)
		res := b.post("/admin/login", url.Values{"token": {pageToken}, "csrf": {b.csrf("/admin/login")}}, "Origin", "https://evil.example")
		wantStatus(t, res, http.StatusForbidden)
	})
}

func TestPage_SessionCookie(t *testing.T) {
	for _, tc := range []struct {
		name       string
		secure     bool
		tls        bool
		wantSecure bool
	}{
		{"PlainHTTP", false, false, false},
		{"SecureOption", true, false, true},
		{"TLSRequest", false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newPageEnv(t, editorTokens, func(o *admin.PageOptions) { o.Secure = tc.secure })
			send := func(req *http.Request) *httptest.ResponseRecorder {
				if tc.tls {
					req.TLS = &tls.ConnectionState{}
				}
				w := httptest.NewRecorder()
				e.mux.ServeHTTP(w, req)
				return w
			}
			form := send(httptest.NewRequest("GET", "/admin/login", nil))
			nonce := cookieNamed(form.Result().Cookies(), "syndicate_admin_login")
			if nonce == nil {
				t.Fatal("the login form set no nonce cookie")
			}
			checkFlags(t, nonce, tc.wantSecure)
			csrf := html.UnescapeString(csrfField.FindStringSubmatch(form.Body.String())[1])
			req := httptest.NewRequest("POST", "/admin/login", strings.NewReader(url.Values{"token": {pageToken}, "csrf": {csrf}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(nonce)
			res := send(req)
			if res.Code != http.StatusSeeOther {
				t.Fatalf("login = %d\n%s", res.Code, res.Body)
			}
			c := cookieNamed(res.Result().Cookies(), "syndicate_admin")
			if c == nil {
				t.Fatal("no session cookie")
			}
			checkFlags(t, c, tc.wantSecure)
			if c.MaxAge != int((12 * time.Hour).Seconds()) {
				t.Errorf("MaxAge = %d, want 12h", c.MaxAge)
			}
			if strings.Contains(c.Value, pageToken) || strings.Contains(c.Value, url.QueryEscape(pageToken)) {
				t.Errorf("the session cookie carries the token: %q", c.Value)
			}
		})
	}
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func checkFlags(t *testing.T, c *http.Cookie, secure bool) {
	t.Helper()
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin" || c.Secure != secure {
		t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Path=%q Secure=%v; want HttpOnly, Strict, /admin, Secure=%v",
			c.Name, c.HttpOnly, c.SameSite, c.Path, c.Secure, secure)
	}
}

func TestPage_Session(t *testing.T) {
	// withSession sends GET /admin with the given session cookie value.
	withSession := func(t *testing.T, e *pageEnv, value string) pageResponse {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+"/admin", nil)
		req.AddCookie(&http.Cookie{Name: "syndicate_admin", Value: value})
		return e.browser(t).do(req)
	}
	login := func(t *testing.T, e *pageEnv) string {
		t.Helper()
		b := e.browser(t)
		b.mustLogin()
		return b.cookie("syndicate_admin").Value
	}
	t.Run("OK", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		wantStatus(t, withSession(t, e, login(t, e)), http.StatusOK, "Signed in as <strong>editor</strong>")
	})
	t.Run("Tampered", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		v := login(t, e)
		parts := strings.Split(v, ".")
		for name, bad := range map[string]string{
			"OtherName":    strings.Join(append([]string{parts[0], "YWRtaW4"}, parts[2:]...), "."),
			"LaterExpiry":  strings.Join(append([]string{parts[0], parts[1], "9999999999"}, parts[3:]...), "."),
			"BadSignature": v[:len(v)-2] + "xx",
			"NoSignature":  strings.Join(parts[:4], "."),
			"Garbage":      "not-a-session",
		} {
			t.Run(name, func(t *testing.T) {
				res := withSession(t, e, bad)
				wantRedirect(t, res, "/admin/login")
			})
		}
	})
	t.Run("Expired", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		v := login(t, e)
		e.clock.Advance(12*time.Hour - time.Minute)
		wantStatus(t, withSession(t, e, v), http.StatusOK)
		e.clock.Advance(2 * time.Minute)
		wantRedirect(t, withSession(t, e, v), "/admin/login")
	})
	t.Run("OtherReplica", func(t *testing.T) {
		// Sessions are signed with the store's secret: another replica
		// on the same store accepts them.
		e := newPageEnv(t, editorTokens, nil)
		v := login(t, e)
		other := newPageEnvOn(t, e.st, editorTokens, nil)
		wantStatus(t, withSession(t, other, v), http.StatusOK, "Signed in as <strong>editor</strong>")
	})
	t.Run("TokenRemoved", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		v := login(t, e)
		other := newPageEnvOn(t, e.st, []admin.Token{{Name: "someone-else", Value: "another-token"}}, nil)
		wantRedirect(t, withSession(t, other, v), "/admin/login")
	})
	t.Run("TokenRotated", func(t *testing.T) {
		// Same name, new value (a leaked token replaced): old sessions end.
		e := newPageEnv(t, editorTokens, nil)
		v := login(t, e)
		rotated := []admin.Token{{Name: editorTokens[0].Name, Value: editorTokens[0].Value + "-rotated"}}
		other := newPageEnvOn(t, e.st, rotated, nil)
		wantRedirect(t, withSession(t, other, v), "/admin/login")
	})
}

func TestPage_CSRF(t *testing.T) {
	e := newPageEnv(t, editorTokens, nil)
	refreshed := 0
	e.rt.RefreshFunc = func(ctx context.Context, src syndicate.Source) admin.Summary {
		refreshed++
		return admin.Summary{SourceID: src.ID, Status: "ok"}
	}
	b := e.browser(t)
	b.mustLogin()
	good := b.csrf("/admin")
	other := e.browser(t)
	other.mustLogin()
	otherCSRF := other.csrf("/admin")

	for _, tc := range []struct {
		name   string
		csrf   string
		header []string
	}{
		{"Missing", "", nil},
		{"Wrong", "AAAA" + good[4:], nil},
		{"OtherSession", otherCSRF, nil},
		{"CrossOrigin", good, []string{"Origin", "https://evil.example"}},
		{"CrossSiteFetch", good, []string{"Sec-Fetch-Site", "cross-site"}},
		{"SameSiteFetch", good, []string{"Sec-Fetch-Site", "same-site"}},
		{"ForeignReferer", good, []string{"Referer", "https://evil.example/page"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{}
			if tc.csrf != "" {
				form.Set("csrf", tc.csrf)
			}
			wantStatus(t, b.post("/admin/sources/wire/refresh", form, tc.header...), http.StatusForbidden)
			if refreshed != 0 {
				t.Fatalf("refreshed %d times through a refused form", refreshed)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		res := b.post("/admin/sources/wire/refresh", url.Values{"csrf": {good}}, "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin")
		wantRedirect(t, res, "/admin#source-wire")
		if refreshed != 1 {
			t.Errorf("refreshed %d times, want 1", refreshed)
		}
	})
}

func TestPage_ForgedFlash(t *testing.T) {
	e := newPageEnv(t, editorTokens, nil)
	b := e.browser(t)
	b.mustLogin()
	u, _ := url.Parse(e.srv.URL + "/admin")
	// "ok\nCall 555-0100 to verify your token" with a made-up signature.
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "syndicate_admin_flash", Path: "/admin",
		Value: "b2sKQ2FsbCA1NTUtMDEwMCB0byB2ZXJpZnkgeW91ciB0b2tlbg.9999999999.c2lnbmF0dXJl"}})
	page := b.get("/admin")
	wantStatus(t, page, http.StatusOK)
	if strings.Contains(page.Body, "555-0100") || strings.Contains(page.Body, `id="flash"`) {
		t.Error("an unsigned flash message was shown")
	}
}

func TestPage_Logout(t *testing.T) {
	e := newPageEnv(t, editorTokens, nil)
	b := e.browser(t)
	b.mustLogin()
	wantStatus(t, b.post("/admin/logout", url.Values{}), http.StatusForbidden) // no CSRF token
	wantStatus(t, b.get("/admin"), http.StatusOK, "Signed in as <strong>editor</strong>")
	wantRedirect(t, b.action("/admin/logout", nil), "/admin/login")
	if c := b.cookie("syndicate_admin"); c != nil {
		t.Errorf("session cookie still set: %v", c)
	}
	wantStatus(t, b.get("/admin/login"), http.StatusOK, "Signed out.")
	wantRedirect(t, b.get("/admin"), "/admin/login")
	if !strings.Contains(e.logs.String(), "who=editor action=session.logout") {
		t.Errorf("no audit line for the logout:\n%s", e.logs.String())
	}
}
