package store

import (
	"context"
	"time"

	"syndicate"
)

// Why an article left our feeds for good (Retraction.Cause).
const (
	// CauseTakedown: an editor took the article down.
	CauseTakedown = "takedown"
	// CauseSourceDeleted: the only source that carried it was deleted.
	CauseSourceDeleted = "source-deleted"
	// CausePartnerDeleted: the partner's feed marked it deleted
	// (an RFC 6721 at:deleted-entry) and no other source carries it.
	CausePartnerDeleted = "partner-deleted"
)

// DefaultTombstoneWindow is how long a retraction is kept and announced
// (feeds.tombstone_window).
const DefaultTombstoneWindow = 720 * time.Hour

// MaxRetractionsPerFeed bounds the retractions a feed document lists.
const MaxRetractionsPerFeed = 100

// Retraction records that an article left our feeds for good, so
// subscribers can drop their copies: Atom feeds announce it as an RFC 6721
// at:deleted-entry, JSON Feed in its _syndication extension. Retention by
// age or count is not a retraction (articles age out of feeds).
type Retraction struct {
	ArticleID string `json:"article_id"`
	// EntryID is the entry id we published (empty: {base_url}/articles/{id}).
	EntryID string    `json:"entry_id,omitempty"`
	When    time.Time `json:"when"`
	Cause   string    `json:"cause"`
	// Reason is the editor's reason for a takedown, if they gave one.
	Reason string `json:"reason,omitempty"`
	// Feeds are the article feeds the article was in.
	Feeds []FeedKey `json:"feeds"`
	// SourceID and FirstSeen are the article's attributed source and when
	// we first saw it, so a reader can tell whether the article was ever
	// shown where the retraction would be announced: a source kept out of
	// feeds (redistribute: none) or a hold in force at When means it never
	// was, and announcing it would publish the entry id (often the
	// partner's URL) and the editor's reason of a story nobody saw.
	SourceID  string    `json:"source_id,omitempty"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
}

// NewRetraction describes a's leaving every feed it is in at when.
func NewRetraction(a *syndicate.Article, cause, reason string, when time.Time) *Retraction {
	return &Retraction{
		ArticleID: a.ID, EntryID: a.EntryID, When: when.UTC().Truncate(time.Second),
		Cause: cause, Reason: reason, Feeds: Feeds(a),
		SourceID: a.Source.ID, FirstSeen: a.FirstSeen.UTC(),
	}
}

// Retractions is the retraction side of a store. Retractions are written
// by TakeDown, PurgeSource (articles no other source carries) and Retire;
// each write bumps the versions of the feeds the article was in, and drops
// the retractions of those feeds older than the tombstone window.
type Retractions interface {
	// Retractions lists the retractions recorded for an article feed at or
	// after since, newest first, at most limit.
	Retractions(ctx context.Context, feed FeedKey, since time.Time, limit int) ([]Retraction, error)
	// Retract is TakeDown with the editor's reason, recorded with the
	// retraction.
	Retract(ctx context.Context, id, reason string, now time.Time) ([]FeedKey, error)
	// Retire detaches sourceID from the articles its partner marked deleted,
	// named by the partner's entry keys (keys the source never sent are
	// ignored), and tombstones them for the source. An article no other
	// source carries is deleted with its comments and retracted.
	Retire(ctx context.Context, sourceID string, keys []string, now time.Time) (*PruneResult, error)
}
