// Command benchscale is the Go half of scripts/bench-scale.sh: it fills a
// store with N articles through the store API (no HTTP ingest: a 500k
// store is built in minutes), measures the cached and uncached cost of
// every public route in process, and drives a mixed HTTP load against a
// running `syndicate serve`. It prints "name value" lines the script
// gathers into a table. Everything stays on loopback.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/feeds"
	"syndicate/store"
	"syndicate/store/embedded"
	"syndicate/store/redis"
)

const perSource = 50

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchscale fill|routes|load [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fill":
		err = fill(os.Args[2:])
	case "routes":
		err = routes(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

type storeFlags struct {
	dir, redisURL, prefix string
	articles              int
}

func (sf *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.dir, "dir", "", "embedded store directory")
	fs.StringVar(&sf.redisURL, "redis", "", "Redis URL (instead of -dir)")
	fs.StringVar(&sf.prefix, "prefix", "syn", "Redis key prefix")
	fs.IntVar(&sf.articles, "articles", 1000, "articles in the store")
}

func (sf *storeFlags) open(ctx context.Context) (store.Store, error) {
	if sf.redisURL != "" {
		return redis.Open(ctx, redis.Options{URL: sf.redisURL, Prefix: sf.prefix})
	}
	return embedded.Open(sf.dir, embedded.Options{})
}

func (sf *storeFlags) sources() int { return max(1, sf.articles/perSource) }

// categories in use: 1% of the articles, at most 5,000 (each article has two).
func (sf *storeFlags) categories() int { return min(5000, max(10, sf.articles/100)) }

func guid(src, k int) string { return fmt.Sprintf("https://partner%d.example/?p=%d", src, k) }

func sourceID(i int) string { return "p" + strconv.Itoa(i) }

func category(i int) string { return fmt.Sprintf("Topic %04d", i) }

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// content is ~1.4 KB of article HTML.
var content = strings.Repeat(`<p>Lorem ipsum dolor sit amet, <a href="https://partner.example/more">consectetur</a> adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>`, 10)

func fill(args []string) error {
	fs := flag.NewFlagSet("fill", flag.ExitOnError)
	var sf storeFlags
	sf.register(fs)
	cfgPath := fs.String("config", "", "write a serve config for this store here")
	listen := fs.String("listen", "127.0.0.1:0", "the config's listen address")
	cacheBytes := fs.Int64("cache-bytes", 64<<20, "the config's feeds.cache_bytes")
	fs.Parse(args)
	ctx := context.Background()
	var before int64
	if sf.redisURL != "" {
		before = redisMemory(ctx, sf.redisURL)
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	n, cats := sf.sources(), sf.categories()
	type job struct{ src int }
	jobs := make(chan job)
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 4 {
		wg.Go(func() {
			for j := range jobs {
				ref := syndicate.SourceRef{ID: sourceID(j.src), Name: "Partner " + strconv.Itoa(j.src), SiteURL: "https://partner" + strconv.Itoa(j.src) + ".example/"}
				es := make([]*store.Entry, 0, perSource)
				for k := range perSource {
					i := j.src*perSource + k
					a := &syndicate.Article{
						GUID:         guid(j.src, k),
						EntryID:      fmt.Sprintf("https://partner%d.example/?p=%d", j.src, k),
						CanonicalURL: fmt.Sprintf("https://partner%d.example/2026/11/story-%d/", j.src, k),
						Title:        fmt.Sprintf("Story %d from partner %d", k, j.src),
						Summary:      "A summary of the story.",
						Content:      content,
						Authors:      []syndicate.Author{{Name: "Jane Roe"}},
						Categories:   []string{category(i % cats), category((i*7 + 3) % cats)},
						Published:    t0.Add(-time.Duration(i) * time.Minute),
					}
					a.Updated = a.Published
					a.Hash = a.ContentHash()
					es = append(es, &store.Entry{Key: a.GUID, Article: a})
				}
				if _, err := st.ApplyIngest(ctx, &store.Batch{Source: ref, Now: t0, Entries: es}); err != nil {
					failed.Store(err)
				}
			}
		})
	}
	for i := range n {
		jobs <- job{i}
	}
	close(jobs)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	fmt.Printf("fill_seconds %.1f\n", time.Since(start).Seconds())
	if sf.redisURL != "" {
		fmt.Printf("footprint_bytes_per_article %d\n", (redisMemory(ctx, sf.redisURL)-before)/int64(n*perSource))
	} else if fi, err := os.Stat(sf.dir + "/" + embedded.FileName); err == nil {
		fmt.Printf("footprint_bytes_per_article %d\n", fi.Size()/int64(n*perSource))
	}
	if *cfgPath == "" {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\nbase_url: \"http://%s\"\nlog: {level: warn}\nfeeds: {cache_bytes: %d}\n", *listen, *listen, *cacheBytes)
	if sf.redisURL != "" {
		fmt.Fprintf(&b, "store: {redis_url: %q, redis_prefix: %q}\n", sf.redisURL, sf.prefix)
	} else {
		fmt.Fprintf(&b, "store: {data_dir: %q}\n", sf.dir)
	}
	// Disabled sources: listed and served, never fetched (their URLs are
	// made up, and the benchmark stays on loopback).
	b.WriteString("sources:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: %s, name: \"Partner %d\", url: \"https://partner%d.example/feed\", site_url: \"https://partner%d.example/\", enabled: false}\n", sourceID(i), i, i, i)
	}
	return os.WriteFile(*cfgPath, []byte(b.String()), 0o644)
}

func redisMemory(ctx context.Context, url string) int64 {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return 0
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	info, _ := c.Info(ctx, "memory").Result()
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// route is one measured URL; its uncached variant differs only by cache key.
type route struct {
	name string
	path func(i int) string // i-th distinct URL of the route (for misses)
}

func routeSet(sf *storeFlags, articleID string) []route {
	n := sf.articles
	deep := func(f string) func(int) string {
		// Near the end of the feed whatever the limit: a distinct URL each time.
		return func(i int) string {
			limit := 20 + i%80
			return fmt.Sprintf("%s?limit=%d&page=%d", f, limit, max(1, (n-limit)/limit))
		}
	}
	first := func(f string) func(int) string {
		return func(i int) string { return fmt.Sprintf("%s?limit=%d", f, 20+i%80) }
	}
	lastSources := max(1, (sf.sources()+99)/100)
	return []route{
		{"feed_first", first("/feed.rss")},
		{"feed_deep", deep("/feed.rss")},
		{"source_feed", first("/sources/p0/feed.atom")},
		{"category_feed", first("/categories/topic-0001/feed.json")},
		{"index", func(int) string { return "/" }},
		{"opml", func(int) string { return "/feeds.opml" }},
		{"source_list_last", func(int) string { return "/sources/?page=" + strconv.Itoa(lastSources) }},
		{"category_list", func(int) string { return "/categories/" }},
		{"article", func(int) string { return "/articles/" + articleID }},
	}
}

// routes measures each route in process: uncached is a first request
// (version read, store reads, render, gzip), cached a repeated one.
func routes(args []string) error {
	fs := flag.NewFlagSet("routes", flag.ExitOnError)
	var sf storeFlags
	sf.register(fs)
	reps := fs.Int("reps", 20, "samples per route")
	fs.Parse(args)
	ctx := context.Background()
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var srcs []syndicate.Source
	for i := range sf.sources() {
		srcs = append(srcs, syndicate.Source{ID: sourceID(i), Name: "Partner " + strconv.Itoa(i), SiteURL: "https://partner" + strconv.Itoa(i) + ".example/"})
	}
	newServer := func() *http.ServeMux {
		srv := feeds.NewServer(feeds.Options{Renderer: feeds.NewRenderer(feeds.Site{BaseURL: "http://127.0.0.1", Title: "Bench"}, nil), Store: st})
		srv.SetSources(srcs)
		mux := http.NewServeMux()
		srv.Routes(mux)
		return mux
	}
	pg, err := st.Articles(ctx, store.FeedAll, sf.articles/2, 1)
	if err != nil || len(pg.Items) == 0 {
		return fmt.Errorf("no article to measure: %v", err)
	}
	get := func(mux *http.ServeMux, path string) (time.Duration, int, int) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		start := time.Now()
		mux.ServeHTTP(rec, req)
		return time.Since(start), rec.Code, rec.Body.Len()
	}
	warmMux := newServer()
	for _, r := range routeSet(&sf, pg.Items[0].ID) {
		var cold, warm []time.Duration
		size := 0
		// A route with distinct URLs (paging parameters) misses on a server
		// that has run a while; one with a single URL (the index, the
		// OPML, a list page) is uncached only after a change, measured as
		// the first request on a fresh server.
		distinct := r.path(0) != r.path(1)
		if distinct {
			get(warmMux, "/")
			get(warmMux, "/categories/")
		}
		for i := range *reps {
			mux := warmMux
			if !distinct {
				mux = newServer()
			}
			d, code, n := get(mux, r.path(i))
			if code != 200 {
				return fmt.Errorf("%s: GET %s = %d", r.name, r.path(i), code)
			}
			cold = append(cold, d)
			size = n
			for range 5 {
				d, _, _ = get(mux, r.path(i))
				warm = append(warm, d)
			}
		}
		fmt.Printf("uncached_ms_%s %.3f\n", r.name, ms(median(cold)))
		fmt.Printf("cached_us_%s %.1f\n", r.name, float64(median(warm).Nanoseconds())/1e3)
		fmt.Printf("bytes_%s %d\n", r.name, size)
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// load drives a mixed load against a running server for a while: hot
// feeds, every source's feeds, category feeds, random deep pages, the
// index, the OPML, list pages and articles.
func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	var sf storeFlags
	sf.register(fs)
	base := fs.String("base", "http://127.0.0.1:8080", "server URL")
	conc := fs.Int("c", 32, "concurrent clients")
	dur := fs.Duration("d", 10*time.Second, "duration")
	uncachedOnly := fs.Bool("uncached", false, "only distinct uncached feed pages (renders per second)")
	fs.Parse(args)
	nsrc, ncat, n := sf.sources(), sf.categories(), sf.articles
	formats := []string{"rss", "atom", "json"}
	var seq atomic.Int64
	pick := func(r *rand.Rand) string {
		if *uncachedOnly {
			i := int(seq.Add(1))
			limit := 10 + i%90
			page := 1 + (i/90)%max(1, n/limit)
			return fmt.Sprintf("/feed.%s?limit=%d&page=%d", formats[i%3], limit, page)
		}
		switch x := r.IntN(100); {
		case x < 40:
			return "/feed." + formats[x%3]
		case x < 60:
			return fmt.Sprintf("/sources/%s/feed.%s", sourceID(r.IntN(nsrc)), formats[x%3])
		case x < 70:
			return fmt.Sprintf("/categories/topic-%04d/feed.rss", r.IntN(ncat))
		case x < 80:
			return fmt.Sprintf("/feed.rss?page=%d", 1+r.IntN(max(1, n/30)))
		case x < 85:
			return "/"
		case x < 90:
			return "/feeds.opml"
		case x < 95:
			return fmt.Sprintf("/sources/?page=%d", 1+r.IntN(max(1, (nsrc+99)/100)))
		default:
			src, k := r.IntN(nsrc), r.IntN(perSource)
			return "/articles/" + syndicate.MintArticleID(sourceID(src), guid(src, k))
		}
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc, DisableCompression: false}}
	var mu sync.Mutex
	var lat []time.Duration
	var timeouts, errs atomic.Int64
	stop := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for w := range *conc {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []time.Duration
			for time.Now().Before(stop) {
				path := pick(r)
				start := time.Now()
				resp, err := client.Get(*base + path)
				if err != nil {
					if strings.Contains(err.Error(), "Timeout") || strings.Contains(err.Error(), "deadline") {
						timeouts.Add(1)
					} else {
						errs.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs.Add(1)
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	prefix := "mixed"
	if *uncachedOnly {
		prefix = "uncached"
	}
	if len(lat) == 0 {
		return fmt.Errorf("no request completed (%d timeouts, %d errors)", timeouts.Load(), errs.Load())
	}
	fmt.Printf("%s_rps %.0f\n", prefix, float64(len(lat))/dur.Seconds())
	fmt.Printf("%s_p50_ms %.1f\n", prefix, ms(lat[len(lat)/2]))
	fmt.Printf("%s_p99_ms %.1f\n", prefix, ms(lat[len(lat)*99/100]))
	fmt.Printf("%s_timeouts %d\n", prefix, timeouts.Load())
	fmt.Printf("%s_errors %d\n", prefix, errs.Load())
	return nil
}
