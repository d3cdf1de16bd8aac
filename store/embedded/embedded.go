// Package embedded is the on-disk store used when no Redis is configured:
// one bbolt file in data_dir. Every write is one fsynced transaction, so
// nothing accepted is lost on restart or crash. Only one process may hold
// the file; a second gets ErrLocked.
package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"syndicate"
	"syndicate/store"
)

// FileName is the database file inside data_dir.
const FileName = "syndicate.db"

// ErrLocked is returned by Open when another process holds the database.
var ErrLocked = errors.New("the data directory is in use by another syndicate process")

var (
	bMeta       = []byte("meta")
	bArticles   = []byte("articles")
	bGUIDs      = []byte("guids") // nested per source: key → article id
	bTombs      = []byte("tombstones")
	bURLs       = []byte("urls")
	bEntryIDs   = []byte("entry_ids")
	bIndexes    = []byte("indexes") // nested per feed: SortKey → id
	bRanks      = []byte("ranks")   // nested per feed: chunk start → entries in the chunk (see rank.go)
	bCounts     = []byte("counts")  // feed → item count
	bVersions   = []byte("versions")
	bStatus     = []byte("status")
	bCategories = []byte("categories")
	bComments   = []byte("comments") // nested per article: SortKey(published, cid) → comment
	bCommentIDs = []byte("comment_ids")
	bFetch      = []byte("fetch_state")
	bRetracted  = []byte("retractions") // nested per feed: SortKey(when, article id) → Retraction
)

// Store is the bbolt-backed store.
type Store struct {
	db       *bolt.DB
	statuses *statusWriter
	created  time.Time
	now      func() time.Time
	window   time.Duration // retractions are kept this long

	mu       sync.Mutex
	watchers map[int]func([]store.FeedKey)
	nextW    int
}

// Options configure Open.
type Options struct {
	// LockTimeout bounds the wait for another process to release the file.
	LockTimeout time.Duration
	// Now is the clock used for the store's creation time; time.Now if nil.
	Now func() time.Time
	// TombstoneWindow is how long retractions are kept (default
	// store.DefaultTombstoneWindow).
	TombstoneWindow time.Duration
}

// Open opens (creating if needed) the store in dir. It fails with ErrLocked
// when another process holds the file past opts.LockTimeout.
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("open embedded store: %w", err)
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open embedded store %s: %w", path, err)
	}
	if opts.TombstoneWindow <= 0 {
		opts.TombstoneWindow = store.DefaultTombstoneWindow
	}
	s := &Store{db: db, now: opts.Now, window: opts.TombstoneWindow, watchers: map[int]func([]store.FeedKey){}}
	if err := s.init(opts.Now().UTC().Truncate(time.Second)); err != nil {
		db.Close()
		return nil, err
	}
	s.statuses = newStatusWriter(db)
	return s, nil
}

func (s *Store) init(now time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bMeta, bArticles, bGUIDs, bTombs, bURLs, bEntryIDs, bIndexes, bRanks, bCounts, bVersions, bStatus, bCategories, bComments, bCommentIDs, bFetch, bRetracted} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("init embedded store: %w", err)
			}
		}
		meta := tx.Bucket(bMeta)
		if v := meta.Get([]byte("schema_version")); v != nil {
			n, err := strconv.Atoi(string(v))
			if err != nil || n > store.SchemaVersion {
				return fmt.Errorf("embedded store has schema version %q, this build knows up to %d", v, store.SchemaVersion)
			}
			// Migrations from older versions go here, one step per version.
		}
		if err := meta.Put([]byte("schema_version"), []byte(strconv.Itoa(store.SchemaVersion))); err != nil {
			return err
		}
		if meta.Get(metaRanks) == nil {
			if err := buildRanks(tx); err != nil {
				return fmt.Errorf("init embedded store: build page index: %w", err)
			}
		}
		if meta.Get(metaCategories) == nil {
			if err := buildCategories(tx); err != nil {
				return fmt.Errorf("init embedded store: build category list: %w", err)
			}
		}
		if v := meta.Get([]byte("created")); v != nil {
			t, err := time.Parse(time.RFC3339, string(v))
			if err != nil {
				return fmt.Errorf("embedded store: bad creation time %q", v)
			}
			s.created = t
			return nil
		}
		s.created = now
		return meta.Put([]byte("created"), []byte(now.Format(time.RFC3339)))
	})
}

// Close writes the pending source statuses and closes the database file.
func (s *Store) Close() error {
	err := s.statuses.close()
	if cerr := s.db.Close(); cerr != nil {
		return cerr
	}
	return err
}

// Ping reports whether the database is open.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.View(func(*bolt.Tx) error { return nil })
}

// Watch calls fn after every committed write with the feeds it changed.
func (s *Store) Watch(ctx context.Context, fn func([]store.FeedKey)) {
	s.mu.Lock()
	id := s.nextW
	s.nextW++
	s.watchers[id] = fn
	s.mu.Unlock()
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		delete(s.watchers, id)
		s.mu.Unlock()
	}()
}

func (s *Store) notify(keys []store.FeedKey) {
	if len(keys) == 0 {
		return
	}
	s.mu.Lock()
	fns := make([]func([]store.FeedKey), 0, len(s.watchers))
	for _, fn := range s.watchers {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn(keys)
	}
}

func getJSON[T any](b *bolt.Bucket, key []byte) (*T, error) {
	v := b.Get(key)
	if v == nil {
		return nil, nil
	}
	var t T
	if err := json.Unmarshal(v, &t); err != nil {
		return nil, fmt.Errorf("decode %s/%s: %w", "bucket", key, err)
	}
	return &t, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// Article returns one article with its comment count.
func (s *Store) Article(ctx context.Context, id string) (store.ArticleView, error) {
	var v store.ArticleView
	err := s.db.View(func(tx *bolt.Tx) error {
		a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), []byte(id))
		if err != nil {
			return err
		}
		if a == nil {
			return syndicate.Errorf(syndicate.ENotFound, "article %q not found", id)
		}
		v = store.ArticleView{Article: a, CommentCount: count(tx, store.ArticleCommentsFeed(id))}
		return nil
	})
	return v, err
}

// ArticlesByID returns the articles of ids that exist, in one read
// transaction (comment feeds show the article of each comment).
func (s *Store) ArticlesByID(ctx context.Context, ids []string) (map[string]*syndicate.Article, error) {
	out := make(map[string]*syndicate.Article, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, id := range ids {
			a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), []byte(id))
			if err != nil {
				return err
			}
			if a != nil {
				out[id] = a
			}
		}
		return nil
	})
	return out, err
}

func count(tx *bolt.Tx, feed store.FeedKey) int {
	v := tx.Bucket(bCounts).Get([]byte(feed))
	if len(v) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(v))
}

// addCount moves a feed's item count; a category feed that gains its
// first article or loses its last one enters or leaves the list of
// categories in use in the same transaction (categories.go).
func addCount(tx *bolt.Tx, feed store.FeedKey, delta int) error {
	was := count(tx, feed)
	n := was + delta
	if n <= 0 {
		if err := tx.Bucket(bCounts).Delete([]byte(feed)); err != nil {
			return err
		}
	} else {
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], uint64(n))
		if err := tx.Bucket(bCounts).Put([]byte(feed), v[:]); err != nil {
			return err
		}
	}
	if kind, slug := feed.Split(); kind == "category" && (was > 0) != (n > 0) {
		return setInUse(tx, slug, n > 0)
	}
	return nil
}

// Articles returns a page of an article feed.
func (s *Store) Articles(ctx context.Context, feed store.FeedKey, offset, limit int) (store.Page[store.ArticleView], error) {
	var p store.Page[store.ArticleView]
	err := s.db.View(func(tx *bolt.Tx) error {
		p.Total = count(tx, feed)
		for _, id := range page(tx, feed, offset, limit) {
			a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), id)
			if err != nil {
				return err
			}
			if a == nil {
				continue
			}
			p.Items = append(p.Items, store.ArticleView{Article: a, CommentCount: count(tx, store.ArticleCommentsFeed(a.ID))})
		}
		return nil
	})
	return p, err
}

// FeedStates returns the version stamps of feeds; a feed never written has
// version 0 and the store's creation time.
func (s *Store) FeedStates(ctx context.Context, feeds []store.FeedKey) (map[store.FeedKey]store.FeedState, error) {
	out := make(map[store.FeedKey]store.FeedState, len(feeds))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bVersions)
		for _, f := range feeds {
			state, err := getJSON[store.FeedState](b, []byte(f))
			if err != nil {
				return err
			}
			if state == nil {
				out[f] = store.FeedState{Modified: s.created}
				continue
			}
			out[f] = *state
		}
		return nil
	})
	return out, err
}

func bump(tx *bolt.Tx, feeds []store.FeedKey, now time.Time) error {
	b := tx.Bucket(bVersions)
	for _, f := range feeds {
		state, err := getJSON[store.FeedState](b, []byte(f))
		if err != nil {
			return err
		}
		if state == nil {
			state = &store.FeedState{}
		}
		state.Version++
		// Never backwards, even when a writer's clock is behind: clients
		// revalidate with If-Modified-Since against it.
		if t := now.UTC().Truncate(time.Second); t.After(state.Modified) {
			state.Modified = t
		}
		if err := putJSON(b, []byte(f), state); err != nil {
			return err
		}
	}
	return nil
}

// ArticleCount returns how many articles a source's feed lists.
func (s *Store) ArticleCount(ctx context.Context, sourceID string) (int, error) {
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = count(tx, store.SourceFeed(sourceID))
		return nil
	})
	return n, err
}

// FetchState returns the stored validators of key.
func (s *Store) FetchState(ctx context.Context, key string) (store.FetchState, error) {
	var state store.FetchState
	err := s.db.View(func(tx *bolt.Tx) error {
		v, err := getJSON[store.FetchState](tx.Bucket(bFetch), []byte(key))
		if v != nil {
			state = *v
		}
		return err
	})
	return state, err
}

// SaveFetchState replaces the validators of key.
func (s *Store) SaveFetchState(ctx context.Context, key string, state store.FetchState) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putJSON(tx.Bucket(bFetch), []byte(key), state) })
}

// Touch bumps the versions of feeds.
func (s *Store) Touch(ctx context.Context, feeds []store.FeedKey, now time.Time) error {
	if len(feeds) == 0 {
		return nil
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return bump(tx, feeds, now) }); err != nil {
		return err
	}
	s.notify(feeds)
	return nil
}
