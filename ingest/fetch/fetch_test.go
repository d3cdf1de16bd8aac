package fetch_test

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/ingest/fetch"
)

const feedBody = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title><item><title>A</title></item></channel></rss>`

// MustFetcher returns a Fetcher that may reach httptest servers on loopback.
func MustFetcher(tb testing.TB, opts fetch.Options) *fetch.Fetcher {
	tb.Helper()
	opts.AllowPrivate = true
	return fetch.New(opts)
}

// partner is a fault-injecting partner site: each path is one behaviour.
func partner(tb testing.TB) *httptest.Server {
	tb.Helper()
	mux := http.NewServeMux()
	const etag = `"v1"`
	const lastMod = "Tue, 24 Nov 2026 10:00:00 GMT"
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		if inm := r.Header.Get("If-None-Match"); inm != "" {
			if inm == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		} else if r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, feedBody)
	})
	// A 304 that repeats no validator (RFC 9110 says it should; many don't).
	mux.HandleFunc("/bare304", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		io.WriteString(w, feedBody)
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscan(r.PathValue("code"), &code)
		if ra := r.URL.Query().Get("retry"); ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		w.WriteHeader(code)
		io.WriteString(w, "partner says no")
	})
	mux.HandleFunc("/slow-headers", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, "<rss>")
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
				if _, err := io.WriteString(w, " "); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}
	})
	mux.HandleFunc("/size/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		io.WriteString(w, strings.Repeat("x", n))
	})
	// A compression bomb: 100 MB of zeros, gzipped on the fly (about
	// 100 KB on the wire), so neither side holds it in memory.
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		chunk := make([]byte, 64<<10)
		for written := 0; written < 100<<20; written += len(chunk) {
			if _, err := zw.Write(chunk); err != nil {
				return
			}
		}
		zw.Close()
	})
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, feedBody)
		zw.Close()
	})
	mux.HandleFunc("/garbage", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte("\x00\x01\xff<<<not a feed>>>\xfe"))
	})
	// Redirects: /r/{code}/{n} redirects n more times with code, then
	// serves the feed; /mix/... follows a list of codes.
	mux.HandleFunc("/r/{code}/{n}", func(w http.ResponseWriter, r *http.Request) {
		var code, n int
		fmt.Sscan(r.PathValue("code"), &code)
		fmt.Sscan(r.PathValue("n"), &n)
		if n == 0 {
			http.Redirect(w, r, "/feed", code)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/r/%d/%d", code, n-1), code)
	})
	mux.HandleFunc("/mix/{codes...}", func(w http.ResponseWriter, r *http.Request) {
		codes := strings.Split(r.PathValue("codes"), "/")
		var code int
		fmt.Sscan(codes[0], &code)
		next := "/feed"
		if len(codes) > 1 {
			next = "/mix/" + strings.Join(codes[1:], "/")
		}
		http.Redirect(w, r, next, code)
	})
	mux.HandleFunc("/loop/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/b", http.StatusFound) })
	mux.HandleFunc("/loop/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/a", http.StatusFound) })
	mux.HandleFunc("/to", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusMovedPermanently)
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv
}

func TestFetch_ConditionalGET(t *testing.T) {
	srv := partner(t)
	f := MustFetcher(t, fetch.Options{})
	ctx := t.Context()

	first, err := f.Fetch(ctx, fetch.Request{URL: srv.URL + "/feed"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != 200 || first.NotModified || string(first.Body) != feedBody {
		t.Fatalf("first fetch: status %d notModified %v body %q", first.Status, first.NotModified, first.Body)
	}
	if first.ETag != `"v1"` || first.LastModified == "" || !strings.HasPrefix(first.ContentType, "application/rss+xml") {
		t.Fatalf("first fetch: etag %q last-modified %q content-type %q", first.ETag, first.LastModified, first.ContentType)
	}

	for _, tc := range []struct {
		name string
		req  fetch.Request
	}{
		{"IfNoneMatch", fetch.Request{ETag: first.ETag}},
		{"IfModifiedSince", fetch.Request{LastModified: first.LastModified}},
		{"Both", fetch.Request{ETag: first.ETag, LastModified: first.LastModified}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.URL = srv.URL + "/feed"
			got, err := f.Fetch(ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if !got.NotModified || got.Status != http.StatusNotModified || got.Body != nil {
				t.Fatalf("got status %d notModified %v body %q, want a 304", got.Status, got.NotModified, got.Body)
			}
			if got.ETag != first.ETag || got.LastModified != first.LastModified {
				t.Errorf("validators after 304: %q %q, want %q %q", got.ETag, got.LastModified, first.ETag, first.LastModified)
			}
		})
	}

	t.Run("StaleETag", func(t *testing.T) {
		got, err := f.Fetch(ctx, fetch.Request{URL: srv.URL + "/feed", ETag: `"v0"`})
		if err != nil {
			t.Fatal(err)
		}
		if got.NotModified || string(got.Body) != feedBody {
			t.Fatalf("got notModified %v body %q, want the feed", got.NotModified, got.Body)
		}
	})
}

// A 304 without ETag or Last-Modified must not make us forget the
// validators we sent: the next fetch would be unconditional.
func TestFetch_NotModifiedKeepsValidators(t *testing.T) {
	srv := partner(t)
	f := MustFetcher(t, fetch.Options{})
	req := fetch.Request{URL: srv.URL + "/bare304", ETag: `"v1"`, LastModified: "Tue, 24 Nov 2026 10:00:00 GMT"}
	got, err := f.Fetch(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !got.NotModified {
		t.Fatalf("status %d, want 304", got.Status)
	}
	if got.ETag != req.ETag || got.LastModified != req.LastModified {
		t.Errorf("validators = %q %q, want the ones sent: %q %q", got.ETag, got.LastModified, req.ETag, req.LastModified)
	}
}

func TestFetch_StatusError(t *testing.T) {
	srv := partner(t)
	f := MustFetcher(t, fetch.Options{})
	in1h := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name           string
		path           string
		code           int
		minRA, maxRA   time.Duration
		wantRetryAfter bool
	}{
		{"ServerError", "/status/500", 500, 0, 0, false},
		{"NotFound", "/status/404", 404, 0, 0, false},
		{"Gone", "/status/410", 410, 0, 0, false},
		{"TooManyRequestsSeconds", "/status/429?retry=120", 429, 120 * time.Second, 120 * time.Second, true},
		{"TooManyRequestsDate", "/status/429?retry=" + url.QueryEscape(in1h), 429, 58 * time.Minute, time.Hour, true},
		{"UnavailableSeconds", "/status/503?retry=30", 503, 30 * time.Second, 30 * time.Second, true},
		{"RetryAfterInThePast", "/status/429?retry=" + url.QueryEscape(past), 429, 0, 0, false},
		{"RetryAfterGarbage", "/status/429?retry=soon", 429, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + tc.path})
			var se *fetch.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *StatusError", err)
			}
			if se.Code != tc.code {
				t.Errorf("code = %d, want %d", se.Code, tc.code)
			}
			if resp == nil || resp.Status != tc.code {
				t.Errorf("response = %+v, want one with status %d", resp, tc.code)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tc.code)) {
				t.Errorf("error %q does not name the status", err)
			}
			if tc.wantRetryAfter != (se.RetryAfter > 0) || se.RetryAfter < tc.minRA || se.RetryAfter > tc.maxRA {
				t.Errorf("RetryAfter = %v, want in [%v, %v]", se.RetryAfter, tc.minRA, tc.maxRA)
			}
		})
	}
}

func TestFetch_Timeout(t *testing.T) {
	srv := partner(t)
	f := MustFetcher(t, fetch.Options{Timeout: 200 * time.Millisecond})
	for _, path := range []string{"/slow-headers", "/trickle"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			resp, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + path})
			if !errors.Is(err, fetch.ErrTimeout) {
				t.Fatalf("err = %v (response %v), want ErrTimeout", err, resp)
			}
			if !strings.Contains(err.Error(), "ingest.timeout") {
				t.Errorf("error %q does not name the setting", err)
			}
		})
	}
}

func TestFetch_Oversize(t *testing.T) {
	srv := partner(t)
	f := MustFetcher(t, fetch.Options{MaxBytes: 1000})
	t.Run("AtCap", func(t *testing.T) {
		got, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/size/1000"})
		if err != nil || len(got.Body) != 1000 {
			t.Fatalf("err %v, want 1000 bytes", err)
		}
	})
	t.Run("OverCap", func(t *testing.T) {
		_, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/size/1001"})
		if !errors.Is(err, fetch.ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
		if !strings.Contains(err.Error(), "ingest.max_body_bytes") {
			t.Errorf("error %q does not name the setting", err)
		}
	})
	t.Run("GzipDecoded", func(t *testing.T) {
		got, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/gzip"})
		if err != nil || string(got.Body) != feedBody {
			t.Fatalf("err %v body %q, want the decoded feed", err, got.Body)
		}
	})
}

// The cap counts decoded bytes: a small gzip that inflates to 100 MB is cut
// off at the cap, and the fetch allocates about the cap, not the bomb.
func TestFetch_GzipBomb(t *testing.T) {
	srv := partner(t)
	const limit = 1 << 20
	f := MustFetcher(t, fetch.Options{MaxBytes: limit})
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/bomb"})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, fetch.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	// Client and server together; generous, but far below the 100 MB bomb.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("fetch allocated %d MB for a %d MB cap", alloc>>20, limit>>20)
	}
}

func TestFetch_Redirects(t *testing.T) {
	srv := partner(t)
	f := MustFetcher(t, fetch.Options{})
	for _, tc := range []struct {
		name      string
		path      string
		wantErr   string // substring; "" = success
		permanent bool
	}{
		{"Loop", "/loop/a", "redirect loop", false},
		{"FiveAllowed", "/r/302/4", "", false}, // 5 redirects in all
		{"SixRefused", "/r/302/5", "stopped after 5 redirects", false},
		{"PermanentChain", "/mix/301/308/301", "", true},
		{"FoundInTheMiddle", "/mix/301/302/308", "", false},
		{"FoundFirst", "/mix/302/301", "", false},
		{"SeeOther", "/mix/303", "", false},
		{"Temporary", "/mix/307", "", false},
		{"ToFTP", "/to?u=" + url.QueryEscape("ftp://example.com/feed"), "non-http", false},
		{"ToFile", "/to?u=" + url.QueryEscape("file:///etc/passwd"), "non-http", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + tc.path})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Body) != feedBody || got.FinalURL != srv.URL+"/feed" {
				t.Fatalf("final %q body %q, want the feed at /feed", got.FinalURL, got.Body)
			}
			want := ""
			if tc.permanent {
				want = srv.URL + "/feed"
			}
			if got.PermanentURL != want {
				t.Errorf("PermanentURL = %q, want %q", got.PermanentURL, want)
			}
		})
	}
	t.Run("NoRedirect", func(t *testing.T) {
		got, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/feed"})
		if err != nil || got.PermanentURL != "" {
			t.Fatalf("err %v PermanentURL %q, want none", err, got.PermanentURL)
		}
	})
}

// Garbage is the parser's business: the fetcher hands over the bytes.
func TestFetch_GarbageBody(t *testing.T) {
	srv := partner(t)
	got, err := MustFetcher(t, fetch.Options{}).Fetch(t.Context(), fetch.Request{URL: srv.URL + "/garbage"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "\x00\x01\xff<<<not a feed>>>\xfe"; string(got.Body) != want {
		t.Errorf("body = %q, want %q", got.Body, want)
	}
}

func TestFetch_BadURL(t *testing.T) {
	f := MustFetcher(t, fetch.Options{})
	for _, raw := range []string{"", "ftp://example.com/feed", "/relative/feed", "http://", "javascript:alert(1)", "http://exa mple.com/"} {
		if _, err := f.Fetch(t.Context(), fetch.Request{URL: raw}); err == nil {
			t.Errorf("Fetch(%q) succeeded, want an error", raw)
		}
	}
}

func TestFetch_File(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.xml")
	if err := os.WriteFile(path, []byte(feedBody), 0o644); err != nil {
		t.Fatal(err)
	}
	f := MustFetcher(t, fetch.Options{})
	t.Chdir(dir)
	for _, raw := range []string{"file:feed.xml", "file:./feed.xml", "file:" + path, "file://" + path} {
		t.Run(raw, func(t *testing.T) {
			got, err := f.Fetch(t.Context(), fetch.Request{URL: raw, AllowFile: true})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != 200 || string(got.Body) != feedBody || got.ETag == "" || got.LastModified == "" || got.FinalURL != raw {
				t.Fatalf("got %+v", got)
			}
		})
	}

	t.Run("NotModified", func(t *testing.T) {
		first, err := f.Fetch(t.Context(), fetch.Request{URL: "file:" + path, AllowFile: true})
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.Fetch(t.Context(), fetch.Request{URL: "file:" + path, AllowFile: true, ETag: first.ETag})
		if err != nil {
			t.Fatal(err)
		}
		if !again.NotModified || again.Status != 304 || again.Body != nil {
			t.Fatalf("second read: %+v, want a 304", again)
		}
		// The file changes: a full read again.
		later := time.Now().Add(time.Hour)
		if err := os.Chtimes(path, later, later); err != nil {
			t.Fatal(err)
		}
		changed, err := f.Fetch(t.Context(), fetch.Request{URL: "file:" + path, AllowFile: true, ETag: first.ETag})
		if err != nil {
			t.Fatal(err)
		}
		if changed.NotModified || changed.ETag == first.ETag {
			t.Fatalf("after a change: notModified %v etag %q (was %q)", changed.NotModified, changed.ETag, first.ETag)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		_, err := f.Fetch(t.Context(), fetch.Request{URL: "file:" + filepath.Join(dir, "nope.xml"), AllowFile: true})
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "nope.xml") {
			t.Fatalf("err = %v, want a not-exist error naming the file", err)
		}
	})
	t.Run("Directory", func(t *testing.T) {
		if _, err := f.Fetch(t.Context(), fetch.Request{URL: "file:" + dir, AllowFile: true}); err == nil {
			t.Fatal("reading a directory succeeded")
		}
	})
	t.Run("Oversize", func(t *testing.T) {
		small := MustFetcher(t, fetch.Options{MaxBytes: 10})
		if _, err := small.Fetch(t.Context(), fetch.Request{URL: "file:" + path, AllowFile: true}); !errors.Is(err, fetch.ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("NotAllowed", func(t *testing.T) {
		_, err := f.Fetch(t.Context(), fetch.Request{URL: "file:" + path})
		if err == nil || !strings.Contains(err.Error(), "config file") {
			t.Fatalf("err = %v, want a refusal", err)
		}
	})
	t.Run("RemoteHost", func(t *testing.T) {
		if _, err := f.Fetch(t.Context(), fetch.Request{URL: "file://otherhost/etc/passwd", AllowFile: true}); err == nil {
			t.Fatal("file://host/... was read")
		}
	})
}

func TestFetch_PrivateAddress(t *testing.T) {
	srv := partner(t)
	t.Run("Refused", func(t *testing.T) {
		f := fetch.New(fetch.Options{}) // AllowPrivate false
		_, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/feed"})
		var pe *fetch.PrivateAddressError
		if !errors.As(err, &pe) {
			t.Fatalf("err = %v, want *PrivateAddressError", err)
		}
		if pe.Addr != "127.0.0.1" || !strings.Contains(err.Error(), "127.0.0.1") || !strings.Contains(err.Error(), "ingest.allow_private_networks") {
			t.Errorf("error %q (addr %q) should name 127.0.0.1 and ingest.allow_private_networks", err, pe.Addr)
		}
	})
	t.Run("RefusedByName", func(t *testing.T) {
		u, _ := url.Parse(srv.URL)
		f := fetch.New(fetch.Options{})
		_, err := f.Fetch(t.Context(), fetch.Request{URL: "http://localhost:" + u.Port() + "/feed"})
		var pe *fetch.PrivateAddressError
		if !errors.As(err, &pe) {
			t.Fatalf("err = %v, want *PrivateAddressError", err)
		}
	})
	t.Run("Allowed", func(t *testing.T) {
		f := fetch.New(fetch.Options{AllowPrivate: true})
		got, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/feed"})
		if err != nil || string(got.Body) != feedBody {
			t.Fatalf("err = %v, want the feed", err)
		}
	})
	t.Run("RedirectToPrivate", func(t *testing.T) {
		// 127.0.0.1 plays a public partner; it redirects to 127.0.0.2,
		// which the guard (in the dialer, after resolution) refuses.
		public := func(ip net.IP) bool { return ip.Equal(net.IPv4(127, 0, 0, 1)) }
		f := fetch.New(fetch.Options{Transport: fetch.NewGuardedTransport(public)})
		target := strings.Replace(srv.URL, "127.0.0.1", "127.0.0.2", 1) + "/feed"
		_, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/to?u=" + url.QueryEscape(target)})
		var pe *fetch.PrivateAddressError
		if !errors.As(err, &pe) || pe.Addr != "127.0.0.2" {
			t.Fatalf("err = %v, want *PrivateAddressError for 127.0.0.2", err)
		}
		// Without the redirect the "public" address is reachable.
		if _, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/feed"}); err != nil {
			t.Fatalf("direct fetch: %v", err)
		}
	})
}

func TestIsPublic(t *testing.T) {
	for _, tc := range []struct {
		ip     string
		public bool
	}{
		{"8.8.8.8", true},
		{"93.184.215.14", true},
		{"2606:4700:4700::1111", true},
		{"2a00:1450:4001:81c::200e", true},
		{"::ffff:8.8.8.8", true},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"10.0.0.1", false},
		{"10.255.255.255", false},
		{"100.64.0.1", false},
		{"100.127.255.254", false},
		{"100.63.255.255", true},
		{"100.128.0.0", true},
		{"127.0.0.1", false},
		{"127.255.0.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"169.254.0.1", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"172.32.0.1", true},
		{"192.0.0.8", false},
		{"192.0.2.1", false},
		{"192.168.1.1", false},
		{"198.18.0.1", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},
		{"::", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.1.2.3", false},
		{"::ffff:169.254.169.254", false},
		{"::ffff:0.0.0.0", false},
		{"::ffff:100.64.0.1", false},
		{"::127.0.0.1", false},                          // IPv4-compatible (deprecated)
		{"::ffff:0:127.0.0.1", false},                   // IPv4-translated
		{"64:ff9b::7f00:1", false},                      // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", false},                     // NAT64, even of a public address
		{"64:ff9b:1::a00:1", false},                     // local-use NAT64
		{"100::1", false},                               // discard-only
		{"2001:db8::1", false},                          // documentation
		{"fc00::1", false},                              // unique local
		{"fd12:3456:789a::1", false},                    // unique local
		{"fe80::1", false},                              // link-local
		{"febf:ffff::1", false},                         // link-local, top of fe80::/10
		{"fec0::1", true},                               // just past fe80::/10 (deprecated site-local, not in the list)
		{"ff02::1", false},                              // multicast
		{"2001:4860:4860::8888", true},                  // public
		{"2002:7f00:1::1", false},                       // 6to4 of 127.0.0.1
		{"2002:a9fe:a9fe::", false},                     // 6to4 of 169.254.169.254
		{"2002:c0a8:101::1", false},                     // 6to4 of 192.168.1.1
		{"2002:808:808::1", true},                       // 6to4 of a public address
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false}, // Teredo
		{"2001:2::1", false},                            // benchmarking (IETF protocol assignments)
		{"3fff::1", false},                              // documentation (RFC 9637)
	} {
		ip := net.ParseIP(tc.ip)
		if ip == nil {
			t.Fatalf("bad test address %q", tc.ip)
		}
		if got := fetch.IsPublic(ip); got != tc.public {
			t.Errorf("IsPublic(%s) = %v, want %v", tc.ip, got, tc.public)
		}
	}
}

func TestFetch_PerHostLimit(t *testing.T) {
	var inFlight, peak, served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		served.Add(1)
		io.WriteString(w, feedBody)
	}))
	t.Cleanup(srv.Close)
	f := MustFetcher(t, fetch.Options{PerHost: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for range 12 {
		wg.Go(func() {
			if _, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/feed"}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("the partner saw %d requests at once, want at most 2", p)
	}
	if served.Load() != 12 {
		t.Errorf("served %d, want 12", served.Load())
	}
}

// A fetch waiting for a per-host slot gives up with its context.
func TestFetch_PerHostWaitCancelled(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	f := MustFetcher(t, fetch.Options{PerHost: 1})
	go f.Fetch(t.Context(), fetch.Request{URL: srv.URL + "/a"})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	// Either this one holds the slot (and times out on the server) or it
	// waits for it: in both cases it fails with the context, not a hang.
	if _, err := f.Fetch(ctx, fetch.Request{URL: srv.URL + "/b"}); err == nil {
		t.Fatal("fetch succeeded against a server that never answers")
	}
}

func TestFetch_Proxy(t *testing.T) {
	var sawHost string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawHost = r.Host
		io.WriteString(w, feedBody)
	}))
	t.Cleanup(proxy.Close)
	pu, _ := url.Parse(proxy.URL)
	f := MustFetcher(t, fetch.Options{Proxy: pu})
	got, err := f.Fetch(t.Context(), fetch.Request{URL: "http://partner.invalid/feed"})
	if err != nil {
		t.Fatal(err)
	}
	if sawHost != "partner.invalid" || string(got.Body) != feedBody {
		t.Errorf("proxy saw host %q, body %q", sawHost, got.Body)
	}
}

// The operator's proxy is trusted even on a private address (a corporate
// egress proxy usually is), while partners reached through it are still
// checked: the target and every redirect, before the proxy is asked.
func TestFetch_ProxyTrustedTargetsGuarded(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.Host+r.URL.Path)
		mu.Unlock()
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "http://10.1.2.3/feed", http.StatusFound)
			return
		}
		io.WriteString(w, feedBody)
	}))
	t.Cleanup(proxy.Close)
	pu, _ := url.Parse(proxy.URL)
	f := fetch.New(fetch.Options{Proxy: pu}) // private networks not allowed

	got, err := f.Fetch(t.Context(), fetch.Request{URL: "http://93.184.215.14/feed"})
	if err != nil || string(got.Body) != feedBody {
		t.Fatalf("through the proxy: %v", err)
	}
	for _, target := range []string{"http://10.1.2.3/feed", "http://[::ffff:127.0.0.1]/feed", "http://93.184.215.14/moved"} {
		_, err := f.Fetch(t.Context(), fetch.Request{URL: target})
		var pe *fetch.PrivateAddressError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err = %v, want *PrivateAddressError", target, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"93.184.215.14/feed", "93.184.215.14/moved"}; strings.Join(asked, " ") != strings.Join(want, " ") {
		t.Errorf("the proxy was asked for %v, want %v", asked, want)
	}
}

func TestFetch_Headers(t *testing.T) {
	var ua, accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua, accept = r.UserAgent(), r.Header.Get("Accept")
		io.WriteString(w, feedBody)
	}))
	t.Cleanup(srv.Close)
	f := MustFetcher(t, fetch.Options{UserAgent: "Syndicate/test (+https://feeds.example.com)"})
	if _, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	if ua != "Syndicate/test (+https://feeds.example.com)" || !strings.Contains(accept, "application/rss+xml") {
		t.Errorf("User-Agent %q Accept %q", ua, accept)
	}
}

// A partner's response header is bounded (fetch.MaxHeaderBytes), far
// below net/http's 10 MiB: a 2 MiB header fails the fetch.
func TestFetch_HugeHeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 64 {
			w.Header().Set(fmt.Sprintf("X-Pad-%d", i), strings.Repeat("a", 32<<10))
		}
		io.WriteString(w, feedBody)
	}))
	defer srv.Close()
	f := MustFetcher(t, fetch.Options{})
	if _, err := f.Fetch(t.Context(), fetch.Request{URL: srv.URL}); err == nil || !strings.Contains(err.Error(), "header") {
		t.Fatalf("err = %v, want the header refused", err)
	}
}
