package admin

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"syndicate"
	"syndicate/internal/httperr"
	"syndicate/sanitize"
	"syndicate/store"
)

// The page's templates and stylesheet, built into the binary.
//
//go:embed templates
var templateFS embed.FS

const (
	sessionCookie = "syndicate_admin"       // the signed session
	loginCookie   = "syndicate_admin_login" // the login form's CSRF nonce
	flashCookie   = "syndicate_admin_flash" // one message for the next page
	cookiePath    = "/admin"

	// SessionSecret names the store secret that signs sessions, CSRF
	// tokens and flash messages, shared by every replica (DECISIONS §11).
	SessionSecret = "admin-session"

	defaultSessionTTL = 12 * time.Hour
	loginFormTTL      = time.Hour
	flashTTL          = time.Minute
	maxFormBytes      = 64 << 10
	maxFlash          = 1000 // bytes of a flash message
)

// PageOptions configure the editors' web page.
type PageOptions struct {
	Service *Service
	// API authenticates the login form with the same tokens as /api; with
	// no token configured the page is disabled (403), never open.
	API *API
	// Store keeps the signing secret (SessionSecret).
	Store store.Secrets
	// Secure marks cookies Secure even on plain-HTTP requests: set it when
	// base_url is https and TLS ends at a proxy. Requests that arrive over
	// TLS always get Secure cookies.
	Secure    bool
	Logger    *slog.Logger
	SiteTitle string
	// SessionTTL is how long a login lasts; 12h if zero.
	SessionTTL time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Moderator lists and moderates reader comments (comments.Service).
	// Without one the Comments section is hidden and /admin/comments
	// says that moderation is off.
	Moderator Moderator
	// Lookup shows the context of a comment (its article's title and
	// canonical link, the author it replies to) and of a takedown (the
	// article on the confirm step). Both stores implement it. Optional:
	// without it the page shows ids, linked to /articles/{id}.
	Lookup Lookup
	// Preview, if set, adds a Preview button to the add-source form
	// (see preview.go).
	Preview Previewer
}

// Lookup reads an article and a comment by id (store.Reader and
// store.LocalComments have both).
type Lookup interface {
	Article(ctx context.Context, id string) (store.ArticleView, error)
	Comment(ctx context.Context, id string) (*syndicate.Comment, error)
}

// Page is the editors' web page under /admin: a server-rendered list of
// sources with their health and forms to add, edit, disable, delete and
// refresh them, reader comment moderation (/admin/comments) and article
// takedowns, behind a login with the admin tokens. Every change goes
// through the Service or the Moderator, which audit it under the token's
// name.
//
// Sessions are stateless: the cookie holds the token's name, an expiry and
// a random session id, signed with HMAC-SHA256 under a secret kept in the
// store, so any replica accepts it and the token itself never leaves the
// login form. Each POST form carries a CSRF token derived from the session
// id, and cross-origin POSTs are refused from their Origin, Referer or
// Sec-Fetch-Site headers before anything else is read.
type Page struct {
	opts PageOptions
	log  *slog.Logger
	tmpl map[string]*template.Template
	css  []byte

	mu     sync.Mutex
	secret []byte // cached: it never changes once created

	once oneTime // the one-time sign-in link (signin.go)
}

// NewPage returns the page. It panics if its embedded templates do not
// parse, which only a broken build can cause.
func NewPage(opts PageOptions) *Page {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = defaultSessionTTL
	}
	if opts.SiteTitle == "" {
		opts.SiteTitle = "Syndicate"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Page{opts: opts, log: log}
	p.tmpl = p.parseTemplates()
	css, err := fs.ReadFile(templateFS, "templates/admin.css")
	if err != nil {
		panic(err)
	}
	p.css = css
	return p
}

// Routes registers the page's routes on mux.
func (p *Page) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/static/admin.css", p.handleCSS)
	mux.HandleFunc("GET /admin/{$}", p.handleSlash)
	mux.HandleFunc("GET /admin/login", p.handleLoginForm)
	mux.HandleFunc("POST /admin/login", p.handleLogin)
	mux.HandleFunc("GET /admin/signin/{code}", p.handleOneTimeSignIn)
	mux.Handle("POST /admin/logout", p.auth(p.handleLogout))
	mux.Handle("GET /admin", p.auth(p.handleIndex))
	mux.Handle("GET /admin/sources.opml", p.auth(p.handleExport))
	mux.Handle("POST /admin/sources", p.auth(p.handleCreate))
	mux.Handle("POST /admin/preview", p.auth(p.handlePreview))
	mux.Handle("GET /admin/sources/{id}/edit", p.auth(p.handleEditForm))
	mux.Handle("POST /admin/sources/{id}", p.auth(p.handleReplace))
	mux.Handle("POST /admin/sources/{id}/enable", p.auth(p.handleEnable))
	mux.Handle("POST /admin/sources/{id}/disable", p.auth(p.handleDisable))
	mux.Handle("GET /admin/sources/{id}/delete", p.auth(p.handleDeleteConfirm))
	mux.Handle("POST /admin/sources/{id}/delete", p.auth(p.handleDelete))
	mux.Handle("POST /admin/sources/{id}/refresh", p.auth(p.handleRefresh))
	mux.Handle("GET /admin/takedown", p.auth(p.handleTakeDownConfirm))
	mux.Handle("POST /admin/takedown", p.auth(p.handleTakeDown))
	mux.Handle("GET /admin/comments", p.auth(p.handleComments))
	mux.Handle("POST /admin/comments/{id}/approve", p.auth(p.handleModerate(syndicate.StatusApproved)))
	mux.Handle("POST /admin/comments/{id}/spam", p.auth(p.handleModerate(syndicate.StatusSpam)))
	mux.Handle("POST /admin/comments/{id}/pending", p.auth(p.handleModerate(syndicate.StatusPending)))
	mux.Handle("POST /admin/comments/{id}/delete", p.auth(p.handleDeleteComment))
}

// ---- sessions, CSRF and flash messages ----

// session is what the session cookie carries.
type session struct {
	Name    string    // the admin token's name (audit "who")
	Expires time.Time // second precision
	ID      string    // random; the CSRF token derives from it
	// FP fingerprints the token's value, so rotating a token (same name,
	// new value) ends the sessions signed in with the old one.
	FP string
}

// fingerprint is a short, one-way digest of a token value, keyed by the
// session secret.
func fingerprint(key []byte, value string) string {
	return b64.EncodeToString(sign(key, "token-fp", value))[:16]
}

var b64 = base64.RawURLEncoding.Strict() // one spelling per value: a signature cannot be re-spelled

func (p *Page) key(ctx context.Context) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.secret != nil {
		return p.secret, nil
	}
	k, err := p.opts.Store.Secret(ctx, SessionSecret)
	if err != nil {
		return nil, fmt.Errorf("read the admin session secret: %w", err)
	}
	if len(k) < 16 {
		return nil, fmt.Errorf("the admin session secret is too short (%d bytes)", len(k))
	}
	p.secret = k
	return k, nil
}

// sign returns the HMAC-SHA256 of data under key, separated by purpose so
// that a value signed for one use (a flash message) is never valid for
// another (a session).
func sign(key []byte, purpose, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signed returns data with its signature appended: DATA.SIG.
func signed(key []byte, purpose, data string) string {
	return data + "." + b64.EncodeToString(sign(key, purpose, data))
}

// verify returns the data of a DATA.SIG value whose signature is good,
// comparing in constant time.
func verify(key []byte, purpose, value string) (string, bool) {
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return "", false
	}
	sig, err := b64.DecodeString(value[i+1:])
	if err != nil {
		return "", false
	}
	data := value[:i]
	return data, hmac.Equal(sig, sign(key, purpose, data))
}

func randomID() string {
	b := make([]byte, 18)
	rand.Read(b)
	return b64.EncodeToString(b)
}

func (s session) encode(key []byte) string {
	data := "v2." + b64.EncodeToString([]byte(s.Name)) + "." + strconv.FormatInt(s.Expires.Unix(), 10) + "." + s.ID + "." + s.FP
	return signed(key, "session", data)
}

func decodeSession(key []byte, value string) (session, bool) {
	data, ok := verify(key, "session", value)
	if !ok {
		return session{}, false
	}
	parts := strings.Split(data, ".")
	if len(parts) != 5 || parts[0] != "v2" || parts[3] == "" || parts[4] == "" {
		return session{}, false
	}
	name, err := b64.DecodeString(parts[1])
	if err != nil {
		return session{}, false
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return session{}, false
	}
	return session{Name: string(name), Expires: time.Unix(exp, 0), ID: parts[3], FP: parts[4]}, true
}

// csrfToken is the form token of a session: an HMAC of its random id, so
// a page of one session cannot post for another.
func csrfToken(key []byte, s session) string {
	return b64.EncodeToString(sign(key, "csrf", s.ID))
}

// loginToken is the login form's CSRF token, tied to the nonce cookie set
// with the form (there is no session yet).
func loginToken(key []byte, nonce string) string {
	return b64.EncodeToString(sign(key, "login-csrf", nonce))
}

func tokenEqual(got, want string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

// tokenLive reports whether the token a session was signed in with is
// still configured, by name and value: removing or rotating a token ends
// its sessions.
func tokenLive(a *API, key []byte, s session) bool {
	for _, t := range a.tokens {
		if t.Name == s.Name && hmac.Equal([]byte(fingerprint(key, t.Value)), []byte(s.FP)) {
			return true
		}
	}
	return false
}

// readSession returns the request's valid session, if it has one. The
// error is only about the store (no secret), never about the cookie.
func (p *Page) readSession(r *http.Request) (session, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return session{}, false, nil
	}
	key, err := p.key(r.Context())
	if err != nil {
		return session{}, false, err
	}
	s, ok := decodeSession(key, c.Value)
	if !ok || !p.opts.Now().Before(s.Expires) || !tokenLive(p.opts.API, key, s) {
		return session{}, false, nil
	}
	// Signed out on some replica: the cookie is dead everywhere at once.
	revoked, err := p.opts.Service.opts.Store.SessionRevoked(r.Context(), s.ID, p.opts.Now())
	if err != nil {
		return session{}, false, err
	}
	if revoked {
		return session{}, false, nil
	}
	return s, true, nil
}

func (p *Page) secure(r *http.Request) bool { return p.opts.Secure || r.TLS != nil }

// setCookie sets an HttpOnly, SameSite=Strict cookie under /admin; maxAge
// < 0 deletes it.
func (p *Page) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: name, Value: value, Path: cookiePath,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: p.secure(r),
	}
	if maxAge < 0 {
		c.MaxAge = -1
		c.Expires = time.Unix(1, 0)
	} else {
		c.MaxAge = int(maxAge / time.Second)
		c.Expires = p.opts.Now().Add(maxAge)
	}
	http.SetCookie(w, c)
}

// flash is a one-time message shown on the next page.
type flash struct {
	Kind    string // ok or error
	Message string
}

func (p *Page) setFlash(w http.ResponseWriter, r *http.Request, kind, msg string) {
	key, err := p.key(r.Context())
	if err != nil {
		return // the message is a courtesy; the change itself is done
	}
	if len(msg) > maxFlash { // a cookie holds about 4 KB
		msg = strings.ToValidUTF8(msg[:maxFlash], "") + "…"
	}
	exp := strconv.FormatInt(p.opts.Now().Add(flashTTL).Unix(), 10)
	data := b64.EncodeToString([]byte(kind+"\n"+msg)) + "." + exp
	p.setCookie(w, r, flashCookie, signed(key, "flash", data), flashTTL)
}

// takeFlash returns the pending message, if any, and clears it.
func (p *Page) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	p.setCookie(w, r, flashCookie, "", -1)
	key, err := p.key(r.Context())
	if err != nil {
		return nil
	}
	data, ok := verify(key, "flash", c.Value)
	if !ok {
		return nil
	}
	msg, exp, ok := strings.Cut(data, ".")
	if !ok {
		return nil
	}
	if t, err := strconv.ParseInt(exp, 10, 64); err != nil || p.opts.Now().Unix() > t {
		return nil
	}
	raw, err := b64.DecodeString(msg)
	if err != nil {
		return nil
	}
	kind, text, _ := strings.Cut(string(raw), "\n")
	return &flash{Kind: kind, Message: text}
}

var crossOrigin = http.NewCrossOriginProtection()

// sameOrigin refuses cross-origin form posts: Sec-Fetch-Site and Origin
// (stdlib CrossOriginProtection), then, for browsers that send neither,
// a Referer naming another host. Requests with none of them are not from
// a browser form and are left to the CSRF token.
func sameOrigin(r *http.Request) bool {
	if crossOrigin.Check(r) != nil {
		return false
	}
	if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" {
		return true
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		return err == nil && strings.EqualFold(u.Host, r.Host)
	}
	return true
}

// parseForm reads a POST form of bounded size.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	return r.ParseForm()
}

// auth wraps a handler that needs a session. Without one, GETs and POSTs
// alike go to the login form and nothing is done. POSTs must also come
// from this origin and carry the session's CSRF token.
func (p *Page) auth(h func(http.ResponseWriter, *http.Request, session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.opts.API.Enabled() {
			p.renderDisabled(w, r)
			return
		}
		if r.Method == http.MethodPost && !sameOrigin(r) {
			p.renderError(w, r, http.StatusForbidden, "Cross-site request refused", "This form was posted from another site. Open the admin page directly and try again.")
			return
		}
		s, ok, err := p.readSession(r)
		if err != nil {
			p.log.Error("admin page: session secret", "error", err)
			p.renderError(w, r, http.StatusServiceUnavailable, "Store unavailable", "The store does not answer; try again shortly.")
			return
		}
		if !ok {
			if _, err := r.Cookie(sessionCookie); err == nil {
				p.setCookie(w, r, sessionCookie, "", -1)
				p.setFlash(w, r, "error", "Your session has expired; sign in again.")
			}
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if err := parseForm(w, r); err != nil {
				p.renderError(w, r, http.StatusBadRequest, "Bad form", "The form could not be read.")
				return
			}
			key, err := p.key(r.Context())
			if err != nil || !tokenEqual(r.PostForm.Get("csrf"), csrfToken(key, s)) {
				p.renderError(w, r, http.StatusForbidden, "Form expired", "This form is out of date or was not sent by this page. Reload the page and try again.")
				return
			}
		}
		h(w, r, s)
	})
}

// ---- rendering ----

// base is what every page's layout shows.
type base struct {
	Title     string
	SiteTitle string
	Who       string
	CSRF      string
	Flash     *flash
	// Section is the navigation entry of the page: sources or comments.
	Section string
	// Moderation shows the Comments entry, with the pending count.
	Moderation      bool
	PendingComments int
}

func (p *Page) base(r *http.Request, s session, title string) base {
	b := base{Title: title, SiteTitle: p.opts.SiteTitle, Who: s.Name, Section: "sources"}
	if strings.HasPrefix(r.URL.Path, "/admin/comments") {
		b.Section = "comments"
	}
	if s.ID != "" {
		if key, err := p.key(r.Context()); err == nil {
			b.CSRF = csrfToken(key, s)
		}
	}
	if p.opts.Moderator != nil {
		b.Moderation = true
		// The count is a courtesy: a store error shows up where it matters.
		if pg, err := p.opts.Moderator.List(r.Context(), syndicate.StatusPending, 0, 1); err == nil {
			b.PendingComments = pg.Total
		}
	}
	return b
}

func (p *Page) parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"ago":   p.ago,
		"until": p.until,
		"iso":   iso,
		"stamp": stamp,
		"join":  strings.Join,
	}
	common := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/form.html"))
	out := map[string]*template.Template{}
	for _, name := range []string{"index", "login", "edit", "delete", "error", "comments", "takedown", "preview"} {
		t := template.Must(template.Must(common.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
		out[name] = t
	}
	return out
}

// securityHeaders keep the page out of frames and caches and allow only
// its own stylesheet: there is no script on it at all.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

func (p *Page) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	var buf bytes.Buffer
	if err := p.tmpl[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		p.log.Error("admin page: render", "template", name, "path", r.URL.Path, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

type errorData struct {
	base
	Code    int
	Message string
}

func (p *Page) renderError(w http.ResponseWriter, r *http.Request, code int, title, msg string) {
	p.render(w, r, code, "error", errorData{base: base{Title: title, SiteTitle: p.opts.SiteTitle}, Code: code, Message: msg})
}

func (p *Page) renderDisabled(w http.ResponseWriter, r *http.Request) {
	p.renderError(w, r, http.StatusForbidden, "Admin disabled",
		"The admin page and API are disabled because no admin token is configured. Set admin.tokens in the config file or SYNDICATE_ADMIN_TOKEN, then restart.")
}

// renderServiceError shows a Service error on its own page with the
// status of its kind (the API's table); unknown errors are logged.
func (p *Page) renderServiceError(w http.ResponseWriter, r *http.Request, err error) {
	p.renderErrorOf(w, r, err, "No such source")
}

// renderErrorOf is renderServiceError with the title of a 404.
func (p *Page) renderErrorOf(w http.ResponseWriter, r *http.Request, err error, notFound string) {
	httperr.Log(p.log, err, "admin page", "method", r.Method, "path", r.URL.Path)
	prob := httperr.Of(err, "")
	code := prob.Status
	title := http.StatusText(code)
	switch code {
	case http.StatusConflict:
		title = "Not allowed"
	case http.StatusNotFound:
		title = notFound
	}
	p.renderError(w, r, code, title, upperFirst(prob.Message))
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func (p *Page) handleCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(p.css)
}

func (p *Page) handleSlash(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin", http.StatusMovedPermanently)
}

// ---- login and logout ----

type loginData struct {
	base
	Error string
}

func (p *Page) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if !p.opts.API.Enabled() {
		p.renderDisabled(w, r)
		return
	}
	if _, ok, _ := p.readSession(r); ok {
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
		return
	}
	p.renderLogin(w, r, http.StatusOK, "")
}

// renderLogin shows the login form with a fresh CSRF nonce.
func (p *Page) renderLogin(w http.ResponseWriter, r *http.Request, code int, msg string) {
	key, err := p.key(r.Context())
	if err != nil {
		p.log.Error("admin page: session secret", "error", err)
		p.renderError(w, r, http.StatusServiceUnavailable, "Store unavailable", "The store does not answer; try again shortly.")
		return
	}
	nonce := randomID()
	p.setCookie(w, r, loginCookie, nonce, loginFormTTL)
	d := loginData{base: base{Title: "Sign in", SiteTitle: p.opts.SiteTitle, CSRF: loginToken(key, nonce)}, Error: msg}
	d.Flash = p.takeFlash(w, r)
	p.render(w, r, code, "login", d)
}

func (p *Page) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !p.opts.API.Enabled() {
		p.renderDisabled(w, r)
		return
	}
	if !sameOrigin(r) {
		p.renderError(w, r, http.StatusForbidden, "Cross-site request refused", "This form was posted from another site. Open the admin page directly and try again.")
		return
	}
	if err := parseForm(w, r); err != nil {
		p.renderError(w, r, http.StatusBadRequest, "Bad form", "The form could not be read.")
		return
	}
	key, err := p.key(r.Context())
	if err != nil {
		p.log.Error("admin page: session secret", "error", err)
		p.renderError(w, r, http.StatusServiceUnavailable, "Store unavailable", "The store does not answer; try again shortly.")
		return
	}
	nonce, err := r.Cookie(loginCookie)
	if err != nil || !tokenEqual(r.PostForm.Get("csrf"), loginToken(key, nonce.Value)) {
		p.renderLogin(w, r, http.StatusForbidden, "The sign-in form expired or was not sent by this page. Please try again.")
		return
	}
	svc := p.opts.Service
	client := svc.clientIP(r)
	if d, err := svc.throttled(r.Context(), client); err != nil {
		p.renderServiceError(w, r, err)
		return
	} else if d > 0 {
		p.tooMany(w, r, d)
		return
	}
	value := strings.TrimSpace(r.PostForm.Get("token"))
	name, ok := p.opts.API.Authenticate(value)
	if !ok {
		if d, err := svc.authFailed(r.Context(), client, "page"); err == nil && d > 0 {
			p.tooMany(w, r, d)
			return
		}
		p.renderLogin(w, r, http.StatusUnauthorized, "That token is not valid.")
		return
	}
	s := session{Name: name, Expires: p.opts.Now().Add(p.opts.SessionTTL).Truncate(time.Second), ID: randomID(), FP: fingerprint(key, value)}
	p.setCookie(w, r, sessionCookie, s.encode(key), p.opts.SessionTTL)
	p.setCookie(w, r, loginCookie, "", -1)
	p.log.Info("audit", "who", name, "action", "session.login", "remote_addr", remoteHost(r))
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

func remoteHost(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

// tooMany shows the sign-in form refused for a while (429, Retry-After).
func (p *Page) tooMany(w http.ResponseWriter, r *http.Request, d time.Duration) {
	w.Header().Set("Retry-After", retryAfterSeconds(d))
	p.renderLogin(w, r, http.StatusTooManyRequests, "Too many failed sign-ins from this address. Try again in "+d.String()+".")
}

// handleLogout revokes the session in the store before clearing the
// cookie, so a copy of the cookie stops working on every replica at once.
func (p *Page) handleLogout(w http.ResponseWriter, r *http.Request, s session) {
	if err := p.opts.Service.opts.Store.RevokeSession(r.Context(), s.ID, s.Expires, p.opts.Now()); err != nil {
		p.log.Error("admin page: sign-out", "who", s.Name, "error", err)
		p.renderError(w, r, http.StatusServiceUnavailable, "Store unavailable", "Signing out needs the store, which does not answer; try again shortly.")
		return
	}
	p.setCookie(w, r, sessionCookie, "", -1)
	p.log.Info("audit", "who", s.Name, "action", "session.logout")
	p.setFlash(w, r, "ok", "Signed out.")
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

// ---- the sources page ----

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
	for _, e := range p.opts.Service.Validate(src) {
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
		st, label := health(v)
		switch st {
		case "ok":
			d.Healthy++
		case "failing", "stopped":
			d.Failing++
		case "disabled":
			d.Disabled++
		default:
			d.Pending++
		}
		d.Sources = append(d.Sources, row{SourceView: v, State: st, StateLabel: label})
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
		return v, errConfigManaged(id)
	}
	return v, nil
}

func (p *Page) handleEditForm(w http.ResponseWriter, r *http.Request, s session) {
	v, err := p.editable(r.Context(), r.PathValue("id"))
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
	v, err := p.editable(r.Context(), r.PathValue("id"))
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
	v, err := p.editable(r.Context(), r.PathValue("id"))
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
	v, err := p.editable(r.Context(), r.PathValue("id"))
	if err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "delete", deleteData{base: p.base(r, s, "Delete "+v.ID), Source: v})
}

func (p *Page) handleDelete(w http.ResponseWriter, r *http.Request, s session) {
	id := r.PathValue("id")
	if err := p.opts.Service.Delete(r.Context(), s.Name, id); err != nil {
		p.renderServiceError(w, r, err)
		return
	}
	p.setFlash(w, r, "ok", fmt.Sprintf("Deleted %s.", id))
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

func (p *Page) handleRefresh(w http.ResponseWriter, r *http.Request, s session) {
	id := r.PathValue("id")
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

// ---- article takedowns (DECISIONS §12) ----

// takedownForm is the "take down an article" box as the editor typed it.
type takedownForm struct {
	Value, Error string
}

// articleRef returns the article id an editor pasted: the id itself or
// a URL with /articles/{id} in its path (the article's JSON, its comment
// feeds), or what is wrong with it, a sentence for the form.
func articleRef(in string) (id, problem string) {
	in = strings.TrimSpace(in)
	if in == "" {
		return "", "Enter the article's id or its URL on this site."
	}
	id = in
	if strings.Contains(in, "/") {
		u, err := url.Parse(in)
		if err != nil {
			return "", fmt.Sprintf("%q is not a URL.", in)
		}
		id = ""
		segs := strings.Split(u.EscapedPath(), "/")
		for i := 0; i+1 < len(segs); i++ {
			if segs[i] == "articles" && segs[i+1] != "" {
				if id, err = url.PathUnescape(segs[i+1]); err != nil {
					id = segs[i+1]
				}
				break
			}
		}
		if id == "" {
			return "", "That URL names no article: use the article's id or its URL on this site, …/articles/{id}. A partner's own URL does not work here."
		}
	}
	if len(id) > 200 || strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.~", r))
	}) >= 0 {
		return "", fmt.Sprintf("%q is not an article id: ids look like partner-daily-4k2j… (letters, digits and dashes).", id)
	}
	return id, ""
}

// errNoArticle is the field error of an id no article has.
func errNoArticle(id string) string {
	return fmt.Sprintf("No article has the id %q: check it, or it was taken down already.", id)
}

type takedownData struct {
	base
	ID      string
	Article *store.ArticleView // nil without a Lookup
	Link    string             // its canonical URL, else /articles/{id}
}

// handleTakeDownConfirm is the confirm step: it finds the article and
// says what taking it down does.
func (p *Page) handleTakeDownConfirm(w http.ResponseWriter, r *http.Request, s session) {
	in := r.URL.Query().Get("article")
	id, problem := articleRef(in)
	if problem != "" {
		p.renderIndexWith(w, r, s, http.StatusBadRequest, sourceForm{Enabled: true}, nil, takedownForm{Value: in, Error: problem})
		return
	}
	d := takedownData{base: p.base(r, s, "Take down "+id), ID: id, Link: "/articles/" + url.PathEscape(id)}
	if p.opts.Lookup != nil {
		v, err := p.opts.Lookup.Article(r.Context(), id)
		switch {
		case syndicate.ErrorKind(err) == syndicate.ENotFound:
			p.renderIndexWith(w, r, s, http.StatusNotFound, sourceForm{Enabled: true}, nil, takedownForm{Value: in, Error: errNoArticle(id)})
			return
		case err != nil:
			p.renderErrorOf(w, r, err, "No such article")
			return
		}
		d.Article = &v
		if v.CanonicalURL != "" {
			d.Link = v.CanonicalURL
		}
	}
	p.render(w, r, http.StatusOK, "takedown", d)
}

func (p *Page) handleTakeDown(w http.ResponseWriter, r *http.Request, s session) {
	in := r.PostForm.Get("article")
	id, problem := articleRef(in)
	if problem != "" {
		p.renderIndexWith(w, r, s, http.StatusBadRequest, sourceForm{Enabled: true}, nil, takedownForm{Value: in, Error: problem})
		return
	}
	name := fmt.Sprintf("article %s", id)
	if p.opts.Lookup != nil { // for the message only
		if v, err := p.opts.Lookup.Article(r.Context(), id); err == nil && v.Title != "" {
			name = fmt.Sprintf("“%s” (%s)", v.Title, id)
		}
	}
	if err := p.opts.Service.Retract(r.Context(), s.Name, id, r.PostForm.Get("reason")); err != nil {
		if syndicate.ErrorKind(err) == syndicate.ENotFound {
			p.renderIndexWith(w, r, s, http.StatusNotFound, sourceForm{Enabled: true}, nil, takedownForm{Value: in, Error: errNoArticle(id)})
			return
		}
		p.renderErrorOf(w, r, err, "No such article")
		return
	}
	p.setFlash(w, r, "ok", fmt.Sprintf("Took down %s: it is gone from every feed with its comments, and no partner feed will bring it back.", name))
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// ---- comment moderation (issue 7) ----

const commentsPerPage = 50

// moderationStatuses are the tabs of the comments page, in order.
var moderationStatuses = []struct{ Status, Label, Empty string }{
	{syndicate.StatusPending, "Pending", "No comments are waiting for moderation."},
	{syndicate.StatusApproved, "Approved", "No approved comments yet."},
	{syndicate.StatusSpam, "Spam", "No comments are marked as spam."},
}

func validStatus(s string) bool {
	for _, m := range moderationStatuses {
		if m.Status == s {
			return true
		}
	}
	return false
}

// commentPolicy sanitizes comment bodies again as they are shown: they
// were sanitized with this policy when they were taken, so this changes
// nothing unless something else wrote the store (defence in depth).
var commentPolicy = sanitize.Comment()

type commentTab struct {
	Status, Label string
	Count         int
	Current       bool
}

// commentRow is one comment as the moderation list shows it.
type commentRow struct {
	*syndicate.Comment
	// Body is the comment's HTML. Comment content is sanitized with the
	// comment policy (p, br, a with http(s) href and rel=nofollow, em,
	// strong, blockquote, code) when it is submitted and once more here,
	// so it is safe to show as HTML; the page's CSP allows no script.
	Body         template.HTML
	When         *time.Time
	ArticleTitle string // "" without a Lookup: the id is shown
	ArticleLink  string // canonical URL, else /articles/{id}
	SourceName   string
	// Parent is the comment this one replies to, when it can be read.
	Parent     *syndicate.Comment
	ParentHere bool // on this page: linked by its anchor
}

type commentsData struct {
	base
	Status, Empty                   string
	Tabs                            []commentTab
	Comments                        []commentRow
	Total, From, To, PageNum, Pages int
	PrevURL, NextURL                string
}

// moderation reports whether comments can be moderated here, and shows
// why not otherwise.
func (p *Page) moderation(w http.ResponseWriter, r *http.Request) bool {
	if p.opts.Moderator != nil {
		return true
	}
	p.renderError(w, r, http.StatusNotFound, "Comment moderation is off",
		"This server was started without comment moderation, so reader comments cannot be listed or moderated here.")
	return false
}

// commentsURL is the moderation list of status at page n.
func commentsURL(status string, n int) string {
	u := "/admin/comments?status=" + url.QueryEscape(status)
	if n > 1 {
		u += "&page=" + strconv.Itoa(n)
	}
	return u
}

func (p *Page) handleComments(w http.ResponseWriter, r *http.Request, s session) {
	if !p.moderation(w, r) {
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	if status == "" {
		status = syndicate.StatusPending
	}
	if !validStatus(status) {
		p.renderError(w, r, http.StatusBadRequest, "Unknown status", fmt.Sprintf("Comments are pending, approved or spam, not %q.", status))
		return
	}
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	ctx := r.Context()
	list, err := p.opts.Moderator.List(ctx, status, (n-1)*commentsPerPage, commentsPerPage)
	if err != nil {
		p.renderErrorOf(w, r, err, "Not found")
		return
	}
	pages := max(1, (list.Total+commentsPerPage-1)/commentsPerPage)
	if n > pages { // past the end, e.g. after moderating the last page's comments
		n = pages
		if list, err = p.opts.Moderator.List(ctx, status, (n-1)*commentsPerPage, commentsPerPage); err != nil {
			p.renderErrorOf(w, r, err, "Not found")
			return
		}
	}
	d := commentsData{base: p.base(r, s, "Comments"), Status: status, Total: list.Total, PageNum: n, Pages: pages}
	d.Flash = p.takeFlash(w, r)
	for _, m := range moderationStatuses {
		t := commentTab{Status: m.Status, Label: m.Label, Current: m.Status == status, Count: list.Total}
		if !t.Current {
			pg, err := p.opts.Moderator.List(ctx, m.Status, 0, 1)
			if err != nil {
				p.renderErrorOf(w, r, err, "Not found")
				return
			}
			t.Count = pg.Total
		} else {
			d.Empty = m.Empty
		}
		d.Tabs = append(d.Tabs, t)
	}
	if len(list.Items) > 0 {
		d.From = (n-1)*commentsPerPage + 1
		d.To = d.From + len(list.Items) - 1
	}
	if n > 1 {
		d.PrevURL = commentsURL(status, n-1)
	}
	if n < pages {
		d.NextURL = commentsURL(status, n+1)
	}
	d.Comments = p.commentRows(ctx, list.Items)
	p.render(w, r, http.StatusOK, "comments", d)
}

// commentRows adds what a moderator needs to see around each comment,
// reading each article and parent once. A failed lookup only leaves the
// id showing.
func (p *Page) commentRows(ctx context.Context, cs []*syndicate.Comment) []commentRow {
	here := map[string]bool{}
	for _, c := range cs {
		here[c.ID] = true
	}
	articles := map[string]*store.ArticleView{}
	parents := map[string]*syndicate.Comment{}
	out := make([]commentRow, 0, len(cs))
	for _, c := range cs {
		when := c.Published
		row := commentRow{Comment: c, When: &when, ArticleLink: "/articles/" + url.PathEscape(c.ArticleID),
			Body: template.HTML(commentPolicy.HTML(c.Content, nil)), ParentHere: c.ParentID != "" && here[c.ParentID]}
		if p.opts.Lookup != nil {
			a, seen := articles[c.ArticleID]
			if !seen {
				if v, err := p.opts.Lookup.Article(ctx, c.ArticleID); err == nil {
					a = &v
				}
				articles[c.ArticleID] = a
			}
			if a != nil {
				row.ArticleTitle, row.SourceName = a.Title, a.Source.Name
				if a.CanonicalURL != "" {
					row.ArticleLink = a.CanonicalURL
				}
			}
			if c.ParentID != "" {
				pc, seen := parents[c.ParentID]
				if !seen {
					pc, _ = p.opts.Lookup.Comment(ctx, c.ParentID)
					parents[c.ParentID] = pc
				}
				row.Parent = pc
			}
		}
		out = append(out, row)
	}
	return out
}

// commentsBack is the list a moderation form was sent from.
func commentsBack(r *http.Request) string {
	status := r.PostForm.Get("status")
	if !validStatus(status) {
		status = syndicate.StatusPending
	}
	n, err := strconv.Atoi(r.PostForm.Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	return commentsURL(status, n)
}

// authorOf names a comment's author for a message.
func authorOf(c *syndicate.Comment) string {
	if c == nil || c.Author.Name == "" {
		return "the comment"
	}
	return "the comment by " + c.Author.Name
}

// handleModerate moves a comment to status through the Moderator.
func (p *Page) handleModerate(status string) func(http.ResponseWriter, *http.Request, session) {
	return func(w http.ResponseWriter, r *http.Request, s session) {
		if !p.moderation(w, r) {
			return
		}
		back := commentsBack(r)
		id := r.PathValue("id")
		c, err := p.opts.Moderator.SetStatus(r.Context(), s.Name, id, status)
		if err != nil {
			p.moderationError(w, r, err, id, back)
			return
		}
		var msg string
		switch status {
		case syndicate.StatusApproved:
			msg = "Approved %s: it is published."
		case syndicate.StatusSpam:
			msg = "Marked %s as spam: it is not published."
		default:
			msg = "Moved %s back to pending: it is no longer published."
		}
		p.setFlash(w, r, "ok", upperFirst(fmt.Sprintf(msg, authorOf(c))))
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

func (p *Page) handleDeleteComment(w http.ResponseWriter, r *http.Request, s session) {
	if !p.moderation(w, r) {
		return
	}
	back := commentsBack(r)
	id := r.PathValue("id")
	var c *syndicate.Comment
	if p.opts.Lookup != nil { // for the message only
		c, _ = p.opts.Lookup.Comment(r.Context(), id)
	}
	if err := p.opts.Moderator.Delete(r.Context(), s.Name, id); err != nil {
		p.moderationError(w, r, err, id, back)
		return
	}
	p.setFlash(w, r, "ok", upperFirst(fmt.Sprintf("Deleted %s.", authorOf(c))))
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// moderationError answers a failed moderation: a comment that is gone
// (another editor deleted it) is a message on the list, anything else an
// error page.
func (p *Page) moderationError(w http.ResponseWriter, r *http.Request, err error, id, back string) {
	if syndicate.ErrorKind(err) == syndicate.ENotFound {
		p.setFlash(w, r, "error", fmt.Sprintf("Comment %s no longer exists: another editor may have deleted it.", id))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	p.renderErrorOf(w, r, err, "No such comment")
}

// ---- template helpers ----

func (p *Page) ago(t *time.Time) string {
	if t == nil {
		return "never"
	}
	d := p.opts.Now().Sub(*t)
	if d < 0 {
		return "in " + span(-d)
	}
	if d < time.Minute {
		return "just now"
	}
	return span(d) + " ago"
}

func (p *Page) until(t *time.Time) string {
	if t == nil {
		return "—"
	}
	d := t.Sub(p.opts.Now())
	if d < time.Minute {
		return "due now"
	}
	return "in " + span(d)
}

// span says a duration the way people do: 5 min, 3 h, 2 days.
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

func iso(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}
