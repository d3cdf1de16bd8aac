package embedded

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

// commentRef is how comment indexes name a comment: "articleID/commentID".
func commentRef(aid, cid string) []byte { return []byte(aid + "/" + cid) }

// AddPartnerComments stores new partner comments of an article.
func (s *Store) AddPartnerComments(ctx context.Context, articleID string, comments []*syndicate.Comment) (int, error) {
	var added int
	var changed []store.FeedKey
	err := s.db.Update(func(tx *bolt.Tx) error {
		a, err := getJSON[syndicate.Article](tx.Bucket(bArticles), []byte(articleID))
		if err != nil {
			return err
		}
		if a == nil {
			return syndicate.Errorf(syndicate.ENotFound, "article %q not found", articleID)
		}
		cb, err := tx.Bucket(bComments).CreateBucketIfNotExists([]byte(articleID))
		if err != nil {
			return err
		}
		ids, err := tx.Bucket(bCommentIDs).CreateBucketIfNotExists([]byte(articleID))
		if err != nil {
			return err
		}
		// New comments' ids are known up front, so a reply listed before
		// its parent (feeds list newest first) still finds it.
		batch := map[string]bool{}
		for _, in := range comments {
			if in.GUID != "" {
				batch[in.GUID] = true
			}
		}
		for _, in := range comments {
			if in.GUID == "" || ids.Get([]byte("guid:"+in.GUID)) != nil {
				continue
			}
			c := *in
			c.ArticleID = articleID
			c.ID = store.PartnerCommentID(articleID, c.GUID)
			if c.ParentGUID != "" && c.ParentID == "" {
				if p := ids.Get([]byte("guid:" + c.ParentGUID)); p != nil {
					c.ParentID = string(p)
				} else if batch[c.ParentGUID] {
					c.ParentID = store.PartnerCommentID(articleID, c.ParentGUID)
				}
				if c.ParentID != "" && syndicate.IsAbsoluteIRI(c.ParentGUID) {
					c.ParentEntryID = c.ParentGUID
				}
			}
			if c.Status == "" {
				c.Status = syndicate.StatusApproved
			}
			if c.Origin == "" {
				c.Origin = syndicate.CommentPartner
			}
			if err := putJSON(cb, []byte(c.ID), &c); err != nil {
				return err
			}
			if err := ids.Put([]byte("guid:"+c.GUID), []byte(c.ID)); err != nil {
				return err
			}
			if c.Status == syndicate.StatusApproved {
				if err := indexComment(tx, &c); err != nil {
					return err
				}
			}
			added++
		}
		if added == 0 {
			return nil
		}
		changed = append(store.Feeds(a), store.FeedComments, store.ArticleCommentsFeed(articleID))
		return bump(tx, changed, s.now())
	})
	if err != nil {
		return 0, fmt.Errorf("store comments of %s: %w", articleID, err)
	}
	s.notify(changed)
	return added, nil
}

func indexComment(tx *bolt.Tx, c *syndicate.Comment) error {
	ref := commentRef(c.ArticleID, c.ID)
	if err := indexPut(tx, store.ArticleCommentsFeed(c.ArticleID), store.SortKey(c.Published, c.ID), ref); err != nil {
		return err
	}
	return indexPut(tx, store.FeedComments, store.SortKey(c.Published, string(ref)), ref)
}

// Comments returns a page of approved comments, newest first.
func (s *Store) Comments(ctx context.Context, feed store.FeedKey, offset, limit int) (store.Page[*syndicate.Comment], error) {
	var p store.Page[*syndicate.Comment]
	err := s.db.View(func(tx *bolt.Tx) error {
		p.Total = count(tx, feed)
		for _, ref := range page(tx, feed, offset, limit) {
			aid, cid, ok := bytes.Cut(ref, []byte("/"))
			if !ok {
				return fmt.Errorf("bad comment ref %q in %s", ref, feed)
			}
			cb := tx.Bucket(bComments).Bucket(aid)
			if cb == nil {
				continue
			}
			c, err := getJSON[syndicate.Comment](cb, cid)
			if err != nil {
				return err
			}
			if c != nil {
				p.Items = append(p.Items, c)
			}
		}
		return nil
	})
	return p, err
}
