package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

// Prune applies retention to one source (store.PruneStep, with no chunk
// limit). The tombstones are written first, so a concurrent or later
// ingest of the source never brings a pruned article back; then articles
// are detached or deleted (each write idempotent, so an interrupted prune
// is finished by the next one).
func (s *Store) Prune(ctx context.Context, sourceID string, keep int, cutoff, now time.Time) (*store.PruneResult, error) {
	if n, ok, err := s.nothingToPrune(ctx, sourceID, keep, cutoff); err != nil {
		return nil, fmt.Errorf("prune %s: %w", sourceID, err)
	} else if ok {
		return &store.PruneResult{Remaining: n, Counted: true}, nil
	}
	res, _, err := store.PruneStep(ctx, removalTx{s: s}, sourceID, keep, cutoff, now, 0, true, nil)
	if err != nil {
		return nil, fmt.Errorf("prune %s: %w", sourceID, err)
	}
	s.publish(ctx, res.Changed)
	return res, nil
}

// nothingToPrune asks in one round trip whether retention has anything to
// do for sourceID (most passes have nothing): the size of its feed, and
// whether any entry is old enough by its score (the published date, which
// store.PickPrune bounds the same way before it reads the articles). It
// reports the feed's size when there is nothing to do.
func (s *Store) nothingToPrune(ctx context.Context, sourceID string, keep int, cutoff time.Time) (int, bool, error) {
	idx := s.k.index(store.SourceFeed(sourceID))
	var card *goredis.IntCmd
	var old *goredis.StringSliceCmd
	if _, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		card = p.ZCard(ctx, idx)
		if !cutoff.IsZero() {
			upTo := strconv.FormatInt(cutoff.Add(store.MaxPublishedAhead).Unix(), 10)
			old = p.ZRangeByScore(ctx, idx, &goredis.ZRangeBy{Min: "-inf", Max: "(" + upTo, Count: 1})
		}
		return nil
	}); err != nil {
		return 0, false, err
	}
	n := int(card.Val())
	if n > keep || old != nil && len(old.Val()) > 0 {
		return n, false, nil
	}
	return n, true, nil
}

// PurgeSource removes a deleted source's articles (no tombstones), then
// its entry keys, tombstones and status.
func (s *Store) PurgeSource(ctx context.Context, sourceID string, now time.Time, unlisted func(*syndicate.Article) bool) (*store.PruneResult, error) {
	rec := &store.Retracting{Cause: store.CauseSourceDeleted, Window: s.window, Unlisted: unlisted}
	res, _, err := store.PruneStep(ctx, removalTx{s: s}, sourceID, 0, time.Time{}, now, 0, false, rec)
	if err != nil {
		return nil, fmt.Errorf("purge source %s: %w", sourceID, err)
	}
	s.publish(ctx, res.Changed)
	// One DEL per slot: the source's keys, then its own feed's
	// retractions (a source created later under the id starts afresh).
	if err := s.rdb.Del(ctx, s.k.status(sourceID), s.k.guids(sourceID), s.k.tombs(sourceID)).Err(); err != nil {
		return nil, fmt.Errorf("purge source %s: %w", sourceID, err)
	}
	feed := store.SourceFeed(sourceID)
	if err := s.rdb.Del(ctx, s.k.retracted(feed), s.k.retractedData(feed)).Err(); err != nil {
		return nil, fmt.Errorf("purge source %s: %w", sourceID, err)
	}
	return res, nil
}

// removalTx lays out the retention and takedown rules of package store:
// each call is one command or one pipeline, run in the order the rules
// make them.
type removalTx struct{ s *Store }

func (t removalTx) Count(ctx context.Context, feed store.FeedKey) (int, error) {
	n, err := t.s.rdb.ZCard(ctx, t.s.k.index(feed)).Result()
	return int(n), err
}

// Oldest reads ascending score, then ascending member.
func (t removalTx) Oldest(ctx context.Context, feed store.FeedKey, n int) ([]string, error) {
	return t.s.rdb.ZRange(ctx, t.s.k.index(feed), 0, int64(n)-1).Result()
}

func (t removalTx) PublishedBefore(ctx context.Context, feed store.FeedKey, before time.Time) ([]string, error) {
	upTo := strconv.FormatInt(before.Unix(), 10)
	return t.s.rdb.ZRangeByScore(ctx, t.s.k.index(feed), &goredis.ZRangeBy{Min: "-inf", Max: "(" + upTo}).Result()
}

func (t removalTx) GUIDs(ctx context.Context, sourceID string, keys []string) (map[string]string, error) {
	return (&ingestTx{s: t.s}).GUIDs(ctx, sourceID, keys)
}

func (t removalTx) Articles(ctx context.Context, ids []string) (map[string]*syndicate.Article, error) {
	return (&ingestTx{s: t.s}).Articles(ctx, ids)
}

func (t removalTx) Tombstone(ctx context.Context, sourceID string, ids []string) error {
	members := make([]any, len(ids))
	for i, id := range ids {
		members[i] = id
	}
	return t.s.rdb.SAdd(ctx, t.s.k.tombs(sourceID), members...).Err()
}

func (t removalTx) Rewrite(ctx context.Context, feed store.FeedKey, kept []store.ArticleWrite, orphans []string) error {
	s := t.s
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, id := range orphans {
			p.ZRem(ctx, s.k.index(feed), id)
		}
		for _, w := range kept {
			data, err := json.Marshal(w.New)
			if err != nil {
				return err
			}
			p.Set(ctx, s.k.article(w.New.ID), data, 0)
			_, remove := w.IndexDiff()
			for _, f := range remove {
				p.ZRem(ctx, s.k.index(f), w.New.ID)
			}
		}
		return nil
	})
	return err
}

func (t removalTx) Retract(ctx context.Context, r *store.Retraction, window time.Duration) error {
	return t.s.record(ctx, r, window)
}

func (t removalTx) DeleteArticle(ctx context.Context, a *syndicate.Article, keepClaims bool) (bool, error) {
	return t.s.deleteArticle(ctx, a, keepClaims)
}

// Bump first brings the categories in use up to date with the category
// feeds among feeds (every removal rule bumps every feed a removed article
// was in, once, after its removals), then bumps.
func (t removalTx) Bump(ctx context.Context, feeds []store.FeedKey, now time.Time) error {
	if err := t.s.syncCategories(ctx, categorySlugs(nil, feeds...)); err != nil {
		return err
	}
	_, err := t.s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		t.s.bump(ctx, p, feeds, now)
		return nil
	})
	return err
}

// deleteArticle removes an article from its indexes, then its comments and
// the claims it holds, then the article itself (a reader never finds an
// index entry whose article is gone for long: GETs of missing articles are
// skipped).
// keepClaims leaves its canonical URL and entry id claimed by the deleted
// article (a takedown: no other source may bring it back); otherwise they
// are freed (retention: another source may carry the story later).
func (s *Store) deleteArticle(ctx context.Context, a *syndicate.Article, keepClaims bool) (hadComments bool, err error) {
	refs, err := s.rdb.ZRange(ctx, s.k.comments(a.ID), 0, -1).Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return false, err
	}
	all, err := s.rdb.HGetAll(ctx, s.k.commentData(a.ID)).Result()
	if err != nil {
		return false, err
	}
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, f := range store.Feeds(a) {
			p.ZRem(ctx, s.k.index(f), a.ID)
		}
		for _, cid := range refs {
			p.ZRem(ctx, s.k.index(store.FeedComments), commentRef(a.ID, cid))
		}
		for cid, raw := range all {
			if c, err := decode[syndicate.Comment](raw); err == nil && c.Origin == syndicate.CommentLocal {
				p.ZRem(ctx, s.k.index(store.StatusQueue(c.Status)), commentRef(a.ID, cid))
				p.HDel(ctx, s.k.commentArticle(), cid)
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	// Claims are released only if still ours (compare-and-delete).
	for _, key := range []string{s.k.urlOwner(a.CanonicalURL), s.k.entryIDOwner(a.EntryID)} {
		if keepClaims {
			break
		}
		if err := releaseScript.Run(ctx, s.rdb, []string{key}, a.ID).Err(); err != nil && !errors.Is(err, goredis.Nil) {
			return false, err
		}
	}
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.Del(ctx, s.k.comments(a.ID), s.k.commentData(a.ID), s.k.commentGUIDs(a.ID), s.k.article(a.ID))
		return nil
	})
	return len(refs) > 0, err
}

// releaseScript deletes KEYS[1] when it holds ARGV[1].
var releaseScript = goredis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// TakeDown deletes an article and tombstones it for all its carriers
// (tombstones first, so no concurrent ingest brings it back).
func (s *Store) TakeDown(ctx context.Context, id string, now time.Time) ([]store.FeedKey, error) {
	return s.Retract(ctx, id, "", now)
}

// Retract is TakeDown with the editor's reason (store.TakeDown): the
// retraction is recorded after the tombstones and before the article is
// deleted, so a takedown cut short and repeated still records it.
func (s *Store) Retract(ctx context.Context, id, reason string, now time.Time) ([]store.FeedKey, error) {
	keys, err := store.TakeDown(ctx, removalTx{s: s}, id, reason, now, s.window)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, keys)
	return keys, nil
}
