package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// `syndicate ingest` stops when it is told to (SIGINT or SIGTERM cancel
// the context main hands to Run): a partner that never answers does not
// keep it running, and the source is reported failed.
func TestIngest_StopsWhenCancelled(t *testing.T) {
	asked := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		<-r.Context().Done() // never answers
	}))
	t.Cleanup(slow.Close)
	cfg, _ := writeConfig(t, slow.URL+"/feed/", "")
	// A fetch timeout far beyond the test: only the cancellation ends it.
	raw := strings.Replace(mustRead(t, cfg), "timeout: 5s", "timeout: 1h", 1)
	mustWrite(t, cfg, raw)

	m, out, errb := testMain(nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"ingest", "--config", cfg}) }()
	select {
	case <-asked:
	case code := <-done:
		t.Fatalf("ingest ended before fetching: exit %d, stderr %s", code, errb.String())
	}
	cancel() // what the signal does
	select {
	case code := <-done:
		if code != exitFailed {
			t.Errorf("exit = %d, want %d", code, exitFailed)
		}
	case <-time.After(time.Minute):
		t.Fatal("ingest did not stop after its context was cancelled")
	}
	if line := out.String(); !strings.HasPrefix(line, "id=partner status=failed ") || !strings.Contains(line, "context canceled") {
		t.Errorf("summary = %q", line)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustWrite(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
