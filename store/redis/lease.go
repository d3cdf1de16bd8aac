package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// RunningTTL is how long a running mark outlives its holder: a replica
// that dies mid-ingest frees the source this long after its last renewal.
const RunningTTL = 30 * time.Second

func (k keys) tickLease(sourceID string, tick time.Time) string {
	return k.p + ":{l:" + sourceID + "}:tick:" + strconv.FormatInt(tick.Unix(), 10)
}

func (k keys) running(sourceID string) string { return k.p + ":{l:" + sourceID + "}:running" }

var (
	// renewScript extends KEYS[1] when it still holds ARGV[1].
	renewScript = goredis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)
	// acquireScript takes the tick (kept for the whole window, so the tick
	// runs once fleet-wide even after this run ends) and the running mark
	// in one step; both keys share the source's hash tag.
	acquireScript = goredis.NewScript(`
if redis.call("EXISTS", KEYS[2]) == 1 then return 0 end
if not redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then return -1 end
redis.call("SET", KEYS[2], ARGV[1], "PX", ARGV[3])
return 1`)
)

// Acquire claims one tick of a source for this replica (scheduler.Leaser):
// SET NX PX on a key naming the source and the tick instant, which
// expires after the tick's window instead of being deleted, plus a
// running mark renewed while the run lasts and released with a
// compare-and-delete. ok is false when another replica has the tick, or
// is still running the source (then the tick is skipped, not queued).
func (s *Store) Acquire(ctx context.Context, sourceID string, tick time.Time, window time.Duration) (func(), bool, error) {
	var b [16]byte
	rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	keys := []string{s.k.tickLease(sourceID, tick), s.k.running(sourceID)}
	res, err := acquireScript.Run(ctx, s.rdb, keys, token, window.Milliseconds(), s.leaseTTL.Milliseconds()).Int()
	if err != nil {
		return nil, false, fmt.Errorf("lease %s: %w", sourceID, err)
	}
	if res != 1 {
		return nil, false, nil
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	pace, stopPace := s.renewPace(s.leaseTTL / 3)
	go func() {
		defer close(done)
		defer stopPace()
		for {
			select {
			case <-stop:
				return
			case <-pace:
				rctx, cancel := context.WithTimeout(context.Background(), s.leaseTTL/3)
				err := renewScript.Run(rctx, s.rdb, keys[1:], token, s.leaseTTL.Milliseconds()).Err()
				cancel()
				if err != nil {
					s.log.Warn("lease renewal failed", "source_id", sourceID, "error", err)
				}
			}
		}
	}()
	release := func() {
		close(stop)
		<-done
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := releaseScript.Run(rctx, s.rdb, keys[1:], token).Err(); err != nil && err != goredis.Nil {
			s.log.Warn("lease release failed (it expires by itself)", "source_id", sourceID, "error", err)
		}
	}
	return release, true, nil
}

// renewPace returns the channel that paces a running mark's renewals and
// a function that stops it: a ticker every d, unless a test injected its
// own pace (renewals on demand instead of waiting for the clock).
func (s *Store) renewPace(d time.Duration) (<-chan time.Time, func()) {
	if s.renewals != nil {
		return s.renewals(d)
	}
	t := time.NewTicker(d)
	return t.C, t.Stop
}
