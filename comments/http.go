package comments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"syndicate"
	"syndicate/internal/httperr"
	"syndicate/internal/jsonhttp"
	"syndicate/internal/route"
)

// HandlerOptions configure the public comment endpoint.
type HandlerOptions struct {
	BaseURL        string   // the site's own origin may always post
	AllowedOrigins []string // comments.allowed_origins
	Honeypot       string   // the form field humans leave empty
	MaxBodyBytes   int64
	// TrustedProxies are the peers whose X-Forwarded-For is believed;
	// none by default.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
}

// Handler serves POST /articles/{id}/comments.
type Handler struct {
	svc     *Service
	opts    HandlerOptions
	origins map[string]bool
	log     *slog.Logger
}

// NewHandler returns the public comment endpoint.
func NewHandler(svc *Service, opts HandlerOptions) *Handler {
	h := &Handler{svc: svc, opts: opts, origins: map[string]bool{}, log: opts.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if o := origin(opts.BaseURL); o != "" {
		h.origins[o] = true
	}
	for _, o := range opts.AllowedOrigins {
		h.origins[strings.TrimRight(o, "/")] = true
	}
	if h.opts.MaxBodyBytes <= 0 {
		h.opts.MaxBodyBytes = 64 << 10
	}
	if h.opts.Honeypot == "" {
		h.opts.Honeypot = "homepage"
	}
	return h
}

// ParsePrefixes parses IPs and CIDR prefixes (http.trusted_proxies).
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Routes registers the public comment routes.
func (h *Handler) Routes(mux route.Registrar) {
	mux.HandleFunc("POST /articles/{id}/comments", h.handleSubmit)
	mux.HandleFunc("OPTIONS /articles/{id}/comments", h.handlePreflight)
	mux.HandleFunc("GET /articles/{id}/comments/{cid}", h.handleGet)
}

// Pending is what anyone sees of a comment not (or not yet) published: its
// ids and that it waits for moderation. A comment marked as spam answers
// the same, so a spammer learns nothing.
type Pending struct {
	ID        string `json:"id"`
	ArticleID string `json:"article_id"`
	Status    string `json:"status"`
}

// handleGet answers the Location of a 201: the public view of a comment
// (never its e-mail or IP), or only its status while it is not published.
func (h *Handler) handleGet(w http.ResponseWriter, r *http.Request) {
	aid, cid := route.Value(r, "id"), route.Value(r, "cid")
	c, err := h.svc.opts.Store.Comment(r.Context(), cid)
	if err != nil || c.ArticleID != aid {
		if err == nil || syndicate.ErrorKind(err) == syndicate.ENotFound {
			httperr.Problem{Status: http.StatusNotFound, Message: "no such comment on this article"}.JSON(w)
			return
		}
		httperr.Log(h.log, err, "read comment")
		httperr.Of(err, "comments cannot be read right now; try again shortly").JSON(w)
		return
	}
	// Moderation changes what may be shown: caches must ask again.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if c.Status != syndicate.StatusApproved {
		jsonhttp.Write(w, http.StatusOK, Pending{ID: c.ID, ArticleID: c.ArticleID, Status: syndicate.StatusPending})
		return
	}
	jsonhttp.Write(w, http.StatusOK, NewView(c))
}

// cors answers for the request's Origin: true when it may proceed.
func (h *Handler) cors(w http.ResponseWriter, r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true // not a browser cross-origin request
	}
	w.Header().Add("Vary", "Origin")
	if !h.origins[o] {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", o)
	return true
}

func (h *Handler) handlePreflight(w http.ResponseWriter, r *http.Request) {
	if !h.cors(w, r) {
		httperr.Problem{Status: http.StatusForbidden, Message: "cross-origin comments from this origin are not allowed (comments.allowed_origins)"}.JSON(w)
		return
	}
	w.Header().Set("Access-Control-Allow-Methods", "POST")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
	w.Header().Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// View is a comment as its author and the public may see it: no e-mail,
// no IP.
type View struct {
	ID        string    `json:"id"`
	ArticleID string    `json:"article_id"`
	ParentID  string    `json:"parent_id,omitempty"`
	Author    string    `json:"author"`
	URL       string    `json:"url,omitempty"`
	Content   string    `json:"content"`
	Published time.Time `json:"published"`
	Status    string    `json:"status"`
}

// NewView returns the public view of c.
func NewView(c *syndicate.Comment) View {
	return View{ID: c.ID, ArticleID: c.ArticleID, ParentID: c.ParentID, Author: c.Author.Name, URL: c.Author.URL,
		Content: c.Content, Published: c.Published.UTC(), Status: c.Status}
}

func (h *Handler) handleSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.cors(w, r) {
		httperr.Problem{Status: http.StatusForbidden, Message: "cross-origin comments from this origin are not allowed (comments.allowed_origins)"}.JSON(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	in, honeypot, redirect, err := h.read(r)
	if err != nil {
		var me *http.MaxBytesError
		if errors.As(err, &me) {
			httperr.Problem{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("the request is larger than %d bytes", h.opts.MaxBodyBytes)}.JSON(w)
			return
		}
		h.fail(w, err)
		return
	}
	if strings.TrimSpace(honeypot) != "" {
		h.log.Info("comment rejected by the honeypot", "article_id", route.Value(r, "id"))
		httperr.Problem{Status: http.StatusBadRequest, Message: "must be left empty", Field: h.opts.Honeypot}.JSON(w)
		return
	}
	in.ArticleID = route.Value(r, "id")
	c, err := h.svc.Submit(r.Context(), in, h.clientIP(r))
	if err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Location", "/articles/"+c.ArticleID+"/comments/"+c.ID)
	if redirect != "" {
		if h.redirectAllowed(redirect) {
			if !strings.Contains(redirect, "#") {
				redirect += "#comment-" + c.ID
			}
			http.Redirect(w, r, redirect, http.StatusSeeOther)
			return
		}
		h.log.Warn("comment redirect refused: not on an allowed origin", "redirect", redirect)
	}
	jsonhttp.Write(w, http.StatusCreated, NewView(c))
}

func (h *Handler) redirectAllowed(raw string) bool {
	return h.origins[origin(raw)]
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		w.Header().Set("Retry-After", strconv.Itoa(int((rl.RetryAfter+time.Second-1)/time.Second)))
		httperr.Problem{Status: http.StatusTooManyRequests, Message: rl.Error()}.JSON(w)
		return
	}
	httperr.Log(h.log, err, "store comment")
	httperr.Of(err, "comments cannot be stored right now; try again shortly").JSON(w)
}

// FormFields are the fields a comment submission is read from (form and
// JSON alike): the honeypot may not be named like one of them.
var FormFields = []string{"author", "email", "url", "body", "parent_id", "redirect"}

// read decodes a JSON or form submission, with the honeypot's value and
// the form's redirect target.
func (h *Handler) read(r *http.Request) (in *Submission, honeypot, redirect string, err error) {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	in = &Submission{}
	switch mt {
	case "application/json", "application/x-www-form-urlencoded":
	case "":
		if ct != "" {
			return nil, "", "", syndicate.Errorf(syndicate.EInvalid, "Content-Type %q does not parse: send the form as application/x-www-form-urlencoded or a JSON object as application/json", ct)
		}
	default:
		// multipart/form-data among them: its fields were read as absent
		// ("author is required") while the request carried them.
		return nil, "", "", syndicate.Errorf(syndicate.EInvalid, "Content-Type %s is not read here: send the form as application/x-www-form-urlencoded or a JSON object as application/json", mt)
	}
	if mt == "application/json" {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, "", "", err // over the bound, or the client went away
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&m); err != nil {
			var te *json.UnmarshalTypeError
			var se *json.SyntaxError
			switch {
			case errors.As(err, &te):
				return nil, "", "", syndicate.Errorf(syndicate.EInvalid, "the request must be a JSON object, not %s", jsonValue(te.Value))
			case errors.As(err, &se):
				return nil, "", "", syndicate.Errorf(syndicate.EInvalid, "malformed JSON at byte %d: %v", se.Offset, se)
			case errors.Is(err, io.ErrUnexpectedEOF):
				return nil, "", "", syndicate.Errorf(syndicate.EInvalid, "the JSON ends early (an object or string is not closed)")
			case errors.Is(err, io.EOF):
				return nil, "", "", syndicate.Errorf(syndicate.EInvalid, "empty request: a JSON object is required")
			}
			// The request as a whole is wrong: no field, as "body" is the
			// comment's own.
			return nil, "", "", syndicate.Errorf(syndicate.EInvalid, "malformed JSON: %v", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, "", "", syndicate.Errorf(syndicate.EInvalid, "unexpected data after the JSON object")
		}
		if k := jsonhttp.DuplicateKey(body); k != "" {
			// encoding/json keeps the last, a form the first: neither guess.
			return nil, "", "", syndicate.FieldError(k, "given twice: send each field once")
		}
		get := func(k string) (string, error) {
			switch v := m[k].(type) {
			case nil:
				return "", nil
			case string:
				return v, nil
			default:
				return "", syndicate.FieldError(k, "must be a string")
			}
		}
		fields := []struct {
			name string
			dst  *string
		}{{"author", &in.Author}, {"email", &in.Email}, {"url", &in.URL}, {"body", &in.Body}, {"parent_id", &in.ParentID}, {h.opts.Honeypot, &honeypot}}
		for _, f := range fields {
			v, err := get(f.name)
			if err != nil {
				return nil, "", "", err
			}
			*f.dst = v
		}
		return in, honeypot, "", nil
	}
	if err := r.ParseForm(); err != nil {
		var me *http.MaxBytesError
		if errors.As(err, &me) {
			return nil, "", "", err
		}
		return nil, "", "", syndicate.FieldError("body", "cannot read the form: %v", err)
	}
	in.Author, in.Email, in.URL = r.PostForm.Get("author"), r.PostForm.Get("email"), r.PostForm.Get("url")
	in.Body, in.ParentID = r.PostForm.Get("body"), r.PostForm.Get("parent_id")
	return in, r.PostForm.Get(h.opts.Honeypot), r.PostForm.Get("redirect"), nil
}

// clientIP is the peer's address, or with a trusted proxy in front, the
// rightmost X-Forwarded-For address that is not a trusted proxy.
func (h *Handler) clientIP(r *http.Request) string { return ClientIP(r, h.opts.TrustedProxies) }

// ClientIP is the address of the client that sent r: the peer's, or with
// trusted proxies in front, the rightmost X-Forwarded-For address that is
// not one of them (the hops a client writes itself are to its left).
func ClientIP(r *http.Request, trustedProxies []netip.Prefix) string {
	trusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trustedProxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if !trusted(peer) {
		return peer.Unmap().String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !trusted(a) {
			return a.Unmap().String()
		}
	}
	return peer.Unmap().String()
}

// jsonValue names the JSON value an UnmarshalTypeError saw.
func jsonValue(v string) string {
	switch kind, _, _ := strings.Cut(v, " "); kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "a boolean"
	case "string", "number":
		return "a " + kind
	}
	return v
}
