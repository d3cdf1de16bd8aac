package store

import (
	"context"

	"syndicate"
)

// PartnersChanged is the key Watch reports when the API-managed partner
// profiles changed (it names no feed): every replica reloads them, so a
// rotated or revoked key stops working everywhere at once.
const PartnersChanged FeedKey = "partners"

// PartnerStore keeps the partner profiles created through the admin API
// (those of the config file live in the file).
type PartnerStore interface {
	// Partners returns the API partners, ordered by name.
	Partners(ctx context.Context) ([]syndicate.Partner, error)
	// PutPartner stores p. With create set it fails with EConflict when
	// the name exists; without, with ENotFound when it does not.
	PutPartner(ctx context.Context, p syndicate.Partner, create bool) error
	// DeletePartner removes a partner; ENotFound when unknown.
	DeletePartner(ctx context.Context, name string) error
}
