package pages_test

import (
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/pages"
	"syndicate/store"
)

// TestArticle_UpdatedLine: the article page says "Updated" (to the minute)
// when the partner corrected the article after publishing it, and only
// then; a correction reaches a cached page.
func TestArticle_UpdatedLine(t *testing.T) {
	f := newFixture(t, pages.CommentRules{Enabled: true})
	var wireSrc syndicate.Source
	for _, s := range sources {
		if s.ID == "wire" {
			wireSrc = s
		}
	}
	plain := entry("wire", "plain", "Never corrected", t0.Add(-5*time.Hour))
	plain.Article.Updated = plain.Article.Published
	plain.Article.Hash = plain.Article.ContentHash()
	if _, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: wireSrc.Ref(), Entries: []*store.Entry{plain}, Now: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	id := syndicate.MintArticleID("wire", plain.Key)
	page := f.get(t, "/articles/"+id, "Accept", browserAccept).Body.String()
	if strings.Contains(page, `class="updated"`) {
		t.Errorf("an uncorrected article shows an Updated line:\n%s", page)
	}
	// The partner corrects it ten minutes after publishing: same day, shown.
	fixed := plain.Article.Published.Add(10 * time.Minute)
	corrected := entry("wire", "plain", "Never corrected", t0.Add(-5*time.Hour))
	corrected.Article.Content = "<p>Corrected.</p>"
	corrected.Article.Updated = fixed
	corrected.Article.Hash = corrected.Article.ContentHash()
	if _, err := f.st.ApplyIngest(t.Context(), &store.Batch{Source: wireSrc.Ref(), Entries: []*store.Entry{corrected}, Now: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	page = f.get(t, "/articles/"+id, "Accept", browserAccept).Body.String()
	want := `<p class="updated">Updated <time datetime="2026-11-24T10:25:00Z">November 24, 2026 at 10:25 UTC</time></p>`
	if !strings.Contains(page, want) || !strings.Contains(page, "Corrected.") {
		t.Errorf("the corrected page lacks %s\n%s", want, page)
	}
}
