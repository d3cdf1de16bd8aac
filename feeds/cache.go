package feeds

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"syndicate/store"
)

// entry is one rendered feed document, ready to serve: bytes, gzip bytes
// and every header value precomputed, so a hit allocates almost nothing.
type entry struct {
	feed       store.FeedKey
	version    int64
	sourcesGen uint64
	used       atomic.Int64 // last use, coarse unix seconds (LRU)

	body, gz           []byte
	etag, gzETag       string
	lastModified       time.Time
	hContentType       []string
	hETag, hGzETag     []string
	hLastModified      []string
	hLength, hGzLength []string
}

func newEntry(feed store.FeedKey, version int64, gen uint64, f Format, body []byte, modified time.Time) *entry {
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	e := &entry{
		feed: feed, version: version, sourcesGen: gen,
		body: body, gz: gz.Bytes(),
		etag: `"` + tag + `"`, gzETag: `"` + tag + `-gz"`,
		lastModified: modified.UTC().Truncate(time.Second),
		hContentType: []string{f.ContentType()},
	}
	e.hETag, e.hGzETag = []string{e.etag}, []string{e.gzETag}
	e.hLastModified = []string{e.lastModified.Format(http.TimeFormat)}
	e.hLength, e.hGzLength = []string{itoa64(int64(len(e.body)))}, []string{itoa64(int64(len(e.gz)))}
	return e
}

// size is what an entry counts against the cache bound.
func (e *entry) size() int64 { return int64(len(e.body)+len(e.gz)) + 512 }

// cacheKey names a rendered document; unknown query parameters are not
// part of it (DECISIONS §6).
type cacheKey struct {
	feed   store.FeedKey
	format Format
	page   int
	limit  int
}

// versions tracks the store's version stamp of each feed as far as this
// process knows. Watch events mark a feed unknown; the next request asks
// the store once and everything after is served without a round trip.
type versions struct {
	mu  sync.RWMutex
	m   map[store.FeedKey]*vstate
	gen uint64 // bumped by InvalidateAll, for keys first seen afterwards
}

type vstate struct {
	version int64
	known   bool
	gen     uint64
}

func newVersions() *versions {
	return &versions{m: map[store.FeedKey]*vstate{}}
}

// get returns the known version of feed and a token to pass to set.
func (v *versions) get(feed store.FeedKey) (version int64, known bool, token uint64) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	s, ok := v.m[feed]
	if !ok {
		return 0, false, v.gen
	}
	return s.version, s.known, s.gen
}

// set records a version read from the store, unless an invalidation
// arrived since the token was taken (then the read may be stale).
func (v *versions) set(feed store.FeedKey, version int64, token uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.m[feed]
	if !ok {
		if token != v.gen {
			return
		}
		s = &vstate{gen: token}
		v.m[feed] = s
	}
	if s.gen != token {
		return
	}
	s.version, s.known = version, true
}

// invalidate marks feeds unknown; nil marks every feed unknown.
func (v *versions) invalidate(feeds []store.FeedKey) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if feeds == nil {
		v.gen++
		for _, s := range v.m {
			s.known = false
			s.gen = v.gen
		}
		return
	}
	for _, f := range feeds {
		if s, ok := v.m[f]; ok {
			s.known = false
			s.gen++
		}
	}
}

// flight deduplicates concurrent renders of one document.
type flight struct {
	mu    sync.Mutex
	calls map[cacheKey]*call
}

type call struct {
	done chan struct{}
	e    *entry
	err  error
}

func (f *flight) do(k cacheKey, fn func() (*entry, error)) (*entry, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[cacheKey]*call{}
	}
	if c, ok := f.calls[k]; ok {
		f.mu.Unlock()
		<-c.done
		return c.e, c.err
	}
	c := &call{done: make(chan struct{})}
	f.calls[k] = c
	f.mu.Unlock()
	defer func() {
		// Even if fn panics, the key is freed and waiters are released
		// (the panic goes on to the handler's recover).
		if r := recover(); r != nil {
			c.err = fmt.Errorf("render panicked: %v", r)
			f.finish(k, c)
			panic(r)
		}
		f.finish(k, c)
	}()
	c.e, c.err = fn()
	return c.e, c.err
}

func (f *flight) finish(k cacheKey, c *call) {
	f.mu.Lock()
	delete(f.calls, k)
	f.mu.Unlock()
	close(c.done)
}
