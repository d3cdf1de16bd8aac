package normalize_test

import (
	"os"
	"testing"

	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
	"syndicate/sanitize"
)

// perfFeed is a 50-item WordPress-style RSS 2.0 feed (~117 KB, ~1.4 KB of
// HTML per item): the same document the serving and ingest load runs use
// (scripts/bench-serve.sh, scripts/bench-ingest.sh), kept here so this
// benchmark needs nothing outside the repository.
const perfFeed = "testdata/bench/perf-feed-50.xml"

func mustPerfFeed(b *testing.B) []byte {
	b.Helper()
	body, err := os.ReadFile(perfFeed)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkIngest_ParseNormalize50 is the CPU cost of one ingest pass of a
// 50-item feed without the network and the store: parse (charset checks,
// gofeed), then normalize (links, identity, dates, sanitizing).
func BenchmarkIngest_ParseNormalize50(b *testing.B) {
	body := mustPerfFeed(b)
	policy := sanitize.New(sanitize.Options{})
	opts := normalize.Options{FeedURL: "https://feeds.example.com/feed.rss", Now: clock, Policy: policy}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := parse.Parse(body, "application/rss+xml; charset=UTF-8")
		if err != nil {
			b.Fatal(err)
		}
		if res := normalize.Normalize(f, testSource, opts); len(res.Entries) != 50 {
			b.Fatalf("%d entries, want 50", len(res.Entries))
		}
	}
}

// BenchmarkParse50 and BenchmarkNormalize50 split the cost above.
func BenchmarkParse50(b *testing.B) {
	body := mustPerfFeed(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse.Parse(body, "application/rss+xml; charset=UTF-8"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalize50(b *testing.B) {
	body := mustPerfFeed(b)
	f, err := parse.Parse(body, "application/rss+xml; charset=UTF-8")
	if err != nil {
		b.Fatal(err)
	}
	opts := normalize.Options{FeedURL: "https://feeds.example.com/feed.rss", Now: clock, Policy: sanitize.New(sanitize.Options{})}
	b.ReportAllocs()
	for b.Loop() {
		if res := normalize.Normalize(f, testSource, opts); len(res.Entries) != 50 {
			b.Fatalf("%d entries, want 50", len(res.Entries))
		}
	}
}
