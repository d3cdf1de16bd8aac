package metrics

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The HTTP metrics (requests by route and status, latency by route) are
// counted per connection: a connection serves one request at a time, so
// its counters are written by one goroutine and never bounce between
// cores, where one set of counters shared by every request (a
// prometheus.HistogramVec: four atomic read-modify-writes per
// observation) is contended by every core on every request. A server
// sets ConnContext and ConnState on its http.Server; a closed
// connection's counts are added to the process's, and a scrape sums the
// process's and every open connection's. Requests that come without a
// connection of their own (a handler called directly) count in the
// process's tally at once.

// latencyBounds are the latency histogram's upper bounds, in seconds.
var latencyBounds = [...]float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// latencyNanos are latencyBounds in nanoseconds.
var latencyNanos = func() (n [len(latencyBounds)]int64) {
	for i, b := range latencyBounds {
		n[i] = int64(b * float64(time.Second))
	}
	return n
}()

// commonCodes are the status codes a tally counts in place; any other
// code counts in its route's rare map.
var commonCodes = [...]int{200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308,
	400, 401, 403, 404, 405, 406, 409, 410, 412, 413, 414, 415, 416, 422, 429, 431,
	500, 501, 502, 503, 504}

// codeSlot is 1 + a code's index in commonCodes (0: not common).
var codeSlot = func() (s [600]int8) {
	for i, c := range commonCodes {
		s[c] = int8(i + 1)
	}
	return s
}()

// routeTally is one route's counts in one tally.
type routeTally struct {
	codes   [len(commonCodes)]atomic.Uint64
	buckets [len(latencyBounds) + 1]atomic.Uint64 // per bucket, not cumulative; the last is +Inf
	sumNs   atomic.Int64
}

// tally is the counts of one connection, or the process's.
type tally struct {
	routes atomic.Pointer[[]*routeTally] // by route index; replaced (copied) under Metrics.mu to grow
}

// route is one route pattern's label and index.
type route struct {
	pattern string
	idx     int
	rare    sync.Map // status code (int) → *atomic.Uint64, for codes not in commonCodes
}

type tallyKey struct{}

// ConnContext is the http.Server.ConnContext of a server whose metrics
// these are: it opens the connection's tally.
func (m *Metrics) ConnContext(ctx context.Context, c net.Conn) context.Context {
	t := &tally{}
	m.mu.Lock()
	m.conns[c] = t
	m.mu.Unlock()
	return context.WithValue(ctx, tallyKey{}, t)
}

// ConnState is the http.Server.ConnState of such a server: a closed (or
// hijacked) connection's counts go to the process's tally.
func (m *Metrics) ConnState(c net.Conn, s http.ConnState) {
	if s != http.StateClosed && s != http.StateHijacked {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.conns[c]
	if !ok {
		return
	}
	delete(m.conns, c)
	rs := t.routes.Load()
	if rs == nil {
		return
	}
	for idx, rt := range *rs {
		if rt == nil {
			continue
		}
		into := m.routeTallyLocked(&m.shared, idx)
		for i := range rt.codes {
			into.codes[i].Add(rt.codes[i].Load())
		}
		for i := range rt.buckets {
			into.buckets[i].Add(rt.buckets[i].Load())
		}
		into.sumNs.Add(rt.sumNs.Load())
	}
}

// observe counts one request of rt answered with code after d.
func (m *Metrics) observe(ctx context.Context, rt *route, code int, d time.Duration) {
	t, _ := ctx.Value(tallyKey{}).(*tally)
	if t == nil {
		t = &m.shared
	}
	var r *routeTally
	if rs := t.routes.Load(); rs != nil && rt.idx < len(*rs) && (*rs)[rt.idx] != nil {
		r = (*rs)[rt.idx]
	} else {
		m.mu.Lock()
		r = m.routeTallyLocked(t, rt.idx)
		m.mu.Unlock()
	}
	if code >= 0 && code < len(codeSlot) && codeSlot[code] != 0 {
		r.codes[codeSlot[code]-1].Add(1)
	} else {
		v, _ := rt.rare.LoadOrStore(code, new(atomic.Uint64))
		v.(*atomic.Uint64).Add(1)
	}
	ns := int64(d)
	b := 0
	for b < len(latencyNanos) && ns > latencyNanos[b] {
		b++
	}
	r.buckets[b].Add(1)
	r.sumNs.Add(ns)
}

// routeTallyLocked returns t's tally of route idx, making it; under m.mu.
func (m *Metrics) routeTallyLocked(t *tally, idx int) *routeTally {
	var cur []*routeTally
	if rs := t.routes.Load(); rs != nil {
		cur = *rs
	}
	if idx < len(cur) && cur[idx] != nil {
		return cur[idx]
	}
	next := make([]*routeTally, max(len(cur), idx+1))
	copy(next, cur)
	next[idx] = &routeTally{}
	t.routes.Store(&next)
	return next[idx]
}

// route returns the route of pattern, numbering it on first sight.
func (m *Metrics) route(pattern string) *route {
	if v, ok := m.routes.Load(pattern); ok {
		return v.(*route)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.routes.Load(pattern); ok {
		return v.(*route)
	}
	rt := &route{pattern: pattern, idx: len(m.byIdx)}
	m.byIdx = append(m.byIdx, rt)
	m.routes.Store(pattern, rt)
	return rt
}

// httpCollector exports the tallies as syndicate_http_requests_total and
// syndicate_http_request_duration_seconds.
type httpCollector struct{ m *Metrics }

var (
	requestsDesc = prometheus.NewDesc("syndicate_http_requests_total",
		"HTTP requests by route pattern and status code.", []string{"route", "code"}, nil)
	latencyDesc = prometheus.NewDesc("syndicate_http_request_duration_seconds",
		"HTTP request latency by route pattern.", []string{"route"}, nil)
)

func (h httpCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- requestsDesc
	ch <- latencyDesc
}

func (h httpCollector) Collect(ch chan<- prometheus.Metric) {
	m := h.m
	m.mu.Lock()
	routes := append([]*route(nil), m.byIdx...)
	type sums struct {
		codes   [len(commonCodes)]uint64
		buckets [len(latencyBounds) + 1]uint64
		sumNs   int64
	}
	all := make([]sums, len(routes))
	add := func(t *tally) {
		rs := t.routes.Load()
		if rs == nil {
			return
		}
		for idx, r := range *rs {
			if r == nil || idx >= len(all) {
				continue
			}
			s := &all[idx]
			for i := range r.codes {
				s.codes[i] += r.codes[i].Load()
			}
			for i := range r.buckets {
				s.buckets[i] += r.buckets[i].Load()
			}
			s.sumNs += r.sumNs.Load()
		}
	}
	add(&m.shared)
	for _, t := range m.conns {
		add(t)
	}
	m.mu.Unlock()
	for idx, rt := range routes {
		s := &all[idx]
		for i, n := range s.codes {
			if n > 0 {
				ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, float64(n), rt.pattern, strconv.Itoa(commonCodes[i]))
			}
		}
		rt.rare.Range(func(k, v any) bool {
			ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, float64(v.(*atomic.Uint64).Load()), rt.pattern, strconv.Itoa(k.(int)))
			return true
		})
		var count uint64
		cumulative := make(map[float64]uint64, len(latencyBounds))
		for i, b := range latencyBounds {
			count += s.buckets[i]
			cumulative[b] = count
		}
		count += s.buckets[len(latencyBounds)]
		ch <- prometheus.MustNewConstHistogram(latencyDesc, count, float64(s.sumNs)/float64(time.Second), cumulative, rt.pattern)
	}
}
