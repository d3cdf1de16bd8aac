package ingest

import (
	"context"

	"syndicate"
	"syndicate/ingest/fetch"
)

// RunBody ingests body as src's feed now, as though a fetch of the feed
// had just answered it with contentType (a WebSub delivery that carries
// the feed): the same body cap, parse, normalize, sanitizing, dedupe,
// status, retention and change notification as Run, which it calls. Our
// own failure backoff is skipped (nothing is fetched from the partner);
// a disabled source or a partner's Retry-After window still stops it.
func (in *Ingester) RunBody(ctx context.Context, src syndicate.Source, body []byte, contentType string) Summary {
	target := src.URL
	if st, err := in.store.SourceStatus(ctx, src.ID); err == nil && st.FeedURL == src.URL && st.PermanentURL != "" {
		target = st.PermanentURL
	}
	return in.Run(fetch.WithBody(ctx, target, body, contentType), src, true)
}
