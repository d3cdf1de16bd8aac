package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"syndicate"
)

// SchemaVersion is the layout version each backend records; a backend
// migrates older layouts at start-up.
const SchemaVersion = 1

// FeedKey names one republished feed (not a format or a page of it).
type FeedKey string

// The site-wide feeds.
const (
	FeedAll      FeedKey = "all"
	FeedComments FeedKey = "comments"
)

// SourceFeed is the key of one source's article feed.
func SourceFeed(id string) FeedKey { return FeedKey("source:" + id) }

// CategoryFeed is the key of one category's article feed.
func CategoryFeed(slug string) FeedKey { return FeedKey("category:" + slug) }

// ArticleCommentsFeed is the key of one article's comment feed.
func ArticleCommentsFeed(id string) FeedKey { return FeedKey("article:" + id) }

// Split returns the kind ("all", "comments", "source", "category",
// "article") and the id of k.
func (k FeedKey) Split() (kind, id string) {
	kind, id, _ = strings.Cut(string(k), ":")
	return kind, id
}

// IsArticleFeed reports whether k lists articles (rather than comments).
func (k FeedKey) IsArticleFeed() bool {
	kind, _ := k.Split()
	return kind == "all" || kind == "source" || kind == "category"
}

// FeedState is the stored version stamp of a feed. Version rises with every
// write that changes the feed; Modified is the stored time of that write
// (the store's creation time for a feed never written).
type FeedState struct {
	Version  int64     `json:"version"`
	Modified time.Time `json:"modified"`
}

// Page is one page of a feed listing.
type Page[T any] struct {
	Items []T
	Total int // items in the whole feed
}

// ArticleView is a stored article with its approved comment count, which is
// kept beside the article so a new comment does not rewrite it.
type ArticleView struct {
	*syndicate.Article
	CommentCount int
}

// Reader is what the feed server needs from a store.
type Reader interface {
	// Article returns one article; a syndicate.ENotFound error if unknown.
	Article(ctx context.Context, id string) (ArticleView, error)
	// Articles returns a page of an article feed, newest published first,
	// then article id descending. It never loads the whole feed.
	Articles(ctx context.Context, feed FeedKey, offset, limit int) (Page[ArticleView], error)
	// Comments returns a page of approved comments of a comment feed
	// (FeedComments or ArticleCommentsFeed), newest first.
	Comments(ctx context.Context, feed FeedKey, offset, limit int) (Page[*syndicate.Comment], error)
	// FeedStates returns the version stamps of feeds.
	FeedStates(ctx context.Context, feeds []FeedKey) (map[FeedKey]FeedState, error)
	// CategoryPage returns the categories in use (those whose feed lists
	// at least one article) ordered by slug, offset..offset+limit-1, with
	// Total the number in use. It costs a seek and limit reads, never the
	// whole list: every paged HTML list and the front page read this.
	CategoryPage(ctx context.Context, offset, limit int) (Page[Category], error)
	// CategoryLabel returns the label of one category in use; ok is false
	// when no article is in it (a category leaves when its last article
	// goes). One key read.
	CategoryLabel(ctx context.Context, slug string) (label string, ok bool, err error)
	// Categories returns every category label in use, keyed by slug. It
	// reads the whole list, O(categories): only for what is one document
	// or one write by design, the OPML of every feed and the admin's
	// touch of every category feed after a source edit; no paged page or
	// feed may call it (they use CategoryPage and CategoryLabel).
	Categories(ctx context.Context) (map[string]string, error)
}

// Category is one category in use: its slug (routes, the category feed
// key) and its label (the first label stored under that slug; feeds
// show it).
type Category struct {
	Slug, Label string
}

// Watcher lets a feed cache learn of version bumps without a store round
// trip per request.
type Watcher interface {
	// Watch calls fn with the keys of changed feeds until ctx ends. A nil
	// key list means "anything may have changed" (e.g. after a reconnect).
	Watch(ctx context.Context, fn func(changed []FeedKey))
}

// Writer takes ingest results.
type Writer interface {
	// ApplyIngest stores one source's normalized entries in one batch (see
	// Apply for the rules) and bumps the versions of the feeds it changed.
	ApplyIngest(ctx context.Context, b *Batch) (*Result, error)
	// Touch bumps the versions of feeds whose rendering changed without
	// their data changing (an editor renamed a source or changed its
	// attribution), so Last-Modified moves with the bytes.
	Touch(ctx context.Context, feeds []FeedKey, now time.Time) error
	// AddPartnerComments stores comments ingested for an article, skipping
	// those already stored (by GUID). It returns how many were new and the
	// feeds that changed (see store.AddPartnerComments).
	AddPartnerComments(ctx context.Context, articleID string, comments []*syndicate.Comment) (int, []FeedKey, error)
}

// StatusStore keeps what ingest passes leave behind per source.
type StatusStore interface {
	// SourceStatus returns a source's status; a zero status (with SourceID
	// set) if none is stored.
	SourceStatus(ctx context.Context, id string) (*syndicate.SourceStatus, error)
	// SaveSourceStatus replaces a source's status.
	SaveSourceStatus(ctx context.Context, status *syndicate.SourceStatus) error
	// ArticleCount returns how many articles a source's feed lists.
	ArticleCount(ctx context.Context, sourceID string) (int, error)
}

// FetchState is what a later conditional GET of a URL needs.
type FetchState struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Checked      time.Time `json:"checked,omitzero"`
}

// FetchStates keeps conditional-GET validators of secondary fetches (an
// article's comment feed), by a caller-chosen key.
type FetchStates interface {
	// FetchState returns the stored state; a zero state if none.
	FetchState(ctx context.Context, key string) (FetchState, error)
	// SaveFetchState replaces the state of key.
	SaveFetchState(ctx context.Context, key string, state FetchState) error
}

// PruneResult summarizes one Prune.
type PruneResult struct {
	Deleted  int // articles no other source carried, deleted with their comments
	Detached int // articles kept for other sources, no longer in this source's feed
	Changed  []FeedKey
	// Remaining is how many articles are left in the source's feed when
	// Counted is set (Prune counts them when it had nothing to prune: the
	// ingester records the count without asking again).
	Remaining int
	Counted   bool
}

// Pruner applies retention (ingest.retention).
type Pruner interface {
	// TakeDown deletes one article with its comments and tombstones it for
	// every source that carried it, so no partner brings it back (editors'
	// takedowns and retractions). ENotFound when unknown.
	TakeDown(ctx context.Context, id string, now time.Time) ([]FeedKey, error)
	// Prune detaches a source from its articles beyond the newest keep
	// (by published) and from those first seen before cutoff (zero: no age
	// limit). Age counts from first_seen, when this site republished the
	// article, never from the partner's date: republishing older articles
	// is the point (see Expired). An article no other source carries is
	// deleted with its comments; each pruned article is tombstoned for the
	// source, so a partner that still lists it does not bring it back.
	Prune(ctx context.Context, sourceID string, keep int, cutoff, now time.Time) (*PruneResult, error)
	// PurgeSource deletes every article a deleted source carried alone
	// (with their comments) and detaches it from shared ones, without
	// tombstones, and forgets its entry keys, tombstones and status: a
	// source created later under the same id starts afresh. Each removed
	// article is retracted unless unlisted (nil: none) says no feed ever
	// listed it (Retracting.Unlisted).
	PurgeSource(ctx context.Context, sourceID string, now time.Time, unlisted func(*syndicate.Article) bool) (*PruneResult, error)
}

// MaxPublishedAhead bounds how far an article's published date can be
// past its first_seen: normalization clamps dates further in the future
// than a few minutes to the fetch time. Age retention only looks at
// articles published before cutoff+MaxPublishedAhead, a set it can find
// in the published-ordered source index without reading every article.
const MaxPublishedAhead = time.Hour

// Expired reports whether retention by age removes a: it was first seen
// (republished here) before cutoff. An article stored before first_seen
// was recorded counts from its published date.
func Expired(a *syndicate.Article, cutoff time.Time) bool {
	if cutoff.IsZero() {
		return false
	}
	seen := a.FirstSeen
	if seen.IsZero() {
		seen = a.Published
	}
	return seen.Before(cutoff)
}

// ErrSourceGone is returned by ApplyIngest when a batch requires its
// source (Batch.RequireSource) and the source was deleted: a run that
// outlived its source writes nothing.
var ErrSourceGone = errors.New("the source was deleted")

// ChunkSize bounds the entries one ApplyIngest stores: ingest splits a
// large pass into batches this size, so no write holds the embedded
// store's lock (or a Redis pipeline) for long, and a cancelled pass stops
// between them.
const ChunkSize = 100

// ChunkBytes bounds the text (title, summary, content) of one such batch
// as well: a batch ends at ChunkSize entries or ChunkBytes, whichever
// comes first, and holds at least one entry.
const ChunkBytes = 1 << 20

// SourcesChanged is the key Watch reports when the API-managed sources
// changed (it names no feed): every replica reloads them.
const SourcesChanged FeedKey = "sources"

// SourceStore keeps the sources created through the admin API (sources of
// the config file live in the file).
type SourceStore interface {
	// Sources returns the API sources, ordered by id.
	Sources(ctx context.Context) ([]syndicate.Source, error)
	// PutSource stores src. With create set it fails with a
	// syndicate.EConflict error when the id exists; without, with
	// syndicate.ENotFound when it does not.
	PutSource(ctx context.Context, src syndicate.Source, create bool) error
	// DeleteSource removes an API source's definition, its status and its
	// entry keys and tombstones (its articles are pruned by the caller
	// first); syndicate.ENotFound when unknown.
	DeleteSource(ctx context.Context, id string) error
}

// Secrets keeps process-shared random secrets (e.g. the admin session
// signing key), created on first use, so every replica agrees.
type Secrets interface {
	Secret(ctx context.Context, name string) ([]byte, error)
}

// LocalComments keeps comments submitted by readers here, with their
// moderation state (only approved ones are published and counted).
type LocalComments interface {
	// AddComment stores a reader's comment on c.ArticleID under c.ID, or a
	// new id (NewCommentID) when c.ID is empty; an id in use is EConflict.
	// A ParentID must name a comment of the same article, at most maxDepth
	// replies deep (EInvalid with field parent_id otherwise); an unknown
	// article is ENotFound. An approved comment is published at once.
	// It returns the stored comment and the feeds it changed (see
	// store.AddComment).
	AddComment(ctx context.Context, c *syndicate.Comment, maxDepth int) (*syndicate.Comment, []FeedKey, error)
	// Comment returns a comment by id (local or partner).
	Comment(ctx context.Context, id string) (*syndicate.Comment, error)
	// CommentsByStatus lists local comments in a status, newest first.
	CommentsByStatus(ctx context.Context, status string, offset, limit int) (Page[*syndicate.Comment], error)
	// SetCommentStatus moves a comment to pending, approved or spam,
	// publishing or unpublishing it, and returns it with the feeds that
	// changed.
	SetCommentStatus(ctx context.Context, id, status string) (*syndicate.Comment, []FeedKey, error)
	// DeleteComment removes a comment (its replies stay, still naming it)
	// and returns the feeds that changed.
	DeleteComment(ctx context.Context, id string) ([]FeedKey, error)
	// KnownCommenter reports whether a commenter (syndicate.CommenterKey) has an
	// approved comment.
	KnownCommenter(ctx context.Context, emailKey string) (bool, error)
	// Hit counts one event under key in a fixed window of the given length
	// (rate limits shared by every replica) and returns the count so far
	// and when the window ends.
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error)
	// PurgeCommentIPs forgets the IP of local comments published before t.
	PurgeCommentIPs(ctx context.Context, before time.Time) (int, error)
}

// Store is the whole contract a backend implements.
type Store interface {
	LocalComments
	AuthGuard
	SourceSwapper
	SourceStore
	PartnerStore
	HoldStore
	Secrets
	Pruner
	Reader
	Watcher
	Writer
	StatusStore
	FetchStates
	Subscriptions
	Retractions
	Leaser
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// NewCommentID mints the id of a local comment: "c" and 20 random base32
// characters (URL-safe, unguessable).
func NewCommentID() string {
	var b [12]byte
	rand.Read(b[:])
	return "c" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:20]
}

// StatusQueue is the index key of local comments in one moderation status
// (not a feed).
func StatusQueue(status string) FeedKey { return FeedKey("cstatus:" + status) }
