package feeds_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"syndicate"
	"syndicate/feeds"
	"syndicate/store"
	"syndicate/store/embedded"
)

const (
	balticKey = "baltic-0123456789abcdef"
	alpineKey = "alpine-0123456789abcdef"
)

var testPartners = []syndicate.Partner{
	// Excerpts of two sources, no comments.
	{Name: "baltic-daily", Key: balticKey, Sources: []string{"open", "teaser"}, Content: syndicate.RedistributeExcerpt},
	// Full text of one category, with comments.
	{Name: "alpine", Key: alpineKey, Categories: []string{"Politics"}, Comments: true},
}

type partnerFixture struct {
	hs  *httptest.Server
	srv *feeds.Server
	st  *embedded.Store
}

func newPartnerFixture(t *testing.T) *partnerFixture {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{Now: func() time.Time { return created }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rightsStore(t, st)
	srv := feeds.NewServer(feeds.Options{
		Renderer: feeds.NewRenderer(feeds.Site{BaseURL: base, Title: "Example News", Language: "en", HubURL: "https://hub.example/"}, nil),
		Store:    st, CacheMaxAge: 300 * time.Second,
	})
	srv.SetSources(rightsSources)
	srv.SetPartners(testPartners)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv.Start(ctx)
	mux := http.NewServeMux()
	srv.Routes(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &partnerFixture{hs: hs, srv: srv, st: st}
}

func (f *partnerFixture) get(t *testing.T, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.hs.URL+path, nil)
	req.Header.Set("Accept-Encoding", "identity")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp, body(t, resp)
}

// TestPartner_Refused: an unknown partner, a missing, wrong or revoked
// key all get the same 404 with the same body.
func TestPartner_Refused(t *testing.T) {
	f := newPartnerFixture(t)
	_, want := f.get(t, "/partners/nobody/feed.rss?key="+balticKey)
	for _, tc := range []struct {
		path string
		hdr  []string
	}{
		{"/partners/baltic-daily/feed.rss", nil},
		{"/partners/baltic-daily/feed.rss?key=", nil},
		{"/partners/baltic-daily/feed.rss?key=" + alpineKey, nil},                    // another partner's key
		{"/partners/baltic-daily/feed.rss?key=" + balticKey[:len(balticKey)-1], nil}, // a prefix
		{"/partners/baltic-daily/feed.rss", []string{"Authorization", "Bearer wrong-0123456789abcdef"}},
		{"/partners/baltic-daily/feed.rss", []string{"Authorization", "Basic " + balticKey}},
		{"/partners/nobody/sources/open/feed.json?key=" + balticKey, nil},
		{"/partners/baltic-daily/sources/open/feed.json", nil},
		{"/partners/baltic-daily/categories/politics/feed.atom?key=nope", nil},
	} {
		resp, got := f.get(t, tc.path, tc.hdr...)
		if resp.StatusCode != http.StatusNotFound || !bytes.Equal(got, want) {
			t.Errorf("GET %s %v = %d %q, want 404 %q", tc.path, tc.hdr, resp.StatusCode, got, want)
		}
		// Kept by no cache: a shared cache may answer a request that has
		// Authorization with a response it stored for one without, so a
		// cacheable 404 fetched by anyone would lock out a partner that
		// sends its key as a Bearer token.
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s %v: Cache-Control %q, want no-store", tc.path, tc.hdr, cc)
		}
	}
	// Rotation: the old key is refused at once, the new one works.
	if resp, _ := f.get(t, "/partners/baltic-daily/feed.rss?key="+balticKey); resp.StatusCode != 200 {
		t.Fatalf("before rotation: %d", resp.StatusCode)
	}
	rotated := append([]syndicate.Partner(nil), testPartners...)
	rotated[0].Key = "rotated-0123456789abcdef"
	f.srv.SetPartners(rotated)
	if resp, got := f.get(t, "/partners/baltic-daily/feed.rss?key="+balticKey); resp.StatusCode != 404 || !bytes.Equal(got, want) {
		t.Errorf("old key after rotation = %d %q", resp.StatusCode, got)
	}
	resp, got := f.get(t, "/partners/baltic-daily/feed.rss?key=rotated-0123456789abcdef")
	if resp.StatusCode != 200 || !bytes.Contains(got, []byte("key=rotated-0123456789abcdef")) || bytes.Contains(got, []byte(balticKey)) {
		t.Errorf("new key after rotation = %d:\n%s", resp.StatusCode, got)
	}
	f.srv.SetPartners(testPartners[1:]) // revoked
	if resp, got := f.get(t, "/partners/baltic-daily/feed.rss?key=rotated-0123456789abcdef"); resp.StatusCode != 404 || !bytes.Equal(got, want) {
		t.Errorf("revoked partner = %d %q", resp.StatusCode, got)
	}
}

// TestPartner_Profile: each partner gets what its profile and the
// sources' rights allow, in every format.
func TestPartner_Profile(t *testing.T) {
	f := newPartnerFixture(t)
	for _, ext := range []string{"rss", "atom", "json"} {
		t.Run(ext, func(t *testing.T) {
			// Excerpt partner: open and teaser only, no content at all, no comment links.
			resp, got := f.get(t, "/partners/baltic-daily/feed."+ext+"?key="+balticKey)
			if resp.StatusCode != 200 {
				t.Fatalf("baltic = %d %s", resp.StatusCode, got)
			}
			for _, bad := range []string{"BODY-", "from private", "content:encoded", "<content ", "content_html", "comments." + ext} {
				if bytes.Contains(got, []byte(bad)) {
					t.Errorf("baltic-daily feed contains %q", bad)
				}
			}
			for _, want := range []string{"Story 01 from open", "Story 02 from teaser", "© 2026 Open Wire", "https://creativecommons.org/licenses/by/4.0/"} {
				if !bytes.Contains(got, []byte(want)) {
					t.Errorf("baltic-daily feed lacks %q", want)
				}
			}
			// A partner feed is never announced to the hub (its links
			// carry the key); the public one is.
			if bytes.Contains(got, []byte("hub.example")) {
				t.Errorf("baltic-daily feed lists the WebSub hub:\n%s", got)
			}
			if _, pub := f.get(t, "/feed."+ext); !bytes.Contains(pub, []byte("hub.example")) {
				t.Errorf("the public feed lacks the hub")
			}
			if h := resp.Header; !strings.HasPrefix(h.Get("Cache-Control"), "private") || h.Get("Access-Control-Allow-Origin") != "" || h.Get("ETag") == "" {
				t.Errorf("headers = %v", h)
			}
			// Full partner by bearer token: full text of full sources only.
			_, got = f.get(t, "/partners/alpine/feed."+ext, "Authorization", "Bearer "+alpineKey)
			if !bytes.Contains(got, []byte("BODY-open")) || bytes.Contains(got, []byte("BODY-teaser")) || bytes.Contains(got, []byte("from private")) {
				t.Errorf("alpine feed:\n%s", got)
			}
			if !bytes.Contains(got, []byte("/comments."+ext)) {
				t.Errorf("alpine (comments: true) feed lacks comment links")
			}
			// Per-source and per-category variants.
			if resp, _ := f.get(t, "/partners/baltic-daily/sources/teaser/feed."+ext+"?key="+balticKey); resp.StatusCode != 200 {
				t.Errorf("allowed source = %d", resp.StatusCode)
			}
			if resp, _ := f.get(t, "/partners/alpine/categories/politics/feed."+ext+"?key="+alpineKey); resp.StatusCode != 200 {
				t.Errorf("allowed category = %d", resp.StatusCode)
			}
			for _, p := range []string{"/partners/baltic-daily/sources/private/feed." + ext + "?key=" + balticKey,
				"/partners/alpine/sources/private/feed." + ext + "?key=" + alpineKey,
				"/partners/alpine/categories/business/feed." + ext + "?key=" + alpineKey} {
				if resp, _ := f.get(t, p); resp.StatusCode != 404 {
					t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
				}
			}
		})
	}
}

// TestPartner_CachedPerProfile: ETag, 304, gzip and paging as public
// feeds, one render per profile document whatever the way the key comes.
func TestPartner_CachedPerProfile(t *testing.T) {
	f := newPartnerFixture(t)
	resp, first := f.get(t, "/partners/baltic-daily/feed.atom?key="+balticKey)
	renders := f.srv.Renders()
	etag := resp.Header.Get("ETag")
	resp, second := f.get(t, "/partners/baltic-daily/feed.atom?utm=x", "Authorization", "Bearer "+balticKey)
	if !bytes.Equal(first, second) || resp.Header.Get("ETag") != etag {
		t.Error("the same profile document differs by how the key came")
	}
	resp, _ = f.get(t, "/partners/baltic-daily/feed.atom?key="+balticKey, "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "private") || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("conditional = %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = f.get(t, "/partners/baltic-daily/feed.atom?key="+balticKey, "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("ETag") != strings.TrimSuffix(etag, `"`)+`-gz"` {
		t.Errorf("gzip = %v", resp.Header)
	}
	if n := f.srv.Renders(); n != renders {
		t.Errorf("%d renders for one profile document, want none after the first", n-renders)
	}
	// Paging links keep the key; 4 allowed articles, 2 per page.
	_, got := f.get(t, "/partners/baltic-daily/feed.atom?key="+balticKey+"&limit=2")
	if !bytes.Contains(got, []byte(`href="`+base+`/partners/baltic-daily/feed.atom?key=`+balticKey+`&amp;limit=2&amp;page=2" rel="next"`)) {
		t.Errorf("page 1 lacks its next link:\n%s", got)
	}
	if resp, _ := f.get(t, "/partners/baltic-daily/feed.atom?key="+balticKey+"&limit=2&page=3"); resp.StatusCode != 404 {
		t.Errorf("page 3 of 2 = %d", resp.StatusCode)
	}
}

// TestPartner_ReloadUnchanged: reloading the same profiles (every replica
// does on a reconnect) re-renders nothing.
func TestPartner_ReloadUnchanged(t *testing.T) {
	f := newPartnerFixture(t)
	f.get(t, "/feed.rss")
	f.get(t, "/partners/baltic-daily/feed.rss?key="+balticKey)
	n := f.srv.Renders()
	f.srv.SetPartners(append([]syndicate.Partner(nil), testPartners...))
	f.get(t, "/feed.rss")
	f.get(t, "/partners/baltic-daily/feed.rss?key="+balticKey)
	if got := f.srv.Renders(); got != n {
		t.Errorf("%d renders after an unchanged reload", got-n)
	}
	changed := append([]syndicate.Partner(nil), testPartners...)
	changed[0].Content = syndicate.RedistributeFull
	f.srv.SetPartners(changed)
	_, body := f.get(t, "/partners/baltic-daily/feed.rss?key="+balticKey)
	if !bytes.Contains(body, []byte("BODY-open")) {
		t.Error("a changed profile was not re-rendered")
	}
}

// TestPartner_Retractions: a partner site, the one most in need of a
// takedown notice, gets the retractions of what its profile showed (its
// feeds announced none), and only those: not another source's or another
// category's, nor a none source's.
func TestPartner_Retractions(t *testing.T) {
	f := newPartnerFixture(t)
	ctx := t.Context()
	if _, err := f.st.ApplyIngest(ctx, &store.Batch{Source: srcRefOf(rightsSources, "open"), Now: t0, Entries: []*store.Entry{
		entry("open", 9, t0.Add(-time.Hour), func(a *syndicate.Article) { a.Categories = []string{"Business"} }),
	}}); err != nil {
		t.Fatal(err)
	}
	retract := func(src string, n int) string {
		id := syndicate.MintArticleID(src, "https://www."+src+".example/?p="+itoa(n))
		if _, err := f.st.Retract(ctx, id, "reason-"+src+itoa(n), t0.Add(10*time.Hour)); err != nil {
			t.Fatal(err)
		}
		return "reason-" + src + itoa(n)
	}
	openPolitics, openBusiness, teaser, private := retract("open", 1), retract("open", 9), retract("teaser", 1), retract("private", 1)
	for _, ext := range []string{"atom", "json"} {
		for _, tc := range []struct {
			path      string
			want, not []string
		}{
			{"/partners/baltic-daily/feed." + ext + "?key=" + balticKey, []string{openPolitics, openBusiness, teaser}, []string{private}},
			{"/partners/alpine/feed." + ext + "?key=" + alpineKey, []string{openPolitics, teaser}, []string{openBusiness, private}},
			{"/partners/alpine/sources/open/feed." + ext + "?key=" + alpineKey, []string{openPolitics}, []string{openBusiness, teaser, private}},
		} {
			resp, got := f.get(t, tc.path)
			if resp.StatusCode != 200 {
				t.Fatalf("%s = %d", tc.path, resp.StatusCode)
			}
			for _, w := range tc.want {
				if !bytes.Contains(got, []byte(w)) {
					t.Errorf("%s lacks the retraction %s:\n%s", tc.path, w, got)
				}
			}
			for _, n := range tc.not {
				if bytes.Contains(got, []byte(n)) {
					t.Errorf("%s announces %s, outside its profile", tc.path, n)
				}
			}
		}
	}
}

func srcRefOf(srcs []syndicate.Source, id string) syndicate.SourceRef {
	for _, s := range srcs {
		if s.ID == id {
			return s.Ref()
		}
	}
	panic(id)
}
