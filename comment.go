package syndicate

import (
	"strings"
	"time"
)

// Comment statuses. Only approved comments are published and counted;
// partner comments are approved on arrival.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusSpam     = "spam"
)

// Comment origins.
const (
	CommentPartner = "partner" // ingested from a partner's comment feed
	CommentLocal   = "local"   // submitted by a reader here
)

// Comment is a reader comment on an article, threaded by ParentID.
type Comment struct {
	ID        string `json:"id"`
	ArticleID string `json:"article_id"`
	EntryID   string `json:"entry_id,omitempty"`  // partner id when an absolute IRI; "" = ours
	ParentID  string `json:"parent_id,omitempty"` // local id of the parent comment; "" = the article
	GUID      string `json:"guid,omitempty"`      // partner's raw id, for dedupe
	// ParentGUID is the partner's thr:in-reply-to ref; the store resolves it
	// to ParentID (a reply to the article itself leaves both empty).
	ParentGUID string `json:"parent_guid,omitempty"`
	// ParentEntryID is the parent comment's emitted entry id when that is
	// the partner's own IRI ("" = ours, derived from ParentID), recorded
	// when the comment is stored so feeds need not load the parent.
	ParentEntryID string    `json:"parent_entry_id,omitempty"`
	Author        Author    `json:"author"`        // Author.Email is never published
	URL           string    `json:"url,omitempty"` // the comment's own page, when the partner has one
	Content       string    `json:"content"`       // sanitized HTML
	Published     time.Time `json:"published"`
	Status        string    `json:"status"`
	Origin        string    `json:"origin"`
	IP            string    `json:"ip,omitempty"` // private; kept at most comments.ip_retention
	// Depth is the reply depth of a local comment (0 = to the article).
	Depth int `json:"depth,omitempty"`
}

// CommenterKey is how an approved commenter is remembered for
// auto-approval: name and e-mail together (as WordPress does), hashed, so
// knowing a regular's address is not enough to skip moderation and the
// address itself is not kept there.
func CommenterKey(name, email string) string {
	return ShortHash("commenter\x00" + strings.ToLower(strings.Join(strings.Fields(name), " ")) + "\x00" + strings.ToLower(strings.TrimSpace(email)))
}

// SourceStatus is what the last ingest passes of a source left behind.
type SourceStatus struct {
	SourceID            string    `json:"source_id"`
	FeedURL             string    `json:"feed_url,omitempty"` // the configured URL these fields belong to
	LastAttempt         time.Time `json:"last_attempt,omitzero"`
	LastSuccess         time.Time `json:"last_success,omitzero"`
	LastError           string    `json:"last_error,omitempty"`
	LastStatus          string    `json:"last_status,omitempty"` // ok, not-modified, failed, disabled
	ConsecutiveFailures int       `json:"consecutive_failures"`
	NextRun             time.Time `json:"next_run,omitzero"`
	HTTPStatus          int       `json:"http_status,omitempty"`
	Bytes               int64     `json:"bytes,omitempty"`
	ItemsRead           int       `json:"items_read"`    // entries in the partner's last document
	ItemsSkipped        int       `json:"items_skipped"` // of those, left out (each logged with its position and reason)
	ItemsUndated        int       `json:"items_undated"` // of those, without a readable date (dated from first_seen)
	ItemsPruned         int       `json:"items_pruned"`  // removed by retention after the last pass
	ItemsSeen           int       `json:"items_seen"`
	ItemsNew            int       `json:"items_new"`
	ItemsUpdated        int       `json:"items_updated"`
	Duration            string    `json:"duration,omitempty"`
	ETag                string    `json:"etag,omitempty"`
	LastModified        string    `json:"last_modified,omitempty"`
	PermanentURL        string    `json:"permanent_url,omitempty"` // from a 301/308
	RetryAfter          time.Time `json:"retry_after,omitzero"`
	BackoffUntil        time.Time `json:"backoff_until,omitzero"`
	Disabled            string    `json:"disabled,omitempty"` // reason, e.g. 410 Gone
	TTLAdvice           string    `json:"ttl_advice,omitempty"`
	ArticleCount        int       `json:"article_count"`
	// Normalizer is the NormalizerVersion of the last good pass: when the
	// rules change, the validators are dropped so the next fetch is full
	// and every entry is normalized again (without bumping updated).
	Normalizer int `json:"normalizer_version,omitempty"`
}
