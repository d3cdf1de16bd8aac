package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
)

// unavailableHook turns "Redis cannot be reached" errors into
// syndicate.EUnavailable errors on every command and pipeline, so callers
// (the admin API: 503; the feeds: stale-if-error) tell an outage from a
// bug without knowing Redis.
type unavailableHook struct{ on func() }

func (unavailableHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h unavailableHook) count() {
	if h.on != nil {
		h.on()
	}
}

func (h unavailableHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		if w := classify(err); w != err {
			cmd.SetErr(w)
			h.count()
			return w
		}
		return err
	}
}

func (h unavailableHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			if w := classify(c.Err()); w != c.Err() {
				c.SetErr(w)
			}
		}
		w := classify(err)
		if w != err {
			h.count()
		}
		return w
	}
}

// ErrUnavailable is the kind of error returned while Redis is away.
var ErrUnavailable = &syndicate.Error{Kind: syndicate.EUnavailable, Message: "the store (Redis) is unavailable; try again shortly"}

// classify wraps connection-level failures in ErrUnavailable.
func classify(err error) error {
	if err == nil || errors.Is(err, goredis.Nil) || syndicate.ErrorKind(err) == syndicate.EUnavailable {
		return err
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, goredis.ErrClosed), errors.Is(err, goredis.ErrPoolTimeout),
		strings.HasPrefix(err.Error(), "LOADING"), strings.HasPrefix(err.Error(), "CLUSTERDOWN"),
		strings.HasPrefix(err.Error(), "MASTERDOWN"), strings.HasPrefix(err.Error(), "TRYAGAIN"):
		return fmt.Errorf("%w (%v)", ErrUnavailable, err)
	}
	return err
}
