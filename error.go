package syndicate

import (
	"errors"
	"fmt"
)

// Error kinds. The HTTP layer maps each kind to one status code.
const (
	EInvalid      = "invalid"      // 400: the caller sent something wrong
	ENotFound     = "not_found"    // 404
	EConflict     = "conflict"     // 409
	EUnauthorized = "unauthorized" // 401
	EForbidden    = "forbidden"    // 403
	EUnavailable  = "unavailable"  // 503: a dependency (the store) is away
	EInternal     = "internal"     // 500
)

// Error is an application error with a kind, a message safe to show to the
// caller and, optionally, the input field it is about.
type Error struct {
	Kind    string
	Message string
	Field   string
}

// Error returns the message, prefixed by the field when there is one.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EInvalid *Error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Kind: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// FirstError returns the first of a validation's problems as an error, or
// nil when there are none (a typed nil would not be).
func FirstError(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

// ErrorKind returns the kind of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorKind(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return EInternal
}

// ErrorMessage returns the caller-safe message of err: the *Error message,
// or a bland text for internal errors whose detail belongs in the log.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrNotFound is returned by lookups of ids that do not exist.
var ErrNotFound = &Error{Kind: ENotFound, Message: "not found"}

// Is reports whether target is an *Error of the same kind, so that
// errors.Is(err, ErrNotFound) holds for every not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}
