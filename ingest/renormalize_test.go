package ingest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"syndicate"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/store/embedded"
)

// TestIngester_NewNormalizerFetchesInFull: when the normalization rules
// change, validators are dropped once so every entry is seen again.
func TestIngester_NewNormalizerFetchesInFull(t *testing.T) {
	var conditional atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v"`)
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>P</title><link>http://%s/</link><description>d</description><item><title>T</title><link>http://%s/a</link></item></channel></rss>`, r.Host, r.Host)
	}))
	defer srv.Close()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := ingest.New(st, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true})})
	src := syndicate.Source{ID: "p", Name: "P", URL: srv.URL, Enabled: true}
	ctx := t.Context()
	in.Run(ctx, src, true)
	if sum := in.Run(ctx, src, true); sum.Status != ingest.StatusNotModified {
		t.Fatalf("second pass = %s, want not-modified", sum)
	}
	// A status left by an older normalizer.
	s, _ := st.SourceStatus(ctx, "p")
	s.Normalizer = syndicate.NormalizerVersion - 1
	st.SaveSourceStatus(ctx, s)
	n := conditional.Load()
	if sum := in.Run(ctx, src, true); sum.Status != ingest.StatusOK || conditional.Load() != n {
		t.Errorf("after a normalizer change: %s (conditional requests %d → %d), want a full fetch", sum, n, conditional.Load())
	}
	if sum := in.Run(ctx, src, true); sum.Status != ingest.StatusNotModified {
		t.Errorf("and then conditional again: %s", sum)
	}
}

// TestIngester_CredentialsStayPrivate: a partner feed behind basic auth
// never shows its password in statuses or summaries.
func TestIngester_CredentialsStayPrivate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusBadGateway)
	}))
	defer srv.Close()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := ingest.New(st, ingest.Options{Fetcher: fetch.New(fetch.Options{AllowPrivate: true})})
	u := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1) + "/feed"
	sum := in.Run(t.Context(), syndicate.Source{ID: "p", Name: "P", URL: u, Enabled: true}, true)
	s, _ := st.SourceStatus(t.Context(), "p")
	if strings.Contains(sum.String(), "s3cret") || strings.Contains(s.LastError, "s3cret") {
		t.Errorf("password leaked: %s / %s", sum, s.LastError)
	}
}
