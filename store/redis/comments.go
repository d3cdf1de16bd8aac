package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

// commentRef is how the site-wide comment index names a comment, as in the
// embedded store: "articleID/commentID".
func commentRef(articleID, commentID string) string { return articleID + "/" + commentID }

// AddPartnerComments stores new partner comments of an article, skipping
// those whose GUID it already has. A reply's ParentGUID is resolved to the
// local id of a parent stored before it (earlier in the list, or in an
// earlier call). It fails with a syndicate.ENotFound error when the article
// is unknown.
//
// Every key but the site-wide comment index and the version stamps shares
// the article's hash tag. The comments' JSON is written before their
// indexes; HSETNX on the GUID decides, among concurrent writers, who
// counts a comment as new.
func (s *Store) AddPartnerComments(ctx context.Context, articleID string, comments []*syndicate.Comment) (int, error) {
	n, err := s.addPartnerComments(ctx, articleID, comments)
	if err != nil {
		return 0, fmt.Errorf("store comments of %s: %w", articleID, err)
	}
	return n, nil
}

func (s *Store) addPartnerComments(ctx context.Context, articleID string, comments []*syndicate.Comment) (int, error) {
	var guids []string
	for _, c := range comments {
		if c.GUID != "" {
			guids = append(guids, c.GUID)
		}
		if c.ParentGUID != "" {
			guids = append(guids, c.ParentGUID)
		}
	}
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
		return 0, syndicate.Errorf(syndicate.ENotFound, "article %q not found", articleID)
	}
	if err != nil {
		return 0, err
	}
	a, err := decode[syndicate.Article](art.Val())
	if err != nil {
		return 0, fmt.Errorf("article %s: %w", articleID, err)
	}
	stored := map[string]string{} // guid → comment id already stored
	if known != nil {
		for i, v := range known.Val() {
			if id, ok := v.(string); ok {
				stored[guids[i]] = id
			}
		}
	}
	// New comments' ids are known up front, so a reply listed before its
	// parent (feeds list newest first) still finds it.
	ids := maps.Clone(stored)
	for _, in := range comments {
		if in.GUID != "" && ids[in.GUID] == "" {
			ids[in.GUID] = store.PartnerCommentID(articleID, in.GUID)
		}
	}

	var fresh []*syndicate.Comment
	seen := map[string]bool{}
	for _, in := range comments {
		if in.GUID == "" || stored[in.GUID] != "" || seen[in.GUID] {
			continue
		}
		seen[in.GUID] = true
		c := *in
		c.ArticleID = articleID
		c.ID = ids[c.GUID]
		if c.ParentGUID != "" && c.ParentID == "" {
			if p := ids[c.ParentGUID]; p != "" {
				c.ParentID = p
				// The parent's emitted entry id, so feeds need not load it.
				if syndicate.IsAbsoluteIRI(c.ParentGUID) {
					c.ParentEntryID = c.ParentGUID
				}
			}
		}
		if c.Status == "" {
			c.Status = syndicate.StatusApproved
		}
		if c.Origin == "" {
			c.Origin = syndicate.CommentPartner
		}
		fresh = append(fresh, &c)
	}
	if len(fresh) == 0 {
		return 0, nil
	}

	// The comments first, then their GUIDs and indexes.
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, c := range fresh {
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
	claimed := make([]*goredis.BoolCmd, len(fresh))
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, c := range fresh {
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
	if added == 0 {
		return 0, nil // another writer stored them meanwhile and bumped
	}
	changed := append(store.Feeds(a), store.FeedComments, store.ArticleCommentsFeed(articleID))
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		s.bump(ctx, p, changed, s.now())
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bump feed versions: %w", err)
	}
	s.publish(ctx, changed)
	return added, nil
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
