package normalize_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// clock is the fixed fetch time of the golden files.
var clock = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

var testSource = syndicate.Source{
	ID:         "partner",
	Name:       "Partner",
	SiteURL:    "https://partner.example/",
	Categories: []string{"Syndicated"},
	Enabled:    true,
}

// fixtures returns every partner feed the golden tests run on: our messy
// ones, the parser's format samples and the demo partners.
func fixtures(tb testing.TB) []string {
	tb.Helper()
	var files []string
	for _, pattern := range []string{"testdata/feeds/*", "../parse/testdata/*", "../../examples/partners/*"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range m {
			if fi, err := os.Stat(f); err == nil && !fi.IsDir() { // examples/partners/comments/ holds the demo's comment feeds
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		tb.Fatal("no partner fixtures found")
	}
	return files
}

// feedURL is where a fixture is pretended to come from.
func feedURL(path string) string {
	return "https://feeds.partner.example/" + filepath.Base(path)
}

// MustNormalize parses and normalizes a fixture at the given clock.
func MustNormalize(tb testing.TB, path string, now time.Time) *normalize.Result {
	tb.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := parse.Parse(body, "")
	if err != nil {
		tb.Fatalf("parse %s: %v", path, err)
	}
	return normalize.Normalize(f, testSource, normalize.Options{FeedURL: feedURL(path), Now: now, Body: body})
}

type goldenEntry struct {
	Key     string             `json:"key"`
	Article *syndicate.Article `json:"article"`
}

type goldenDoc struct {
	Title     string        `json:"title"`
	TTLAdvice string        `json:"ttl_advice,omitempty"`
	Problems  []string      `json:"problems,omitempty"`
	Entries   []goldenEntry `json:"entries"`
}

// TestNormalize_Golden normalizes every fixture with a fixed clock and
// compares the entries with testdata/golden/NAME.json
// (go test ./ingest/normalize -update rewrites them).
func TestNormalize_Golden(t *testing.T) {
	for _, path := range fixtures(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			res := MustNormalize(t, path, clock)
			doc := goldenDoc{Title: res.Title, TTLAdvice: res.TTLAdvice, Problems: res.Problems, Entries: []goldenEntry{}}
			for _, e := range res.Entries {
				doc.Entries = append(doc.Entries, goldenEntry{Key: e.Key, Article: e.Article})
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(doc); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./ingest/normalize -update writes it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("normalized %s differs from %s (go test ./ingest/normalize -update rewrites it)\n%s", path, golden, lineDiff(string(want), buf.String()))
			}
			checkInvariants(t, res, clock)
		})
	}
}

// Every golden file belongs to a fixture: a renamed fixture leaves none behind.
func TestNormalize_GoldenOrphans(t *testing.T) {
	have := map[string]bool{}
	for _, path := range fixtures(t) {
		have[filepath.Base(path)+".json"] = true
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, f := range files {
		if !have[filepath.Base(f)] {
			t.Errorf("%s has no fixture", f)
		}
	}
}

// lineDiff shows the first differing lines of two texts.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + itoa(i+1) + ":\n--- want: " + wl + "\n+++ got:  " + gl
		}
	}
	return ""
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
