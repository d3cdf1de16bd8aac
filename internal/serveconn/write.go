package serveconn

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// MaxCoalesced is the largest body Write sends in one system call with
// its header: a copy of the body costs less than a second call up to
// there, and a held buffer is not kept past it.
const MaxCoalesced = 64 << 10

// minCoalesced is the body below which net/http's own buffer takes the
// header and the body together already.
const minCoalesced = 3 << 10

type connKey struct{}

// ConnContext is the http.Server.ConnContext of a server on a Listener:
// it puts the connection in every request's context, for Write.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if sc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, connKey{}, sc)
	}
	return ctx
}

var heldBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 16<<10)
	return &b
}}

// Write answers r with code and body, its headers already set in w
// (Content-Length among them). On a Listener's connection a body of
// minCoalesced to MaxCoalesced bytes leaves with the status line and
// the header in one write; anywhere else, or for another size, it is
// w.WriteHeader and w.Write as usual. A HEAD answer writes no body.
func Write(w http.ResponseWriter, r *http.Request, code int, body []byte) {
	c, _ := r.Context().Value(connKey{}).(*Conn)
	if c == nil || r.Method == http.MethodHead || len(body) < minCoalesced || len(body) > MaxCoalesced || c.held != nil {
		w.WriteHeader(code)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
		return
	}
	c.held = heldBuffers.Get().(*[]byte)
	w.WriteHeader(code)
	w.Write(body)
	// net/http's buffers go to the connection, which keeps them; then
	// all of it leaves at once.
	http.NewResponseController(w).Flush()
	c.release()
}

// release stops holding and sends what was held in one write. A failed
// write fails every write after it and closes the connection: net/http
// was told the bytes were written, and learns otherwise from the next
// write or read.
func (c *Conn) release() {
	held := c.held
	c.held = nil
	if len(*held) > 0 {
		if _, err := c.write(*held); err != nil {
			c.failed = err
			c.Conn.Close()
		}
	}
	if cap(*held) <= MaxCoalesced+8<<10 {
		*held = (*held)[:0]
		heldBuffers.Put(held)
	}
}
