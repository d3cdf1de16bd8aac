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

// A part of a section (a comment under the thread's heading) has its
// headings below that heading, however high the partner wrote them: a
// comment's <h1> followed by the page's reply heading (<h3> under the
// thread's <h2>) skipped a level for the Nu Html Checker.
func TestSubHeadings(t *testing.T) {
	for _, c := range []struct {
		in    string
		under int
		want  string
	}{
		{`<h1>loud</h1><p>x</p>`, 2, `<h3>loud</h3><p>x</p>`},
		{`<h1>a</h1><h2>b</h2><h1>c</h1>`, 2, `<h3>a</h3><h4>b</h4><h3>c</h3>`},
		{`<h5>deep</h5>`, 2, `<h3>deep</h3>`},
		{`<h2>a</h2><h4>b</h4><h3>c</h3>`, 2, `<h3>a</h3><h4>b</h4><h4>c</h4>`},
		{`<h3>fine</h3><h4>fine</h4>`, 2, `<h3>fine</h3><h4>fine</h4>`},
		{`<h1>embedded</h1>`, 1, `<h2>embedded</h2>`},
		{`<h1>floor</h1>`, 6, `<h6>floor</h6>`},
		{`<p>no heading</p>`, 2, `<p>no heading</p>`},
	} {
		if got := sanitize.SubHeadings(c.in, c.under); got != c.want {
			t.Errorf("SubHeadings(%q, %d)\n  => %q\n want %q", c.in, c.under, got, c.want)
		}
	}
}
