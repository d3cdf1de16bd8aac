package ingest_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/store/embedded"
)

// deepFeed is the document that used to end the process with a stack
// overflow in gofeed: an RSS channel whose item opens about two million
// nested namespaced elements and never closes them, 10 MB.
func deepFeed() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><rss version="2.0" xmlns:x="urn:x"><channel><title>Deep</title><link>http://deep.example/</link><item><title>t</title>`)
	for b.Len() < 10<<20-5 {
		b.WriteString("<x:a>")
	}
	return b.Bytes()
}

// The deep document fails its own source with the reason and where, and
// the other source of the same pass ingests as usual.
func TestIngester_DeepNestingFailsOnlyItsSource(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{MaxBytes: 10 << 20})
	deep := deepFeed()
	env.site.handle("/deep", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(deep)
	})
	env.site.handle("/healthy", serveFeed("healthy", 3))
	sums := env.in.RunAll(t.Context(), []syndicate.Source{env.source("deep", "/deep"), env.source("healthy", "/healthy")}, true)

	const want = "nesting deeper than 256 at line 1"
	if sums[0].Status != ingest.StatusFailed || sums[0].Err == nil || !strings.Contains(sums[0].Err.Error(), want) {
		t.Errorf("deep source: %s; want failed with %q", sums[0], want)
	}
	if st := env.status(t, "deep"); !strings.Contains(st.LastError, want) {
		t.Errorf("deep source status last_error %q, want %q", st.LastError, want)
	}
	wantStatus(t, sums[1], ingest.StatusOK, 200)
	if sums[1].New != 3 || env.articleCount(t, "healthy") != 3 {
		t.Errorf("healthy source: %s, %d articles; want 3 new", sums[1], env.articleCount(t, "healthy"))
	}
}

// A comment feed link to the deep document is refused like a source, and
// costs its article nothing.
func TestIngester_DeepCommentFeed(t *testing.T) {
	deep := deepFeed()
	site := newPartnerSite(t)
	site.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/"><channel><title>P</title><link>http://%[1]s/</link><description>d</description>`+
			`<item><title>One</title><link>http://%[1]s/a/1</link><pubDate>%[2]s</pubDate><wfw:commentRss>http://%[1]s/comments</wfw:commentRss></item></channel></rss>`,
			r.Host, time.Now().UTC().Format(time.RFC1123Z))
	})
	site.handle("/comments", func(w http.ResponseWriter, r *http.Request) { w.Write(deep) })
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs syncBuffer
	in := ingest.New(st, ingest.Options{
		Fetcher:         fetch.New(fetch.Options{AllowPrivate: true, MaxBytes: 10 << 20}),
		MaxCommentFeeds: 5,
		Logger:          slog.New(slog.NewTextHandler(&logs, nil)),
	})
	sum := in.Run(t.Context(), syndicate.Source{ID: "p", Name: "P", URL: site.URL + "/feed", SiteURL: site.URL + "/", Comments: true, Enabled: true}, true)
	if sum.Status != ingest.StatusOK || sum.New != 1 {
		t.Errorf("the deep comment feed failed the source: %s", sum)
	}
	if site.hitsOf("/comments") != 1 {
		t.Fatalf("comment feed fetched %d times, want 1", site.hitsOf("/comments"))
	}
	if !strings.Contains(logs.String(), "nesting deeper than 256 at line 1") {
		t.Errorf("the comment feed's refusal was not logged with its reason:\n%s", logs.String())
	}
}

// A truncated document keeps its complete items: the source is ok, and
// its status says what was lost.
func TestIngester_TruncatedFeedKeepsCompleteItems(t *testing.T) {
	env := MustIngestEnv(t, fetch.Options{})
	env.site.handle("/cut", func(w http.ResponseWriter, r *http.Request) {
		full := rssFeed(r.Host, "cut", 4)
		// Cut in the middle of the fourth item.
		last := strings.LastIndex(full, "<item>")
		w.Write([]byte(full[:last+len("<item><title>cut 3</ti")]))
	})
	sum := env.in.Run(t.Context(), env.source("cut", "/cut"), true)
	wantStatus(t, sum, ingest.StatusOK, 200)
	if sum.New != 3 {
		t.Errorf("%s: want the 3 complete items", sum)
	}
	if st := env.status(t, "cut"); !strings.Contains(st.LastError, "kept the 3 complete items") || st.LastStatus != ingest.StatusOK {
		t.Errorf("status %q last_error %q; want ok with the repair", st.LastStatus, st.LastError)
	}
}
