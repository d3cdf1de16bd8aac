package admin_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/admin"
	"syndicate/comments"
	"syndicate/registry"
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

// Apply is the registry's consumer.
func (f *pageRuntime) Apply(srcs []syndicate.Source) error {
	if f.ApplyFunc != nil {
		f.ApplyFunc(srcs)
	}
	return nil
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
	reg := registry.New(registry.Options{Store: st, Config: []syndicate.Source{pageConfigSource}, Logger: log})
	reg.Subscribe(e.rt.Apply)
	svc := admin.NewService(admin.Options{Store: st, Runtime: e.rt, Sources: reg,
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
