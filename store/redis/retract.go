package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate/store"
)

// record stores retraction rt under every feed it names (each feed's two
// keys share its slot), and drops those feeds' retractions older than
// window before it. Writing it again is harmless: the same member and data.
func (s *Store) record(ctx context.Context, rt *store.Retraction, window time.Duration) error {
	data, err := json.Marshal(rt)
	if err != nil {
		return err
	}
	cutoff := strconv.FormatInt(rt.When.Add(-window).Unix(), 10)
	olds := make([]*goredis.StringSliceCmd, len(rt.Feeds))
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, f := range rt.Feeds {
			p.HSet(ctx, s.k.retractedData(f), rt.ArticleID, data)
			p.ZAdd(ctx, s.k.retracted(f), goredis.Z{Score: float64(rt.When.Unix()), Member: rt.ArticleID})
			olds[i] = p.ZRangeByScore(ctx, s.k.retracted(f), &goredis.ZRangeBy{Min: "-inf", Max: "(" + cutoff})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record retraction of %s: %w", rt.ArticleID, err)
	}
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, f := range rt.Feeds {
			old := olds[i].Val()
			if len(old) == 0 {
				continue
			}
			members := make([]any, len(old))
			for j, id := range old {
				members[j] = id
			}
			p.ZRem(ctx, s.k.retracted(f), members...)
			p.HDel(ctx, s.k.retractedData(f), old...)
		}
		return nil
	})
	return err
}

// Retractions lists a feed's retractions at or after since, newest first
// (by time, then article id descending, as the embedded store orders them).
func (s *Store) Retractions(ctx context.Context, feed store.FeedKey, since time.Time, limit int) ([]store.Retraction, error) {
	if limit <= 0 {
		return nil, nil
	}
	ids, err := s.rdb.ZRevRangeByScore(ctx, s.k.retracted(feed), &goredis.ZRangeBy{
		Max: "+inf", Min: strconv.FormatInt(since.Unix(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("retractions of %s: %w", feed, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.k.retractedData(feed), ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("retractions of %s: %w", feed, err)
	}
	out := make([]store.Retraction, 0, len(ids))
	for _, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue // dropped by a concurrent trim
		}
		r, err := decode[store.Retraction](raw)
		if err != nil {
			return nil, fmt.Errorf("retractions of %s: %w", feed, err)
		}
		out = append(out, *r)
	}
	return out, nil
}

// Retire detaches sourceID from the articles its partner marked deleted
// (store.Retire): tombstones first (as Prune), then detach or delete and
// retract.
func (s *Store) Retire(ctx context.Context, sourceID string, keys []string, now time.Time) (*store.PruneResult, error) {
	res, err := store.Retire(ctx, removalTx{s: s}, sourceID, keys, now, s.window)
	if err != nil {
		return nil, fmt.Errorf("retire entries of %s: %w", sourceID, err)
	}
	s.publish(ctx, res.Changed)
	return res, nil
}
