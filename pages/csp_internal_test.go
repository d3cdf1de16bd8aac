package pages

import "testing"

// The pages allow frames only from the sources the sanitizing policy
// keeps iframes of (sanitize.Policy.FrameSources), and none without any.
func TestFrameSrc(t *testing.T) {
	tests := []struct {
		sources []string
		want    string
	}{
		{nil, ""},
		{[]string{"https://www.youtube.com"}, "frame-src https://www.youtube.com; "},
		{[]string{"https://www.youtube.com", "https://*.vimeo.com"}, "frame-src https://www.youtube.com https://*.vimeo.com; "},
	}
	for _, tt := range tests {
		if got := frameSrc(tt.sources); got != tt.want {
			t.Errorf("frameSrc(%q) = %q, want %q", tt.sources, got, tt.want)
		}
	}
}
