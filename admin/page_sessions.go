package admin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

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
			p.secretUnavailable(w, r, err)
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
		p.secretUnavailable(w, r, err)
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
		p.secretUnavailable(w, r, err)
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
	p.startSession(w, r, key, name, value)
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

// startSession signs name in: a session cookie signed with key, carrying
// the fingerprint of the token (value) that proved it.
func (p *Page) startSession(w http.ResponseWriter, r *http.Request, key []byte, name, value string) {
	s := session{Name: name, Expires: p.opts.Now().Add(p.opts.SessionTTL).Truncate(time.Second), ID: randomID(), FP: fingerprint(key, value)}
	p.setCookie(w, r, sessionCookie, s.encode(key), p.opts.SessionTTL)
}

// secretUnavailable answers a request when the session secret cannot be
// read from the store.
func (p *Page) secretUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	p.log.Error("admin page: session secret", "error", err)
	p.renderError(w, r, http.StatusServiceUnavailable, "Store unavailable", "The store does not answer; try again shortly.")
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
