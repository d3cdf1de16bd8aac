package serveconn

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeConn counts the write deadlines set on it.
type fakeConn struct {
	net.Conn
	deadlines []time.Time
	written   int
	closedW   bool
}

func (f *fakeConn) Write(p []byte) (int, error) { f.written += len(p); return len(p), nil }
func (f *fakeConn) SetWriteDeadline(t time.Time) error {
	f.deadlines = append(f.deadlines, t)
	return nil
}
func (f *fakeConn) SetDeadline(t time.Time) error { return f.SetWriteDeadline(t) }
func (f *fakeConn) CloseWrite() error             { f.closedW = true; return nil }

func TestConn_RenewsOnlyWhenHalfIsGone(t *testing.T) {
	const timeout = 10 * time.Second
	var clock int64
	f := &fakeConn{}
	c := newConn(f, timeout, func() int64 { return clock })
	steps := []struct {
		at    time.Duration
		renew bool
	}{
		{0, true},                    // the first write sets one
		{time.Second, false},         // 9 s left
		{5 * time.Second, false},     // exactly half left: still enough
		{5*time.Second + 1, true},    // less than half
		{6 * time.Second, false},     // the renewed one has 9 s left
		{10*time.Second + 2, true},   // less than half of the renewed one
		{100 * time.Second, true},    // long idle: it passed
		{100*time.Second + 1, false}, //
	}
	want := 0
	for _, s := range steps {
		clock = int64(s.at)
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if s.renew {
			want++
		}
		if len(f.deadlines) != want {
			t.Fatalf("at %v: %d deadlines set, want %d", s.at, len(f.deadlines), want)
		}
	}
	if f.written != len(steps) {
		t.Fatalf("wrote %d bytes, want %d", f.written, len(steps))
	}
	// Each deadline set is the whole timeout ahead of the wall clock.
	last := f.deadlines[len(f.deadlines)-1]
	if ahead := time.Until(last); ahead <= 0 || ahead > timeout {
		t.Fatalf("deadline %v ahead, want within (0, %v]", ahead, timeout)
	}
}

func TestConn_ExplicitDeadlineStopsRenewal(t *testing.T) {
	for _, set := range []string{"SetWriteDeadline", "SetDeadline"} {
		t.Run(set, func(t *testing.T) {
			var clock int64
			f := &fakeConn{}
			c := newConn(f, time.Second, func() int64 { return clock })
			c.Write([]byte("a"))
			if set == "SetWriteDeadline" {
				c.SetWriteDeadline(time.Time{})
			} else {
				c.SetDeadline(time.Time{})
			}
			for i := range 5 {
				clock = int64(i+1) * int64(time.Hour)
				c.Write([]byte("b"))
			}
			if len(f.deadlines) != 2 || !f.deadlines[1].IsZero() {
				t.Fatalf("deadlines %v, want the first write's then the explicit zero only", f.deadlines)
			}
		})
	}
}

func TestConn_CloseWrite(t *testing.T) {
	f := &fakeConn{}
	if err := newConn(f, time.Second, monotonic).CloseWrite(); err != nil || !f.closedW {
		t.Fatalf("CloseWrite: err %v, half-closed %v", err, f.closedW)
	}
	a, b := net.Pipe() // no half-close: nothing happens
	defer a.Close()
	defer b.Close()
	if err := newConn(a, time.Second, monotonic).CloseWrite(); err != nil {
		t.Fatal(err)
	}
}

// A client that asks for a large answer and never reads it is dropped:
// the handler's write fails, it does not block forever.
func TestListener_DropsAClientThatStopsReading(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 64<<20) // more than any socket buffer holds
	wrote := make(chan error, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.WriteString(w, body)
		wrote <- err
	})}
	go srv.Serve(Listener{Listener: ln, Timeout: 200 * time.Millisecond})
	defer srv.Close()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-wrote:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("the handler's write ended with %v, want a deadline error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the handler's write still blocks on a client that does not read")
	}
}

// A client that reads gets every answer on one connection, long after
// the first deadline would have passed: the deadline moves on.
func TestListener_KeepsAReadingClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})}
	go srv.Serve(Listener{Listener: ln, Timeout: 50 * time.Millisecond})
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range 20 {
		if i%5 == 4 {
			time.Sleep(60 * time.Millisecond) // past the deadline the first write set
		}
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("request %d: body %q", i, b)
		}
	}
}

func TestListener_ZeroTimeoutSetsNoDeadline(t *testing.T) {
	f := &fakeConn{}
	c := newConn(f, 0, monotonic)
	for range 3 {
		c.Write([]byte("x"))
	}
	if len(f.deadlines) != 0 || f.written != 3 {
		t.Fatalf("deadlines %v, %d bytes written; want none and 3", f.deadlines, f.written)
	}
}
