package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

// Prune applies retention to one source. The tombstones are written
// first, so a concurrent or later ingest of the source never brings a
// pruned article back; then articles are detached or deleted (each write
// idempotent, so an interrupted prune is finished by the next one).
func (s *Store) Prune(ctx context.Context, sourceID string, keep int, cutoff, now time.Time) (*store.PruneResult, error) {
	res, err := s.prune(ctx, sourceID, keep, cutoff, now, true, nil)
	if err != nil {
		return nil, fmt.Errorf("prune %s: %w", sourceID, err)
	}
	s.publish(ctx, res.Changed)
	return res, nil
}

// PurgeSource removes a deleted source's articles (no tombstones), then
// its entry keys, tombstones and status.
func (s *Store) PurgeSource(ctx context.Context, sourceID string, now time.Time) (*store.PruneResult, error) {
	res, err := s.prune(ctx, sourceID, 0, time.Time{}, now, false, &retractRec{cause: store.CauseSourceDeleted, window: s.window})
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

func (s *Store) prune(ctx context.Context, sourceID string, keep int, cutoff, now time.Time, tomb bool, rec *retractRec) (*store.PruneResult, error) {
	idx := s.k.index(store.SourceFeed(sourceID))
	n, err := s.rdb.ZCard(ctx, idx).Result()
	if err != nil {
		return nil, err
	}
	var ids []string
	over := max(n-int64(keep), 0)
	if over > 0 {
		// Oldest first: ascending score, then ascending member.
		ids, err = s.rdb.ZRange(ctx, idx, 0, over-1).Result()
		if err != nil {
			return nil, err
		}
	}
	if !cutoff.IsZero() {
		// Age counts from first_seen, kept in the article: only those
		// published early enough can have been first seen before cutoff.
		upTo := strconv.FormatInt(cutoff.Add(store.MaxPublishedAhead).Unix(), 10)
		cands, err := s.rdb.ZRangeByScore(ctx, idx, &goredis.ZRangeBy{Min: "-inf", Max: "(" + upTo}).Result()
		if err != nil {
			return nil, err
		}
		over := make(map[string]bool, len(ids))
		for _, id := range ids {
			over[id] = true
		}
		cands = slices.DeleteFunc(cands, func(id string) bool { return over[id] })
		arts, err := (&ingestTx{s: s}).Articles(ctx, cands)
		if err != nil {
			return nil, err
		}
		for _, id := range cands {
			if a := arts[id]; a == nil || store.Expired(a, cutoff) {
				ids = append(ids, id)
			}
		}
	}
	return s.detach(ctx, sourceID, ids, now, tomb, rec)
}

// detach removes sourceID from the articles ids (see prune), retracting
// those it deletes when rec is set.
func (s *Store) detach(ctx context.Context, sourceID string, ids []string, now time.Time, tomb bool, rec *retractRec) (*store.PruneResult, error) {
	res := &store.PruneResult{}
	if len(ids) == 0 {
		return res, nil
	}
	idx := s.k.index(store.SourceFeed(sourceID))
	members := make([]any, len(ids))
	for i, id := range ids {
		members[i] = id
	}
	if tomb {
		if err := s.rdb.SAdd(ctx, s.k.tombs(sourceID), members...).Err(); err != nil {
			return nil, err
		}
	}
	arts, err := (&ingestTx{s: s}).Articles(ctx, ids)
	if err != nil {
		return nil, err
	}
	changed := map[store.FeedKey]bool{}
	var deleted []*syndicate.Article
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, id := range ids {
			a := arts[id]
			if a == nil {
				p.ZRem(ctx, idx, id) // an index entry without its article
				continue
			}
			for _, k := range store.Feeds(a) {
				changed[k] = true
			}
			kept, del := store.Detach(a, sourceID)
			if del {
				deleted = append(deleted, a)
				continue
			}
			data, err := json.Marshal(kept)
			if err != nil {
				return err
			}
			p.Set(ctx, s.k.article(id), data, 0)
			_, remove := store.ArticleWrite{Old: a, New: kept}.IndexDiff()
			for _, f := range remove {
				p.ZRem(ctx, s.k.index(f), id)
			}
			res.Detached++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, a := range deleted {
		if err := s.record(ctx, rec, a, now); err != nil {
			return nil, err
		}
		if err := s.deleteArticle(ctx, a, changed, false); err != nil {
			return nil, err
		}
		res.Deleted++
	}
	for k := range changed {
		res.Changed = append(res.Changed, k)
	}
	slices.Sort(res.Changed)
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		s.bump(ctx, p, res.Changed, now)
		return nil
	})
	return res, err
}

// deleteArticle removes an article from its indexes, then its comments and
// the claims it holds, then the article itself (a reader never finds an
// index entry whose article is gone for long: GETs of missing articles are
// skipped).
// keepClaims leaves its canonical URL and entry id claimed by the deleted
// article (a takedown: no other source may bring it back); otherwise they
// are freed (retention: another source may carry the story later).
func (s *Store) deleteArticle(ctx context.Context, a *syndicate.Article, changed map[store.FeedKey]bool, keepClaims bool) error {
	refs, err := s.rdb.ZRange(ctx, s.k.comments(a.ID), 0, -1).Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return err
	}
	all, err := s.rdb.HGetAll(ctx, s.k.commentData(a.ID)).Result()
	if err != nil {
		return err
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
		return err
	}
	if len(refs) > 0 {
		changed[store.FeedComments] = true
	}
	changed[store.ArticleCommentsFeed(a.ID)] = true
	// Claims are released only if still ours (compare-and-delete).
	for _, key := range []string{s.k.urlOwner(a.CanonicalURL), s.k.entryIDOwner(a.EntryID)} {
		if keepClaims {
			break
		}
		if err := releaseScript.Run(ctx, s.rdb, []string{key}, a.ID).Err(); err != nil && !errors.Is(err, goredis.Nil) {
			return err
		}
	}
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.Del(ctx, s.k.comments(a.ID), s.k.commentData(a.ID), s.k.commentGUIDs(a.ID), s.k.article(a.ID))
		return nil
	})
	return err
}

// releaseScript deletes KEYS[1] when it holds ARGV[1].
var releaseScript = goredis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// TakeDown deletes an article and tombstones it for all its carriers
// (tombstones first, so no concurrent ingest brings it back).
func (s *Store) TakeDown(ctx context.Context, id string, now time.Time) ([]store.FeedKey, error) {
	return s.Retract(ctx, id, "", now)
}

// Retract is TakeDown with the editor's reason: the retraction is recorded
// after the tombstones and before the article is deleted, so a takedown
// cut short and repeated still records it.
func (s *Store) Retract(ctx context.Context, id, reason string, now time.Time) ([]store.FeedKey, error) {
	a, err := s.articleOf(ctx, id)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, syndicate.Errorf(syndicate.ENotFound, "article %q not found", id)
	}
	for _, c := range a.Carriers {
		if err := s.rdb.SAdd(ctx, s.k.tombs(c), id).Err(); err != nil {
			return nil, err
		}
	}
	changed := map[store.FeedKey]bool{}
	for _, k := range store.Feeds(a) {
		changed[k] = true
	}
	if err := s.record(ctx, &retractRec{cause: store.CauseTakedown, reason: reason, window: s.window}, a, now); err != nil {
		return nil, err
	}
	if err := s.deleteArticle(ctx, a, changed, true); err != nil {
		return nil, err
	}
	var keys []store.FeedKey
	for k := range changed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if _, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		s.bump(ctx, p, keys, now)
		return nil
	}); err != nil {
		return nil, err
	}
	s.publish(ctx, keys)
	return keys, nil
}
