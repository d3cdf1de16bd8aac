package admin

import (
	"crypto/subtle"
	"net/http"
	"sync"

	"syndicate/internal/route"
)

// oneTime is the state of a one-time sign-in link: a random code that
// signs the first browser opening it in under one of the API's tokens.
type oneTime struct {
	mu          sync.Mutex
	code        string // "" once used, or when none was armed
	name, value string // the token the session is tied to
}

// OneTimeSignIn arms a sign-in link that works once, for a newcomer to
// reach /admin without editing a file (the offline demo). The session it
// opens belongs to the token name/value, which must be one of the API's
// tokens: it ends like any other when that token goes. It returns the
// link's path, /admin/signin/CODE. The caller decides when such a link
// may exist at all (a server on loopback with no token configured).
func (p *Page) OneTimeSignIn(name, value string) string {
	p.once.mu.Lock()
	defer p.once.mu.Unlock()
	p.once.code, p.once.name, p.once.value = randomID(), name, value
	return "/admin/signin/" + p.once.code
}

// take consumes the armed code if code is it.
func (o *oneTime) take(code string) (name, value string, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.code == "" || subtle.ConstantTimeCompare([]byte(code), []byte(o.code)) != 1 {
		return "", "", false
	}
	o.code = ""
	return o.name, o.value, true
}

func (p *Page) handleOneTimeSignIn(w http.ResponseWriter, r *http.Request) {
	if !p.opts.API.Enabled() {
		p.renderDisabled(w, r)
		return
	}
	name, value, ok := p.once.take(route.Value(r, "code"))
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "Sign-in link not valid",
			"This sign-in link was already used or never existed. Sign in with an admin token, or restart the server for a new link.")
		return
	}
	key, err := p.key(r.Context())
	if err != nil {
		p.secretUnavailable(w, r, err)
		return
	}
	p.startSession(w, r, key, name, value)
	p.log.Info("audit", "who", name, "action", "session.login", "via", "one-time link", "remote_addr", remoteHost(r))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}
