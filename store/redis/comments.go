package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

// commentRef is how the site-wide comment index names a comment, as in the
// embedded store: "articleID/commentID".
func commentRef(articleID, commentID string) string { return articleID + "/" + commentID }

// AddPartnerComments stores new partner comments of an article
// (store.AddPartnerComments).
//
// Every key but the site-wide comment index and the version stamps shares
// the article's hash tag. The article and the known GUIDs are read in one
// pipeline; the comments' JSON is written before their indexes; HSETNX on
// the GUID decides, among concurrent writers, who counts a comment as new.
func (s *Store) AddPartnerComments(ctx context.Context, articleID string, comments []*syndicate.Comment) (int, []store.FeedKey, error) {
	n, changed, err := store.AddPartnerComments(ctx, partnerTx{s: s}, articleID, comments, s.now())
	if err != nil {
		return 0, nil, fmt.Errorf("store comments of %s: %w", articleID, err)
	}
	s.publish(ctx, changed)
	return n, changed, nil
}

// partnerTx lays out store.AddPartnerComments with pipelines.
type partnerTx struct{ s *Store }

func (t partnerTx) Thread(ctx context.Context, articleID string, guids []string) (*syndicate.Article, map[string]string, error) {
	s := t.s
	var art *goredis.StringCmd
	var known *goredis.SliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		art = p.Get(ctx, s.k.article(articleID))
		if len(guids) > 0 {
			known = p.HMGet(ctx, s.k.commentGUIDs(articleID), guids...)
		}
		return nil
	})
	if errors.Is(art.Err(), goredis.Nil) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	a, err := decode[syndicate.Article](art.Val())
	if err != nil {
		return nil, nil, fmt.Errorf("article %s: %w", articleID, err)
	}
	stored := map[string]string{}
	if known != nil {
		for i, v := range known.Val() {
			if id, ok := v.(string); ok {
				stored[guids[i]] = id
			}
		}
	}
	return a, stored, nil
}

func (t partnerTx) AddComments(ctx context.Context, articleID string, comments []*syndicate.Comment) (int, error) {
	s := t.s
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, c := range comments {
			data, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("encode comment %s: %w", c.ID, err)
			}
			p.HSet(ctx, s.k.commentData(articleID), c.ID, data)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("write comments: %w", err)
	}
	claimed := make([]*goredis.BoolCmd, len(comments))
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, c := range comments {
			claimed[i] = p.HSetNX(ctx, s.k.commentGUIDs(articleID), c.GUID, c.ID)
			if c.Status == syndicate.StatusApproved {
				score := float64(c.Published.Unix())
				p.ZAdd(ctx, s.k.comments(articleID), goredis.Z{Score: score, Member: c.ID})
				p.ZAdd(ctx, s.k.index(store.FeedComments), goredis.Z{Score: score, Member: commentRef(articleID, c.ID)})
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("index comments: %w", err)
	}
	added := 0
	for _, c := range claimed {
		if c.Val() {
			added++
		}
	}
	return added, nil
}

func (t partnerTx) Bump(ctx context.Context, feeds []store.FeedKey, now time.Time) error {
	_, err := t.s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		t.s.bump(ctx, p, feeds, now)
		return nil
	})
	return err
}

// Comments returns a page of approved comments of FeedComments or of an
// article's comment feed, newest first.
func (s *Store) Comments(ctx context.Context, feed store.FeedKey, offset, limit int) (store.Page[*syndicate.Comment], error) {
	var p store.Page[*syndicate.Comment]
	kind, articleID := feed.Split()
	if kind != "comments" && kind != "article" && kind != "cstatus" {
		return p, syndicate.Errorf(syndicate.EInvalid, "%s is not a comment feed", feed)
	}
	total, members, err := s.page(ctx, feed, offset, limit)
	if err != nil {
		return p, err
	}
	p.Total = total
	if len(members) == 0 {
		return p, nil
	}
	cmds := make([]*goredis.StringCmd, len(members))
	_, err = s.rdb.Pipelined(ctx, func(pl goredis.Pipeliner) error {
		for i, m := range members {
			aid, cid := articleID, m
			if kind != "article" { // "articleID/commentID" members
				var ok bool
				if aid, cid, ok = strings.Cut(m, "/"); !ok {
					return fmt.Errorf("bad comment ref %q in %s", m, feed)
				}
			}
			cmds[i] = pl.HGet(ctx, s.k.commentData(aid), cid)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return p, fmt.Errorf("read %s: %w", feed, err)
	}
	for i, c := range cmds {
		v, err := c.Result()
		if errors.Is(err, goredis.Nil) {
			continue // indexed but gone: deleted meanwhile
		}
		if err != nil {
			return p, fmt.Errorf("read comment %s: %w", members[i], err)
		}
		cm, err := decode[syndicate.Comment](v)
		if err != nil {
			return p, fmt.Errorf("read comment %s: %w", members[i], err)
		}
		p.Items = append(p.Items, cm)
	}
	return p, nil
}
