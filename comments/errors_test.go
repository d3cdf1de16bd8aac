package comments_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"syndicate"
	"syndicate/comments"
	"syndicate/store"
)

// brokenStore fails one write with err, as a broken or absent store would.
type brokenStore struct {
	comments.Store
	err error
}

func (b brokenStore) AddComment(ctx context.Context, c *syndicate.Comment, maxDepth int) (*syndicate.Comment, []store.FeedKey, error) {
	return nil, nil, b.err
}

// A store error the comments do not know is a 500 with a bland message
// (as on the admin API); only a store that is away is a 503.
func TestSubmit_StoreErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
	}{
		{"Unknown", errors.New("disk on fire: /var/lib/secret"), http.StatusInternalServerError},
		{"Unavailable", syndicate.Errorf(syndicate.EUnavailable, "the store is away"), http.StatusServiceUnavailable},
		{"Conflict", syndicate.Errorf(syndicate.EConflict, "the thread is too deep"), http.StatusConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(o *comments.Options, _ *comments.HandlerOptions) {
				o.Store = brokenStore{Store: o.Store, err: tt.err}
			})
			resp, body := f.post(t, f.aid, good())
			if resp.StatusCode != tt.code {
				t.Fatalf("status = %d %v, want %d", resp.StatusCode, body, tt.code)
			}
			if msg, _ := body["error"].(string); msg == "" || strings.Contains(msg, "secret") {
				t.Errorf("error = %q, want a message without the detail", msg)
			}
		})
	}
}
