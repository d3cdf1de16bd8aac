package feeds

import (
	"testing"
	"time"

	gfeeds "github.com/gorilla/feeds"
)

// Atom dates keep milliseconds when there are any, so entries dated a
// millisecond apart (undated entries, in their feed's order) differ; whole
// seconds are written as before.
func TestAtomDate(t *testing.T) {
	at := time.Date(2026, 12, 1, 17, 11, 2, 0, time.UTC)
	tests := []struct {
		in   time.Time
		want string
	}{
		{at, "2026-12-01T17:11:02Z"},
		{at.Add(-time.Millisecond), "2026-12-01T17:11:01.999Z"},
		{at.Add(-2*time.Millisecond - 300*time.Microsecond), "2026-12-01T17:11:01.997Z"},
		{at.Add(120 * time.Millisecond), "2026-12-01T17:11:02.12Z"},
		{at.In(time.FixedZone("X", 3600)), "2026-12-01T17:11:02Z"},
	}
	for _, tt := range tests {
		if got := atomDate(tt.in); got != tt.want {
			t.Errorf("atomDate(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// An entry's <updated> is ours too (gorilla writes whole seconds), and
// falls back to its created time as gorilla's does.
func TestBaseEntryDates(t *testing.T) {
	at := time.Date(2026, 12, 1, 17, 11, 2, 0, time.UTC)
	e := baseEntry(&gfeeds.Item{Title: "t", Link: &gfeeds.Link{Href: "https://a.example/"}, Updated: at.Add(-time.Millisecond)}, at.Add(-2*time.Millisecond))
	if e.Updated != "2026-12-01T17:11:01.999Z" || e.Published != "2026-12-01T17:11:01.998Z" {
		t.Errorf("updated %q published %q", e.Updated, e.Published)
	}
	e = baseEntry(&gfeeds.Item{Title: "t", Link: &gfeeds.Link{Href: "https://a.example/"}, Created: at.Add(-time.Millisecond)}, at)
	if e.Updated != "2026-12-01T17:11:01.999Z" {
		t.Errorf("updated from created %q", e.Updated)
	}
}
