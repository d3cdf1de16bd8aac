package ingest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/store"
	"syndicate/store/embedded"
)

// commentPartner serves an RSS feed whose items link WordPress-style
// comment feeds, and an Atom feed whose entries link threaded replies.
type commentPartner struct {
	srv        *httptest.Server
	hits       map[string]*atomic.Int64
	extraReply atomic.Bool
}

func newCommentPartner(t *testing.T) *commentPartner {
	p := &commentPartner{hits: map[string]*atomic.Int64{}}
	for _, k := range []string{"/feed/", "/a/1/feed/", "/atom", "/e/1/replies"} {
		p.hits[k] = &atomic.Int64{}
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := p.hits[r.URL.Path]; h != nil {
			h.Add(1)
		}
		u := p.srv.URL
		etag := `"v1"`
		if p.extraReply.Load() {
			etag = `"v2"`
		}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		switch r.URL.Path {
		case "/feed/":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>P</title><link>%[1]s/</link><description>d</description>
<item><title>One</title><link>%[1]s/a/1/</link><guid>%[1]s/?p=1</guid><pubDate>%[2]s</pubDate><description>x</description><wfw:commentRss>%[1]s/a/1/feed/</wfw:commentRss></item>
<item><title>Old</title><link>%[1]s/a/0/</link><guid>%[1]s/?p=0</guid><pubDate>Mon, 02 Jan 2006 15:04:05 +0000</pubDate><description>x</description><wfw:commentRss>%[1]s/a/0/feed/</wfw:commentRss></item>
</channel></rss>`, u, time.Now().UTC().Add(-time.Hour).Format(time.RFC1123Z))
		case "/a/1/feed/":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Comments on: One</title><link>%[1]s/a/1/</link><description>c</description>
<item><title>By: Ann</title><link>%[1]s/a/1/#comment-7</link><dc:creator>Ann</dc:creator><pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate><guid isPermaLink="false">%[1]s/?p=1#comment-7</guid><description>Nice</description><content:encoded><![CDATA[<p>Nice <script>alert(1)</script>piece</p>]]></content:encoded></item>
</channel></rss>`, u)
		case "/atom":
			fmt.Fprintf(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>tag:a,2026:feed</id><updated>2026-11-20T00:00:00Z</updated>
<entry><title>E1</title><id>tag:a,2026:e1</id><link href="%[1]s/e/1"/><link rel="replies" type="application/atom+xml" href="%[1]s/e/1/replies"/><updated>%[2]s</updated><author><name>W</name></author><summary>s</summary></entry></feed>`, u, time.Now().UTC().Add(-time.Hour).Format(time.RFC3339))
		case "/e/1/replies":
			extra := ""
			if p.extraReply.Load() {
				extra = `<entry><title>r3</title><id>tag:a,2026:c3</id><updated>2026-11-20T12:00:00Z</updated><author><name>Cy</name></author><content type="html">&lt;p&gt;third&lt;/p&gt;</content><thr:in-reply-to ref="tag:a,2026:c1"/></entry>`
			}
			fmt.Fprintf(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0"><title>Replies</title><id>tag:a,2026:r</id><updated>2026-11-20T00:00:00Z</updated>
%s
<entry><title>r2</title><id>tag:a,2026:c2</id><updated>2026-11-20T11:00:00Z</updated><author><name>Bob</name><uri>https://bob.example/</uri></author><content type="html">&lt;p&gt;reply to Ann&lt;/p&gt;</content><thr:in-reply-to ref="tag:a,2026:c1"/></entry>
<entry><title>r1</title><id>tag:a,2026:c1</id><updated>2026-11-20T10:00:00Z</updated><author><name>Ann</name></author><content type="html">&lt;p&gt;first&lt;/p&gt;</content><thr:in-reply-to ref="tag:a,2026:e1"/></entry>
</feed>`, extra)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func TestIngester_CommentFeeds(t *testing.T) {
	p := newCommentPartner(t)
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := ingest.New(st, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), MaxCommentFeeds: 5})
	ctx := t.Context()
	rss := syndicate.Source{ID: "wp", Name: "WP", URL: p.srv.URL + "/feed/", SiteURL: p.srv.URL + "/", Comments: true, Enabled: true}
	atom := syndicate.Source{ID: "at", Name: "AT", URL: p.srv.URL + "/atom", SiteURL: p.srv.URL + "/", Comments: true, Enabled: true}
	for _, src := range []syndicate.Source{rss, atom} {
		if sum := in.Run(ctx, src, true); sum.Status != ingest.StatusOK {
			t.Fatalf("%s: %s", src.ID, sum)
		}
	}
	// RSS: the recent article's comment feed was read; the 2006 one was not.
	if p.hits["/a/1/feed/"].Load() != 1 {
		t.Errorf("recent comment feed fetched %d times, want 1", p.hits["/a/1/feed/"].Load())
	}
	wp := syndicate.MintArticleID("wp", p.srv.URL+"/?p=1")
	cs, err := st.Comments(ctx, store.ArticleCommentsFeed(wp), 0, 10)
	if err != nil || len(cs.Items) != 1 {
		t.Fatalf("wp comments = %+v, %v", cs, err)
	}
	c := cs.Items[0]
	if c.Author.Name != "Ann" || c.URL != p.srv.URL+"/a/1/#comment-7" || strings.Contains(c.Content, "script") || !strings.Contains(c.Content, "Nice") ||
		!c.Published.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) || c.Status != syndicate.StatusApproved {
		t.Errorf("wp comment = %+v", c)
	}
	// Atom: threaded by thr:in-reply-to; a reply to the entry is top level.
	at := syndicate.MintArticleID("at", "tag:a,2026:e1")
	cs, _ = st.Comments(ctx, store.ArticleCommentsFeed(at), 0, 10)
	if len(cs.Items) != 2 {
		t.Fatalf("atom comments = %d, want 2", len(cs.Items))
	}
	bob, ann := cs.Items[0], cs.Items[1]
	if ann.ParentID != "" || bob.ParentID != ann.ID || bob.ParentEntryID != "tag:a,2026:c1" || bob.Author.URL != "https://bob.example/" {
		t.Errorf("threading: ann=%+v bob=%+v", ann, bob)
	}
	if v, _ := st.Article(ctx, at); v.CommentCount != 2 {
		t.Errorf("comment count = %d", v.CommentCount)
	}

	// Next pass: the article feed is unchanged (304) but comment feeds are
	// still polled, conditionally; a new reply arrives.
	p.extraReply.Store(true)
	before, _ := st.FeedStates(ctx, []store.FeedKey{store.ArticleCommentsFeed(at)})
	if sum := in.Run(ctx, atom, true); sum.Status != ingest.StatusNotModified && sum.Status != ingest.StatusOK {
		t.Fatalf("second pass: %s", sum)
	}
	cs, _ = st.Comments(ctx, store.ArticleCommentsFeed(at), 0, 10)
	if len(cs.Items) != 3 || cs.Items[0].ParentID != ann.ID {
		t.Errorf("after the new reply: %d comments, first %+v", len(cs.Items), cs.Items[0])
	}
	after, _ := st.FeedStates(ctx, []store.FeedKey{store.ArticleCommentsFeed(at)})
	if after[store.ArticleCommentsFeed(at)].Version <= before[store.ArticleCommentsFeed(at)].Version {
		t.Error("the comment feed's version did not move")
	}
	n := p.hits["/e/1/replies"].Load()
	in.Run(ctx, atom, true) // nothing new: a 304 on the replies feed
	if p.hits["/e/1/replies"].Load() != n+1 {
		t.Errorf("replies feed fetched %d times, want %d", p.hits["/e/1/replies"].Load(), n+1)
	}
	cs, _ = st.Comments(ctx, store.ArticleCommentsFeed(at), 0, 10)
	if len(cs.Items) != 3 {
		t.Errorf("a 304 changed the comments: %d", len(cs.Items))
	}
}

func TestIngester_CommentFeedFailureDoesNotFailSource(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed/" {
			fmt.Fprintf(w, `<rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/"><channel><title>P</title><link>http://%[1]s/</link><description>d</description><item><title>One</title><link>http://%[1]s/a/1/</link><pubDate>%[2]s</pubDate><wfw:commentRss>http://%[1]s/broken/</wfw:commentRss></item></channel></rss>`, r.Host, time.Now().UTC().Format(time.RFC1123Z))
			return
		}
		w.Write([]byte("<html>not a feed</html>"))
	}))
	defer srv.Close()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := ingest.New(st, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), MaxCommentFeeds: 5})
	sum := in.Run(t.Context(), syndicate.Source{ID: "p", Name: "P", URL: srv.URL + "/feed/", Comments: true, Enabled: true}, true)
	if sum.Status != ingest.StatusOK || sum.New != 1 {
		t.Errorf("a broken comment feed failed the source: %s", sum)
	}
}
