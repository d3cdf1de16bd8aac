package store

import (
	"context"
	"time"
)

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
