// Package metrics exposes Syndicate's Prometheus metrics at /metrics:
// HTTP requests by route and status with latency histograms, feed cache
// hits and misses, ingest runs, durations, items and errors per source,
// fleet lease acquisitions and store outages. Recording is cheap enough
// for the feed-serving hot path: no allocation per request.
package metrics

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors of one process.
type Metrics struct {
	reg *prometheus.Registry

	cacheHits prometheus.Counter
	cacheMiss prometheus.Counter

	ingestRuns     *prometheus.CounterVec
	ingestDuration *prometheus.HistogramVec
	ingestItems    *prometheus.CounterVec
	ingestErrors   *prometheus.CounterVec
	storeErrors    prometheus.Counter

	routes sync.Map // pattern → *route
	pool   sync.Pool

	// The HTTP tallies (http.go): mu guards byIdx, conns and the growth
	// of every tally's route slice.
	mu     sync.Mutex
	byIdx  []*route
	conns  map[net.Conn]*tally
	shared tally
}

// New registers every collector, plus the Go and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), conns: map[net.Conn]*tally{}}
	m.cacheHits = prometheus.NewCounter(prometheus.CounterOpts{Name: "syndicate_feed_cache_hits_total", Help: "Feed requests served from the rendered-feed cache."})
	m.cacheMiss = prometheus.NewCounter(prometheus.CounterOpts{Name: "syndicate_feed_cache_misses_total", Help: "Feed requests that had to revalidate or render."})
	m.ingestRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syndicate_ingest_runs_total", Help: "Ingest passes by source and outcome (ok, not-modified, failed, disabled).",
	}, []string{"source", "status"})
	m.ingestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "syndicate_ingest_duration_seconds", Help: "Ingest pass duration by source.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
	}, []string{"source"})
	m.ingestItems = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syndicate_ingest_items_total", Help: "Entries ingested by source and result (new, updated, unchanged).",
	}, []string{"source", "result"})
	m.ingestErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "syndicate_ingest_errors_total", Help: "Failed ingest passes by source.",
	}, []string{"source"})
	m.storeErrors = prometheus.NewCounter(prometheus.CounterOpts{Name: "syndicate_store_unavailable_total", Help: "Store operations that failed because the store could not be reached."})
	m.reg.MustRegister(httpCollector{m}, m.cacheHits, m.cacheMiss, m.ingestRuns, m.ingestDuration, m.ingestItems, m.ingestErrors, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.pool.New = func() any { return &recorder{} }
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Register adds a collector (e.g. a CounterFunc over a store's counts).
func (m *Metrics) Register(c prometheus.Collector) { m.reg.MustRegister(c) }

// CounterFunc registers a counter read from fn at scrape time.
func (m *Metrics) CounterFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, fn))
}

// Cache records a feed cache hit or miss.
func (m *Metrics) Cache(hit bool) {
	if hit {
		m.cacheHits.Inc()
	} else {
		m.cacheMiss.Inc()
	}
}

// StoreUnavailable counts a store operation that found the store away.
func (m *Metrics) StoreUnavailable() { m.storeErrors.Inc() }

// Ingest records one ingest pass.
func (m *Metrics) Ingest(source, status string, d time.Duration, created, updated, unchanged int, failed bool) {
	m.ingestRuns.WithLabelValues(source, status).Inc()
	m.ingestDuration.WithLabelValues(source).Observe(d.Seconds())
	m.ingestItems.WithLabelValues(source, "new").Add(float64(created))
	m.ingestItems.WithLabelValues(source, "updated").Add(float64(updated))
	m.ingestItems.WithLabelValues(source, "unchanged").Add(float64(unchanged))
	if failed {
		m.ingestErrors.WithLabelValues(source).Inc()
	}
}

// recorder captures the status code of a response.
type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Middleware counts and times every request by its route pattern (the
// ServeMux pattern that matched, so ids do not explode the label set),
// then hands the request and its status to each of after (pull analytics),
// so the response is wrapped once for all of them.
func (m *Metrics) Middleware(next http.Handler, after ...func(r *http.Request, status int)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Since(epoch) // one monotonic clock read, not a wall-clock one
		rec := m.pool.Get().(*recorder)
		rec.ResponseWriter, rec.code = w, 0
		next.ServeHTTP(rec, r)
		code := rec.code
		if code == 0 {
			code = http.StatusOK
		}
		rec.ResponseWriter = nil
		m.pool.Put(rec)
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		m.observe(r.Context(), m.route(pattern), code, time.Since(epoch)-start)
		for _, f := range after {
			f(r, code)
		}
	})
}

// epoch is the process's reference point for request latencies.
var epoch = time.Now()
