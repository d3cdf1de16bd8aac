package pages

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"syndicate"
)

// tree renders a thread as "id(children)" for comparison, with "^parent"
// on replies flattened at the deepest level.
func tree(list []*commentView) string {
	var b strings.Builder
	for i, c := range list {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c.ID)
		if c.InReplyTo != nil {
			b.WriteString("^" + c.InReplyTo.ID)
		}
		if len(c.Replies) > 0 {
			b.WriteString("(" + tree(c.Replies) + ")")
		}
	}
	return b.String()
}

func TestBuildThread(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	c := func(id, parent string) *syndicate.Comment {
		t0 = t0.Add(time.Minute)
		return &syndicate.Comment{ID: id, ParentID: parent, Author: syndicate.Author{Name: id}, Published: t0}
	}
	for _, tc := range []struct {
		name     string
		list     []*syndicate.Comment
		maxDepth int
		want     string
	}{
		{"Flat", []*syndicate.Comment{c("a", ""), c("b", "")}, 5, "a b"},
		{"Nested", []*syndicate.Comment{c("a", ""), c("b", "a"), c("c", "b"), c("d", "a"), c("e", "")}, 5, "a(b(c) d) e"},
		{"DeepestLevelFlattens", []*syndicate.Comment{c("a", ""), c("b", "a"), c("c", "b"), c("d", "c")}, 1, "a(b c^b d^c)"},
		{"NoNesting", []*syndicate.Comment{c("a", ""), c("b", "a")}, 0, "a b^a"},
		{"OrphanStartsAThread", []*syndicate.Comment{c("a", ""), c("b", "gone")}, 5, "a b"},
		{"SelfParent", []*syndicate.Comment{c("a", "a")}, 5, "a"},
		{"LoopShownOnce", []*syndicate.Comment{c("a", "b"), c("b", "a"), c("x", "")}, 5, "x a(b)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tree(buildThread(tc.list, tc.maxDepth)); got != tc.want {
				t.Errorf("thread = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short  text", 20, "short text"},
		{"one two three four five", 12, "one two…"},
		{"ééééééééé", 4, "éééé…"},
	} {
		if got := excerpt(tc.in, tc.n); got != tc.want {
			t.Errorf("excerpt(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func FuzzPrefersHTML(f *testing.F) {
	for _, s := range []string{"", "*/*", "text/html", "text/html;q=0.9,application/json", "text/html;q=abc", ";;,,", "application/json;q=1e309"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept", accept)
		got := PrefersHTML(req)
		if got && !strings.Contains(strings.ToLower(accept), "html") && !strings.Contains(accept, "text/*") && !strings.Contains(accept, "*/*") {
			t.Errorf("PrefersHTML(%q) = true without asking for HTML", accept)
		}
	})
}
