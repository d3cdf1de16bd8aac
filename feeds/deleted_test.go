package feeds_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"syndicate"
)

// retracted is the fixture with two retractions: an editor's takedown of
// story 3 (with a reason) and att's own story 1, gone with its source.
func retracted(t *testing.T) (*fixture, string, string) {
	t.Helper()
	f := newFixture(t, true)
	ctx := t.Context()
	// Render first, so the test also proves the cached copies refresh.
	f.get(t, "/feed.atom")
	f.get(t, "/feed.json")
	taken := syndicate.MintArticleID("westernjournal", "42")
	if _, err := f.st.Retract(ctx, taken, "Retracted: the quotes in it were wrong & <unverified>.", t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	gone := syndicate.MintArticleID("att", "https://www.att.example/?p=01")
	if _, err := f.st.PurgeSource(ctx, "att", t0.Add(6*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	return f, taken, gone
}

// TestDeleted_Golden: Atom feeds carry RFC 6721 deleted entries, JSON Feed
// the _syndication extension, RSS nothing (go test ./feeds -update
// rewrites testdata/deleted).
func TestDeleted_Golden(t *testing.T) {
	f, _, _ := retracted(t)
	for _, tc := range []struct{ name, path string }{
		{"site.atom", "/feed.atom"}, {"site.json", "/feed.json"}, {"site.rss", "/feed.rss"},
		{"category-politics.atom", "/categories/politics/feed.atom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.get(t, tc.path)
			got := body(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d: %s", tc.path, resp.StatusCode, got)
			}
			path := filepath.Join("testdata", "deleted", tc.name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./feeds -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("GET %s differs from %s (go test ./feeds -update rewrites it)\n--- got ---\n%s", tc.path, path, got)
			}
		})
	}
}

func TestDeleted_Atom(t *testing.T) {
	f, taken, _ := retracted(t)
	got := string(body(t, f.get(t, "/feed.atom")))
	for _, want := range []string{
		`xmlns:at="http://purl.org/atompub/tombstones/1.0"`,
		// the entry id we published for story 3, the takedown's time and reason
		"<at:deleted-entry ref=\"https://www.westernjournal.example/2026/11/story-03/\" when=\"2026-11-20T14:30:00Z\">\n    <at:comment>Retracted: the quotes in it were wrong &amp; &lt;unverified&gt;.</at:comment>\n  </at:deleted-entry>",
		// the source's own article: no comment
		`<at:deleted-entry ref="https://www.att.example/?p=01" when="2026-11-20T15:30:00Z"></at:deleted-entry>`,
		// the feed's date is the newest retraction (data, not the clock)
		`<updated>2026-11-20T15:30:00Z</updated>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("site Atom lacks %s\n%s", want, got)
		}
	}
	if strings.Contains(got, "story-03/</id>") {
		t.Errorf("the taken-down entry is still listed")
	}
	// Only the first page announces them.
	page2 := string(body(t, f.get(t, "/feed.atom?limit=1&page=2")))
	if strings.Contains(page2, "deleted-entry") {
		t.Errorf("page 2 announces deletions:\n%s", page2)
	}
	// A feed the article was not in does not.
	src := string(body(t, f.get(t, "/sources/westernjournal/feed.atom")))
	if strings.Contains(src, "att.example/?p=01") || !strings.Contains(src, `ref="https://www.westernjournal.example/2026/11/story-03/"`) {
		t.Errorf("westernjournal's feed:\n%s", src)
	}
	// Readers still parse it, without the retracted entry.
	feed, err := gofeed.NewParser().ParseString(got)
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	for _, it := range feed.Items {
		if strings.Contains(it.Link, taken) || strings.HasSuffix(it.GUID, "story-03/") {
			t.Errorf("retracted entry %s still listed", it.GUID)
		}
	}
}

func TestDeleted_JSON(t *testing.T) {
	f, taken, gone := retracted(t)
	var doc struct {
		Items       []json.RawMessage `json:"items"`
		Syndication struct {
			Deleted []struct {
				ID        string `json:"id"`
				ArticleID string `json:"article_id"`
				When      string `json:"when"`
				Reason    string `json:"reason"`
			} `json:"deleted"`
		} `json:"_syndication"`
	}
	raw := body(t, f.get(t, "/feed.json"))
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	d := doc.Syndication.Deleted
	if len(d) != 2 || d[0].ArticleID != gone || d[0].ID != "https://www.att.example/?p=01" || d[0].Reason != "" || d[0].When != "2026-11-20T15:30:00Z" ||
		d[1].ArticleID != taken || d[1].Reason != "Retracted: the quotes in it were wrong & <unverified>." {
		t.Errorf("_syndication.deleted = %+v\n%s", d, raw)
	}
	// Without retractions there is no feed-level _syndication.
	clean := newFixture(t, true)
	if bytes.Contains(body(t, clean.get(t, "/feed.json")), []byte(`"deleted"`)) {
		t.Error("a feed without retractions carries a deleted list")
	}
}

// A source kept out of feeds (redistribute: none) had its articles in no
// feed: their retractions are not announced in them either (a takedown of
// one named its entry id and the editor's reason in the site and category
// feeds).
func TestDeleted_NotForSourcesOutOfFeeds(t *testing.T) {
	f := newFixture(t, true)
	ctx := t.Context()
	out := make([]syndicate.Source, len(sources))
	copy(out, sources)
	for i := range out {
		if out[i].ID == "att" {
			out[i].Redistribute = syndicate.RedistributeNone
		}
	}
	f.srv.SetSources(out)
	gone := syndicate.MintArticleID("att", "https://www.att.example/?p=01")
	if _, err := f.st.Retract(ctx, gone, "legal-reason-for-att", t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	taken := syndicate.MintArticleID("westernjournal", "42")
	if _, err := f.st.Retract(ctx, taken, "wj-reason", t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/feed.atom", "/feed.json", "/categories/business/feed.atom"} {
		got := string(body(t, f.get(t, p)))
		if strings.Contains(got, "att.example/?p=01") || strings.Contains(got, "legal-reason-for-att") || strings.Contains(got, gone) {
			t.Errorf("%s announces the retraction of a none source's article:\n%s", p, got)
		}
	}
	if got := string(body(t, f.get(t, "/feed.atom"))); !strings.Contains(got, "wj-reason") {
		t.Errorf("the site feed lacks the other retraction:\n%s", got)
	}
}
