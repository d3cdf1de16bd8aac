package admin_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/admin"
	"syndicate/comments"
	"syndicate/store"
	"syndicate/store/embedded"
)

var _ admin.Moderator = (*comments.Service)(nil)

// pageRuntime is a hand-written admin.Runtime for the page tests.
type pageRuntime struct {
	RefreshFunc func(ctx context.Context, src syndicate.Source) admin.Summary
	NextRunFunc func(id string) time.Time
	ApplyFunc   func(srcs []syndicate.Source)
}

var _ admin.Runtime = (*pageRuntime)(nil)

func (f *pageRuntime) Refresh(ctx context.Context, src syndicate.Source) admin.Summary {
	if f.RefreshFunc == nil {
		return admin.Summary{SourceID: src.ID, Status: "not-modified", HTTP: 304}
	}
	return f.RefreshFunc(ctx, src)
}

func (f *pageRuntime) NextRun(id string) time.Time {
	if f.NextRunFunc == nil {
		return time.Time{}
	}
	return f.NextRunFunc(id)
}

func (f *pageRuntime) Apply(srcs []syndicate.Source) {
	if f.ApplyFunc != nil {
		f.ApplyFunc(srcs)
	}
}

// pageClock is a settable clock.
type pageClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *pageClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *pageClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// lockedBuffer collects log lines written from handler goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const pageToken = "s3cret-editor-token"

var pageConfigSource = syndicate.Source{ID: "wire", Name: "The Wire", URL: "https://wire.example/feed/",
	SiteURL: "https://wire.example/", Enabled: true, Managed: syndicate.ManagedConfig}

// pageEnv is a page on the real embedded store, served by httptest.
type pageEnv struct {
	st    *embedded.Store
	rt    *pageRuntime
	clock *pageClock
	logs  *lockedBuffer
	mux   *http.ServeMux
	srv   *httptest.Server
}

func newPageEnv(t *testing.T, tokens []admin.Token, mod func(*admin.PageOptions)) *pageEnv {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newPageEnvOn(t, st, tokens, mod)
}

// newPageEnvOn is a second replica when given another env's store.
func newPageEnvOn(t *testing.T, st *embedded.Store, tokens []admin.Token, mod func(*admin.PageOptions)) *pageEnv {
	t.Helper()
	e := &pageEnv{st: st, rt: &pageRuntime{}, logs: &lockedBuffer{},
		clock: &pageClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}}
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	svc := admin.NewService(admin.Options{Store: st, Runtime: e.rt, ConfigSources: []syndicate.Source{pageConfigSource},
		DefaultSchedule: "@every 15m", Logger: log, Now: e.clock.Now})
	api := admin.NewAPI(svc, tokens, "Example News", log)
	opts := admin.PageOptions{Service: svc, API: api, Store: st, Logger: log, SiteTitle: "Example News", Now: e.clock.Now}
	if mod != nil {
		mod(&opts)
	}
	e.mux = http.NewServeMux()
	api.Routes(e.mux)
	pg := admin.NewPage(opts)
	pg.Routes(e.mux)
	pg.PartnerRoutes(e.mux, st)
	e.srv = httptest.NewServer(e.mux)
	t.Cleanup(e.srv.Close)
	return e
}

var editorTokens = []admin.Token{{Name: "editor", Value: pageToken}}

// browser is a cookie-keeping client that does not follow redirects, so
// tests see each 303.
type browser struct {
	t   *testing.T
	env *pageEnv
	c   *http.Client
}

func (e *pageEnv) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, env: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type pageResponse struct {
	Code   int
	Body   string
	Header http.Header
}

func (b *browser) do(req *http.Request) pageResponse {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return pageResponse{Code: res.StatusCode, Body: string(body), Header: res.Header}
}

func (b *browser) get(path string) pageResponse {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.env.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form; header pairs (name, value) are added to the request.
func (b *browser) post(path string, form url.Values, header ...string) pageResponse {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.env.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.env.srv.URL + "/admin")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrf returns the CSRF token of the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	res := b.get(path)
	m := csrfField.FindStringSubmatch(res.Body)
	if m == nil {
		b.t.Fatalf("GET %s: %d, no csrf field in:\n%s", path, res.Code, res.Body)
	}
	return html.UnescapeString(m[1])
}

// login signs in with token and returns the response to the POST.
func (b *browser) login(token string) pageResponse {
	b.t.Helper()
	return b.post("/admin/login", url.Values{"token": {token}, "csrf": {b.csrf("/admin/login")}})
}

func (b *browser) mustLogin() {
	b.t.Helper()
	if res := b.login(pageToken); res.Code != http.StatusSeeOther || res.Header.Get("Location") != "/admin" {
		b.t.Fatalf("login = %d %q, want 303 to /admin\n%s", res.Code, res.Header.Get("Location"), res.Body)
	}
}

// action posts a form with the session's CSRF token.
func (b *browser) action(path string, form url.Values) pageResponse {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf("/admin"))
	return b.post(path, form)
}

// fieldError returns the error shown next to a form field, or "".
func fieldError(body, field string) string {
	m := regexp.MustCompile(`id="err-` + regexp.QuoteMeta(field) + `">([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// rowOf returns the table row of one source, or "".
func rowOf(body, id string) string {
	i := strings.Index(body, `<tr id="source-`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</tr>")
	return body[i : i+j]
}

func wantRedirect(t *testing.T, res pageResponse, to string) {
	t.Helper()
	if res.Code != http.StatusSeeOther || res.Header.Get("Location") != to {
		t.Fatalf("got %d Location %q, want 303 to %q\n%s", res.Code, res.Header.Get("Location"), to, res.Body)
	}
}

func wantStatus(t *testing.T, res pageResponse, code int, contains ...string) {
	t.Helper()
	if res.Code != code {
		t.Fatalf("got %d, want %d\n%s", res.Code, code, res.Body)
	}
	for _, s := range contains {
		if !strings.Contains(html.UnescapeString(res.Body), s) {
			t.Errorf("body lacks %q:\n%s", s, res.Body)
		}
	}
}

func addForm(id string) url.Values {
	return url.Values{"id": {id}, "name": {"Partner Daily"}, "url": {"https://partner.example/feed/"},
		"site_url": {"https://partner.example/"}, "schedule": {"*/10 * * * *"}, "categories": {"Politics, World"},
		"comments": {"1"}, "enabled": {"1"}}
}

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

// ---- comment moderation and takedowns ----

// modEnv is a page with a real comments.Service on its store and one
// article to comment on.
type modEnv struct {
	*pageEnv
	csvc    *comments.Service
	clogs   *lockedBuffer // the comments service's audit lines
	aid     string
	article *syndicate.Article
}

// newModEnv returns the page with moderation (and the store as its
// Lookup unless noLookup).
func newModEnv(t *testing.T, noLookup bool) *modEnv {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := &modEnv{clogs: &lockedBuffer{}}
	m.csvc = comments.NewService(comments.Options{Store: st, MaxLinks: 3, MaxDepth: 5, RateLimit: 1000,
		Now: func() time.Time { return m.clock.Now() }, Logger: slog.New(slog.NewTextHandler(m.clogs, nil))})
	m.pageEnv = newPageEnvOn(t, st, editorTokens, func(o *admin.PageOptions) {
		o.Moderator = m.csvc
		if !noLookup {
			o.Lookup = st
		}
	})
	published := m.clock.Now().Add(-2 * time.Hour)
	m.article = &syndicate.Article{GUID: "budget", CanonicalURL: "https://partner.example/2026/03/budget", Title: "Council passes the budget",
		Published: published, Updated: published}
	m.article.Hash = m.article.ContentHash()
	if _, err := st.ApplyIngest(t.Context(), &store.Batch{Source: syndicate.SourceRef{ID: "partner-daily", Name: "Partner Daily"},
		Now: published, Entries: []*store.Entry{{Key: "budget", Article: m.article}}}); err != nil {
		t.Fatal(err)
	}
	m.aid = syndicate.MintArticleID("partner-daily", "budget")
	return m
}

// submit takes a reader's comment through the comments service, a
// minute after the previous one.
func (m *modEnv) submit(t *testing.T, author, body, parent string) *syndicate.Comment {
	t.Helper()
	m.clock.Advance(time.Minute)
	c, err := m.csvc.Submit(t.Context(), &comments.Submission{ArticleID: m.aid, Author: author,
		Email: strings.ToLower(strings.Fields(author)[0]) + "@readers.example", Body: body, ParentID: parent}, "203.0.113.7")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (m *modEnv) status(t *testing.T, id string) string {
	t.Helper()
	c, err := m.st.Comment(t.Context(), id)
	if syndicate.ErrorKind(err) == syndicate.ENotFound {
		return "deleted"
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

// commentOf returns the list item of one comment, or "".
func commentOf(body, id string) string {
	i := strings.Index(body, `<li class="comment`)
	for i >= 0 {
		j := strings.Index(body[i:], "</li>")
		if item := body[i : i+j]; strings.Contains(item, `id="comment-`+id+`"`) {
			return item
		}
		k := strings.Index(body[i+j:], `<li class="comment`)
		if k < 0 {
			break
		}
		i += j + k
	}
	return ""
}

var commentIDs = regexp.MustCompile(`<li class="comment[^"]*" id="comment-([^"]+)"`)

func listed(body string) []string {
	var ids []string
	for _, m := range commentIDs.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// tabCount returns the count shown on a status tab.
func tabCount(t *testing.T, body, status string) string {
	t.Helper()
	m := regexp.MustCompile(`id="tab-` + status + `"[^>]*>[^<]*<span class="tab-count">(\d+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s tab in:\n%s", status, body)
	}
	return m[1]
}

func TestPage_Comments(t *testing.T) {
	t.Run("List", func(t *testing.T) {
		m := newModEnv(t, false)
		ann := m.submit(t, "Ann Reader", "First! Thanks for covering this.", "")
		bob := m.submit(t, "Bob Writer", `<p>Nice <script>alert(1)</script><a href="https://bob.example/notes">notes</a> and <em>more</em></p>`, "")
		reply := m.submit(t, "Cleo Answer", "I disagree with Ann.", ann.ID)
		ok := m.submit(t, "Dan Approved", "Already approved.", "")
		spam := m.submit(t, "Eve Spammer", "Buy now at https://spam.example", "")
		for id, st := range map[string]string{ok.ID: syndicate.StatusApproved, spam.ID: syndicate.StatusSpam} {
			if _, err := m.csvc.SetStatus(t.Context(), "setup", id, st); err != nil {
				t.Fatal(err)
			}
		}
		// Something that was not sanitized by the comment policy (a
		// store written by hand) is sanitized again on the page.
		raw, err := m.st.AddComment(t.Context(), &syndicate.Comment{ArticleID: m.aid, Author: syndicate.Author{Name: "Raw"},
			Content: `<p onclick="steal()">raw <script>alert(2)</script><img src="x" onerror="y()"></p>`, Published: m.clock.Now().Add(time.Hour),
			Status: syndicate.StatusPending}, 5)
		if err != nil {
			t.Fatal(err)
		}

		b := m.browser(t)
		b.mustLogin()
		page := b.get("/admin/comments")
		wantStatus(t, page, http.StatusOK, "Council passes the budget", "Partner Daily")
		if got, want := listed(page.Body), []string{raw.ID, reply.ID, bob.ID, ann.ID}; !slices.Equal(got, want) {
			t.Errorf("pending list = %v, want newest first %v", got, want)
		}
		for status, want := range map[string]string{"pending": "4", "approved": "1", "spam": "1"} {
			if got := tabCount(t, page.Body, status); got != want {
				t.Errorf("%s tab count = %s, want %s", status, got, want)
			}
		}
		if !strings.Contains(page.Body, `id="nav-comments" class="on" aria-current="page">Comments <span class="nav-count"`) {
			t.Errorf("the Comments entry is not current with a pending count:\n%s", page.Body)
		}
		item := commentOf(page.Body, bob.ID)
		for _, want := range []string{"Bob Writer", `href="mailto:bob@readers.example"`, "203.0.113.7",
			`href="https://partner.example/2026/03/budget"`, `<a href="https://bob.example/notes" rel="nofollow">notes</a>`, "<em>more</em>",
			`action="/admin/comments/` + bob.ID + `/approve"`, `action="/admin/comments/` + bob.ID + `/spam"`, `action="/admin/comments/` + bob.ID + `/delete"`,
			"Delete this comment for good?", `datetime="2026-03-01T12:02:00Z"`} {
			if !strings.Contains(item, want) {
				t.Errorf("Bob's comment lacks %q:\n%s", want, item)
			}
		}
		if strings.Contains(item, "alert(1)") {
			t.Errorf("a script survived:\n%s", item)
		}
		if r := commentOf(page.Body, reply.ID); !strings.Contains(r, `Reply to <a href="#comment-`+ann.ID+`">Ann Reader</a>`) {
			t.Errorf("the reply does not name its parent:\n%s", r)
		}
		if r := commentOf(page.Body, raw.ID); strings.Contains(r, "<script") || strings.Contains(r, "onclick") || strings.Contains(r, "onerror") || !strings.Contains(r, "raw") {
			t.Errorf("an unsanitized body is shown as is:\n%s", r)
		}

		approved := b.get("/admin/comments?status=approved")
		wantStatus(t, approved, http.StatusOK)
		if got := listed(approved.Body); !slices.Equal(got, []string{ok.ID}) {
			t.Errorf("approved list = %v", got)
		}
		if item := commentOf(approved.Body, ok.ID); !strings.Contains(item, "/pending\"") || strings.Contains(item, "/approve\"") {
			t.Errorf("an approved comment offers:\n%s", item)
		}
		if got := listed(b.get("/admin/comments?status=spam").Body); !slices.Equal(got, []string{spam.ID}) {
			t.Errorf("spam list = %v", got)
		}
		wantStatus(t, b.get("/admin/comments?status=deleted"), http.StatusBadRequest, "pending, approved or spam")
		// The sources page links to the queue too.
		if src := b.get("/admin").Body; !strings.Contains(src, `href="/admin/comments" id="nav-comments">Comments <span class="nav-count" title="4 waiting for moderation">4`) {
			t.Errorf("the sources page has no pending count:\n%s", src)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		m := newModEnv(t, false)
		b := m.browser(t)
		b.mustLogin()
		wantStatus(t, b.get("/admin/comments"), http.StatusOK, "No comments are waiting for moderation.")
	})
	t.Run("Moderate", func(t *testing.T) {
		m := newModEnv(t, false)
		ann := m.submit(t, "Ann Reader", "Good piece.", "")
		bob := m.submit(t, "Bob Writer", "Cheap pills.", "")
		cleo := m.submit(t, "Cleo Answer", "Off topic.", "")
		b := m.browser(t)
		b.mustLogin()
		form := func() url.Values { return url.Values{"status": {"pending"}, "page": {"1"}} }

		wantRedirect(t, b.action("/admin/comments/"+ann.ID+"/approve", form()), "/admin/comments?status=pending")
		if got := m.status(t, ann.ID); got != syndicate.StatusApproved {
			t.Errorf("after approve: %s", got)
		}
		page := b.get("/admin/comments")
		wantStatus(t, page, http.StatusOK, "Approved the comment by Ann Reader: it is published.")
		if slices.Contains(listed(page.Body), ann.ID) {
			t.Error("an approved comment is still listed as pending")
		}
		if v, _ := m.st.Article(t.Context(), m.aid); v.CommentCount != 1 {
			t.Errorf("published comments = %d, want 1", v.CommentCount)
		}

		wantRedirect(t, b.action("/admin/comments/"+bob.ID+"/spam", form()), "/admin/comments?status=pending")
		wantStatus(t, b.get("/admin/comments"), http.StatusOK, "Marked the comment by Bob Writer as spam")
		if got := m.status(t, bob.ID); got != syndicate.StatusSpam {
			t.Errorf("after spam: %s", got)
		}

		// Back from spam to pending, from the spam tab.
		wantRedirect(t, b.action("/admin/comments/"+bob.ID+"/pending", url.Values{"status": {"spam"}}), "/admin/comments?status=spam")
		if got := m.status(t, bob.ID); got != syndicate.StatusPending {
			t.Errorf("after pending: %s", got)
		}

		wantRedirect(t, b.action("/admin/comments/"+cleo.ID+"/delete", form()), "/admin/comments?status=pending")
		wantStatus(t, b.get("/admin/comments"), http.StatusOK, "Deleted the comment by Cleo Answer.")
		if got := m.status(t, cleo.ID); got != "deleted" {
			t.Errorf("after delete: %s", got)
		}

		// Every change is audited under the session's token name.
		for _, want := range []string{
			"who=editor action=comment.approved comment_id=" + ann.ID,
			"who=editor action=comment.spam comment_id=" + bob.ID,
			"who=editor action=comment.pending comment_id=" + bob.ID,
			"who=editor action=comment.delete comment_id=" + cleo.ID,
		} {
			if !strings.Contains(m.clogs.String(), want) {
				t.Errorf("no audit line %q:\n%s", want, m.clogs.String())
			}
		}

		// A comment another editor deleted meanwhile: a message, no error page.
		wantRedirect(t, b.action("/admin/comments/"+cleo.ID+"/approve", form()), "/admin/comments?status=pending")
		wantStatus(t, b.get("/admin/comments"), http.StatusOK, "Comment "+cleo.ID+" no longer exists")
		// The list a form came from is where it leads back, and only a list.
		wantRedirect(t, b.action("/admin/comments/"+ann.ID+"/pending", url.Values{"status": {"approved"}, "page": {"3"}}), "/admin/comments?status=approved&page=3")
		wantRedirect(t, b.action("/admin/comments/"+ann.ID+"/approve", url.Values{"status": {"//evil.example"}, "page": {"x"}}), "/admin/comments?status=pending")
	})
	t.Run("CSRF", func(t *testing.T) {
		m := newModEnv(t, false)
		ann := m.submit(t, "Ann Reader", "Good piece.", "")
		b := m.browser(t)
		b.mustLogin()
		good := b.csrf("/admin/comments")
		for _, path := range []string{"/approve", "/spam", "/delete"} {
			wantStatus(t, b.post("/admin/comments/"+ann.ID+path, url.Values{}), http.StatusForbidden)
			wantStatus(t, b.post("/admin/comments/"+ann.ID+path, url.Values{"csrf": {good}}, "Origin", "https://evil.example"), http.StatusForbidden)
		}
		// Signed out, nothing happens either.
		wantRedirect(t, m.browser(t).post("/admin/comments/"+ann.ID+"/delete", url.Values{"csrf": {good}}), "/admin/login")
		if got := m.status(t, ann.ID); got != syndicate.StatusPending {
			t.Errorf("after refused forms: %s", got)
		}
	})
	t.Run("Paging", func(t *testing.T) {
		m := newModEnv(t, false)
		var ids []string
		for i := range 55 {
			c, err := m.st.AddComment(t.Context(), &syndicate.Comment{ArticleID: m.aid, Author: syndicate.Author{Name: fmt.Sprintf("Reader %d", i)},
				Content: "<p>hello</p>", Published: m.clock.Now().Add(time.Duration(i) * time.Minute), Status: syndicate.StatusPending}, 5)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		slices.Reverse(ids) // newest first
		b := m.browser(t)
		b.mustLogin()
		first := b.get("/admin/comments")
		wantStatus(t, first, http.StatusOK, "1–50 of 55", `href="/admin/comments?status=pending&page=2"`)
		if got := listed(first.Body); !slices.Equal(got, ids[:50]) {
			t.Errorf("page 1 = %d comments %v…", len(got), got[:min(3, len(got))])
		}
		second := b.get("/admin/comments?status=pending&page=2")
		wantStatus(t, second, http.StatusOK, "51–55 of 55", `href="/admin/comments?status=pending"`)
		if got := listed(second.Body); !slices.Equal(got, ids[50:]) {
			t.Errorf("page 2 = %v, want %v", got, ids[50:])
		}
		// A form on page 2 keeps the page.
		if !strings.Contains(second.Body, `name="page" value="2"`) {
			t.Error("page 2's forms do not carry the page")
		}
		// Past the end (the last comments were moderated): the last page.
		wantStatus(t, b.get("/admin/comments?status=pending&page=9"), http.StatusOK, "51–55 of 55")
	})
	t.Run("NoLookup", func(t *testing.T) {
		m := newModEnv(t, true)
		ann := m.submit(t, "Ann Reader", "Good piece.", "")
		reply := m.submit(t, "Bob Writer", "Agreed.", ann.ID)
		b := m.browser(t)
		b.mustLogin()
		page := b.get("/admin/comments")
		wantStatus(t, page, http.StatusOK)
		if item := commentOf(page.Body, reply.ID); !strings.Contains(item, `href="/articles/`+m.aid+`"`) || !strings.Contains(item, "article "+m.aid) ||
			!strings.Contains(item, `href="#comment-`+ann.ID+`">comment `+ann.ID) {
			t.Errorf("without a lookup, the reply shows:\n%s", item)
		}
		wantRedirect(t, b.action("/admin/comments/"+ann.ID+"/delete", url.Values{}), "/admin/comments?status=pending")
		wantStatus(t, b.get("/admin/comments"), http.StatusOK, "Deleted the comment.")
	})
	t.Run("NoModerator", func(t *testing.T) {
		e := newPageEnv(t, editorTokens, nil)
		c, err := e.st.AddComment(t.Context(), &syndicate.Comment{ArticleID: "nope", Content: "x", Status: syndicate.StatusPending}, 5)
		if err == nil {
			t.Fatalf("stored %+v on an unknown article", c)
		}
		b := e.browser(t)
		b.mustLogin()
		if page := b.get("/admin"); strings.Contains(page.Body, "/admin/comments") {
			t.Errorf("the sources page links to moderation without a moderator:\n%s", page.Body)
		}
		wantStatus(t, b.get("/admin/comments"), http.StatusNotFound, "Comment moderation is off", "started without comment moderation")
		wantStatus(t, b.action("/admin/comments/c1/approve", nil), http.StatusNotFound, "Comment moderation is off")
		wantStatus(t, b.action("/admin/comments/c1/delete", nil), http.StatusNotFound, "Comment moderation is off")
	})
}

func TestPage_TakeDown(t *testing.T) {
	article := func(t *testing.T, m *modEnv) bool {
		t.Helper()
		_, err := m.st.Article(t.Context(), m.aid)
		if err != nil && syndicate.ErrorKind(err) != syndicate.ENotFound {
			t.Fatal(err)
		}
		return err == nil
	}
	takedownID := regexp.MustCompile(`<code id="takedown-id">([^<]*)<`)
	t.Run("OK", func(t *testing.T) {
		m := newModEnv(t, false)
		m.submit(t, "Ann Reader", "Good piece.", "")
		b := m.browser(t)
		b.mustLogin()
		if page := b.get("/admin"); !strings.Contains(page.Body, `action="/admin/takedown#takedown"`) {
			t.Fatalf("no takedown form on the sources page:\n%s", page.Body)
		}
		confirm := b.get("/admin/takedown?article=" + url.QueryEscape(m.aid))
		wantStatus(t, confirm, http.StatusOK, "Take down “Council passes the budget”?", "Partner Daily", `href="https://partner.example/2026/03/budget"`,
			"cannot be undone", `name="article" value="`+m.aid+`"`)
		if !article(t, m) {
			t.Fatal("the confirm step took the article down")
		}
		wantRedirect(t, b.action("/admin/takedown", url.Values{"article": {m.aid}}), "/admin")
		wantStatus(t, b.get("/admin"), http.StatusOK, "Took down “Council passes the budget” ("+m.aid+")")
		if article(t, m) {
			t.Fatal("the article is still stored after the takedown")
		}
		if !strings.Contains(m.logs.String(), "who=editor action=article.takedown article_id="+m.aid) {
			t.Errorf("no audit line for the takedown:\n%s", m.logs.String())
		}
		// Its comments went with it.
		if p, err := m.csvc.List(t.Context(), syndicate.StatusPending, 0, 10); err != nil || p.Total != 0 {
			t.Errorf("pending comments after the takedown = %+v, %v", p, err)
		}
	})
	t.Run("URLs", func(t *testing.T) {
		m := newModEnv(t, false)
		b := m.browser(t)
		b.mustLogin()
		for _, in := range []string{
			"  " + m.aid + " ",
			"https://news.example/articles/" + m.aid,
			"https://news.example/articles/" + m.aid + "/",
			"https://news.example/articles/" + m.aid + "/comments.atom?limit=5#top",
			"/articles/" + m.aid,
		} {
			res := b.get("/admin/takedown?article=" + url.QueryEscape(in))
			wantStatus(t, res, http.StatusOK)
			if got := takedownID.FindStringSubmatch(res.Body); got == nil || got[1] != m.aid {
				t.Errorf("%q: confirm step for %v, want %s", in, got, m.aid)
			}
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		m := newModEnv(t, false)
		b := m.browser(t)
		b.mustLogin()
		for _, tc := range []struct{ in, want string }{
			{"", "Enter the article's id"},
			{"https://partner.example/2026/03/budget", "names no article"},
			{"two words", "is not an article id"},
		} {
			res := b.get("/admin/takedown?article=" + url.QueryEscape(tc.in))
			wantStatus(t, res, http.StatusBadRequest)
			if got := fieldError(res.Body, "article"); !strings.Contains(got, tc.want) {
				t.Errorf("%q: error next to the field = %q, want %q", tc.in, got, tc.want)
			}
			if tc.in != "" && !strings.Contains(html.UnescapeString(res.Body), `value="`+tc.in+`"`) {
				t.Errorf("%q: the input is not kept", tc.in)
			}
		}
		wantStatus(t, b.action("/admin/takedown", url.Values{"article": {"https://partner.example/x"}}), http.StatusBadRequest)
		if !article(t, m) {
			t.Fatal("an invalid takedown removed the article")
		}
	})
	t.Run("UnknownID", func(t *testing.T) {
		m := newModEnv(t, false)
		b := m.browser(t)
		b.mustLogin()
		res := b.get("/admin/takedown?article=partner-daily-nope")
		wantStatus(t, res, http.StatusNotFound, `value="partner-daily-nope"`)
		if got := fieldError(res.Body, "article"); !strings.Contains(got, `No article has the id "partner-daily-nope"`) {
			t.Errorf("error next to the field = %q", got)
		}
		res = b.action("/admin/takedown", url.Values{"article": {"partner-daily-nope"}})
		wantStatus(t, res, http.StatusNotFound)
		if got := fieldError(res.Body, "article"); !strings.Contains(got, "No article has the id") {
			t.Errorf("after the POST, error next to the field = %q", got)
		}
		if strings.Contains(m.logs.String(), "article.takedown") {
			t.Errorf("a failed takedown was audited:\n%s", m.logs.String())
		}
	})
	t.Run("NoLookup", func(t *testing.T) {
		m := newModEnv(t, true)
		b := m.browser(t)
		b.mustLogin()
		// Without a lookup the confirm step shows the id, and an unknown
		// id is found out when the form is sent.
		wantStatus(t, b.get("/admin/takedown?article=partner-daily-nope"), http.StatusOK, "Take down article partner-daily-nope?")
		res := b.action("/admin/takedown", url.Values{"article": {"partner-daily-nope"}})
		wantStatus(t, res, http.StatusNotFound)
		if fieldError(res.Body, "article") == "" {
			t.Errorf("no error next to the field:\n%s", res.Body)
		}
		wantRedirect(t, b.action("/admin/takedown", url.Values{"article": {m.aid}}), "/admin")
		wantStatus(t, b.get("/admin"), http.StatusOK, "Took down article "+m.aid)
		if article(t, m) {
			t.Fatal("still stored")
		}
	})
	t.Run("CSRF", func(t *testing.T) {
		m := newModEnv(t, false)
		b := m.browser(t)
		b.mustLogin()
		wantStatus(t, b.post("/admin/takedown", url.Values{"article": {m.aid}}), http.StatusForbidden)
		wantStatus(t, b.post("/admin/takedown", url.Values{"article": {m.aid}, "csrf": {b.csrf("/admin")}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
		if !article(t, m) {
			t.Fatal("a refused form took the article down")
		}
	})
}
