package analytics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"syndicate/metrics"
	"syndicate/store"
	"syndicate/store/embedded"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		path string
		kind Kind
		ok   bool
	}{
		{"/feed.atom", Public, true},
		{"/feed.rss", Public, true},
		{"/comments.json", Public, true},
		{"/sources/alpha/feed.rss", Public, true},
		{"/categories/politics/feed.atom", Public, true},
		{"/articles/a1/comments.atom", Public, true},
		{"/partners/alpine/feed.rss", Partner, true},
		{"/partners/alpine/sources/alpha/feed.json", Partner, true},
		{"/partners/alpine/categories/politics/feed.atom", Partner, true},
		{"/", Public, false},
		{"/sources/", Public, false},
		{"/sources/alpha/", Public, false},
		{"/articles/a1", Public, false},
		{"/admin/", Public, false},
		{"/metrics", Public, false},
		{"/partners/", Partner, false},
		{"/x/y/feed.atom", Public, false},
		{"/sources/a/b/feed.atom", Public, false},
	}
	for _, tt := range tests {
		kind, ok := Classify(tt.path)
		if ok != tt.ok || (ok && kind != tt.kind) {
			t.Errorf("Classify(%q) = %v, %v; want %v, %v", tt.path, kind, ok, tt.kind, tt.ok)
		}
	}
	if got := PartnerOf("/partners/alpine/sources/a/feed.rss"); got != "alpine" {
		t.Errorf("PartnerOf = %q", got)
	}
	if got := PartnerOf("/feed.rss"); got != "" {
		t.Errorf("PartnerOf(public) = %q", got)
	}
}

// writes is a store.PullStats that counts its writes (and can fail).
type writes struct {
	mu     sync.Mutex
	calls  int
	deltas []store.PullDelta
	fail   error
}

func (w *writes) AddPulls(_ context.Context, d []store.PullDelta) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	if w.fail != nil {
		return w.fail
	}
	w.deltas = append(w.deltas, d...)
	return nil
}

func (w *writes) Pulls(context.Context, string) (*store.PullReport, error) {
	return nil, errors.ErrUnsupported
}

// sum adds the deltas up per day and feed.
func (w *writes) sum() map[string]store.PullCounts {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]store.PullCounts{}
	for _, d := range w.deltas {
		c := out[d.Day+" "+d.Feed]
		c.Pulls += d.Pulls
		c.NotModified += d.NotModified
		out[d.Day+" "+d.Feed] = c
	}
	return out
}

// feedHandler answers like the feed server: 304 to If-None-Match, 404 to
// unknown feeds, 200 otherwise.
var feedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.Contains(r.URL.Path, "unknown"):
		http.NotFound(w, r)
	case r.Header.Get("If-None-Match") != "":
		w.WriteHeader(http.StatusNotModified)
	default:
		w.Write([]byte("<feed/>"))
	}
})

// Counted through the server's wiring: the metrics middleware's after-hook.
func TestObserve_BatchesWrites(t *testing.T) {
	w := &writes{}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := New(Options{Store: w, Now: func() time.Time { return now }})
	h := metrics.New().Middleware(feedHandler, c.Observe)
	get := func(path, ua string, conditional bool, method string) int {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("User-Agent", ua)
		if conditional {
			req.Header.Set("If-None-Match", `"v1"`)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	const feedly = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; feed-id=x)"
	for i := range 500 {
		get("/feed.atom?page=2", feedly, i%5 != 0, "GET")             // 400 × 304, 100 × 200
		get("/partners/alpine/feed.rss?key=s3cret", "", false, "GET") // 500 × 200
	}
	get("/feed.atom", "Mozilla/5.0 (compatible; inoreader.com; 7 subscribers)", false, "HEAD")
	get("/sources/unknown/feed.atom", feedly, false, "GET") // 404: not counted
	get("/feed.atom", feedly, false, "POST")                // not a pull
	get("/sources/", feedly, false, "GET")                  // a page, not a feed
	if w.calls != 0 {
		t.Fatalf("%d store writes before a flush; pulls must be batched", w.calls)
	}
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if w.calls != 1 {
		t.Fatalf("one flush made %d store writes, want 1", w.calls)
	}
	want := map[string]store.PullCounts{
		"2026-12-01 /feed.atom":                {Pulls: 501, NotModified: 400},
		"2026-12-01 /partners/alpine/feed.rss": {Pulls: 500},
	}
	if got := w.sum(); !equal(got, want) {
		t.Errorf("flushed %v, want %v", got, want)
	}
	for _, d := range w.deltas {
		if d.Feed == "/feed.atom" && (d.Subscribers["Feedly"] != 42 || d.Subscribers["Inoreader"] != 7 || !d.Last.Equal(now)) {
			t.Errorf("delta of /feed.atom = %+v", d)
		}
	}
	if err := c.Flush(t.Context()); err != nil || w.calls != 1 {
		t.Errorf("an empty flush wrote to the store (%d writes, %v)", w.calls, err)
	}
	if got := c.Subscribers(Public); got != 49 {
		t.Errorf("public subscribers = %d, want 49", got)
	}
	if got := c.Subscribers(Partner); got != 0 {
		t.Errorf("partner subscribers = %d, want 0", got)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c.Collector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += " " + l.GetName() + "=" + l.GetValue()
			}
			got[name] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	wantMetrics := map[string]float64{
		"syndicate_feed_pulls_total kind=partner status=200": 500,
		"syndicate_feed_pulls_total kind=partner status=304": 0,
		"syndicate_feed_pulls_total kind=public status=200":  101,
		"syndicate_feed_pulls_total kind=public status=304":  400,
		"syndicate_feed_subscribers kind=partner":            0,
		"syndicate_feed_subscribers kind=public":             49,
	}
	if len(got) != len(wantMetrics) {
		t.Errorf("metrics = %v, want %v", got, wantMetrics)
	}
	for k, v := range wantMetrics {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func equal(a, b map[string]store.PullCounts) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A failed flush keeps its counts for the next one; a pull across
// midnight is counted on its own day.
func TestFlush_KeepsCountsOnErrorAndSplitsDays(t *testing.T) {
	w := &writes{fail: errors.New("store down")}
	c := New(Options{Store: w})
	late := time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)
	c.Record(Public, "/feed.rss", false, "", late)
	c.Record(Public, "/feed.rss", true, "", late.Add(2*time.Second))
	if err := c.Flush(t.Context()); err == nil {
		t.Fatal("Flush hid the store's error")
	}
	c.Record(Public, "/feed.rss", false, "", late.Add(3*time.Second))
	w.fail = nil
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := map[string]store.PullCounts{
		"2026-11-30 /feed.rss": {Pulls: 1},
		"2026-12-01 /feed.rss": {Pulls: 2, NotModified: 1},
	}
	if got := w.sum(); !equal(got, want) {
		t.Errorf("flushed %v, want %v", got, want)
	}
}

// Counting a pull of a feed already counted allocates nothing.
func TestRecord_NoAllocation(t *testing.T) {
	c := New(Options{Store: &writes{}})
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ua := "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"
	c.Record(Public, "/feed.atom", false, ua, now)
	if n := testing.AllocsPerRun(1000, func() { c.Record(Public, "/feed.atom", true, ua, now) }); n != 0 {
		t.Errorf("Record allocates %v times per pull", n)
	}
}

// Replicas flushing into one store add up there.
func TestCounters_AddUpInTheStore(t *testing.T) {
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	a, b := New(Options{Store: st}), New(Options{Store: st})
	var wg sync.WaitGroup
	for _, c := range []*Counter{a, b} {
		wg.Go(func() {
			for i := range 100 {
				c.Record(Partner, "/partners/alpine/feed.atom", i%2 == 0, "", now)
			}
		})
	}
	wg.Wait()
	for _, c := range []*Counter{a, b} {
		if err := c.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	r, err := st.Pulls(t.Context(), now.Format(store.PullDayFormat))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Days[now.Format(store.PullDayFormat)]["/partners/alpine/feed.atom"]; got != (store.PullCounts{Pulls: 200, NotModified: 100}) {
		t.Errorf("stored %+v, want 200 pulls, 100 not modified", got)
	}
}
