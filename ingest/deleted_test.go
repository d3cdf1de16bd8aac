package ingest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/store"
)

// atomWith is a partner Atom feed with entries 1..n except the deleted
// ones, which it announces as RFC 6721 deleted entries instead.
func atomWith(host string, n int, deleted ...int) string {
	doc := `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0">` +
		`<title>Partner</title><id>tag:partner.example,2026:feed</id><updated>2026-11-24T12:00:00Z</updated>`
	for _, d := range deleted {
		doc += fmt.Sprintf(`<at:deleted-entry ref="tag:partner.example,2026:%d" when="2026-11-24T12:00:00Z"><at:comment>Retracted.</at:comment></at:deleted-entry>`, d)
	}
	for i := 1; i <= n; i++ {
		if slices.Contains(deleted, i) {
			continue
		}
		doc += fmt.Sprintf(`<entry><title>Story %d</title><id>tag:partner.example,2026:%d</id><link href="http://%s/story/%d"/>`+
			`<updated>2026-11-24T%02d:00:00Z</updated><author><name>A</name></author><content type="html">Body %d</content></entry>`, i, i, host, i, i, i)
	}
	return doc + `</feed>`
}

// TestIngester_PartnerDeletedEntry: a partner's at:deleted-entry retires
// the article here: gone from every feed, retracted (so our own feeds
// announce it), reported as a change (so our hub is pinged), and not
// brought back by a later copy of the entry.
func TestIngester_PartnerDeletedEntry(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	var changed [][]store.FeedKey
	env.in = ingest.New(env.store, ingest.Options{
		Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), Now: env.clock.Now,
		OnChange: func(_ context.Context, keys []store.FeedKey) { changed = append(changed, keys) },
	})
	deleted := []int{}
	env.site.handle("/atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		io.WriteString(w, atomWith(r.Host, 3, deleted...))
	})
	src := env.source("partner", "/atom")
	ctx := t.Context()
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusOK, 200)
	if n := env.articleCount(t, "partner"); n != 3 {
		t.Fatalf("stored %d articles, want 3", n)
	}
	id := syndicate.MintArticleID("partner", "tag:partner.example,2026:2")
	if _, err := env.store.Article(ctx, id); err != nil {
		t.Fatalf("article 2: %v", err)
	}
	before := env.versions(t, store.FeedAll)[store.FeedAll]

	env.clock.Add(time.Hour)
	deleted = []int{2, 9} // 9 was never sent: ignored
	changed = nil
	sum := env.in.Run(ctx, src, false)
	wantStatus(t, sum, ingest.StatusOK, 200)
	if _, err := env.store.Article(ctx, id); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("the partner's deleted entry is still stored: %v", err)
	}
	if n := env.articleCount(t, "partner"); n != 2 {
		t.Errorf("partner lists %d, want 2", n)
	}
	rs, err := env.store.Retractions(ctx, store.FeedAll, time.Time{}, 10)
	if err != nil || len(rs) != 1 || rs[0].ArticleID != id || rs[0].EntryID != "tag:partner.example,2026:2" || rs[0].Cause != store.CausePartnerDeleted || !rs[0].When.Equal(env.clock.Now()) {
		t.Errorf("Retractions = %+v, %v", rs, err)
	}
	if after := env.versions(t, store.FeedAll)[store.FeedAll]; after.Version <= before.Version {
		t.Error("the site feed's version did not move")
	}
	if len(changed) != 1 || !slices.Contains(changed[0], store.FeedAll) || !slices.Contains(changed[0], store.SourceFeed("partner")) {
		t.Errorf("OnChange got %v, want the site and source feeds", changed)
	}

	// The partner lists it again: it stays retired.
	env.clock.Add(time.Hour)
	deleted = nil
	wantStatus(t, env.in.Run(ctx, src, true), ingest.StatusOK, 200)
	if _, err := env.store.Article(ctx, id); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("a retired entry came back: %v", err)
	}
}
