package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

// localComment loads a reader comment by id; nil when unknown.
func (s *Store) localComment(ctx context.Context, id string) (*syndicate.Comment, error) {
	aid, err := s.rdb.HGet(ctx, s.k.commentArticle(), id).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.articleComment(ctx, aid, id)
}

// articleComment loads a comment of an article; nil when unknown.
func (s *Store) articleComment(ctx context.Context, articleID, id string) (*syndicate.Comment, error) {
	raw, err := s.rdb.HGet(ctx, s.k.commentData(articleID), id).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decode[syndicate.Comment](raw)
}

// commentTx lays out the reader-comment rules of package store. A
// comment's data and its queues are in different slots, so no MULTI or
// script covers a write: the id claim comes first (HSETNX), then the
// comment, then where it is indexed, then the version bumps, so a crash in
// between leaves an unlisted comment, never a listed one that is missing.
// Status changes and deletes run under the comment's moderation lock.
type commentTx struct{ s *Store }

func (t commentTx) Article(ctx context.Context, id string) (*syndicate.Article, error) {
	return t.s.articleOf(ctx, id)
}

func (t commentTx) ArticleComment(ctx context.Context, articleID, id string) (*syndicate.Comment, error) {
	return t.s.articleComment(ctx, articleID, id)
}

func (t commentTx) LocalComment(ctx context.Context, id string) (*syndicate.Comment, error) {
	return t.s.localComment(ctx, id)
}

func (t commentTx) WriteComment(ctx context.Context, w *store.CommentWrite) error {
	s, c := t.s, w.Comment
	if w.Create {
		ok, err := s.rdb.HSetNX(ctx, s.k.commentArticle(), c.ID, c.ArticleID).Result()
		if err != nil {
			return err
		}
		if !ok {
			return store.ErrCommentExists
		}
	}
	if !w.Delete {
		data, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if err := s.rdb.HSet(ctx, s.k.commentData(c.ArticleID), c.ID, data).Err(); err != nil {
			return err
		}
	}
	ref := commentRef(c.ArticleID, c.ID)
	score := float64(c.Published.Unix())
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		if w.From != "" {
			p.ZRem(ctx, s.k.index(store.StatusQueue(w.From)), ref)
		}
		if w.To != "" {
			p.ZAdd(ctx, s.k.index(store.StatusQueue(w.To)), goredis.Z{Score: score, Member: ref})
		}
		if w.Publish {
			p.ZAdd(ctx, s.k.comments(c.ArticleID), goredis.Z{Score: score, Member: c.ID})
			p.ZAdd(ctx, s.k.index(store.FeedComments), goredis.Z{Score: score, Member: ref})
		}
		if w.Unpublish {
			p.ZRem(ctx, s.k.comments(c.ArticleID), c.ID)
			p.ZRem(ctx, s.k.index(store.FeedComments), ref)
		}
		if w.Known != "" {
			p.SAdd(ctx, s.k.known(), w.Known)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index comment %s: %w", c.ID, err)
	}
	if len(w.Bumps) > 0 {
		if _, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
			s.bump(ctx, p, w.Bumps, w.Now)
			return nil
		}); err != nil {
			return fmt.Errorf("bump feed versions: %w", err)
		}
	}
	if w.Delete {
		_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
			p.HDel(ctx, s.k.commentData(c.ArticleID), c.ID)
			p.HDel(ctx, s.k.commentArticle(), c.ID)
			return nil
		})
		return err
	}
	return nil
}

// AddComment stores a reader's comment (store.AddComment).
func (s *Store) AddComment(ctx context.Context, in *syndicate.Comment, maxDepth int) (*syndicate.Comment, []store.FeedKey, error) {
	c, changed, err := store.AddComment(ctx, commentTx{s: s}, in, maxDepth, s.now())
	if err != nil {
		return nil, nil, err
	}
	s.publish(ctx, changed)
	return c, changed, nil
}

// Comment returns a comment by id.
func (s *Store) Comment(ctx context.Context, id string) (*syndicate.Comment, error) {
	c, err := s.localComment(ctx, id)
	if err == nil && c == nil {
		err = syndicate.Errorf(syndicate.ENotFound, "no comment %q", id)
	}
	return c, err
}

// CommentsByStatus lists local comments in a status, newest first.
func (s *Store) CommentsByStatus(ctx context.Context, status string, offset, limit int) (store.Page[*syndicate.Comment], error) {
	return s.Comments(ctx, store.StatusQueue(status), offset, limit)
}

func (s *Store) articleOf(ctx context.Context, id string) (*syndicate.Article, error) {
	raw, err := s.rdb.Get(ctx, s.k.article(id)).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decode[syndicate.Article](raw)
}

// lockComment serializes moderation of one comment across replicas: its
// data and its queues are in different slots, so no MULTI or script can
// cover them; a short SET NX lock does.
func (s *Store) lockComment(ctx context.Context, id string) (func(), error) {
	key := s.k.p + ":{c:" + id + "}:lock"
	token := store.NewCommentID()
	for i := 0; ; i++ {
		ok, err := s.rdb.SetNX(ctx, key, token, 10*time.Second).Result()
		if err != nil {
			return nil, err
		}
		if ok {
			return func() { releaseScript.Run(context.Background(), s.rdb, []string{key}, token) }, nil
		}
		if i == 50 {
			return nil, syndicate.Errorf(syndicate.EConflict, "comment %q is being moderated by someone else; try again", id)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// SetCommentStatus moves a comment to another moderation status
// (store.SetCommentStatus), under its moderation lock.
func (s *Store) SetCommentStatus(ctx context.Context, id, status string) (*syndicate.Comment, []store.FeedKey, error) {
	unlock, err := s.lockComment(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	c, changed, err := store.SetCommentStatus(ctx, commentTx{s: s}, id, status, s.now())
	if err != nil {
		return nil, nil, err
	}
	s.publish(ctx, changed)
	return c, changed, nil
}

// DeleteComment removes a comment (store.DeleteComment), under its
// moderation lock.
func (s *Store) DeleteComment(ctx context.Context, id string) ([]store.FeedKey, error) {
	unlock, err := s.lockComment(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	changed, err := store.DeleteComment(ctx, commentTx{s: s}, id, s.now())
	if err != nil {
		return nil, err
	}
	s.publish(ctx, changed)
	return changed, nil
}

// KnownCommenter reports whether an e-mail key has an approved comment.
func (s *Store) KnownCommenter(ctx context.Context, emailKey string) (bool, error) {
	return s.rdb.SIsMember(ctx, s.k.known(), emailKey).Result()
}

var hitScript = goredis.NewScript(`local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end
local ttl = redis.call("PTTL", KEYS[1])
if ttl < 0 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {n, ttl}`)

// Hit counts an event in a fixed window shared by every replica.
func (s *Store) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	res, err := hitScript.Run(ctx, s.rdb, []string{s.k.rate(key)}, window.Milliseconds()).Int64Slice()
	if err != nil || len(res) != 2 {
		return 0, time.Time{}, fmt.Errorf("rate limit: %w", err)
	}
	return int(res[0]), now.Add(time.Duration(res[1]) * time.Millisecond), nil
}

// PurgeCommentIPs forgets the IPs of local comments published before t.
func (s *Store) PurgeCommentIPs(ctx context.Context, before time.Time) (int, error) {
	n := 0
	iter := s.rdb.HScan(ctx, s.k.commentArticle(), 0, "", 500).Iterator()
	for iter.Next(ctx) {
		id := iter.Val()
		if !iter.Next(ctx) {
			break
		}
		aid := iter.Val()
		purged, err := s.purgeIP(ctx, aid, id, before)
		if err != nil {
			return n, err
		}
		if purged {
			n++
		}
	}
	return n, iter.Err()
}

// purgeIP clears one comment's IP under the moderation lock, so it never
// undoes a concurrent status change or revives a deleted comment.
func (s *Store) purgeIP(ctx context.Context, aid, id string, before time.Time) (bool, error) {
	raw, err := s.rdb.HGet(ctx, s.k.commentData(aid), id).Result()
	if errors.Is(err, goredis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if c, err := decode[syndicate.Comment](raw); err != nil || c.IP == "" || !c.Published.Before(before) {
		return false, nil
	}
	unlock, err := s.lockComment(ctx, id)
	if err != nil {
		return false, err
	}
	defer unlock()
	raw, err = s.rdb.HGet(ctx, s.k.commentData(aid), id).Result()
	if errors.Is(err, goredis.Nil) {
		return false, nil // deleted meanwhile
	}
	if err != nil {
		return false, err
	}
	c, err := decode[syndicate.Comment](raw)
	if err != nil || c.IP == "" {
		return false, nil
	}
	c.IP = ""
	data, err := json.Marshal(c)
	if err != nil {
		return false, err
	}
	return true, s.rdb.HSet(ctx, s.k.commentData(aid), id, data).Err()
}
