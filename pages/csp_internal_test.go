package pages

import "testing"

// The pages allow frames only from the hosts sanitizing keeps iframes of,
// and none without any; a value that is no host name is left out.
func TestFrameSrc(t *testing.T) {
	tests := []struct {
		hosts []string
		want  string
	}{
		{nil, ""},
		{[]string{"www.youtube.com"}, "frame-src https://www.youtube.com; "},
		{[]string{"www.youtube.com", ".Vimeo.com"}, "frame-src https://www.youtube.com https://*.vimeo.com; "},
		{[]string{"evil.example; script-src *", " ", "."}, ""},
	}
	for _, tt := range tests {
		if got := frameSrc(tt.hosts); got != tt.want {
			t.Errorf("frameSrc(%q) = %q, want %q", tt.hosts, got, tt.want)
		}
	}
}
