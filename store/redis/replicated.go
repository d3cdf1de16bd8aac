package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// replicaAck makes a write through a Sentinel-managed primary return only
// once a replica has it, so a failover (the primary killed, its replica
// promoted) cannot lose a write the store acknowledged.
//
// WAIT counts the replication offset of the connection it is sent on, and
// the pool may have sent the write on another one; so after every command,
// pipeline or transaction that writes, the hook sends INCR of a marker key
// and WAIT on one connection: the marker comes after the write in the
// replication stream, so its acknowledgement covers the write. A primary
// with no replica connected (the one left after a failover, until another
// joins) has nothing a failover could lose, and its writes pass; one whose
// replicas do not acknowledge within replicaAckTimeout fails the write
// (the caller retries: ingest on the next pass, a reader's comment with a
// 503).
type replicaAck struct {
	rdb goredis.UniversalClient
	key string

	mu      sync.Mutex
	count   int       // replicas of the primary, as last seen
	checked time.Time // when count was read
}

// replicaAckTimeout bounds how long a write waits for a replica.
const replicaAckTimeout = 2 * time.Second

type ackingKey struct{}

func newReplicaAck(rdb goredis.UniversalClient, prefix string) *replicaAck {
	return &replicaAck{rdb: rdb, key: prefix + ":replicated"}
}

func (h *replicaAck) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h *replicaAck) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if err := next(ctx, cmd); err != nil {
			return err
		}
		if ctx.Value(ackingKey{}) != nil || !writes(cmd) {
			return nil
		}
		if err := h.ack(ctx); err != nil {
			cmd.SetErr(err)
			return err
		}
		return nil
	}
}

func (h *replicaAck) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if err := next(ctx, cmds); err != nil {
			return err
		}
		if ctx.Value(ackingKey{}) != nil {
			return nil
		}
		for _, c := range cmds {
			if writes(c) {
				if err := h.ack(ctx); err != nil {
					for _, c := range cmds {
						c.SetErr(err)
					}
					return err
				}
				return nil
			}
		}
		return nil
	}
}

// ack waits for a replica to have everything written so far.
func (h *replicaAck) ack(ctx context.Context) error {
	ctx = context.WithValue(ctx, ackingKey{}, true)
	n, err := h.replicas(ctx, false)
	if err != nil {
		return err
	}
	if n == 0 {
		return nil // no replica: no failover can lose it
	}
	var wait *goredis.Cmd
	_, err = h.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.Incr(ctx, h.key)
		wait = p.Do(ctx, "wait", 1, replicaAckTimeout.Milliseconds())
		return nil
	})
	if err != nil {
		return fmt.Errorf("wait for a replica: %w", err)
	}
	if acked, err := wait.Int64(); err == nil && acked >= 1 {
		return nil
	}
	if n, err := h.replicas(ctx, true); err == nil && n == 0 {
		return nil // the replica left meanwhile
	}
	return errors.New("no replica acknowledged the write in time: it may be lost if the primary fails; retry")
}

// replicas returns how many replicas the primary has, as of at most
// replicaCountTTL ago unless fresh is set. WAIT with none would block for
// its whole timeout, and a primary without replicas (the one a failover
// leaves, until another joins) has nothing a failover could lose; a
// replica that joins meanwhile copies everything written before it.
func (h *replicaAck) replicas(ctx context.Context, fresh bool) (int, error) {
	h.mu.Lock()
	if !fresh && time.Since(h.checked) < replicaCountTTL {
		n := h.count
		h.mu.Unlock()
		return n, nil
	}
	h.mu.Unlock()
	info, err := h.rdb.Info(ctx, "replication").Result()
	if err != nil {
		return 0, fmt.Errorf("wait for a replica: %w", err)
	}
	n := 0
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	h.mu.Lock()
	h.count, h.checked = n, time.Now()
	h.mu.Unlock()
	return n, nil
}

// replicaCountTTL is how long a replica count is trusted.
const replicaCountTTL = 500 * time.Millisecond

// readOnly lists the commands the store sends that change nothing a
// failover could lose (PUBLISH is a notification, not data).
var readOnly = map[string]bool{
	"get": true, "mget": true, "strlen": true, "exists": true, "type": true, "ttl": true, "pttl": true,
	"hget": true, "hmget": true, "hgetall": true, "hkeys": true, "hvals": true, "hlen": true, "hexists": true, "hscan": true,
	"scan": true, "sscan": true, "zscan": true, "keys": true, "dbsize": true, "randomkey": true,
	"zrange": true, "zrangebyscore": true, "zrevrange": true, "zrevrangebyscore": true, "zrangebylex": true,
	"zrank": true, "zrevrank": true, "zscore": true, "zmscore": true, "zcard": true, "zcount": true,
	"smembers": true, "sismember": true, "smismember": true, "scard": true, "srandmember": true,
	"lrange": true, "llen": true, "lindex": true,
	"ping": true, "echo": true, "info": true, "config": true, "time": true, "client": true, "hello": true,
	"auth": true, "select": true, "command": true, "wait": true, "role": true, "readonly": true,
	"multi": true, "exec": true, "discard": true, "watch": true, "unwatch": true,
	"script": true, "evalsha_ro": true, "eval_ro": true, "publish": true,
	"subscribe": true, "psubscribe": true, "unsubscribe": true, "punsubscribe": true, "sentinel": true,
}

// writes reports whether cmd succeeded and may have written.
func writes(cmd goredis.Cmder) bool {
	if err := cmd.Err(); err != nil && !errors.Is(err, goredis.Nil) {
		return false
	}
	return !readOnly[strings.ToLower(cmd.Name())]
}
