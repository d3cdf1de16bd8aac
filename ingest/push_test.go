package ingest_test

import (
	"strings"
	"testing"

	"syndicate/ingest"
	"syndicate/ingest/fetch"
)

// A pushed body takes the pipeline of a fetched one: parsed, normalized,
// stored, under the body cap, without a request to the partner; the
// validators stay, so the next poll is still conditional.
func TestIngester_RunBody(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{MaxBytes: 4096})
	env.site.handle("/feed", serveFeed("p", 1))
	src := env.source("p", "/feed")
	ctx := t.Context()
	wantStatus(t, env.in.Run(ctx, src, false), ingest.StatusOK, 200)
	etag := env.status(t, "p").ETag

	tests := []struct {
		name   string
		body   string
		status string
		count  int
		err    string
	}{
		{"fat delivery with a new item", rssFeed("partner.example", "p", 2), ingest.StatusOK, 2, ""},
		{"over the body cap", rssFeed("partner.example", "p", 2) + strings.Repeat(" ", 4096), ingest.StatusFailed, 2, "too large"},
		{"not a feed", "<html>hello</html>", ingest.StatusFailed, 2, "parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum := env.in.RunBody(ctx, src, []byte(tt.body), "application/rss+xml")
			if sum.Status != tt.status || (tt.err != "" && (sum.Err == nil || !strings.Contains(sum.Err.Error(), tt.err))) {
				t.Fatalf("RunBody = %s, want %s with %q", sum, tt.status, tt.err)
			}
			if tt.err == "" && sum.Err != nil {
				t.Fatal(sum.Err)
			}
			if n := env.articleCount(t, "p"); n != tt.count {
				t.Errorf("%d articles, want %d", n, tt.count)
			}
		})
	}
	if n := env.site.hitsOf("/feed"); n != 1 {
		t.Errorf("the partner was fetched %d times; a pushed body must not fetch", n)
	}
	if got := env.status(t, "p").ETag; got != etag && got != "" {
		t.Errorf("validators after a push = %q, want %q (kept) or empty", got, etag)
	}
	// The next poll goes out again, conditionally where validators remain.
	env.clock.Add(ingest.BackoffMax)
	if sum := env.in.Run(ctx, src, true); sum.Status == ingest.StatusFailed {
		t.Fatalf("poll after pushes = %s", sum)
	}
	if n := env.site.hitsOf("/feed"); n != 2 {
		t.Errorf("partner fetched %d times, want 2", n)
	}
}
