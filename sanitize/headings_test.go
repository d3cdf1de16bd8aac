package sanitize_test

import (
	"testing"

	"syndicate/sanitize"
)

func TestContiguousHeadings(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`<h3>Part one</h3><p>a</p><h4>detail</h4><h3>Part two</h3>`, `<h2>Part one</h2><p>a</p><h3>detail</h3><h2>Part two</h2>`},
		{`<p>intro</p><h4 id="x">deep</h4><h2>up</h2><h5>down</h5>`, `<p>intro</p><h2 id="x">deep</h2><h2>up</h2><h3>down</h3>`},
		{`<h2>fine</h2><h3>fine</h3><h2>fine</h2>`, `<h2>fine</h2><h3>fine</h3><h2>fine</h2>`},
		{`<h1>same as the title</h1><h2>x</h2>`, `<h1>same as the title</h1><h2>x</h2>`},
		{`<p>no heading</p>`, `<p>no heading</p>`},
		{`<h6><a href="https://a.example/">link</a></h6>`, `<h2><a href="https://a.example/">link</a></h2>`},
	} {
		if got := sanitize.ContiguousHeadings(c.in, 1); got != c.want {
			t.Errorf("%q\n  => %q\n want %q", c.in, got, c.want)
		}
	}
}
