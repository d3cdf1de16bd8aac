package fetch_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"syndicate/ingest/fetch"
)

// WithBody answers the first fetch of its URL only; others go out.
func TestFetch_WithBody(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("fetched"))
	}))
	defer srv.Close()
	var seen atomic.Int32
	f := fetch.New(fetch.Options{AllowPrivate: true, MaxBytes: 10, OnBody: func(fetch.Request, *fetch.Response) { seen.Add(1) }})
	ctx := fetch.WithBody(context.Background(), srv.URL+"/feed", []byte("pushed"), "application/atom+xml")

	tests := []struct {
		url, etag, want, wantETag string
	}{
		{srv.URL + "/other", "", "fetched", ""},       // another URL goes out
		{srv.URL + "/feed", `"v1"`, "pushed", `"v1"`}, // answered from the push, validators kept
		{srv.URL + "/feed", "", "fetched", ""},        // only once
	}
	for _, tt := range tests {
		resp, err := f.Fetch(ctx, fetch.Request{URL: tt.url, ETag: tt.etag})
		if err != nil || string(resp.Body) != tt.want || resp.ETag != tt.wantETag || resp.Status != 200 {
			t.Fatalf("Fetch(%s) = %+v, %v; want %q", tt.url, resp, err, tt.want)
		}
	}
	if hits.Load() != 2 || seen.Load() != 2 {
		t.Errorf("%d requests, %d OnBody calls: want 2 each (a push neither fetches nor counts as fetched)", hits.Load(), seen.Load())
	}
	big := fetch.WithBody(context.Background(), srv.URL+"/feed", []byte("far too long for the cap"), "")
	if _, err := f.Fetch(big, fetch.Request{URL: srv.URL + "/feed"}); !errors.Is(err, fetch.ErrTooLarge) {
		t.Errorf("a pushed body over the cap = %v, want ErrTooLarge", err)
	}
}
