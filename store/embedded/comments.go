package embedded

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"syndicate"
	"syndicate/store"
)

// commentRef is how comment indexes name a comment: "articleID/commentID".
func commentRef(aid, cid string) []byte { return []byte(aid + "/" + cid) }

// AddPartnerComments stores new partner comments of an article
// (store.AddPartnerComments) in one transaction.
func (s *Store) AddPartnerComments(ctx context.Context, articleID string, comments []*syndicate.Comment) (int, []store.FeedKey, error) {
	var added int
	var changed []store.FeedKey
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		added, changed, err = store.AddPartnerComments(ctx, partnerTx{tx: tx}, articleID, comments, s.now())
		return err
	})
	if err != nil {
		return 0, nil, fmt.Errorf("store comments of %s: %w", articleID, err)
	}
	s.notify(changed)
	return added, changed, nil
}

// partnerTx lays out store.AddPartnerComments in a bbolt transaction.
type partnerTx struct{ tx *bolt.Tx }

func (t partnerTx) Thread(ctx context.Context, articleID string, guids []string) (*syndicate.Article, map[string]string, error) {
	a, err := getJSON[syndicate.Article](t.tx.Bucket(bArticles), []byte(articleID))
	if err != nil || a == nil {
		return nil, nil, err
	}
	known := map[string]string{}
	if ids := t.tx.Bucket(bCommentIDs).Bucket([]byte(articleID)); ids != nil {
		for _, g := range guids {
			if id := ids.Get([]byte("guid:" + g)); id != nil {
				known[g] = string(id)
			}
		}
	}
	return a, known, nil
}

func (t partnerTx) AddComments(ctx context.Context, articleID string, comments []*syndicate.Comment) (int, error) {
	cb, err := t.tx.Bucket(bComments).CreateBucketIfNotExists([]byte(articleID))
	if err != nil {
		return 0, err
	}
	ids, err := t.tx.Bucket(bCommentIDs).CreateBucketIfNotExists([]byte(articleID))
	if err != nil {
		return 0, err
	}
	for _, c := range comments {
		if err := putJSON(cb, []byte(c.ID), c); err != nil {
			return 0, err
		}
		if err := ids.Put([]byte("guid:"+c.GUID), []byte(c.ID)); err != nil {
			return 0, err
		}
		if c.Status == syndicate.StatusApproved {
			if err := indexComment(t.tx, c); err != nil {
				return 0, err
			}
		}
	}
	return len(comments), nil
}

func (t partnerTx) Bump(ctx context.Context, feeds []store.FeedKey, now time.Time) error {
	return bump(t.tx, feeds, now)
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
