package admin_test

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"syndicate/admin"
	"syndicate/internal/redistest"
	"syndicate/registry"
	"syndicate/store"
	"syndicate/store/embedded"
)

// guardStore is a store of both kinds, for the tests whose point is
// what the store shares between replicas.
type guardStore interface {
	admin.Store
	registry.Store
	store.Reader
	store.LocalComments
}

// openGuardStores returns an embedded store and one on the test Redis
// (with a key prefix of its own, deleted at the end). Without a test Redis
// the test fails rather than skips.
func openGuardStores(t *testing.T) map[string]guardStore {
	t.Helper()
	emb, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	rs := redistest.Replicas(t, 1)[0]
	return map[string]guardStore{"embedded": emb, "redis": rs}
}

const guardToken = "guard-editor-token-0123"

// replica is one server process over a shared store: the API and the
// page, behind a proxy at 127.0.0.1 whose X-Forwarded-For is trusted.
type replica struct {
	srv  *httptest.Server
	logs *lockedBuffer
}

func newReplica(t *testing.T, st guardStore) *replica {
	t.Helper()
	r := &replica{logs: &lockedBuffer{}}
	log := slog.New(slog.NewTextHandler(r.logs, nil))
	svc := admin.NewService(admin.Options{Store: st, Runtime: &pageRuntime{}, Sources: registry.New(registry.Options{Store: st}), Logger: log,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	api := admin.NewAPI(svc, []admin.Token{{Name: "editor", Value: guardToken}}, "Example News", log)
	mux := http.NewServeMux()
	api.Routes(mux)
	admin.NewPage(admin.PageOptions{Service: svc, API: api, Store: st, Logger: log}).Routes(mux)
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

// client is a browser or an API client at one address (X-Forwarded-For).
type client struct {
	t    *testing.T
	addr string
	c    *http.Client
}

func newClient(t *testing.T, addr string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, addr: addr, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(r *replica, method, path string, form url.Values, header ...string) (int, http.Header, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, r.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", c.addr)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

func (c *client) csrf(r *replica, path string) string {
	c.t.Helper()
	_, _, body := c.do(r, "GET", path, nil)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("GET %s: no csrf field:\n%s", path, body)
	}
	return html.UnescapeString(m[1])
}

func (c *client) login(r *replica, token string) (int, http.Header) {
	c.t.Helper()
	code, h, _ := c.do(r, "POST", "/admin/login", url.Values{"token": {token}, "csrf": {c.csrf(r, "/admin/login")}})
	return code, h
}

// TestGuard_LogoutRevokesEverywhere: a copy of the session cookie taken
// before sign-out stops working at once, on this replica and another.
func TestGuard_LogoutRevokesEverywhere(t *testing.T) {
	for name, st := range openGuardStores(t) {
		t.Run(name, func(t *testing.T) {
			a, b := newReplica(t, st), newReplica(t, st)
			editor := newClient(t, "192.0.2.1")
			if code, h := editor.login(a, guardToken); code != http.StatusSeeOther || h.Get("Location") != "/admin" {
				t.Fatalf("login = %d %v", code, h)
			}
			u, _ := url.Parse(a.srv.URL + "/admin")
			var stolen *http.Cookie
			for _, c := range editor.c.Jar.Cookies(u) {
				if c.Name == "syndicate_admin" {
					stolen = c
				}
			}
			if stolen == nil {
				t.Fatal("no session cookie")
			}
			thief := newClient(t, "198.51.100.7")
			withStolen := func(r *replica) int {
				code, _, _ := thief.do(r, "GET", "/admin", nil, "Cookie", "syndicate_admin="+stolen.Value)
				return code
			}
			if code := withStolen(b); code != http.StatusOK {
				t.Fatalf("before sign-out the cookie works on the other replica: got %d", code)
			}
			code, h, _ := editor.do(a, "POST", "/admin/logout", url.Values{"csrf": {editor.csrf(a, "/admin")}})
			if code != http.StatusSeeOther || h.Get("Location") != "/admin/login" {
				t.Fatalf("logout = %d %v", code, h)
			}
			for rname, r := range map[string]*replica{"same replica": a, "other replica": b} {
				if code := withStolen(r); code != http.StatusSeeOther {
					t.Errorf("%s: the signed-out cookie still works (%d)", rname, code)
				}
			}
			// A new sign-in is a new session, unaffected.
			if code, _ := editor.login(b, guardToken); code != http.StatusSeeOther {
				t.Errorf("sign in again = %d", code)
			}
			if code, _, _ := editor.do(a, "GET", "/admin", nil); code != http.StatusOK {
				t.Errorf("the new session = %d", code)
			}
		})
	}
}

// TestGuard_Throttle: failed sign-ins and bad bearer tokens count per
// client across replicas; past the limit the client gets 429 with
// Retry-After, a right token included, while other clients are served.
func TestGuard_Throttle(t *testing.T) {
	for name, st := range openGuardStores(t) {
		t.Run(name, func(t *testing.T) {
			a, b := newReplica(t, st), newReplica(t, st)
			attacker, editor := newClient(t, "203.0.113.5"), newClient(t, "192.0.2.1")
			for i := 1; i < admin.AuthFailureLimit; i++ {
				r := a
				if i%2 == 0 {
					r = b
				}
				if i%3 == 0 {
					if code, _ := attacker.login(r, "wrong-token-"+strconv.Itoa(i)); code != http.StatusUnauthorized {
						t.Fatalf("failed sign-in %d = %d, want 401", i, code)
					}
					continue
				}
				if code, _, _ := attacker.do(r, "GET", "/api/sources", nil, "Authorization", "Bearer wrong-"+strconv.Itoa(i)); code != http.StatusUnauthorized {
					t.Fatalf("bad token %d = %d, want 401", i, code)
				}
			}
			code, h, _ := attacker.do(b, "GET", "/api/sources", nil, "Authorization", "Bearer wrong-last")
			if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
				t.Fatalf("attempt %d = %d Retry-After %q, want 429", admin.AuthFailureLimit, code, h.Get("Retry-After"))
			}
			if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s < 1 || s > int(admin.AuthFailureWindow/time.Second) {
				t.Errorf("Retry-After = %q", h.Get("Retry-After"))
			}
			if code, _, _ := attacker.do(a, "GET", "/api/sources", nil, "Authorization", "Bearer "+guardToken); code != http.StatusTooManyRequests {
				t.Errorf("a right token from a throttled client = %d, want 429", code)
			}
			if code, h := attacker.login(a, guardToken); code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
				t.Errorf("sign-in from a throttled client = %d %v, want 429", code, h)
			}
			if code, _, _ := editor.do(a, "GET", "/api/sources", nil, "Authorization", "Bearer "+guardToken); code != http.StatusOK {
				t.Errorf("another client = %d, want 200", code)
			}
			logs := a.logs.String() + b.logs.String()
			if !strings.Contains(logs, "remote_addr=203.0.113.5") || !strings.Contains(logs, "throttled") || strings.Contains(logs, "wrong-") {
				t.Errorf("the failures are not logged with the client (or the tried tokens are):\n%s", logs)
			}
		})
	}
}

// TestGuard_EditsAcrossReplicas: two editors on two replicas read the same
// version; the second PUT is refused 412, on both stores.
func TestGuard_EditsAcrossReplicas(t *testing.T) {
	for name, st := range openGuardStores(t) {
		t.Run(name, func(t *testing.T) {
			a, b := newReplica(t, st), newReplica(t, st)
			ed := newClient(t, "192.0.2.1")
			body := `{"id":"shared","name":"Shared","url":"https://shared.example/feed"}`
			call := func(r *replica, method, path, body string, header ...string) (int, http.Header) {
				req, _ := http.NewRequest(method, r.srv.URL+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+guardToken)
				for i := 0; i+1 < len(header); i += 2 {
					req.Header.Set(header[i], header[i+1])
				}
				res, err := ed.c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode, res.Header
			}
			if code, _ := call(a, "POST", "/api/sources", body); code != 201 {
				t.Fatalf("create = %d", code)
			}
			_, ha := call(a, "GET", "/api/sources/shared", "")
			_, hb := call(b, "GET", "/api/sources/shared", "")
			if ha.Get("ETag") == "" || ha.Get("ETag") != hb.Get("ETag") {
				t.Fatalf("ETags %q and %q", ha.Get("ETag"), hb.Get("ETag"))
			}
			if code, _ := call(a, "PUT", "/api/sources/shared", strings.Replace(body, `"Shared"`, `"By A"`, 1), "If-Match", ha.Get("ETag")); code != 200 {
				t.Fatalf("first PUT = %d", code)
			}
			if code, _ := call(b, "PUT", "/api/sources/shared", strings.Replace(body, `"Shared"`, `"By B"`, 1), "If-Match", hb.Get("ETag")); code != http.StatusPreconditionFailed {
				t.Errorf("second PUT from the same version = %d, want 412", code)
			}
		})
	}
}
