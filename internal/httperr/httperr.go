// Package httperr is Syndicate's one HTTP error layer: one table from
// error kind to status code, one rule for what a response may say about
// an error, and the writers of the JSON ({"error", "field"}) and plain-text
// error bodies. The admin page renders the same Problem as HTML with its
// own templates.
//
// An error without a kind is our fault: it answers 500 with a bland
// message and its detail goes to the log. Only EUnavailable (a dependency
// such as Redis is away) answers 503.
package httperr

import (
	"errors"
	"log/slog"
	"net/http"

	"syndicate"
	"syndicate/internal/jsonhttp"
)

// statusOf maps error kinds to status codes. A kind missing here
// (EInternal, or no kind at all) is a 500.
var statusOf = map[string]int{
	syndicate.EInvalid:      http.StatusBadRequest,
	syndicate.EUnauthorized: http.StatusUnauthorized,
	syndicate.EForbidden:    http.StatusForbidden,
	syndicate.ENotFound:     http.StatusNotFound,
	syndicate.EConflict:     http.StatusConflict,
	syndicate.EUnavailable:  http.StatusServiceUnavailable,
}

// Internal is the message of a 500 when the caller gives none.
const Internal = "internal error"

// Status returns the status code of err's kind: 500 for an error without
// a known kind, 200 for nil.
func Status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if code, ok := statusOf[syndicate.ErrorKind(err)]; ok {
		return code
	}
	return http.StatusInternalServerError
}

// Problem is what a response says about an error.
type Problem struct {
	Status  int
	Message string
	Field   string // the input field it is about, if any
}

// Of returns the Problem of err. A 4xx says the error's own message and
// field. A 5xx says public when it is not empty (a handler's own wording,
// such as "this feed is unavailable right now"); otherwise a 503 says the
// error's message and a 500 says Internal, never its detail.
func Of(err error, public string) Problem {
	p := Problem{Status: Status(err)}
	if p.Status >= 500 && public != "" {
		p.Message = public
		return p
	}
	if p.Status == http.StatusInternalServerError {
		p.Message = Internal
		return p
	}
	var e *syndicate.Error
	if errors.As(err, &e) {
		p.Message, p.Field = e.Message, e.Field
	}
	return p
}

// Log records the detail of a 5xx error: a 500 at Error level (a bug or
// a broken dependency we did not classify), a 503 at Warn (an outage the
// store already reports). Errors the caller caused are not logged.
func Log(log *slog.Logger, err error, msg string, args ...any) {
	switch Status(err) {
	case http.StatusInternalServerError:
		log.Error(msg, append(args, "error", err)...)
	case http.StatusServiceUnavailable:
		log.Warn(msg, append(args, "error", err)...)
	}
}

// JSON writes {"error": Message, "field": Field} (field omitted when
// empty) with p's status, never cached.
func (p Problem) JSON(w http.ResponseWriter) {
	body := map[string]string{"error": p.Message}
	if p.Field != "" {
		body["field"] = p.Field
	}
	jsonhttp.Write(w, p.Status, body)
}

// Text writes Message as one line of plain text with p's status. The
// caller sets any caching or CORS headers first.
func (p Problem) Text(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	w.Write([]byte(p.Message + "\n"))
}
