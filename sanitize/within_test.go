package sanitize_test

import (
	"strings"
	"testing"

	"syndicate/sanitize"
)

// HTMLWithin gives what HTML gives when the result fits, and refuses what
// cannot: the escaped text alone (quotes become &#34;) or the markup past
// the bound.
func TestPolicy_HTMLWithin(t *testing.T) {
	p := sanitize.New(sanitize.Options{})
	tests := []struct {
		name string
		in   string
		max  int
		fits bool
	}{
		{"Small", `<p>a "quoted" <a href="/x">link</a> &amp; more</p>`, 1 << 10, true},
		{"Unbounded", strings.Repeat(`<p>"x"</p>`, 1000), -1, true},
		{"ExactlyAtTheBound", `<p>ab</p>`, len(`<p>ab</p>`), true},
		{"OneOver", `<p>abc</p>`, len(`<p>abc</p>`) - 1, false},
		{"QuotesEscapeOverTheBound", `<p>` + strings.Repeat(`"`, 1000) + `</p>`, 2000, false},
		{"MarkupOverTheBound", strings.Repeat(`<b>x</b>`, 1000), 1000, false},
		{"DroppedTextDoesNotCount", `<script>` + strings.Repeat(`"`, 5000) + `</script><p>ok</p>`, 100, true},
		{"StyleAndTitleDoNotCount", `<style>` + strings.Repeat(`&`, 5000) + `</style><title>` + strings.Repeat(`"`, 5000) + `</title>ok`, 100, true},
		{"ForbiddenCharactersDoNotCount", "<p>a" + strings.Repeat("\x0b", 5000) + "b</p>", 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fits := p.HTMLWithin(tt.in, base, tt.max)
			if fits != tt.fits {
				t.Fatalf("HTMLWithin(%.40q…, %d) fits = %v, want %v (%d bytes out)", tt.in, tt.max, fits, tt.fits, len(got))
			}
			if want := p.HTML(tt.in, base); fits && got != want {
				t.Errorf("HTMLWithin = %.80q, HTML = %.80q", got, want)
			}
			if !fits && got != "" {
				t.Errorf("a refusal returned %d bytes", len(got))
			}
		})
	}
}
