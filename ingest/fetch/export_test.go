package fetch

import (
	"net"
	"net/http"
)

// NewGuardedTransport returns the production transport with the
// private-network guard deciding by isPublic, so tests can treat one
// loopback address as "public" and another as private.
func NewGuardedTransport(isPublic func(net.IP) bool) *http.Transport {
	return newTransport(isPublic, nil)
}
