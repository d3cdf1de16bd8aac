package feeds

import (
	"context"
	"time"

	"syndicate"
	"syndicate/store"
)

// Retractions travel: an article that left our feeds for good (an editor's
// takedown, its only source deleted, the partner's own deleted-entry) is
// announced in the first page of every article feed it was in, for the
// tombstone window, so feed readers and partner sites drop their copies.
// Atom carries RFC 6721 at:deleted-entry elements; JSON Feed carries
// "_syndication": {"deleted": [...]} at feed level (see the README). RSS
// has no such vocabulary: the item simply disappears.
//
// The window is counted back from the feed's stored modification time, not
// from the clock, so identical data renders identical bytes on every
// replica; a retraction bumps that time, so it is always shown when new.

// nsTombstones is the RFC 6721 namespace.
const nsTombstones = "http://purl.org/atompub/tombstones/1.0"

// retractionReader is the part of a store that lists retractions; a store
// without it announces none.
type retractionReader interface {
	Retractions(ctx context.Context, feed store.FeedKey, since time.Time, limit int) ([]store.Retraction, error)
}

// deleted returns the retractions page p of an article feed announces.
func (s *Server) deleted(ctx context.Context, feed store.FeedKey, page int, state store.FeedState) ([]store.Retraction, error) {
	rr, ok := s.st.(retractionReader)
	if !ok || page != 1 || !feed.IsArticleFeed() || state.Modified.IsZero() {
		return nil, nil
	}
	rs, err := rr.Retractions(ctx, feed, state.Modified.Add(-s.opts.TombstoneWindow), store.MaxRetractionsPerFeed)
	if err != nil {
		return nil, err
	}
	// An article of a source kept out of feeds (redistribute: none) was
	// never listed here: its retraction is not announced either.
	srcs := s.Sources()
	out := rs[:0]
	for _, d := range rs {
		if src, ok := srcs[d.SourceID]; ok && !src.InFeeds() {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// takedownComment is the at:comment of a takedown without a reason.
const takedownComment = "Taken down by the editors."

// atDeleted is an RFC 6721 at:deleted-entry.
type atDeleted struct {
	Ref     string `xml:"ref,attr"`
	When    string `xml:"when,attr"`
	Comment string `xml:"at:comment,omitempty"`
}

// deletedComment is what a retraction says about itself: the editor's
// reason for a takedown, nothing for the other causes.
func deletedComment(d store.Retraction) string {
	if d.Cause != store.CauseTakedown {
		return ""
	}
	if d.Reason != "" {
		return d.Reason
	}
	return takedownComment
}

// deletedRef is the entry id we published for a retracted article.
func (r *Renderer) deletedRef(d store.Retraction) string {
	return r.EntryID(&syndicate.Article{ID: d.ArticleID, EntryID: d.EntryID})
}

func (r *Renderer) atomDeleted(doc Doc) []atDeleted {
	var out []atDeleted
	for _, d := range doc.Deleted {
		out = append(out, atDeleted{Ref: r.deletedRef(d), When: atomDate(d.When), Comment: deletedComment(d)})
	}
	return out
}

// FeedSyndication is the _syndication extension object at JSON Feed level.
type FeedSyndication struct {
	// Deleted lists entries retracted from the feed, newest first.
	Deleted []DeletedItem `json:"deleted"`
}

// DeletedItem is one retracted entry in a JSON Feed.
type DeletedItem struct {
	ID        string `json:"id"` // the item id we published
	ArticleID string `json:"article_id"`
	When      string `json:"when"` // RFC 3339
	Reason    string `json:"reason,omitempty"`
}

func (r *Renderer) jsonDeleted(doc Doc) *FeedSyndication {
	if len(doc.Deleted) == 0 {
		return nil
	}
	fs := &FeedSyndication{Deleted: []DeletedItem{}}
	for _, d := range doc.Deleted {
		fs.Deleted = append(fs.Deleted, DeletedItem{ID: r.deletedRef(d), ArticleID: d.ArticleID, When: atomDate(d.When), Reason: deletedComment(d)})
	}
	return fs
}
