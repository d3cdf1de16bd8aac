package main

import (
	"testing"

	"syndicate/admin"
	"syndicate/config"
)

// The one-time sign-in link exists only on loopback with no token.
func TestSignInLinkToken(t *testing.T) {
	for _, tc := range []struct {
		listen string
		tokens []admin.Token
		want   bool
	}{
		{"127.0.0.1:8080", nil, true},
		{"[::1]:8080", nil, true},
		{"localhost:8080", nil, true},
		{":8080", nil, false},
		{"0.0.0.0:8080", nil, false},
		{"192.0.2.10:8080", nil, false},
		{"127.0.0.1:8080", []admin.Token{{Name: "token-1", Value: "configured-token-value"}}, false},
		{"not an address", nil, false},
	} {
		cfg := &config.Config{Listen: tc.listen}
		got := signInLinkToken(cfg, tc.tokens)
		if (got != nil) != tc.want {
			t.Errorf("signInLinkToken(%q, %d tokens) = %v, want a link %v", tc.listen, len(tc.tokens), got, tc.want)
		}
		if got != nil && len(got.Value) < 32 {
			t.Errorf("link token value %q is short", got.Value)
		}
	}
}
