package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

// DefaultPrefix starts every key when Options.Prefix is empty.
const DefaultPrefix = "syn"

// Options configure Open.
type Options struct {
	// URL is store.redis_url: redis:// or rediss:// for one node, several
	// hosts or addr= parameters for a cluster, master_name= for Sentinel.
	URL string
	// Prefix starts every key (default "syn"), so several sites can share
	// one Redis. It may not contain braces, which would break hash tags.
	Prefix string
	// Now is the clock for the store's creation time and comment writes;
	// time.Now if nil.
	Now func() time.Time
	// Logger receives start-up warnings about the server's settings; none
	// are logged if nil.
	Logger *slog.Logger
	// LeaseTTL is how long a source's running mark outlives a replica that
	// stopped renewing it (default RunningTTL).
	LeaseTTL time.Duration
	// OnUnavailable, if set, is called for every operation that found
	// Redis unreachable (metrics).
	OnUnavailable func()
	// TombstoneWindow is how long retractions are kept (default
	// store.DefaultTombstoneWindow).
	TombstoneWindow time.Duration
}

// Store is the Redis-backed store. It is safe for concurrent use, and any
// number of processes may share one Redis: concurrent writers are
// arbitrated by SET NX claims, and every write is idempotent.
type Store struct {
	rdb     goredis.UniversalClient
	k       keys
	now     func() time.Time
	log     *slog.Logger
	created time.Time

	// closing ends every Watch when the store closes.
	closing context.Context
	close   context.CancelFunc
	wg      sync.WaitGroup

	mu       sync.Mutex
	watchers map[int]func([]store.FeedKey) // this process's Watch callbacks
	nextW    int

	leaseTTL time.Duration
	renewals func(every time.Duration) (<-chan time.Time, func()) // nil: a ticker (lease.go)

	window time.Duration // retractions are kept this long
}

var _ store.Store = (*Store)(nil)

// Open connects to the Redis named by opts.URL, checks that it answers,
// records (or checks) the schema version and creation time, and warns
// through opts.Logger unless the server persists with appendonly and never
// evicts. It fails when the URL is invalid, Redis does not answer, or the
// data was written by a newer schema.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("open redis store: key prefix %q may not contain braces", opts.Prefix)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	spec, err := parseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("open redis store: %w", err)
	}
	closing, cancel := context.WithCancel(context.Background())
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = RunningTTL
	}
	if opts.TombstoneWindow <= 0 {
		opts.TombstoneWindow = store.DefaultTombstoneWindow
	}
	s := &Store{
		window:   opts.TombstoneWindow,
		leaseTTL: opts.LeaseTTL,
		rdb:      spec.client(opts.OnUnavailable),
		k:        keys{p: opts.Prefix},
		now:      opts.Now,
		log:      opts.Logger,
		closing:  closing,
		close:    cancel,
		watchers: map[int]func([]store.FeedKey){},
	}
	if spec.kind == sentinel {
		s.rdb.AddHook(newReplicaAck(s.rdb, s.k.p)) // see replicated.go
	}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		s.Close()
		return nil, fmt.Errorf("open redis store: ping %s redis: %w", spec.kind, err)
	}
	s.checkConfig(ctx)
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open redis store: %w", err)
	}
	return s, nil
}

// checkConfig warns unless Redis keeps every write (appendonly yes) and
// never evicts keys (maxmemory-policy noeviction): without them a restart
// or memory pressure silently loses articles (docs/decisions/fleet.md). Managed
// services often disable CONFIG; then nothing is checked.
func (s *Store) checkConfig(ctx context.Context) {
	want := []struct{ param, value, why string }{
		{"appendonly", "yes", "a restart of redis may lose recent writes"},
		{"maxmemory-policy", "noeviction", "redis may evict articles and indexes under memory pressure"},
	}
	for _, w := range want {
		m, err := s.rdb.ConfigGet(ctx, w.param).Result()
		if err != nil {
			continue
		}
		if got, ok := m[w.param]; ok && got != w.value {
			s.log.Warn("redis setting unsafe for a store: "+w.why,
				"setting", w.param, "value", got, "want", w.value)
		}
	}
}

// init records the schema version and, once, the creation time: the
// Modified of a feed never written, identical on every replica.
func (s *Store) init(ctx context.Context) error {
	now := s.now().UTC().Truncate(time.Second)
	var created, version *goredis.StringCmd
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.HSetNX(ctx, s.k.meta(), "created", now.Format(time.RFC3339))
		created = p.HGet(ctx, s.k.meta(), "created")
		version = p.HGet(ctx, s.k.meta(), "schema_version")
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("read meta: %w", err)
	}
	if v, err := version.Result(); err == nil {
		n, err := strconv.Atoi(v)
		if err != nil || n > store.SchemaVersion {
			return fmt.Errorf("redis store has schema version %q, this build knows up to %d", v, store.SchemaVersion)
		}
		// Migrations from older versions go here, one step per version.
	}
	if err := s.rdb.HSet(ctx, s.k.meta(), "schema_version", store.SchemaVersion).Err(); err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	t, err := time.Parse(time.RFC3339, created.Val())
	if err != nil {
		return fmt.Errorf("bad creation time %q in %s", created.Val(), s.k.meta())
	}
	s.created = t.UTC()
	if err := s.buildCategories(ctx); err != nil {
		return fmt.Errorf("build the list of categories in use: %w", err)
	}
	return nil
}

// Close ends every Watch and closes the client.
func (s *Store) Close() error {
	s.close()
	s.wg.Wait()
	return s.rdb.Close()
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Article returns one article with its approved comment count; a
// syndicate.ENotFound error if it is unknown.
func (s *Store) Article(ctx context.Context, id string) (store.ArticleView, error) {
	var data *goredis.StringCmd
	var n *goredis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		data = p.Get(ctx, s.k.article(id))
		n = p.ZCard(ctx, s.k.comments(id))
		return nil
	})
	if errors.Is(data.Err(), goredis.Nil) {
		return store.ArticleView{}, syndicate.Errorf(syndicate.ENotFound, "article %q not found", id)
	}
	if err != nil {
		return store.ArticleView{}, fmt.Errorf("read article %s: %w", id, err)
	}
	a, err := decode[syndicate.Article](data.Val())
	if err != nil {
		return store.ArticleView{}, fmt.Errorf("read article %s: %w", id, err)
	}
	return store.ArticleView{Article: a, CommentCount: int(n.Val())}, nil
}

// ArticlesByID returns the articles of ids that exist, in one pipeline
// (comment feeds show the article of each comment).
func (s *Store) ArticlesByID(ctx context.Context, ids []string) (map[string]*syndicate.Article, error) {
	out := make(map[string]*syndicate.Article, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	data := make([]*goredis.StringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			data[i] = p.Get(ctx, s.k.article(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("read articles: %w", err)
	}
	for i, id := range ids {
		v, err := data[i].Result()
		if errors.Is(err, goredis.Nil) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read article %s: %w", id, err)
		}
		a, err := decode[syndicate.Article](v)
		if err != nil {
			return nil, fmt.Errorf("read article %s: %w", id, err)
		}
		out[id] = a
	}
	return out, nil
}

// Articles returns a page of an article feed: one ZREVRANGE for the ids,
// then one pipeline for those articles and their comment counts. Equal
// scores (published seconds) sort by member, the id, descending, which is
// the order of the embedded store.
func (s *Store) Articles(ctx context.Context, feed store.FeedKey, offset, limit int) (store.Page[store.ArticleView], error) {
	var p store.Page[store.ArticleView]
	if !feed.IsArticleFeed() {
		return p, syndicate.Errorf(syndicate.EInvalid, "%s is not an article feed", feed)
	}
	total, ids, err := s.page(ctx, feed, offset, limit)
	if err != nil {
		return p, err
	}
	p.Total = total
	if len(ids) == 0 {
		return p, nil
	}
	data := make([]*goredis.StringCmd, len(ids))
	counts := make([]*goredis.IntCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(pl goredis.Pipeliner) error {
		for i, id := range ids {
			data[i] = pl.Get(ctx, s.k.article(id))
			counts[i] = pl.ZCard(ctx, s.k.comments(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return p, fmt.Errorf("read %s: %w", feed, err)
	}
	for i, id := range ids {
		v, err := data[i].Result()
		if errors.Is(err, goredis.Nil) {
			continue // indexed but gone: deleted meanwhile
		}
		if err != nil {
			return p, fmt.Errorf("read article %s: %w", id, err)
		}
		a, err := decode[syndicate.Article](v)
		if err != nil {
			return p, fmt.Errorf("read article %s: %w", id, err)
		}
		p.Items = append(p.Items, store.ArticleView{Article: a, CommentCount: int(counts[i].Val())})
	}
	return p, nil
}

// page returns the size of a feed's index and the members at
// offset..offset+limit-1, newest first, in one round trip.
func (s *Store) page(ctx context.Context, feed store.FeedKey, offset, limit int) (int, []string, error) {
	offset = max(offset, 0)
	key := s.k.index(feed)
	var total *goredis.IntCmd
	var members *goredis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		total = p.ZCard(ctx, key)
		if limit > 0 {
			members = p.ZRevRange(ctx, key, int64(offset), int64(offset+limit-1))
		}
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("read index of %s: %w", feed, err)
	}
	if members == nil {
		return int(total.Val()), nil, nil
	}
	return int(total.Val()), members.Val(), nil
}

// FeedStates returns the version stamps of feeds; a feed never written has
// version 0 and the store's creation time.
func (s *Store) FeedStates(ctx context.Context, feeds []store.FeedKey) (map[store.FeedKey]store.FeedState, error) {
	out := make(map[store.FeedKey]store.FeedState, len(feeds))
	if len(feeds) == 0 {
		return out, nil
	}
	cmds := make([]*goredis.SliceCmd, len(feeds))
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, f := range feeds {
			cmds[i] = p.HMGet(ctx, s.k.version(f), "v", "modified")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read feed versions: %w", err)
	}
	for i, f := range feeds {
		vals := cmds[i].Val()
		v, _ := vals[0].(string)
		m, _ := vals[1].(string)
		if v == "" {
			out[f] = store.FeedState{Modified: s.created}
			continue
		}
		n, err1 := strconv.ParseInt(v, 10, 64)
		sec, err2 := strconv.ParseInt(m, 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad version stamp %q/%q in %s", v, m, s.k.version(f))
		}
		out[f] = store.FeedState{Version: n, Modified: time.Unix(sec, 0).UTC()}
	}
	return out, nil
}

// bumpScript raises a feed's version and moves its modified time forward,
// never back, even when a writer's clock is behind the last one's: clients
// revalidate with If-Modified-Since against it. One key, so Cluster-safe.
var bumpScript = goredis.NewScript(`
local v = redis.call("HINCRBY", KEYS[1], "v", 1)
local m = redis.call("HGET", KEYS[1], "modified")
if not m or tonumber(ARGV[1]) > tonumber(m) then
	redis.call("HSET", KEYS[1], "modified", ARGV[1])
end
return v
`)

// bump queues the version bumps of feeds: the counter rises and the
// modified time becomes now, in seconds, unless it is already later.
func (s *Store) bump(ctx context.Context, p goredis.Pipeliner, feeds []store.FeedKey, now time.Time) {
	sec := now.UTC().Truncate(time.Second).Unix()
	for _, f := range feeds {
		// EVAL, not EVALSHA: a pipeline cannot fall back on NOSCRIPT.
		bumpScript.Eval(ctx, p, []string{s.k.version(f)}, sec)
	}
}

// publish tells every Watch which feeds changed: this process's at once,
// before the write returns (so a request that follows a write here sees
// it), and every other process's through the changes channel. The versions
// are already bumped, so a lost message only delays the news until the
// feed cache's next version check: it is logged, not returned.
func (s *Store) publish(ctx context.Context, feeds []store.FeedKey) {
	if len(feeds) == 0 {
		return
	}
	payload, err := json.Marshal(feeds)
	if err != nil {
		panic(err) // a []string always marshals
	}
	if err := s.rdb.Publish(ctx, s.k.changes(), payload).Err(); err != nil {
		s.log.Warn("redis publish of feed changes failed", "channel", s.k.changes(), "error", err)
	}
	s.mu.Lock()
	fns := make([]func([]store.FeedKey), 0, len(s.watchers))
	for _, fn := range s.watchers {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn(feeds)
	}
}

// Watch calls fn with the keys of changed feeds, from this and every other
// process sharing the Redis, until ctx ends or the store closes. After
// every (re)subscription it calls fn(nil): messages sent while
// disconnected are lost, so anything may have changed. A write made
// through this Store is reported twice, at once and when its message comes
// back; fn may be called from several goroutines. Watch returns once the
// first subscription is confirmed, or after a second if Redis is away (the
// subscription keeps retrying in the background).
func (s *Store) Watch(ctx context.Context, fn func(changed []store.FeedKey)) {
	s.mu.Lock()
	id := s.nextW
	s.nextW++
	s.watchers[id] = fn
	s.mu.Unlock()
	ps := s.rdb.Subscribe(ctx, s.k.changes())
	ch := ps.ChannelWithSubscriptions()
	ready := make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer ps.Close()
		defer func() {
			s.mu.Lock()
			delete(s.watchers, id)
			s.mu.Unlock()
		}()
		first := true
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.closing.Done():
				return
			case m, ok := <-ch:
				if !ok {
					return
				}
				switch m := m.(type) {
				case *goredis.Subscription:
					if m.Kind != "subscribe" {
						continue
					}
					if first {
						first = false
						close(ready)
					}
					fn(nil)
				case *goredis.Message:
					var keys []store.FeedKey
					if err := json.Unmarshal([]byte(m.Payload), &keys); err != nil || len(keys) == 0 {
						keys = nil // unreadable: assume anything changed
					}
					fn(keys)
				}
			}
		}
	}()
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-ready:
	case <-t.C:
	case <-ctx.Done():
	}
}

// SourceStatus returns a source's stored status, or a zero one.
func (s *Store) SourceStatus(ctx context.Context, id string) (*syndicate.SourceStatus, error) {
	v, err := s.rdb.Get(ctx, s.k.status(id)).Result()
	if errors.Is(err, goredis.Nil) {
		return &syndicate.SourceStatus{SourceID: id}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read status of %s: %w", id, err)
	}
	status, err := decode[syndicate.SourceStatus](v)
	if err != nil {
		return nil, fmt.Errorf("read status of %s: %w", id, err)
	}
	return status, nil
}

// SaveSourceStatus replaces a source's status.
func (s *Store) SaveSourceStatus(ctx context.Context, status *syndicate.SourceStatus) error {
	data, err := json.Marshal(status)
	if err != nil {
		return fmt.Errorf("save status of %s: %w", status.SourceID, err)
	}
	if err := s.rdb.Set(ctx, s.k.status(status.SourceID), data, 0).Err(); err != nil {
		return fmt.Errorf("save status of %s: %w", status.SourceID, err)
	}
	return nil
}

// FetchState returns the stored validators of key.
func (s *Store) FetchState(ctx context.Context, key string) (store.FetchState, error) {
	raw, err := s.rdb.Get(ctx, s.k.fetch(key)).Result()
	if errors.Is(err, goredis.Nil) {
		return store.FetchState{}, nil
	}
	if err != nil {
		return store.FetchState{}, fmt.Errorf("fetch state %s: %w", key, err)
	}
	state, err := decode[store.FetchState](raw)
	if err != nil {
		return store.FetchState{}, fmt.Errorf("fetch state %s: %w", key, err)
	}
	return *state, nil
}

// SaveFetchState replaces the validators of key.
func (s *Store) SaveFetchState(ctx context.Context, key string, state store.FetchState) error {
	data, err := json.Marshal(state)
	if err != nil {
		return err
	}
	if err := s.rdb.Set(ctx, s.k.fetch(key), data, 0).Err(); err != nil {
		return fmt.Errorf("save fetch state %s: %w", key, err)
	}
	return nil
}

// ArticleCount returns how many articles a source's feed lists.
func (s *Store) ArticleCount(ctx context.Context, sourceID string) (int, error) {
	n, err := s.rdb.ZCard(ctx, s.k.index(store.SourceFeed(sourceID))).Result()
	if err != nil {
		return 0, fmt.Errorf("count articles of %s: %w", sourceID, err)
	}
	return int(n), nil
}

func decode[T any](data string) (*T, error) {
	var t T
	if err := json.Unmarshal([]byte(data), &t); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &t, nil
}

// Touch bumps the versions of feeds and announces them.
func (s *Store) Touch(ctx context.Context, feeds []store.FeedKey, now time.Time) error {
	if len(feeds) == 0 {
		return nil
	}
	if _, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		s.bump(ctx, p, feeds, now)
		return nil
	}); err != nil {
		return fmt.Errorf("touch feeds: %w", err)
	}
	s.publish(ctx, feeds)
	return nil
}
