package admin

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"syndicate"
	"syndicate/internal/route"
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
	// tokens and flash messages, shared by every replica (docs/decisions/fleet.md).
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
func (p *Page) Routes(mux route.Registrar) {
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
