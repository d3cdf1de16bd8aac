package serveconn

import (
	"net"
	"sync/atomic"
	"time"
)

// Listener wraps a listener's connections. A server using it sets
// ConnContext as its http.Server.ConnContext, so that Write finds the
// connection of a request.
type Listener struct {
	net.Listener
	// Timeout is how long a write may block (at least half of it is
	// always ahead of a write). Zero or less: no write deadline at all.
	Timeout time.Duration
}

// Accept waits for the next connection and wraps it.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	return newConn(c, l.Timeout, monotonic), nil
}

// epoch is the reference of the monotonic clock the connections read.
var epoch = time.Now()

func monotonic() int64 { return int64(time.Since(epoch)) }

// Conn is a connection whose writes renew its deadline and may be held
// back to leave as one.
type Conn struct {
	net.Conn
	timeout int64
	now     func() int64 // monotonic nanoseconds
	// due is when the deadline in force passes (monotonic nanoseconds;
	// 0: none yet); pinned says one was set explicitly. Writes come from
	// one goroutine at a time, but a deadline may be set from another.
	due    atomic.Int64
	pinned atomic.Bool
	// held is what was written while holding (nil: not holding), and
	// failed the error of the write that sent it, returned by every
	// write after it. Only the goroutine writing touches them.
	held   *held
	failed error
}

func newConn(c net.Conn, timeout time.Duration, now func() int64) *Conn {
	return &Conn{Conn: c, timeout: int64(timeout), now: now}
}

// Write keeps p while the connection holds its writes; otherwise it
// renews the write deadline when less than half the timeout is left of
// it, then writes.
func (c *Conn) Write(p []byte) (int, error) {
	if c.failed != nil {
		return 0, c.failed
	}
	if c.held != nil {
		c.held.add(p)
		return len(p), nil
	}
	if err := c.renew(); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// renew sets a write deadline the whole timeout ahead when the one in
// force has less than half of it left.
func (c *Conn) renew() error {
	if c.timeout > 0 && !c.pinned.Load() {
		now := c.now()
		if due := c.due.Load(); due == 0 || due-now < c.timeout/2 {
			if err := c.Conn.SetWriteDeadline(time.Now().Add(time.Duration(c.timeout))); err != nil {
				return err
			}
			c.due.Store(now + c.timeout)
		}
	}
	return nil
}

// SetWriteDeadline sets the write deadline as given and stops the
// renewal.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.pinned.Store(true)
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines as given and stops the renewal.
func (c *Conn) SetDeadline(t time.Time) error {
	c.pinned.Store(true)
	return c.Conn.SetDeadline(t)
}

// CloseWrite half-closes the connection if it can (net/http does so
// before closing after an error, so that the client reads the answer);
// otherwise it does nothing, as net/http does for such a connection.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Unwrap returns the wrapped connection.
func (c *Conn) Unwrap() net.Conn { return c.Conn }
