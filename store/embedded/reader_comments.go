package embedded

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

var (
	bLocal = []byte("local_comments") // comment id → article id
	bKnown = []byte("known_commenters")
	bRate  = []byte("rate")
)

func (s *Store) bucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	return tx.CreateBucketIfNotExists(name)
}

// localComment loads a reader comment by id from the local index; nil
// when unknown.
func localComment(tx *bolt.Tx, id string) (*syndicate.Comment, error) {
	lb := tx.Bucket(bLocal)
	var aid []byte
	if lb != nil {
		aid = lb.Get([]byte(id))
	}
	if aid == nil {
		return nil, nil
	}
	cb := tx.Bucket(bComments).Bucket(aid)
	if cb == nil {
		return nil, nil
	}
	return getJSON[syndicate.Comment](cb, []byte(id))
}

// commentTx lays out the reader-comment rules of package store inside one
// bbolt write transaction.
type commentTx struct{ tx *bolt.Tx }

func (t commentTx) Article(ctx context.Context, id string) (*syndicate.Article, error) {
	return getJSON[syndicate.Article](t.tx.Bucket(bArticles), []byte(id))
}

func (t commentTx) ArticleComment(ctx context.Context, articleID, id string) (*syndicate.Comment, error) {
	cb := t.tx.Bucket(bComments).Bucket([]byte(articleID))
	if cb == nil {
		return nil, nil
	}
	return getJSON[syndicate.Comment](cb, []byte(id))
}

func (t commentTx) LocalComment(ctx context.Context, id string) (*syndicate.Comment, error) {
	return localComment(t.tx, id)
}

func (t commentTx) WriteComment(ctx context.Context, w *store.CommentWrite) error {
	tx, c := t.tx, w.Comment
	id := []byte(c.ID)
	lb, err := tx.CreateBucketIfNotExists(bLocal)
	if err != nil {
		return err
	}
	if w.Create && lb.Get(id) != nil {
		return store.ErrCommentExists
	}
	ref := commentRef(c.ArticleID, c.ID)
	key := store.SortKey(c.Published, string(ref))
	if w.From != "" {
		if err := indexDelete(tx, store.StatusQueue(w.From), key); err != nil {
			return err
		}
	}
	if w.To != "" {
		if err := indexPut(tx, store.StatusQueue(w.To), key, ref); err != nil {
			return err
		}
	}
	if w.Publish {
		if err := indexComment(tx, c); err != nil {
			return err
		}
	}
	if w.Unpublish {
		if err := indexDelete(tx, store.ArticleCommentsFeed(c.ArticleID), store.SortKey(c.Published, c.ID)); err != nil {
			return err
		}
		if err := indexDelete(tx, store.FeedComments, key); err != nil {
			return err
		}
	}
	if w.Known != "" {
		kb, err := tx.CreateBucketIfNotExists(bKnown)
		if err != nil {
			return err
		}
		if err := kb.Put([]byte(w.Known), nil); err != nil {
			return err
		}
	}
	cb, err := tx.Bucket(bComments).CreateBucketIfNotExists([]byte(c.ArticleID))
	if err != nil {
		return err
	}
	if w.Delete {
		if err := cb.Delete(id); err != nil {
			return err
		}
		if err := lb.Delete(id); err != nil {
			return err
		}
	} else {
		if err := putJSON(cb, id, c); err != nil {
			return err
		}
		if err := lb.Put(id, []byte(c.ArticleID)); err != nil {
			return err
		}
	}
	return bump(tx, w.Bumps, w.Now)
}

// commentRule runs one reader-comment rule in a write transaction and
// notifies the feeds it changed.
func commentRule[T any](s *Store, rule func(tx commentTx) (T, []store.FeedKey, error)) (T, []store.FeedKey, error) {
	var v T
	var changed []store.FeedKey
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		v, changed, err = rule(commentTx{tx: tx})
		return err
	})
	if err != nil {
		var zero T
		return zero, nil, err
	}
	s.notify(changed)
	return v, changed, nil
}

// AddComment stores a reader's comment (store.AddComment).
func (s *Store) AddComment(ctx context.Context, in *syndicate.Comment, maxDepth int) (*syndicate.Comment, []store.FeedKey, error) {
	return commentRule(s, func(tx commentTx) (*syndicate.Comment, []store.FeedKey, error) {
		return store.AddComment(ctx, tx, in, maxDepth, s.now())
	})
}

// Comment returns a comment by id.
func (s *Store) Comment(ctx context.Context, id string) (*syndicate.Comment, error) {
	var c *syndicate.Comment
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		c, err = localComment(tx, id)
		return err
	})
	if err == nil && c == nil {
		err = syndicate.Errorf(syndicate.ENotFound, "no comment %q", id)
	}
	return c, err
}

// CommentsByStatus lists local comments in a status, newest first.
func (s *Store) CommentsByStatus(ctx context.Context, status string, offset, limit int) (store.Page[*syndicate.Comment], error) {
	return s.Comments(ctx, store.StatusQueue(status), offset, limit)
}

// SetCommentStatus moves a comment to another moderation status
// (store.SetCommentStatus).
func (s *Store) SetCommentStatus(ctx context.Context, id, status string) (*syndicate.Comment, []store.FeedKey, error) {
	return commentRule(s, func(tx commentTx) (*syndicate.Comment, []store.FeedKey, error) {
		return store.SetCommentStatus(ctx, tx, id, status, s.now())
	})
}

// DeleteComment removes a comment (store.DeleteComment).
func (s *Store) DeleteComment(ctx context.Context, id string) ([]store.FeedKey, error) {
	_, changed, err := commentRule(s, func(tx commentTx) (struct{}, []store.FeedKey, error) {
		changed, err := store.DeleteComment(ctx, tx, id, s.now())
		return struct{}{}, changed, err
	})
	return changed, err
}

// KnownCommenter reports whether an e-mail key has an approved comment.
func (s *Store) KnownCommenter(ctx context.Context, emailKey string) (bool, error) {
	known := false
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bKnown); b != nil {
			known = b.Get([]byte(emailKey)) != nil
		}
		return nil
	})
	return known, err
}

// Hit counts an event in a fixed window.
func (s *Store) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	var n int
	var reset time.Time
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := s.bucket(tx, bRate)
		if err != nil {
			return err
		}
		v := b.Get([]byte(key))
		if len(v) == 16 {
			reset = time.Unix(0, int64(binary.BigEndian.Uint64(v[8:])))
			n = int(binary.BigEndian.Uint64(v[:8]))
		}
		if len(v) != 16 || !now.Before(reset) {
			n, reset = 0, now.Add(window)
		}
		n++
		var out [16]byte
		binary.BigEndian.PutUint64(out[:8], uint64(n))
		binary.BigEndian.PutUint64(out[8:], uint64(reset.UnixNano()))
		return b.Put([]byte(key), out[:])
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("rate limit: %w", err)
	}
	return n, reset, nil
}

// PurgeCommentIPs forgets the IPs of local comments published before t,
// and drops expired rate-limit windows.
func (s *Store) PurgeCommentIPs(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		if rb := tx.Bucket(bRate); rb != nil {
			var old [][]byte
			rb.ForEach(func(k, v []byte) error {
				if len(v) == 16 && time.Unix(0, int64(binary.BigEndian.Uint64(v[8:]))).Before(time.Now()) {
					old = append(old, append([]byte(nil), k...))
				}
				return nil
			})
			for _, k := range old {
				rb.Delete(k)
			}
		}
		lb := tx.Bucket(bLocal)
		if lb == nil {
			return nil
		}
		return lb.ForEach(func(k, aid []byte) error {
			cb := tx.Bucket(bComments).Bucket(aid)
			if cb == nil {
				return nil
			}
			c, err := getJSON[syndicate.Comment](cb, k)
			if err != nil || c == nil || c.IP == "" || !c.Published.Before(before) {
				return err
			}
			c.IP = ""
			n++
			return putJSON(cb, k, c)
		})
	})
	return n, err
}
