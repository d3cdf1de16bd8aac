package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"syndicate"
	"syndicate/store"
)

// retirer is the store side of partner retractions (both backends have
// it); a store without it ignores the partner's deleted entries.
type retirer interface {
	Retire(ctx context.Context, sourceID string, keys []string, now time.Time) (*store.PruneResult, error)
}

// retire applies the partner's RFC 6721 deleted entries (normalize's
// Result.Deleted): the source no longer carries those articles and never
// brings them back, and an article no other source carries leaves every
// feed as a retraction. Keys the source never sent are ignored.
func (in *Ingester) retire(ctx context.Context, src syndicate.Source, keys []string, now time.Time, log *slog.Logger) ([]store.FeedKey, error) {
	r, ok := in.store.(retirer)
	if !ok || len(keys) == 0 {
		return nil, nil
	}
	var changed []store.FeedKey
	deleted, detached := 0, 0
	for start := 0; start < len(keys); start += store.ChunkSize {
		res, err := r.Retire(ctx, src.ID, keys[start:min(start+store.ChunkSize, len(keys))], now)
		if err != nil {
			return changed, fmt.Errorf("retire the entries %s marked deleted: %w", src.ID, err)
		}
		changed = mergeKeys(changed, res.Changed)
		deleted += res.Deleted
		detached += res.Detached
	}
	if deleted+detached > 0 {
		log.Info("partner deleted entries", "retracted", deleted, "detached", detached)
	}
	return changed, nil
}
