package admin

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"syndicate/comments"
)

// Failed sign-ins and bad bearer tokens are counted per client in the
// store, so the limit holds on every replica: after AuthFailureLimit of
// them in AuthFailureWindow the client is refused (429 with Retry-After),
// a right token included, until the window ends.
const (
	AuthFailureLimit  = 10
	AuthFailureWindow = 15 * time.Minute
)

func authKey(client string) string { return "admin-auth:" + client }

// clientIP is the address a request came from, behind trusted proxies too.
func (s *Service) clientIP(r *http.Request) string {
	return comments.ClientIP(r, s.opts.TrustedProxies)
}

// wait is how long until reset, in whole seconds, at least one.
func wait(reset, now time.Time) time.Duration {
	d := reset.Sub(now)
	if d < time.Second {
		return time.Second
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

// throttled returns how long the client must wait before it may try a
// token again; 0 when it may try now.
func (s *Service) throttled(ctx context.Context, client string) (time.Duration, error) {
	now := s.opts.Now()
	n, reset, err := s.opts.Store.Strikes(ctx, authKey(client), now)
	if err != nil || n < AuthFailureLimit {
		return 0, err
	}
	return wait(reset, now), nil
}

// authFailed counts and logs a refused token from client (via names the
// surface: "api" or "page") and returns how long the client must now wait;
// 0 while it is under the limit.
func (s *Service) authFailed(ctx context.Context, client, via string) (time.Duration, error) {
	now := s.opts.Now()
	n, reset, err := s.opts.Store.Hit(ctx, authKey(client), AuthFailureWindow, now)
	if err != nil {
		s.log.Warn("admin sign-in refused", "via", via, "remote_addr", client, "error", err)
		return 0, err
	}
	if n >= AuthFailureLimit {
		s.log.Warn("admin sign-in refused; client throttled", "via", via, "remote_addr", client, "failures", n, "until", reset.UTC().Format(time.RFC3339))
		return wait(reset, now), nil
	}
	s.log.Warn("admin sign-in refused", "via", via, "remote_addr", client, "failures", n)
	return 0, nil
}

// retryAfterSeconds is d as a Retry-After value.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(d / time.Second))
}
