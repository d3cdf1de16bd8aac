package feeds_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/feeds"
	"syndicate/store"
)

// A document's own headers go with its 200s (not its 304s), and a
// document with Expires is rendered again once that time has passed even
// though no version moved.
func TestCache_ContentHeaderAndExpires(t *testing.T) {
	st := &states{}
	var clock atomic.Int64
	clock.Store(t0.Unix())
	c := feeds.NewCache(feeds.CacheOptions{States: st.read, Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	extra := http.Header{"Content-Security-Policy": {"default-src 'none'"}, "X-Robots-Tag": {"noindex"}}
	var n atomic.Int64
	render := func(context.Context, feeds.RenderInput) (feeds.Content, error) {
		var expires time.Time
		if n.Add(1) == 1 {
			expires = t0.Add(time.Hour) // then it never expires again
		}
		return feeds.Content{Body: []byte("<p>page</p>"), Type: "text/html; charset=utf-8", Header: extra,
			Expires: expires}, nil
	}
	key, deps := feeds.Key{Name: "page:x"}, feeds.Deps{Feeds: []store.FeedKey{store.FeedAll}}
	get := func(hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "http://127.0.0.1/x", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		c.Serve(rec, req, key, deps, render)
		return rec
	}
	first := get()
	for _, tc := range []struct {
		name string
		rec  *httptest.ResponseRecorder
		want string
	}{
		{"200", first, "default-src 'none'"},
		{"gzip 200", get("Accept-Encoding", "gzip"), "default-src 'none'"},
		{"304", get("If-None-Match", first.Header().Get("ETag")), ""},
	} {
		if got := tc.rec.Header().Get("Content-Security-Policy"); got != tc.want {
			t.Errorf("%s: Content-Security-Policy = %q, want %q", tc.name, got, tc.want)
		}
	}
	if first.Header().Get("X-Robots-Tag") != "noindex" {
		t.Errorf("X-Robots-Tag = %q", first.Header().Get("X-Robots-Tag"))
	}
	if n.Load() != 1 {
		t.Fatalf("%d renders before expiry, want 1", n.Load())
	}
	clock.Store(t0.Add(time.Hour).Unix())
	if get(); n.Load() != 1 {
		t.Errorf("at Expires (not past it): %d renders, want 1", n.Load())
	}
	clock.Store(t0.Add(time.Hour + time.Second).Unix())
	if get().Code != http.StatusOK || n.Load() != 2 {
		t.Errorf("after Expires: %d renders, want 2", n.Load())
	}
	if get(); n.Load() != 2 {
		t.Errorf("a copy without Expires must stay: %d renders", n.Load())
	}
}
