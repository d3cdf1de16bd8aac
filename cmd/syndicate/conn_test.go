package main

import (
	"testing"
	"time"

	"syndicate/internal/serveconn"
)

// http.write_timeout is enforced by the listener's connections (the
// Server's own would move a timer per response), and the server hands
// them to the handlers, which send an answer in one write through them.
func TestServe_ConnectionsCarryTheWriteTimeout(t *testing.T) {
	path, _ := writeConfig(t, "file:testdata/wordpress.rss", "http:\n  write_timeout: 7s\n")
	a := buildApp(t, path)
	defer a.Close()
	ln, ok := a.ln.(serveconn.Listener)
	if !ok || ln.Timeout != 7*time.Second {
		t.Fatalf("listener %T (timeout %v), want a serveconn.Listener with http.write_timeout", a.ln, ln.Timeout)
	}
	if a.srv.WriteTimeout != 0 || a.srv.ConnContext == nil || a.srv.ConnState == nil {
		t.Fatalf("http.Server WriteTimeout %v, ConnContext set %v, ConnState set %v: want 0 (the listener's), set and set (the metrics' per-connection counts)",
			a.srv.WriteTimeout, a.srv.ConnContext != nil, a.srv.ConnState != nil)
	}
}
