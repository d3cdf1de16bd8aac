package feeds_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"syndicate"
	"syndicate/store"
)

// TestCorrections: a partner's correction bumps updated and every format
// shows it (Atom updated, JSON date_modified, RSS atom:updated), under the
// same entry id, so readers update the entry in place.
func TestCorrections(t *testing.T) {
	f := newFixture(t, true)
	for _, p := range []string{"/feed.rss", "/feed.atom", "/feed.json"} {
		f.get(t, p) // cached before the correction
	}
	fixed := t0.Add(7 * time.Hour)
	_, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: srcRef("westernjournal"), Now: fixed, Entries: []*store.Entry{
		entry("westernjournal", 1, t0, func(a *syndicate.Article) {
			a.Content = "<p>Corrected body of story 01.</p>"
			a.Updated = fixed
		}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	const id = "https://www.westernjournal.example/?p=01"
	for _, p := range []string{"/feed.rss", "/feed.atom"} {
		raw := string(body(t, f.get(t, p)))
		feed, err := gofeed.NewParser().ParseString(raw)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var found bool
		for _, it := range feed.Items {
			if it.GUID != id {
				continue
			}
			found = true
			if it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(fixed) || it.PublishedParsed == nil || !it.PublishedParsed.Equal(t0) {
				t.Errorf("%s: entry %s updated %v published %v, want %s and %s", p, id, it.UpdatedParsed, it.PublishedParsed, fixed, t0)
			}
			if !strings.Contains(it.Content+it.Description, "Corrected body") {
				t.Errorf("%s: the correction is not shown", p)
			}
		}
		if !found {
			t.Errorf("%s: entry %s is gone (its id changed?)\n%s", p, id, raw)
		}
	}
	rss := string(body(t, f.get(t, "/feed.rss")))
	if !strings.Contains(rss, `xmlns:atom="http://www.w3.org/2005/Atom"`) || !strings.Contains(rss, "<atom:updated>2026-11-20T16:30:00Z</atom:updated>") {
		t.Errorf("RSS lacks the corrected item's atom:updated:\n%s", rss)
	}
	if n := strings.Count(rss, "<atom:updated>"); n != 2 {
		t.Errorf("RSS has %d atom:updated, want 2 (the two corrected items only)", n)
	}
	var doc struct {
		Items []struct {
			ID           string `json:"id"`
			DateModified string `json:"date_modified"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body(t, f.get(t, "/feed.json")), &doc); err != nil {
		t.Fatal(err)
	}
	var got string
	for _, it := range doc.Items {
		if it.ID == id {
			got = it.DateModified
		}
	}
	if got != "2026-11-20T16:30:00Z" {
		t.Errorf("JSON date_modified of %s = %q", id, got)
	}
}
