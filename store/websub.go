package store

import (
	"context"
	"time"
)

// Subscription is one WebSub subscription to a partner feed's hub (the
// subscriber side of W3C WebSub). It lives in the store so that any
// replica can answer the hub's callbacks.
type Subscription struct {
	// ID is random and names the callback URL; it is not guessable.
	ID       string `json:"id"`
	SourceID string `json:"source_id"`
	Hub      string `json:"hub"`
	Topic    string `json:"topic"`
	// Secret is the HMAC key the hub signs deliveries with, fresh for
	// every subscription (hex).
	Secret string `json:"secret"`
	// Pending is the mode ("subscribe" or "unsubscribe") of the request
	// sent to the hub and not yet verified; "" when none is.
	Pending   string    `json:"pending,omitempty"`
	Requested time.Time `json:"requested,omitzero"`
	// Verified is when the hub last confirmed the subscription (zero
	// until it did); Expires is when its lease ends (zero: no lease given).
	Verified     time.Time `json:"verified,omitzero"`
	Expires      time.Time `json:"expires,omitzero"`
	LeaseSeconds int64     `json:"lease_seconds,omitempty"`
	// RetryAt is when the pending request is sent again if the hub has
	// not answered or verified it by then; Failures counts requests the
	// hub refused in a row; LastError is the last refusal or denial.
	RetryAt   time.Time `json:"retry_at,omitzero"`
	Failures  int       `json:"failures,omitempty"`
	LastError string    `json:"last_error,omitempty"`
}

// Live reports whether the hub has confirmed sub and its lease runs at now.
func (sub *Subscription) Live(now time.Time) bool {
	return !sub.Verified.IsZero() && (sub.Expires.IsZero() || now.Before(sub.Expires))
}

// Subscriptions keeps WebSub subscriptions.
type Subscriptions interface {
	// Subscriptions returns every subscription, ordered by id.
	Subscriptions(ctx context.Context) ([]Subscription, error)
	// Subscription returns one subscription; syndicate.ENotFound if unknown.
	Subscription(ctx context.Context, id string) (*Subscription, error)
	// UpdateSubscription reads subscription id (nil when absent), passes
	// it to fn and stores what fn returns, atomically: a concurrent update
	// of the same id makes fn run again on the newer value. fn returning
	// nil deletes the subscription; an error from fn writes nothing and is
	// returned. The stored value is returned.
	UpdateSubscription(ctx context.Context, id string, fn func(cur *Subscription) (*Subscription, error)) (*Subscription, error)
}
