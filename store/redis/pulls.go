package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate/store"
)

// Pull analytics: a hash per UTC day (fields "path\x00p" pulls and
// "path\x00n" 304s, added with HINCRBY so replicas add up), expiring
// PullDays after the day; a hash of each feed's latest pull (unix
// nanoseconds, raised only); a hash of subscriber counts by
// "path\x00aggregator".
func (k keys) pullDay(day string) string { return k.p + ":pulls:" + day }
func (k keys) pullLast() string          { return k.p + ":pull-last" }

// pullSubsOf is one feed's subscriber counts (aggregator -> count), kept
// under store.MaxAggregators by keepLargestScript.
func (k keys) pullSubsOf(feed string) string { return k.p + ":pull-subs:" + feed }

var _ store.PullStats = (*Store)(nil)

// raiseScript (sent whole: a pipeline cannot retry EVALSHA) sets a hash field to ARGV[2] unless it holds a larger number.
var raiseScript = goredis.NewScript(`local c = redis.call("HGET", KEYS[1], ARGV[1]) if not c or tonumber(c) < tonumber(ARGV[2]) then redis.call("HSET", KEYS[1], ARGV[1], ARGV[2]) end return 0`)

// keepLargestScript is store.KeepLargest on a hash: KEYS[1] the feed's
// counts, ARGV the name, its count and the bound.
var keepLargestScript = goredis.NewScript(`
if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 1 or redis.call("HLEN", KEYS[1]) < tonumber(ARGV[3]) then
  redis.call("HSET", KEYS[1], ARGV[1], ARGV[2]) return 1
end
local all = redis.call("HGETALL", KEYS[1])
local minName, minN
for i = 1, #all, 2 do
  local v = tonumber(all[i + 1])
  if minN == nil or v < minN or (v == minN and all[i] > minName) then minName, minN = all[i], v end
end
if tonumber(ARGV[2]) <= minN then return 0 end
redis.call("HDEL", KEYS[1], minName)
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
return 1`)

// AddPulls adds one flush of pull counts in one pipeline.
func (s *Store) AddPulls(ctx context.Context, deltas []store.PullDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	for _, d := range deltas {
		if _, err := time.Parse(store.PullDayFormat, d.Day); err != nil {
			return fmt.Errorf("pull day %q of %s: %w", d.Day, d.Feed, err)
		}
	}
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, d := range deltas {
			day, _ := time.Parse(store.PullDayFormat, d.Day)
			key := s.k.pullDay(d.Day)
			p.HIncrBy(ctx, key, d.Feed+"\x00p", d.Pulls)
			if d.NotModified != 0 {
				p.HIncrBy(ctx, key, d.Feed+"\x00n", d.NotModified)
			}
			// A day is kept while it is one of the last PullDays.
			p.ExpireAt(ctx, key, day.AddDate(0, 0, store.PullDays))
			if !d.Last.IsZero() {
				raiseScript.Eval(ctx, p, []string{s.k.pullLast()}, d.Feed, d.Last.UnixNano())
			}
			for agg, n := range d.Subscribers {
				keepLargestScript.Eval(ctx, p, []string{s.k.pullSubsOf(d.Feed)}, agg, n, store.MaxAggregators)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add pulls: %w", err)
	}
	return nil
}

// Pulls returns the stored pull counts from day since on (at most
// PullDays days).
func (s *Store) Pulls(ctx context.Context, since string) (*store.PullReport, error) {
	first, err := time.Parse(store.PullDayFormat, since)
	if err != nil {
		return nil, fmt.Errorf("pull day %q: %w", since, err)
	}
	days := make([]string, store.PullDays)
	cmds := make([]*goredis.MapStringStringCmd, store.PullDays)
	var last *goredis.MapStringStringCmd
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i := range days {
			days[i] = first.AddDate(0, 0, i).Format(store.PullDayFormat)
			cmds[i] = p.HGetAll(ctx, s.k.pullDay(days[i]))
		}
		last = p.HGetAll(ctx, s.k.pullLast())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read pulls: %w", err)
	}
	out := &store.PullReport{Days: map[string]map[string]store.PullCounts{}, Last: map[string]time.Time{}, Subscribers: map[string]map[string]int64{}}
	for i, c := range cmds {
		if len(c.Val()) == 0 {
			continue
		}
		m := map[string]store.PullCounts{}
		for f, v := range c.Val() {
			feed, which, ok := strings.Cut(f, "\x00")
			n, err := strconv.ParseInt(v, 10, 64)
			if !ok || err != nil {
				continue
			}
			pc := m[feed]
			if which == "n" {
				pc.NotModified = n
			} else {
				pc.Pulls = n
			}
			m[feed] = pc
		}
		out.Days[days[i]] = m
	}
	for feed, v := range last.Val() {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out.Last[feed] = time.Unix(0, n).UTC()
		}
	}
	// Every feed pulled has a last pull: its subscriber counts, if any,
	// are in its own bounded hash.
	subs := make(map[string]*goredis.MapStringStringCmd, len(last.Val()))
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for feed := range last.Val() {
			subs[feed] = p.HGetAll(ctx, s.k.pullSubsOf(feed))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read pull subscribers: %w", err)
	}
	for feed, c := range subs {
		for agg, v := range c.Val() {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				continue
			}
			if out.Subscribers[feed] == nil {
				out.Subscribers[feed] = map[string]int64{}
			}
			out.Subscribers[feed][agg] = n
		}
	}
	return out, nil
}
