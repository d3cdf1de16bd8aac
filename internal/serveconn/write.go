package serveconn

import (
	"context"
	"net"
	"net/http"
	"sync"
	"unsafe"
)

// minCoalesced is the body below which net/http's 4 KiB buffer takes
// the header (a few hundred bytes) and the body together already: holding
// such an answer would only add a copy.
const minCoalesced = 3584

type connKey struct{}

// ConnContext is the http.Server.ConnContext of a server on a Listener:
// it puts the connection in every request's context, for Write.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if sc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, connKey{}, sc)
	}
	return ctx
}

// held is what a holding connection keeps: copies of what net/http
// writes from its own buffers, and references to the answer's body
// (which is not modified while it is held), in the order written.
type held struct {
	copies []byte
	from   int // where the copies not yet in segs start
	segs   net.Buffers
	body   []byte
}

var helds = sync.Pool{New: func() any { return &held{copies: make([]byte, 0, 8<<10)} }}

// add keeps p: by reference if it lies within the body, else a copy.
func (h *held) add(p []byte) {
	if within(p, h.body) {
		h.cut()
		h.segs = append(h.segs, p)
		return
	}
	h.copies = append(h.copies, p...)
}

// cut ends the current run of copies as a segment.
func (h *held) cut() {
	if len(h.copies) > h.from {
		h.segs = append(h.segs, h.copies[h.from:])
		h.from = len(h.copies)
	}
}

// sendBuffers writes b to c: one writev on a TCP connection.
var sendBuffers = func(c net.Conn, b *net.Buffers) (int64, error) { return b.WriteTo(c) }

// within reports whether p is a piece of b.
func within(p, b []byte) bool {
	if len(p) == 0 || len(b) == 0 {
		return false
	}
	ps, bs := uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return ps >= bs && ps+uintptr(len(p)) <= bs+uintptr(len(b))
}

// Write answers r with code and body, its headers already set in w
// (Content-Length among them), and body left unmodified until it
// returns. On a Listener's connection an answer with a body of
// minCoalesced bytes or more leaves in one system call (a writev of the
// status line and header, which net/http buffers, and the body, which
// is not copied); anywhere else it is w.WriteHeader and w.Write as
// usual. A HEAD answer writes no body.
func Write(w http.ResponseWriter, r *http.Request, code int, body []byte) {
	c, _ := r.Context().Value(connKey{}).(*Conn)
	if c == nil || r.Method == http.MethodHead || len(body) < minCoalesced || c.held != nil {
		w.WriteHeader(code)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
		return
	}
	h := helds.Get().(*held)
	h.body = body
	c.held = h
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
	h := c.held
	c.held = nil
	h.cut()
	if len(h.segs) > 0 {
		err := c.renew()
		if err == nil {
			bufs := h.segs // WriteTo consumes its receiver
			_, err = sendBuffers(c.Conn, &bufs)
		}
		if err != nil {
			c.failed = err
			c.Conn.Close()
		}
	}
	clear(h.segs) // no reference to the body outlives the answer
	h.segs, h.copies, h.from, h.body = h.segs[:0], h.copies[:0], 0, nil
	if cap(h.copies) <= 64<<10 {
		helds.Put(h)
	}
}
