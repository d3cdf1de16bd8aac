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

// commentByID loads a comment by id with the article it belongs to.
func commentByID(tx *bolt.Tx, id string) (*syndicate.Comment, error) {
	lb := tx.Bucket(bLocal)
	var aid []byte
	if lb != nil {
		aid = lb.Get([]byte(id))
	}
	if aid == nil {
		return nil, syndicate.Errorf(syndicate.ENotFound, "no comment %q", id)
	}
	cb := tx.Bucket(bComments).Bucket(aid)
	if cb == nil {
		return nil, syndicate.Errorf(syndicate.ENotFound, "no comment %q", id)
	}
	c, err := getJSON[syndicate.Comment](cb, []byte(id))
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, syndicate.Errorf(syndicate.ENotFound, "no comment %q", id)
	}
	return c, nil
}

// AddComment stores a reader's comment.
func (s *Store) AddComment(ctx context.Context, in *syndicate.Comment, maxDepth int) (*syndicate.Comment, error) {
	c := *in
	var changed []store.FeedKey
	err := s.db.Update(func(tx *bolt.Tx) error {
		a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), []byte(c.ArticleID))
		if err != nil {
			return err
		}
		if a == nil {
			return syndicate.Errorf(syndicate.ENotFound, "article %q not found", c.ArticleID)
		}
		c.Depth = 0
		if c.ParentID != "" {
			var p *syndicate.Comment
			if cb := tx.Bucket(bComments).Bucket([]byte(c.ArticleID)); cb != nil {
				if p, err = getJSON[syndicate.Comment](cb, []byte(c.ParentID)); err != nil {
					return err
				}
			}
			if p == nil {
				return syndicate.FieldError("parent_id", "%q is not a comment on this article", c.ParentID)
			}
			c.Depth = p.Depth + 1
			if c.Depth > maxDepth {
				return syndicate.FieldError("parent_id", "replies may nest at most %d deep", maxDepth)
			}
			c.ParentEntryID = p.EntryID
		}
		if c.ID == "" {
			c.ID = store.NewCommentID()
		}
		if tx.Bucket(bLocal) != nil && tx.Bucket(bLocal).Get([]byte(c.ID)) != nil {
			return syndicate.Errorf(syndicate.EConflict, "comment %q exists", c.ID)
		}
		c.Origin = syndicate.CommentLocal
		c.EntryID = ""
		cb, err := tx.Bucket(bComments).CreateBucketIfNotExists([]byte(c.ArticleID))
		if err != nil {
			return err
		}
		if err := putJSON(cb, []byte(c.ID), &c); err != nil {
			return err
		}
		lb, err := s.bucket(tx, bLocal)
		if err != nil {
			return err
		}
		if err := lb.Put([]byte(c.ID), []byte(c.ArticleID)); err != nil {
			return err
		}
		changed, err = setStatus(tx, a, &c, "", c.Status)
		if err != nil {
			return err
		}
		return bump(tx, changed, s.now())
	})
	if err != nil {
		return nil, err
	}
	s.notify(changed)
	return &c, nil
}

// setStatus moves a stored comment from status old to new in the queues
// and the published indexes, returning the feeds that changed.
func setStatus(tx *bolt.Tx, a *syndicate.Article, c *syndicate.Comment, old, status string) ([]store.FeedKey, error) {
	ref := commentRef(c.ArticleID, c.ID)
	key := store.SortKey(c.Published, string(ref))
	if old != "" {
		if err := indexDelete(tx, store.StatusQueue(old), key); err != nil {
			return nil, err
		}
	}
	if status != "" {
		if err := indexPut(tx, store.StatusQueue(status), key, ref); err != nil {
			return nil, err
		}
	}
	was, is := old == syndicate.StatusApproved, status == syndicate.StatusApproved
	if was == is {
		return nil, nil
	}
	if is {
		if err := indexComment(tx, c); err != nil {
			return nil, err
		}
		if c.Author.Email != "" {
			kb, err := tx.CreateBucketIfNotExists(bKnown)
			if err != nil {
				return nil, err
			}
			if err := kb.Put([]byte(syndicate.CommenterKey(c.Author.Name, c.Author.Email)), nil); err != nil {
				return nil, err
			}
		}
	} else {
		if err := indexDelete(tx, store.ArticleCommentsFeed(c.ArticleID), store.SortKey(c.Published, c.ID)); err != nil {
			return nil, err
		}
		if err := indexDelete(tx, store.FeedComments, key); err != nil {
			return nil, err
		}
	}
	changed := []store.FeedKey{store.FeedComments, store.ArticleCommentsFeed(c.ArticleID)}
	if a != nil {
		changed = append(changed, store.Feeds(a)...)
	}
	return changed, nil
}

// Comment returns a comment by id.
func (s *Store) Comment(ctx context.Context, id string) (*syndicate.Comment, error) {
	var c *syndicate.Comment
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		c, err = commentByID(tx, id)
		return err
	})
	return c, err
}

// CommentsByStatus lists local comments in a status, newest first.
func (s *Store) CommentsByStatus(ctx context.Context, status string, offset, limit int) (store.Page[*syndicate.Comment], error) {
	return s.Comments(ctx, store.StatusQueue(status), offset, limit)
}

// SetCommentStatus moves a comment to another moderation status.
func (s *Store) SetCommentStatus(ctx context.Context, id, status string) (*syndicate.Comment, error) {
	var c *syndicate.Comment
	var changed []store.FeedKey
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if c, err = commentByID(tx, id); err != nil {
			return err
		}
		if c.Status == status {
			return nil
		}
		a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), []byte(c.ArticleID))
		if err != nil {
			return err
		}
		old := c.Status
		c.Status = status
		if err := putJSON(tx.Bucket(bComments).Bucket([]byte(c.ArticleID)), []byte(c.ID), c); err != nil {
			return err
		}
		if changed, err = setStatus(tx, a, c, old, status); err != nil {
			return err
		}
		return bump(tx, changed, s.now())
	})
	if err != nil {
		return nil, err
	}
	s.notify(changed)
	return c, nil
}

// DeleteComment removes a comment.
func (s *Store) DeleteComment(ctx context.Context, id string) error {
	var changed []store.FeedKey
	err := s.db.Update(func(tx *bolt.Tx) error {
		c, err := commentByID(tx, id)
		if err != nil {
			return err
		}
		a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), []byte(c.ArticleID))
		if err != nil {
			return err
		}
		if changed, err = setStatus(tx, a, c, c.Status, ""); err != nil {
			return err
		}
		if err := tx.Bucket(bComments).Bucket([]byte(c.ArticleID)).Delete([]byte(c.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bLocal).Delete([]byte(c.ID)); err != nil {
			return err
		}
		return bump(tx, changed, s.now())
	})
	if err != nil {
		return err
	}
	s.notify(changed)
	return nil
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
