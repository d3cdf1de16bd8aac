package redis

import (
	"context"
	"fmt"
	"time"

	"syndicate/store"
)

func (k keys) holds() string { return k.p + ":holds" }

// Holds returns every article hold.
func (s *Store) Holds(ctx context.Context) (map[string]time.Time, error) {
	m, err := s.rdb.HGetAll(ctx, s.k.holds()).Result()
	if err != nil {
		return nil, fmt.Errorf("read holds: %w", err)
	}
	out := make(map[string]time.Time, len(m))
	for id, v := range m {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("hold of %s: %w", id, err)
		}
		out[id] = t
	}
	return out, nil
}

// SetHold holds an article until a time (a zero time lifts the hold),
// then tells every replica.
func (s *Store) SetHold(ctx context.Context, id string, until time.Time) error {
	var err error
	if until.IsZero() {
		err = s.rdb.HDel(ctx, s.k.holds(), id).Err()
	} else {
		err = s.rdb.HSet(ctx, s.k.holds(), id, until.UTC().Format(time.RFC3339Nano)).Err()
	}
	if err != nil {
		return fmt.Errorf("hold %s: %w", id, err)
	}
	s.publish(ctx, []store.FeedKey{store.HoldsChanged})
	return nil
}
