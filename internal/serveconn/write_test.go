package serveconn

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

// countingListener counts the system calls its connections write with:
// each Write, and each writev of sendBuffers (swapped in by countWrites).
type countingListener struct {
	net.Listener
	mu             sync.Mutex
	writes, writev int
	segs           []net.Buffers // what each writev sent
}

type countingConn struct {
	net.Conn
	l *countingListener
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.l.mu.Lock()
	c.l.writes++
	c.l.mu.Unlock()
	return c.Conn.Write(p)
}

func (l *countingListener) calls() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes + l.writev
}

// countWrites makes sendBuffers count its writevs on the listener's
// connections (and write them as one, to the TCP connection).
func countWrites(t *testing.T) {
	orig := sendBuffers
	t.Cleanup(func() { sendBuffers = orig })
	sendBuffers = func(c net.Conn, b *net.Buffers) (int64, error) {
		cc := c.(*countingConn)
		cc.l.mu.Lock()
		cc.l.writev++
		cc.l.segs = append(cc.l.segs, append(net.Buffers(nil), *b...))
		cc.l.mu.Unlock()
		return b.WriteTo(cc.Conn)
	}
}

// serve starts a server whose handler answers with body through Write
// (or, plain, through w.Write) and returns its address and listener.
func serve(t *testing.T, body []byte, plain bool) (string, *countingListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	srv := &http.Server{
		ConnContext: ConnContext,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Header().Set("Content-Type", "text/plain")
			if plain {
				w.WriteHeader(http.StatusOK)
				w.Write(body)
				return
			}
			Write(w, r, http.StatusOK, body)
		}),
	}
	go srv.Serve(Listener{Listener: cl, Timeout: 0})
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), cl
}

func TestWrite_OneWritePerAnswer(t *testing.T) {
	countWrites(t)
	sizes := []struct {
		n      int
		writes int // per answer, through Write
	}{
		{100, 1},          // net/http's buffer holds it all
		{minCoalesced, 1}, // the smallest held
		{8 << 10, 1},      // a page: two writes without Write
		{117 << 10, 1},    // a feed
		{4 << 20, 1},      // more than a socket buffer: one writev, written in parts
	}
	for _, s := range sizes {
		body := bytes.Repeat([]byte("abcdefgh"), s.n/8+1)[:s.n]
		for _, plain := range []bool{false, true} {
			addr, cl := serve(t, body, plain)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			const answers = 3 // on one connection
			for i := range answers {
				io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("%d bytes, answer %d: %v", s.n, i, err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !bytes.Equal(got, body) || resp.Header.Get("Content-Type") != "text/plain" {
					t.Fatalf("%d bytes, answer %d: status %d, %d bytes back, type %q", s.n, i, resp.StatusCode, len(got), resp.Header.Get("Content-Type"))
				}
			}
			c.Close()
			if plain {
				if s.n > 4<<10 && cl.calls() <= answers {
					t.Fatalf("%d bytes without Write: %d writes for %d answers; the case shows nothing", s.n, cl.calls(), answers)
				}
				continue
			}
			if got, want := cl.calls(), s.writes*answers; got != want {
				t.Errorf("%d bytes: %d writes for %d answers, want %d", s.n, got, answers, want)
			}
			// The body goes by reference: all but what net/http's buffer
			// took is one piece of it.
			for _, segs := range cl.segs {
				ref := 0
				for _, seg := range segs {
					if within(seg, body) {
						ref += len(seg)
					}
				}
				if ref < len(body)-8<<10 {
					t.Errorf("%d bytes: %d of the body sent by reference, the rest copied", s.n, ref)
				}
			}
		}
	}
}

func TestWrite_HEADWritesNoBody(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 8<<10)
	addr, _ := serve(t, body, false)
	resp, err := http.Head("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ContentLength != int64(len(body)) {
		t.Fatalf("HEAD: Content-Length %d, want %d", resp.ContentLength, len(body))
	}
}

func TestWithin(t *testing.T) {
	b := make([]byte, 10)
	other := make([]byte, 10)
	cases := []struct {
		name string
		p    []byte
		want bool
	}{
		{"all of it", b, true},
		{"a middle piece", b[3:7], true},
		{"the tail", b[9:], true},
		{"empty", b[:0], false},
		{"another slice", other, false},
		{"past its end", b[5:10:10], true},
	}
	for _, c := range cases {
		if got := within(c.p, b); got != c.want {
			t.Errorf("%s: within = %v, want %v", c.name, got, c.want)
		}
	}
	if within(b[5:], b[:5]) {
		t.Error("a piece after b is within it")
	}
}

// A failed held write fails the writes after it and closes the
// connection.
func TestConn_FailedReleaseClosesTheConnection(t *testing.T) {
	a, b := net.Pipe()
	b.Close() // every write to a fails
	c := newConn(a, 0, monotonic)
	c.held = &held{}
	if _, err := c.Write([]byte("kept")); err != nil {
		t.Fatalf("a held write failed: %v", err)
	}
	c.release()
	if _, err := c.Write([]byte("next")); err == nil {
		t.Fatal("a write after a failed release succeeded")
	}
	if _, err := a.Read(make([]byte, 1)); err == nil {
		t.Fatal("the connection is still open")
	}
}
