package sanitize_test

import (
	"slices"
	"testing"

	"syndicate/sanitize"
)

// The CSP sources of the iframes a policy keeps: its hosts over https,
// subdomains as a wildcard, nothing that is no host name.
func TestPolicy_FrameSources(t *testing.T) {
	tests := []struct {
		hosts []string
		want  []string
	}{
		{nil, nil},
		{[]string{"www.youtube.com"}, []string{"https://www.youtube.com"}},
		{[]string{" www.YouTube.com ", ".Vimeo.com"}, []string{"https://www.youtube.com", "https://*.vimeo.com"}},
		{[]string{"evil.example; script-src *", " ", "."}, nil},
	}
	for _, tt := range tests {
		if got := sanitize.New(sanitize.Options{IframeHosts: tt.hosts}).FrameSources(); !slices.Equal(got, tt.want) {
			t.Errorf("FrameSources(%q) = %q, want %q", tt.hosts, got, tt.want)
		}
	}
}
