package store

import (
	"context"
	"slices"
	"time"

	"syndicate"
)

// RemovalTx is what the retention and takedown rules (PruneStep, Retire,
// TakeDown) need from a backend: reads and writes of its own layout. The
// embedded store runs a rule inside one bbolt transaction; Redis runs the
// steps in the order the rules call them (tombstones first, so no
// concurrent ingest brings an article back; an article's retraction before
// its deletion, so a removal cut short and repeated still records it;
// version bumps last), each step idempotent.
type RemovalTx interface {
	// Count returns how many entries a feed's index holds.
	Count(ctx context.Context, feed FeedKey) (int, error)
	// Oldest returns the first n ids of a feed's index, oldest published
	// first (then id ascending).
	Oldest(ctx context.Context, feed FeedKey, n int) ([]string, error)
	// PublishedBefore returns the ids of a feed's index published (in
	// whole seconds) before t, oldest first.
	PublishedBefore(ctx context.Context, feed FeedKey, t time.Time) ([]string, error)
	// GUIDs maps a source's entry keys to the article ids they were stored as.
	GUIDs(ctx context.Context, sourceID string, keys []string) (map[string]string, error)
	// Articles loads stored articles; missing ids are absent from the map.
	Articles(ctx context.Context, ids []string) (map[string]*syndicate.Article, error)
	// Tombstone records that the articles ids must not come back for
	// sourceID.
	Tombstone(ctx context.Context, sourceID string, ids []string) error
	// Rewrite stores the articles kept (each New, out of the feeds its
	// IndexDiff removes) and drops the index entries of feed that name
	// the articles orphans, which are gone.
	Rewrite(ctx context.Context, feed FeedKey, kept []ArticleWrite, orphans []string) error
	// Retract records r under each of r.Feeds and drops those feeds'
	// retractions older than window before r.When.
	Retract(ctx context.Context, r *Retraction, window time.Duration) error
	// DeleteArticle removes a, its index entries, its comments (with their
	// moderation queue entries and local ids) and its comment feed; unless
	// keepClaims, it frees the canonical URL and entry id a still claims.
	// It reports whether a had published comments (FeedComments changed).
	DeleteArticle(ctx context.Context, a *syndicate.Article, keepClaims bool) (hadComments bool, err error)
	// Bump bumps the versions of feeds at now. The rules call it once,
	// after their removals, with every feed a removed or detached article
	// was in: a backend that keeps the categories in use beside the
	// category indexes (Redis) brings them up to date here, before the
	// bump.
	Bump(ctx context.Context, feeds []FeedKey, now time.Time) error
}

// Retracting says how the articles a removal deletes are retracted; a nil
// *Retracting records none (retention by age or count).
type Retracting struct {
	Cause, Reason string
	Window        time.Duration // how long retractions are kept
	// Unlisted, if set, reports the articles no feed ever listed (a
	// source's redistribute: none, its hold in force): they are removed
	// without a retraction, which would name an article nobody was shown.
	// Deleting a source, only the caller still knows its rights and hold.
	Unlisted func(*syndicate.Article) bool
}

// PickPrune returns the ids of the articles retention removes from
// sourceID's feed, oldest published first, at most limit (0: all): the
// overflow beyond the newest keep, then those published early enough
// (before cutoff+MaxPublishedAhead) that they may have been first seen
// before cutoff, and were (Expired). A zero cutoff has no age limit.
func PickPrune(ctx context.Context, tx RemovalTx, sourceID string, keep int, cutoff time.Time, limit int) ([]string, error) {
	feed := SourceFeed(sourceID)
	n, err := tx.Count(ctx, feed)
	if err != nil {
		return nil, err
	}
	take := max(n-keep, 0)
	if limit > 0 {
		take = min(take, limit)
	}
	var ids []string
	if take > 0 {
		if ids, err = tx.Oldest(ctx, feed, take); err != nil {
			return nil, err
		}
	}
	if cutoff.IsZero() || (limit > 0 && len(ids) >= limit) {
		return ids, nil
	}
	cands, err := tx.PublishedBefore(ctx, feed, cutoff.Add(MaxPublishedAhead))
	if err != nil {
		return nil, err
	}
	over := make(map[string]bool, len(ids))
	for _, id := range ids {
		over[id] = true
	}
	cands = slices.DeleteFunc(cands, func(id string) bool { return over[id] })
	arts, err := tx.Articles(ctx, cands)
	if err != nil {
		return nil, err
	}
	for _, id := range cands {
		if limit > 0 && len(ids) >= limit {
			break
		}
		if a := arts[id]; a == nil || Expired(a, cutoff) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// PruneStep applies retention (see Pruner.Prune) to at most limit (0:
// all) of sourceID's articles through tx: it picks them (PickPrune) and
// detaches the source from them (DetachSource). It also returns how many
// it picked: a full limit means there may be more.
func PruneStep(ctx context.Context, tx RemovalTx, sourceID string, keep int, cutoff, now time.Time, limit int, tomb bool, rec *Retracting) (*PruneResult, int, error) {
	ids, err := PickPrune(ctx, tx, sourceID, keep, cutoff, limit)
	if err != nil {
		return nil, 0, err
	}
	res, err := DetachSource(ctx, tx, sourceID, ids, now, tomb, rec)
	return res, len(ids), err
}

// DetachSource removes sourceID from the articles ids through tx: each is
// tombstoned for the source when tomb is set; an article other sources
// still carry is kept without it (out of the source's feed; attribution
// stays with the original), one no other source carries is deleted with
// its comments (its claims freed) and, when rec is set, retracted. An id
// whose article is gone only loses its index entry. The result lists the
// feeds changed: every feed a touched article was in, the comment feed of
// each deleted one and FeedComments when it had published comments;
// their versions are bumped.
func DetachSource(ctx context.Context, tx RemovalTx, sourceID string, ids []string, now time.Time, tomb bool, rec *Retracting) (*PruneResult, error) {
	res := &PruneResult{}
	if len(ids) == 0 {
		return res, nil
	}
	if tomb {
		if err := tx.Tombstone(ctx, sourceID, ids); err != nil {
			return nil, err
		}
	}
	arts, err := tx.Articles(ctx, ids)
	if err != nil {
		return nil, err
	}
	changed := map[FeedKey]bool{}
	var kept []ArticleWrite
	var deleted []*syndicate.Article
	var orphans []string
	for _, id := range ids {
		a := arts[id]
		if a == nil {
			orphans = append(orphans, id) // an index entry without its article
			continue
		}
		for _, k := range Feeds(a) {
			changed[k] = true
		}
		if n, del := Detach(a, sourceID); del {
			deleted = append(deleted, a)
		} else {
			kept = append(kept, ArticleWrite{Old: a, New: n})
		}
	}
	if len(kept) > 0 || len(orphans) > 0 {
		if err := tx.Rewrite(ctx, SourceFeed(sourceID), kept, orphans); err != nil {
			return nil, err
		}
	}
	res.Detached = len(kept)
	for _, a := range deleted {
		if err := removeArticle(ctx, tx, a, rec, now, false, changed); err != nil {
			return nil, err
		}
		res.Deleted++
	}
	res.Changed = sortedKeys(changed)
	if err := tx.Bump(ctx, res.Changed, now); err != nil {
		return nil, err
	}
	return res, nil
}

// Retire detaches sourceID from the articles its partner marked deleted,
// named by the partner's entry keys (see Retractions.Retire): keys the
// source never sent, and articles it no longer carries, are ignored.
func Retire(ctx context.Context, tx RemovalTx, sourceID string, keys []string, now time.Time, window time.Duration) (*PruneResult, error) {
	if len(keys) == 0 {
		return &PruneResult{}, nil
	}
	byKey, err := tx.GUIDs(ctx, sourceID, keys)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, k := range keys {
		if id := byKey[k]; id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return &PruneResult{}, nil
	}
	arts, err := tx.Articles(ctx, ids)
	if err != nil {
		return nil, err
	}
	ids = slices.DeleteFunc(ids, func(id string) bool {
		a := arts[id]
		return a == nil || !a.HasSource(sourceID)
	})
	return DetachSource(ctx, tx, sourceID, ids, now, true, &Retracting{Cause: CausePartnerDeleted, Window: window})
}

// TakeDown removes article id for good through tx (see Pruner.TakeDown
// and Retractions.Retract): it is tombstoned for every carrier (first),
// retracted with the editor's reason, and deleted with its comments while
// keeping its claims, so no source brings it back. It returns the feeds
// changed, sorted; an unknown article is ENotFound.
func TakeDown(ctx context.Context, tx RemovalTx, id, reason string, now time.Time, window time.Duration) ([]FeedKey, error) {
	arts, err := tx.Articles(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	a := arts[id]
	if a == nil {
		return nil, syndicate.Errorf(syndicate.ENotFound, "article %q not found", id)
	}
	for _, c := range a.Carriers {
		if err := tx.Tombstone(ctx, c, []string{id}); err != nil {
			return nil, err
		}
	}
	changed := map[FeedKey]bool{}
	for _, k := range Feeds(a) {
		changed[k] = true
	}
	rec := &Retracting{Cause: CauseTakedown, Reason: reason, Window: window}
	if err := removeArticle(ctx, tx, a, rec, now, true, changed); err != nil {
		return nil, err
	}
	keys := sortedKeys(changed)
	if err := tx.Bump(ctx, keys, now); err != nil {
		return nil, err
	}
	return keys, nil
}

// removeArticle retracts a (when rec is set) and deletes it, noting the
// comment feeds that change.
func removeArticle(ctx context.Context, tx RemovalTx, a *syndicate.Article, rec *Retracting, now time.Time, keepClaims bool, changed map[FeedKey]bool) error {
	if rec != nil && (rec.Unlisted == nil || !rec.Unlisted(a)) {
		if err := tx.Retract(ctx, NewRetraction(a, rec.Cause, rec.Reason, now), rec.Window); err != nil {
			return err
		}
	}
	had, err := tx.DeleteArticle(ctx, a, keepClaims)
	if err != nil {
		return err
	}
	if had {
		changed[FeedComments] = true
	}
	changed[ArticleCommentsFeed(a.ID)] = true
	return nil
}

func sortedKeys(m map[FeedKey]bool) []FeedKey {
	keys := make([]FeedKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
