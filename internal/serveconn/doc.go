// Package serveconn is the server's side of a client connection: what
// net/http leaves to the connection and does at a cost on every
// response.
//
// A write deadline (deadline.go). http.Server's WriteTimeout sets a
// fresh one on the connection for every request, a runtime timer moved
// per response; a Listener's connections renew theirs only when the one
// in force has less than half the timeout left, about twice per timeout
// on a busy connection. Every Write still has at least half the timeout
// and at most all of it ahead of it, so a client that stops reading is
// dropped within the timeout whatever the size of the answer: net/http
// hands a body larger than its buffer to the connection in one Write.
// A deadline set explicitly (SetWriteDeadline or SetDeadline, as
// http.ResponseController does) is honoured as given, and the
// connection stops renewing its own.
//
// One write per answer (write.go). net/http buffers 4 KiB per
// connection: a cached page of 8 KiB leaves in two system calls, the
// header and the start of the body, then the rest, each waking the
// client. Write sends a whole answer in one writev: what net/http
// buffered, copied, and the body, by reference.
package serveconn
