package admin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	"syndicate"
	"syndicate/internal/httperr"
	"syndicate/internal/jsonhttp"
	"syndicate/internal/route"
)

// Token is an admin bearer token; Name goes in audit lines, never Value.
type Token struct {
	Name, Value string
}

// API is the editors' JSON API under /api.
type API struct {
	svc    *Service
	tokens []Token
	log    *slog.Logger
	title  string
	mod    Moderator
}

// NewAPI returns the API. With no tokens the API is disabled: every
// request gets 403 (never an open API).
func NewAPI(svc *Service, tokens []Token, siteTitle string, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(tokens) == 0 {
		log.Warn("the admin API and page are disabled: no admin token is configured (admin.tokens or SYNDICATE_ADMIN_TOKEN)")
	}
	return &API{svc: svc, tokens: tokens, log: log, title: siteTitle}
}

// Routes registers the API's routes on mux.
func (a *API) Routes(mux route.Registrar) {
	mux.Handle("GET /api/sources", a.auth(a.handleList))
	mux.Handle("POST /api/sources", a.auth(a.handleCreate))
	mux.Handle("GET /api/sources/{id}", a.auth(a.handleGet))
	mux.Handle("PUT /api/sources/{id}", a.auth(a.handleReplace))
	mux.Handle("DELETE /api/sources/{id}", a.auth(a.handleDelete))
	mux.Handle("POST /api/sources/{id}/refresh", a.auth(a.handleRefresh))
	mux.Handle("GET /api/sources.opml", a.auth(a.handleExport))
	mux.Handle("POST /api/sources.opml", a.auth(a.handleImport))
	mux.Handle("DELETE /api/articles/{id}", a.auth(a.handleTakeDown))
	a.moderationRoutes(mux)
	a.partnerRoutes(mux)
}

// writeError writes {"error","field"} with the status of err's kind
// (internal/httperr); an unknown error is a 500 with a bland message, its
// detail logged.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httperr.Log(a.log, err, "admin api", "method", r.Method, "path", r.URL.Path)
	p := httperr.Of(err, "")
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="syndicate"`)
	}
	p.JSON(w)
}

type whoKey struct{}

// who returns the name of the token that authenticated the request.
func who(ctx context.Context) string {
	s, _ := ctx.Value(whoKey{}).(string)
	return s
}

// Authenticate returns the name of the token value matches, comparing in
// constant time against every token.
func (a *API) Authenticate(value string) (string, bool) {
	h := sha256.Sum256([]byte(value))
	name, found := "", 0
	for _, t := range a.tokens {
		th := sha256.Sum256([]byte(t.Value))
		if subtle.ConstantTimeCompare(h[:], th[:]) == 1 {
			name, found = t.Name, 1
		}
	}
	return name, found == 1 && value != ""
}

// Enabled reports whether any token is configured.
func (a *API) Enabled() bool { return len(a.tokens) > 0 }

// Require serves h only to a request with a valid admin token, with the
// API's throttling of failed attempts (for routes outside the API, such
// as /metrics read from afar).
func (a *API) Require(h http.Handler) http.Handler { return a.auth(h.ServeHTTP) }

func (a *API) auth(h func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.Enabled() {
			a.writeError(w, r, syndicate.Errorf(syndicate.EForbidden, "the admin API is disabled: configure admin.tokens or SYNDICATE_ADMIN_TOKEN"))
			return
		}
		client := a.svc.clientIP(r)
		if d, err := a.svc.throttled(r.Context(), client); err != nil || d > 0 {
			if err != nil {
				a.writeError(w, r, err)
				return
			}
			a.tooMany(w, d)
			return
		}
		header := r.Header.Get("Authorization")
		scheme, token, _ := strings.Cut(header, " ")
		name, ok := a.Authenticate(strings.TrimSpace(token))
		if !strings.EqualFold(scheme, "Bearer") || !ok {
			if header != "" { // a token was tried: count it against the client
				if d, err := a.svc.authFailed(r.Context(), client, "api"); err == nil && d > 0 {
					a.tooMany(w, d)
					return
				}
			}
			a.writeError(w, r, syndicate.Errorf(syndicate.EUnauthorized, "a valid bearer token is required (Authorization: Bearer TOKEN)"))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), whoKey{}, name)))
	})
}

// tooMany refuses a client that failed too often (429 with Retry-After).
func (a *API) tooMany(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", retryAfterSeconds(d))
	jsonhttp.Write(w, http.StatusTooManyRequests, map[string]string{"error": "too many failed attempts from this address; retry after " + retryAfterSeconds(d) + " seconds"})
}

const maxBody = 1 << 20

// decode reads a JSON body strictly: unknown fields, a key given twice
// and trailing data are errors that say where, in JSON's words (never a
// Go type name).
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	var me *http.MaxBytesError
	if errors.As(err, &me) {
		return syndicate.FieldError("body", "larger than %d bytes", maxBody)
	}
	if err != nil {
		return syndicate.FieldError("body", "cannot be read: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return syndicate.FieldError("body", "malformed JSON at byte %d: %v", se.Offset, se)
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				field = "body"
			}
			return syndicate.FieldError(field, "must be %s, not %s", jsonKind(te.Type), jsonValue(te.Value))
		case errors.Is(err, io.EOF):
			return syndicate.FieldError("body", "empty: a JSON object is required")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return syndicate.FieldError("body", "the JSON ends early (an object or string is not closed)")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return syndicate.FieldError(f, "unknown field")
		}
		return syndicate.FieldError("body", "%v", err)
	}
	// More() is false before a stray ']' or '}': read a token instead.
	if _, err := dec.Token(); err != io.EOF {
		return syndicate.FieldError("body", "unexpected data after the JSON object")
	}
	if k := jsonhttp.DuplicateKey(body); k != "" {
		return syndicate.FieldError(k, "given twice: send each field once")
	}
	return nil
}

// jsonKind names what a Go type accepts in JSON.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if e := jsonKind(t.Elem()); strings.HasPrefix(e, "a ") {
			return "an array of " + strings.TrimPrefix(e, "a ") + "s"
		}
		return "an array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	}
	return "another type"
}

// jsonValue names the JSON value an UnmarshalTypeError saw ("number",
// "array", "number 1e400").
func jsonValue(v string) string {
	kind, rest, _ := strings.Cut(v, " ")
	switch kind {
	case "array", "object":
		return "an " + kind
	case "string", "number", "bool":
		if kind == "bool" {
			kind = "boolean"
		}
		if rest != "" {
			return "a " + kind + " (" + rest + ")"
		}
		return "a " + kind
	}
	return v
}

func (a *API) handleList(w http.ResponseWriter, r *http.Request) {
	list, err := a.svc.List(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	jsonhttp.Write(w, http.StatusOK, map[string]any{"sources": list})
}

func (a *API) handleGet(w http.ResponseWriter, r *http.Request) {
	v, err := a.svc.Get(r.Context(), route.Value(r, "id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", SourceETag(v.Source))
	jsonhttp.Write(w, http.StatusOK, v)
}

func (a *API) handleCreate(w http.ResponseWriter, r *http.Request) {
	var in Input
	if err := decode(r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	v, err := a.svc.Create(r.Context(), who(r.Context()), in.Source())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/sources/"+v.ID)
	w.Header().Set("ETag", SourceETag(v.Source))
	jsonhttp.Write(w, http.StatusCreated, v)
}

func (a *API) handleReplace(w http.ResponseWriter, r *http.Request) {
	var in Input
	if err := decode(r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	v, err := a.svc.ReplaceIfMatch(r.Context(), who(r.Context()), route.Value(r, "id"), in.Source(), r.Header.Get("If-Match"))
	var stale *StaleError
	if errors.As(err, &stale) {
		// 412 with the version that won, so the editor can merge.
		w.Header().Set("ETag", SourceETag(stale.Current.Source))
		jsonhttp.Write(w, http.StatusPreconditionFailed, map[string]any{"error": stale.Error(), "current": stale.Current})
		return
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", SourceETag(v.Source))
	jsonhttp.Write(w, http.StatusOK, v)
}

func (a *API) handleDelete(w http.ResponseWriter, r *http.Request) {
	if err := a.svc.Delete(r.Context(), who(r.Context()), route.Value(r, "id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleRefresh(w http.ResponseWriter, r *http.Request) {
	sum, err := a.svc.Refresh(r.Context(), who(r.Context()), route.Value(r, "id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	jsonhttp.Write(w, http.StatusOK, sum)
}

func (a *API) handleExport(w http.ResponseWriter, r *http.Request) {
	b, err := a.svc.ExportOPML(r.Context(), a.title+" — sources")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="sources.opml"`)
	w.Write(b)
}

func (a *API) handleImport(w http.ResponseWriter, r *http.Request) {
	rep, err := a.svc.ImportOPML(r.Context(), who(r.Context()), http.MaxBytesReader(w, r.Body, 4*maxBody))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	code := http.StatusOK
	if len(rep.Imported) > 0 {
		code = http.StatusCreated
	}
	jsonhttp.Write(w, code, rep)
}

func (a *API) handleTakeDown(w http.ResponseWriter, r *http.Request) {
	if err := a.svc.Retract(r.Context(), who(r.Context()), route.Value(r, "id"), r.URL.Query().Get("reason")); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
