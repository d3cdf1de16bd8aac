package store

import (
	"context"
	"errors"
	"time"

	"syndicate"
)

// ErrStaleSource is ReplaceSourceIf's refusal: the source's version is no
// longer the one the edit was made on.
var ErrStaleSource = errors.New("the source was changed since that version")

// SourceSwapper replaces a source only if nobody changed it meanwhile, on
// every replica at once (two editors cannot overwrite each other).
type SourceSwapper interface {
	// ReplaceSourceIf replaces the API source src.ID if its stored
	// version (syndicate.Source.Version) is version: ErrStaleSource if
	// not, syndicate.ENotFound if there is no such source.
	ReplaceSourceIf(ctx context.Context, src syndicate.Source, version string) error
}

// AuthGuard keeps what protects the editors' sign-in on every replica: the
// sessions signed out before they expire, and the failed attempts of each
// client (counted with LocalComments.Hit).
type AuthGuard interface {
	// RevokeSession records that the session id is signed out. The record
	// lasts until expires (when the session would have ended anyway); a
	// past expires records nothing.
	RevokeSession(ctx context.Context, id string, expires, now time.Time) error
	// SessionRevoked reports whether the session id was revoked.
	SessionRevoked(ctx context.Context, id string, now time.Time) (bool, error)
	// Strikes returns what Hit has counted under key in its current window
	// and when that window ends, without counting anything: 0 and the zero
	// time when no window is open.
	Strikes(ctx context.Context, key string, now time.Time) (int, time.Time, error)
}
