// Package analytics counts who pulls which feed: per public feed and per
// partner feed (keyed by the feed's path without query), pulls per UTC
// day, how many were answered 304 Not Modified, the last pull, and the
// subscriber counts feed readers report in their User-Agent.
//
// Pulls are counted in memory (a sharded map, one short lock per pull)
// and flushed to the store in batches, so the fleet's replicas add up
// without a store write per request.
package analytics

import (
	"context"
	"hash/maphash"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"syndicate/store"
)

// Kind tells a partner's private feed from a public one.
type Kind uint8

const (
	Public Kind = iota
	Partner
)

func (k Kind) String() string {
	if k == Partner {
		return "partner"
	}
	return "public"
}

// Classify reports whether path is a feed that is counted, and its kind:
// the site feeds (/feed.*, /comments.*), source, category and article
// comment feeds, and every partner feed (/partners/...).
func Classify(path string) (Kind, bool) {
	if strings.HasPrefix(path, "/partners/") {
		return Partner, strings.Count(path, "/") >= 3
	}
	file := path[strings.LastIndexByte(path, '/')+1:]
	if !strings.HasPrefix(file, "feed.") && !strings.HasPrefix(file, "comments.") {
		return Public, false
	}
	switch {
	case len(path) == len(file)+1: // "/" + file
		return Public, true
	case strings.HasPrefix(path, "/sources/"), strings.HasPrefix(path, "/categories/"), strings.HasPrefix(path, "/articles/"):
		return Public, strings.Count(path, "/") == 3
	}
	return Public, false
}

// PartnerOf returns the partner name of a partner feed path ("" if none).
func PartnerOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/partners/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

const shards = 16

// maxPending bounds the deltas kept for a store that keeps failing; beyond
// it the oldest are dropped (and logged), never the process's memory.
const maxPending = 100_000

type entry struct {
	pulls, notModified int64
	last               int64 // unix nanoseconds
	subs               map[string]int64
}

type shard struct {
	mu  sync.Mutex
	day int64 // days since the epoch (UTC) of m
	m   map[string]*entry
	// done holds the deltas of days this shard moved past, to flush.
	done []store.PullDelta
}

// Options configures a Counter.
type Options struct {
	Store  store.PullStats
	Logger *slog.Logger
	Now    func() time.Time // time.Now if nil
}

// Counter counts pulls in memory and flushes them to a store.
type Counter struct {
	opts   Options
	seed   maphash.Seed
	shards [shards]shard
	totals [2][2]atomic.Int64 // kind, not modified

	// clock is the time pulls are counted at while Run runs (unix
	// nanoseconds, refreshed every clockTick): reading the clock costs
	// more than the rest of counting a pull, and a pull's time only
	// matters to the second. Zero when Run is not running: Options.Now.
	clock atomic.Int64

	flushMu sync.Mutex // one flush at a time
	pending []store.PullDelta
	subsMu  sync.Mutex
	subs    map[string]map[string]int64 // what this replica flushed last, per feed
}

// New returns a Counter.
func New(opts Options) *Counter {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Counter{opts: opts, seed: maphash.MakeSeed(), subs: map[string]map[string]int64{}}
	for i := range c.shards {
		c.shards[i].m = map[string]*entry{}
	}
	return c
}

const day = int64(24 * time.Hour)

// Record counts one pull of the feed at path (a 200, or a 304 when
// notModified) by a client sending ua, at now.
func (c *Counter) Record(kind Kind, path string, notModified bool, ua string, now time.Time) {
	c.record(kind, path, notModified, ua, now.UnixNano())
}

// clockTick is how often Run refreshes the counting clock.
const clockTick = 250 * time.Millisecond

func (c *Counter) now() int64 {
	if t := c.clock.Load(); t != 0 {
		return t
	}
	return c.opts.Now().UnixNano()
}

func (c *Counter) record(kind Kind, path string, notModified bool, ua string, at int64) {
	nm := 0
	if notModified {
		nm = 1
	}
	c.totals[kind&1][nm].Add(1)
	agg, n, reported := ParseSubscribers(ua)
	d := at / day
	s := &c.shards[maphash.String(c.seed, path)%shards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if d != s.day {
		if d < s.day { // the clock stepped back: count it in the current day
			d = s.day
		} else {
			s.done = appendDeltas(s.done, s.day, s.m)
			s.day, s.m = d, map[string]*entry{}
		}
	}
	e := s.m[path]
	if e == nil {
		e = &entry{}
		s.m[strings.Clone(path)] = e
	}
	e.pulls++
	e.notModified += int64(nm)
	e.last = max(e.last, at)
	if reported {
		if e.subs == nil {
			e.subs = map[string]int64{}
		}
		store.KeepLargest(e.subs, agg, n) // hostile User-Agents cannot grow it
	}
}

func appendDeltas(out []store.PullDelta, d int64, m map[string]*entry) []store.PullDelta {
	if len(m) == 0 {
		return out
	}
	date := time.Unix(d*day/int64(time.Second), 0).UTC().Format(store.PullDayFormat)
	for path, e := range m {
		out = append(out, store.PullDelta{Day: date, Feed: path, PullCounts: store.PullCounts{Pulls: e.pulls, NotModified: e.notModified},
			Last: time.Unix(0, e.last).UTC(), Subscribers: e.subs})
	}
	return out
}

// Flush writes what was counted since the last flush to the store in one
// batch. On a store error the counts are kept for the next flush.
func (c *Counter) Flush(ctx context.Context) error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	deltas := c.pending
	c.pending = nil
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		done, m, d := s.done, s.m, s.day
		s.done = nil
		if len(m) > 0 {
			s.m = map[string]*entry{}
		}
		s.mu.Unlock()
		deltas = append(append(deltas, done...), appendDeltas(nil, d, m)...)
	}
	if len(deltas) == 0 {
		return nil
	}
	if err := c.opts.Store.AddPulls(ctx, deltas); err != nil {
		if over := len(deltas) - maxPending; over > 0 {
			c.opts.Logger.Warn("pull analytics: store keeps failing, dropping the oldest counts", "deltas", over)
			deltas = deltas[over:]
		}
		c.pending = deltas
		return err
	}
	c.subsMu.Lock()
	for _, d := range deltas {
		if len(d.Subscribers) > 0 {
			m := c.subs[d.Feed]
			if m == nil {
				m = map[string]int64{}
				c.subs[d.Feed] = m
			}
			for agg, n := range d.Subscribers {
				store.KeepLargest(m, agg, n)
			}
		}
	}
	c.subsMu.Unlock()
	return nil
}

// Run flushes every interval until ctx ends, then once more (within a
// few seconds) so a graceful stop loses no count.
func (c *Counter) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	tick := time.NewTicker(clockTick)
	defer tick.Stop()
	c.clock.Store(c.opts.Now().UnixNano())
	defer c.clock.Store(0)
	for {
		select {
		case <-tick.C:
			c.clock.Store(c.opts.Now().UnixNano())
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.Flush(fctx); err != nil {
				c.opts.Logger.Warn("pull analytics: final flush failed", "error", err)
			}
			return
		case <-t.C:
			if err := c.Flush(ctx); err != nil && ctx.Err() == nil {
				c.opts.Logger.Warn("pull analytics: flush failed, kept for the next one", "error", err)
			}
		}
	}
}

// Total returns how many pulls of kind this replica counted since start,
// answered 304 when notModified, else 200.
func (c *Counter) Total(kind Kind, notModified bool) int64 {
	nm := 0
	if notModified {
		nm = 1
	}
	return c.totals[kind&1][nm].Load()
}

// Subscribers sums the latest subscriber counts this replica flushed, over
// feeds of kind and aggregators.
func (c *Counter) Subscribers(kind Kind) int64 {
	c.subsMu.Lock()
	defer c.subsMu.Unlock()
	var n int64
	for feed, m := range c.subs {
		if k, _ := Classify(feed); k != kind {
			continue
		}
		for _, v := range m {
			n += v
		}
	}
	return n
}

// Observe counts r if it is a GET or HEAD of a feed (Classify) answered
// 200 or 304: the after-hook of metrics.Middleware, which records the
// status, so a request is wrapped once for both.
func (c *Counter) Observe(r *http.Request, status int) {
	if status != http.StatusOK && status != http.StatusNotModified {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return
	}
	kind, ok := Classify(r.URL.Path)
	if !ok {
		return
	}
	var ua string
	if v := r.Header["User-Agent"]; len(v) > 0 {
		ua = v[0]
	}
	c.record(kind, r.URL.Path, status == http.StatusNotModified, ua, c.now())
}
