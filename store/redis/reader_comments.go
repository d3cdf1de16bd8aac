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

func (s *Store) loadComment(ctx context.Context, id string) (*syndicate.Comment, error) {
	aid, err := s.rdb.HGet(ctx, s.k.commentArticle(), id).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, syndicate.Errorf(syndicate.ENotFound, "no comment %q", id)
	}
	if err != nil {
		return nil, err
	}
	raw, err := s.rdb.HGet(ctx, s.k.commentData(aid), id).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, syndicate.Errorf(syndicate.ENotFound, "no comment %q", id)
	}
	if err != nil {
		return nil, err
	}
	return decode[syndicate.Comment](raw)
}

// AddComment stores a reader's comment.
func (s *Store) AddComment(ctx context.Context, in *syndicate.Comment, maxDepth int) (*syndicate.Comment, error) {
	c := *in
	raw, err := s.rdb.Get(ctx, s.k.article(c.ArticleID)).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, syndicate.Errorf(syndicate.ENotFound, "article %q not found", c.ArticleID)
	}
	if err != nil {
		return nil, err
	}
	a, err := decode[syndicate.Article](raw)
	if err != nil {
		return nil, err
	}
	c.Depth = 0
	if c.ParentID != "" {
		praw, err := s.rdb.HGet(ctx, s.k.commentData(c.ArticleID), c.ParentID).Result()
		if errors.Is(err, goredis.Nil) {
			return nil, syndicate.FieldError("parent_id", "%q is not a comment on this article", c.ParentID)
		}
		if err != nil {
			return nil, err
		}
		p, err := decode[syndicate.Comment](praw)
		if err != nil {
			return nil, err
		}
		c.Depth = p.Depth + 1
		if c.Depth > maxDepth {
			return nil, syndicate.FieldError("parent_id", "replies may nest at most %d deep", maxDepth)
		}
		c.ParentEntryID = p.EntryID
	}
	if c.ID == "" {
		c.ID = store.NewCommentID()
	}
	c.Origin = syndicate.CommentLocal
	c.EntryID = ""
	data, err := json.Marshal(&c)
	if err != nil {
		return nil, err
	}
	// The id claim first (HSETNX), then the comment, then where it is
	// indexed: a crash in between leaves an unlisted comment, never a
	// listed one that is missing.
	ok, err := s.rdb.HSetNX(ctx, s.k.commentArticle(), c.ID, c.ArticleID).Result()
	if err != nil {
		return nil, fmt.Errorf("store comment: %w", err)
	}
	if !ok {
		return nil, syndicate.Errorf(syndicate.EConflict, "comment %q exists", c.ID)
	}
	if err := s.rdb.HSet(ctx, s.k.commentData(c.ArticleID), c.ID, data).Err(); err != nil {
		return nil, fmt.Errorf("store comment: %w", err)
	}
	if err := s.setStatus(ctx, a, &c, "", c.Status); err != nil {
		return nil, err
	}
	return &c, nil
}

// setStatus moves a comment between queues and published indexes, then
// bumps and announces the feeds that changed.
func (s *Store) setStatus(ctx context.Context, a *syndicate.Article, c *syndicate.Comment, old, status string) error {
	ref := commentRef(c.ArticleID, c.ID)
	score := float64(c.Published.Unix())
	was, is := old == syndicate.StatusApproved, status == syndicate.StatusApproved
	var changed []store.FeedKey
	if was != is {
		changed = []store.FeedKey{store.FeedComments, store.ArticleCommentsFeed(c.ArticleID)}
		if a != nil {
			changed = append(changed, store.Feeds(a)...)
		}
	}
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		if old != "" {
			p.ZRem(ctx, s.k.index(store.StatusQueue(old)), ref)
		}
		if status != "" {
			p.ZAdd(ctx, s.k.index(store.StatusQueue(status)), goredis.Z{Score: score, Member: ref})
		}
		switch {
		case is && !was:
			p.ZAdd(ctx, s.k.comments(c.ArticleID), goredis.Z{Score: score, Member: c.ID})
			p.ZAdd(ctx, s.k.index(store.FeedComments), goredis.Z{Score: score, Member: ref})
			if c.Author.Email != "" {
				p.SAdd(ctx, s.k.known(), syndicate.CommenterKey(c.Author.Name, c.Author.Email))
			}
		case was && !is:
			p.ZRem(ctx, s.k.comments(c.ArticleID), c.ID)
			p.ZRem(ctx, s.k.index(store.FeedComments), ref)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index comment %s: %w", c.ID, err)
	}
	if len(changed) == 0 {
		return nil
	}
	if _, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		s.bump(ctx, p, changed, s.now())
		return nil
	}); err != nil {
		return fmt.Errorf("bump feed versions: %w", err)
	}
	s.publish(ctx, changed)
	return nil
}

// Comment returns a comment by id.
func (s *Store) Comment(ctx context.Context, id string) (*syndicate.Comment, error) {
	return s.loadComment(ctx, id)
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

// SetCommentStatus moves a comment to another moderation status.
func (s *Store) SetCommentStatus(ctx context.Context, id, status string) (*syndicate.Comment, error) {
	unlock, err := s.lockComment(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := s.loadComment(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status == status {
		return c, nil
	}
	a, err := s.articleOf(ctx, c.ArticleID)
	if err != nil {
		return nil, err
	}
	old := c.Status
	c.Status = status
	data, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	if err := s.rdb.HSet(ctx, s.k.commentData(c.ArticleID), c.ID, data).Err(); err != nil {
		return nil, err
	}
	if err := s.setStatus(ctx, a, c, old, status); err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteComment removes a comment.
func (s *Store) DeleteComment(ctx context.Context, id string) error {
	unlock, err := s.lockComment(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	c, err := s.loadComment(ctx, id)
	if err != nil {
		return err
	}
	a, err := s.articleOf(ctx, c.ArticleID)
	if err != nil {
		return err
	}
	if err := s.setStatus(ctx, a, c, c.Status, ""); err != nil {
		return err
	}
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.HDel(ctx, s.k.commentData(c.ArticleID), c.ID)
		p.HDel(ctx, s.k.commentArticle(), c.ID)
		return nil
	})
	return err
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
