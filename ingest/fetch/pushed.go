package fetch

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
)

type pushedKey struct{}

// pushed is a body that arrived without a fetch (a WebSub delivery).
type pushed struct {
	url         string
	body        []byte
	contentType string
	used        atomic.Bool
}

// WithBody returns a context under which the first Fetch of url answers
// with body, as a 200 from url, instead of going out: a body pushed to us
// then takes the very path, and the bounds, of a fetched one. The body
// cap applies to it as to a fetched body; validators sent with the
// request are kept, so the next poll stays conditional. Only one Fetch
// is answered so; later ones (comment feeds) go out as usual.
func WithBody(ctx context.Context, url string, body []byte, contentType string) context.Context {
	return context.WithValue(ctx, pushedKey{}, &pushed{url: url, body: body, contentType: contentType})
}

// fromPushed answers req from a body given to WithBody, if any.
func (f *Fetcher) fromPushed(ctx context.Context, req Request) (*Response, error, bool) {
	p, _ := ctx.Value(pushedKey{}).(*pushed)
	if p == nil || p.url != req.URL || !p.used.CompareAndSwap(false, true) {
		return nil, nil, false
	}
	if int64(len(p.body)) > f.opts.MaxBytes {
		return nil, fmt.Errorf("%w: over %d bytes (ingest.max_body_bytes)", ErrTooLarge, f.opts.MaxBytes), true
	}
	return &Response{
		Status: http.StatusOK, Body: p.body, ContentType: p.contentType,
		ETag: req.ETag, LastModified: req.LastModified, FinalURL: req.URL, Header: http.Header{},
	}, nil, true
}
