package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"syndicate"
)

// CommentTx is what the reader-comment rules (AddComment,
// SetCommentStatus, DeleteComment) need from a backend: reads of its own
// layout and one write that applies a CommentWrite. The embedded store
// runs a rule inside one bbolt transaction; Redis runs it under the
// comment's moderation lock, and claims a new comment's id before writing
// anything else.
type CommentTx interface {
	// Article loads an article; nil when it is unknown.
	Article(ctx context.Context, id string) (*syndicate.Article, error)
	// ArticleComment loads a comment of an article (any origin); nil when
	// the article has no such comment.
	ArticleComment(ctx context.Context, articleID, id string) (*syndicate.Comment, error)
	// LocalComment loads a reader comment by id; nil when unknown.
	LocalComment(ctx context.Context, id string) (*syndicate.Comment, error)
	// WriteComment applies w, bumping w.Bumps.
	WriteComment(ctx context.Context, w *CommentWrite) error
}

// ErrCommentExists is what CommentTx.WriteComment returns when it creates
// a comment under an id already in use.
var ErrCommentExists = errors.New("comment id in use")

// CommentWrite is one reader-comment write, decided by the rules and laid
// out by a backend.
type CommentWrite struct {
	// Comment is the comment as stored after the write (as it was, for a
	// delete).
	Comment *syndicate.Comment
	// Create stores a new comment and its local id (ErrCommentExists when
	// the id is taken); Delete removes both. Neither: Comment replaces the
	// stored comment.
	Create, Delete bool
	// From and To are the moderation queues (statuses) the comment leaves
	// and enters; "" for none.
	From, To string
	// Publish adds the comment to its article's comment feed and to
	// FeedComments; Unpublish removes it from both.
	Publish, Unpublish bool
	// Known is a commenter key (syndicate.CommenterKey) to record as
	// known; "" for none.
	Known string
	// Bumps are the feeds whose versions the write bumps, at Now.
	Bumps []FeedKey
	Now   time.Time
}

// AddComment stores a reader's comment through tx (see
// LocalComments.AddComment) and returns it with the feeds it changed: an
// approved comment changes its article's comment feed, FeedComments and
// the article's feeds (their comment counts); a pending one none.
func AddComment(ctx context.Context, tx CommentTx, in *syndicate.Comment, maxDepth int, now time.Time) (*syndicate.Comment, []FeedKey, error) {
	c := *in
	a, err := tx.Article(ctx, c.ArticleID)
	if err != nil {
		return nil, nil, err
	}
	if a == nil {
		return nil, nil, syndicate.Errorf(syndicate.ENotFound, "article %q not found", c.ArticleID)
	}
	c.Depth = 0
	if c.ParentID != "" {
		p, err := tx.ArticleComment(ctx, c.ArticleID, c.ParentID)
		if err != nil {
			return nil, nil, err
		}
		// A comment readers cannot see (pending, spam) takes no replies, as
		// in WordPress: the reply would be published with an in-reply-to
		// naming it. The answer is the one for an unknown comment, so the
		// form tells nobody whether a held comment exists.
		if p == nil || p.Status != syndicate.StatusApproved {
			return nil, nil, syndicate.FieldError("parent_id", "%q is not a comment on this article", c.ParentID)
		}
		c.Depth = p.Depth + 1
		if c.Depth > maxDepth {
			return nil, nil, syndicate.FieldError("parent_id", "replies may nest at most %d deep", maxDepth)
		}
		c.ParentEntryID = p.EntryID
	}
	if c.ID == "" {
		c.ID = NewCommentID()
	}
	c.Origin = syndicate.CommentLocal
	c.EntryID = ""
	w := moderate(a, &c, "", c.Status, now)
	w.Create = true
	if err := tx.WriteComment(ctx, w); err != nil {
		if errors.Is(err, ErrCommentExists) {
			return nil, nil, syndicate.Errorf(syndicate.EConflict, "comment %q exists", c.ID)
		}
		return nil, nil, fmt.Errorf("store comment: %w", err)
	}
	return &c, w.Bumps, nil
}

// SetCommentStatus moves a reader comment to another moderation status
// through tx, publishing or unpublishing it, and returns it with the feeds
// that changed (none unless it was or becomes approved).
func SetCommentStatus(ctx context.Context, tx CommentTx, id, status string, now time.Time) (*syndicate.Comment, []FeedKey, error) {
	c, a, err := loadLocal(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	if c.Status == status {
		return c, nil, nil
	}
	old := c.Status
	c.Status = status
	w := moderate(a, c, old, status, now)
	if err := tx.WriteComment(ctx, w); err != nil {
		return nil, nil, fmt.Errorf("store comment %s: %w", id, err)
	}
	return c, w.Bumps, nil
}

// DeleteComment removes a reader comment through tx (its replies stay)
// and returns the feeds that changed (none unless it was approved).
func DeleteComment(ctx context.Context, tx CommentTx, id string, now time.Time) ([]FeedKey, error) {
	c, a, err := loadLocal(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	w := moderate(a, c, c.Status, "", now)
	w.Delete = true
	if err := tx.WriteComment(ctx, w); err != nil {
		return nil, fmt.Errorf("delete comment %s: %w", id, err)
	}
	return w.Bumps, nil
}

func loadLocal(ctx context.Context, tx CommentTx, id string) (*syndicate.Comment, *syndicate.Article, error) {
	c, err := tx.LocalComment(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		return nil, nil, syndicate.Errorf(syndicate.ENotFound, "no comment %q", id)
	}
	a, err := tx.Article(ctx, c.ArticleID)
	if err != nil {
		return nil, nil, err
	}
	return c, a, nil
}

// moderate plans comment c's move from status from to status to (either
// may be ""): its queues, whether it is published, and the feeds that
// change, which are those of a comment entering or leaving the approved
// status only. a is c's article (nil when it is gone).
func moderate(a *syndicate.Article, c *syndicate.Comment, from, to string, now time.Time) *CommentWrite {
	w := &CommentWrite{Comment: c, From: from, To: to, Now: now}
	was, is := from == syndicate.StatusApproved, to == syndicate.StatusApproved
	if was == is {
		return w
	}
	w.Publish, w.Unpublish = is, was
	if is && c.Author.Email != "" {
		w.Known = syndicate.CommenterKey(c.Author.Name, c.Author.Email)
	}
	w.Bumps = commentFeeds(a, c.ArticleID)
	return w
}

// commentFeeds are the feeds a change of an article's published comments
// changes: its comment feed, FeedComments and (their comment counts) the
// article's own feeds.
func commentFeeds(a *syndicate.Article, articleID string) []FeedKey {
	keys := append([]FeedKey{FeedComments, ArticleCommentsFeed(articleID)}, Feeds(a)...)
	slices.Sort(keys)
	return slices.Compact(keys)
}

// PartnerCommentTx is what AddPartnerComments needs from a backend.
type PartnerCommentTx interface {
	// Thread loads an article (nil when unknown) and the ids of the
	// partner comments it already stores under any of guids.
	Thread(ctx context.Context, articleID string, guids []string) (*syndicate.Article, map[string]string, error)
	// AddComments stores new partner comments of an article: each one's
	// JSON, its GUID → id entry and, for an approved one, its place in the
	// article's comment feed and FeedComments. It returns how many were
	// new: a comment whose GUID a concurrent writer stored first is not.
	AddComments(ctx context.Context, articleID string, comments []*syndicate.Comment) (int, error)
	// Bump bumps the versions of feeds at now.
	Bump(ctx context.Context, feeds []FeedKey, now time.Time) error
}

// AddPartnerComments stores the comments ingested for an article through
// tx, skipping those already stored (by GUID), and returns how many were
// new and the feeds that changed (those of commentFeeds, when any was).
// A reply's ParentGUID becomes the local id of its parent, stored before
// or in the same list (partner feeds list newest first, so a reply may
// come before its parent); a parent GUID that is an absolute IRI is also
// the parent's emitted entry id. An unknown article is ENotFound.
func AddPartnerComments(ctx context.Context, tx PartnerCommentTx, articleID string, comments []*syndicate.Comment, now time.Time) (int, []FeedKey, error) {
	var guids []string
	for _, c := range comments {
		if c.GUID != "" {
			guids = append(guids, c.GUID)
		}
		if c.ParentGUID != "" {
			guids = append(guids, c.ParentGUID)
		}
	}
	a, stored, err := tx.Thread(ctx, articleID, guids)
	if err != nil {
		return 0, nil, err
	}
	if a == nil {
		return 0, nil, syndicate.Errorf(syndicate.ENotFound, "article %q not found", articleID)
	}
	ids := map[string]string{} // guid → comment id, stored or new
	for g, id := range stored {
		ids[g] = id
	}
	for _, in := range comments {
		if in.GUID != "" && ids[in.GUID] == "" {
			ids[in.GUID] = PartnerCommentID(articleID, in.GUID)
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
		return 0, nil, nil
	}
	added, err := tx.AddComments(ctx, articleID, fresh)
	if err != nil || added == 0 {
		return 0, nil, err // none new: another writer stored them and bumped
	}
	changed := commentFeeds(a, articleID)
	if err := tx.Bump(ctx, changed, now); err != nil {
		return 0, nil, fmt.Errorf("bump feed versions: %w", err)
	}
	return added, changed, nil
}
