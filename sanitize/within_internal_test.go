package sanitize

import (
	"strings"
	"testing"
)

// The pass before the policy refuses text whose escaped size alone is
// over the bound, so the policy never writes out the five-fold escaped
// copy of quote-heavy text (9 MiB of quotes had sanitizing allocate
// 840 MB to refuse it); text inside elements the policy drops does not
// count.
func TestRewrite_RefusesTextOverTheBound(t *testing.T) {
	p := New(Options{})
	tests := []struct {
		name string
		in   string
		fits bool
	}{
		{"QuotesOver", "<p>" + strings.Repeat(`"`, 300) + "</p>", false},
		{"PlainUnder", "<p>" + strings.Repeat("x", 900) + "</p>", true},
		{"PlainOver", "<p>" + strings.Repeat("x", 1001) + "</p>", false},
		{"InsideScript", "<script>" + strings.Repeat(`"`, 5000) + "</script>", true},
		{"InsideNestedObject", "<object><p>" + strings.Repeat(`"`, 5000) + "</p></object>", true},
		{"AfterTheObjectCloses", "<object></object>" + strings.Repeat(`"`, 300), false},
		{"StrayEndTagDoesNotHide", "</noscript>" + strings.Repeat(`"`, 300), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, fits := p.rewrite(tt.in, nil, 1000); fits != tt.fits {
				t.Errorf("rewrite fits = %v, want %v", fits, tt.fits)
			}
		})
	}
}
