package feeds_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/feeds"
	"syndicate/store"
)

// fidelityArticles are articles as normalization leaves them for what
// real partners send: a lead image, a link with a #fragment, categories
// in several scripts, a title with literal markup, an enclosure whose
// stored type is no media type (an article stored before types were
// checked), and authors with and without a URL.
func fidelityArticles() []store.ArticleView {
	pub := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	src := syndicate.SourceRef{ID: "westernjournal", Name: "The Western Journal", SiteURL: "https://www.westernjournal.example/", FeedURL: "https://www.westernjournal.example/feed/"}
	a := &syndicate.Article{
		ID: "westernjournal-aaaaaaaaaaaaaaaa", EntryID: "tag:westernjournal.example,2026:1", GUID: "tag:westernjournal.example,2026:1",
		Source: src, Carriers: []string{"westernjournal"},
		CanonicalURL: "https://www.westernjournal.example/2026/11/%5Bbracketed%5D-story/", Fragment: "section-2",
		Title:   `A caption: <img src="x.png"> stays text`,
		Summary: "Summary.", Content: "<p>Body.</p>",
		Image:        "https://cdn.westernjournal.example/lead%20image.jpg",
		Authors:      []syndicate.Author{{Name: "Jane Roe", URL: "https://www.westernjournal.example/author/jane%20roe"}, {Name: "Иван Петров"}},
		Categories:   []string{"Россия", "ニュース", "Économie"},
		Enclosures:   []syndicate.Enclosure{{URL: "https://cdn.westernjournal.example/ep1.mp3", Type: "mp3", Length: 1000}},
		CommentsPage: "https://www.westernjournal.example/2026/11/story/#comments",
		Published:    pub, Updated: pub, FirstSeen: pub,
	}
	b := &syndicate.Article{
		ID: "westernjournal-bbbbbbbbbbbbbbbb", EntryID: "https://www.westernjournal.example/2026/11/plain/",
		Source: src, Carriers: []string{"westernjournal"},
		CanonicalURL: "https://www.westernjournal.example/2026/11/plain/",
		Title:        "No image, no fragment", Content: "<p>Plain.</p>",
		Enclosures: []syndicate.Enclosure{{URL: "https://cdn.westernjournal.example/clip.mp4", Type: "video/MP4; codecs=\"avc1\""}},
		Published:  pub.Add(-time.Hour), Updated: pub.Add(-time.Hour), FirstSeen: pub,
	}
	return []store.ArticleView{{Article: a, CommentCount: 2}, {Article: b}}
}

// TestFidelityGolden renders fidelityArticles in every format and
// compares them with testdata/fidelity/feed.* (-update rewrites them).
// The lead image is JSON Feed image and Media RSS content and thumbnail
// in RSS and Atom; links keep their fragment; enclosure types are valid
// media types; the title's markup is escaped text.
func TestFidelityGolden(t *testing.T) {
	r := feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News", Description: "Partner articles", Language: "en"}, nil)
	for _, f := range feeds.Formats {
		t.Run(string(f), func(t *testing.T) {
			self := base + "/feed." + string(f)
			doc := feeds.Doc{Format: f, ID: base + "/feed", Title: "Example News", HomeURL: base + "/", Created: created,
				Links: feeds.Links{Self: self, First: self, Last: self}}
			got, err := r.ArticleFeed(doc, fidelityArticles(), nil)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "fidelity", "feed."+string(f))
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
				t.Errorf("%s differs from %s (go test ./feeds -update rewrites it)\n%s", f, path, got)
			}
			s := string(got)
			for _, must := range []string{
				"https://www.westernjournal.example/2026/11/%5Bbracketed%5D-story/#section-2",
				"https://cdn.westernjournal.example/lead%20image.jpg",
				"ニュース", "Россия",
			} {
				if !strings.Contains(s, must) {
					t.Errorf("%s lacks %q", f, must)
				}
			}
			if strings.Contains(s, `"mp3"`) || strings.Contains(s, `type="mp3"`) {
				t.Errorf("%s publishes the invalid media type mp3", f)
			}
			if f != feeds.JSON {
				literal := `&lt;img src=` // the text title's markup, escaped (in RSS as the RSS Profile asks)
				if f == feeds.RSS {
					literal = `&#x3C;img src=`
				}
				for _, must := range []string{`xmlns:media="http://search.yahoo.com/mrss/"`, `<media:content url="https://cdn.westernjournal.example/lead%20image.jpg" medium="image">`, `<media:thumbnail url=`, literal} {
					if !strings.Contains(s, must) {
						t.Errorf("%s lacks %q", f, must)
					}
				}
			} else if !strings.Contains(s, `"image": "https://cdn.westernjournal.example/lead%20image.jpg"`) || !strings.Contains(s, `<img src=\"x.png\">`) {
				t.Errorf("json lacks the image or the literal title")
			}
		})
	}
}
