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
func (k keys) pullSubs() string          { return k.p + ":pull-subs" }

var _ store.PullStats = (*Store)(nil)

// raiseScript (sent whole: a pipeline cannot retry EVALSHA) sets a hash field to ARGV[2] unless it holds a larger number.
var raiseScript = goredis.NewScript(`local c = redis.call("HGET", KEYS[1], ARGV[1]) if not c or tonumber(c) < tonumber(ARGV[2]) then redis.call("HSET", KEYS[1], ARGV[1], ARGV[2]) end return 0`)

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
				p.HSet(ctx, s.k.pullSubs(), d.Feed+"\x00"+agg, n)
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
	var last, subs *goredis.MapStringStringCmd
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i := range days {
			days[i] = first.AddDate(0, 0, i).Format(store.PullDayFormat)
			cmds[i] = p.HGetAll(ctx, s.k.pullDay(days[i]))
		}
		last = p.HGetAll(ctx, s.k.pullLast())
		subs = p.HGetAll(ctx, s.k.pullSubs())
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
	for k, v := range subs.Val() {
		feed, agg, ok := strings.Cut(k, "\x00")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			continue
		}
		if out.Subscribers[feed] == nil {
			out.Subscribers[feed] = map[string]int64{}
		}
		out.Subscribers[feed][agg] = n
	}
	return out, nil
}
