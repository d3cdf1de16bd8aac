package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"syndicate"
	"syndicate/store"
)

func (k keys) partners() string { return k.p + ":partners" }

// Partners returns the API partners, ordered by name.
func (s *Store) Partners(ctx context.Context) ([]syndicate.Partner, error) {
	m, err := s.rdb.HGetAll(ctx, s.k.partners()).Result()
	if err != nil {
		return nil, fmt.Errorf("read partners: %w", err)
	}
	out := make([]syndicate.Partner, 0, len(m))
	for name, raw := range m {
		p, err := decode[syndicate.Partner](raw)
		if err != nil {
			return nil, fmt.Errorf("partner %s: %w", name, err)
		}
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b syndicate.Partner) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// PutPartner creates (HSETNX decides among concurrent creators) or
// replaces an API partner, then tells every replica.
func (s *Store) PutPartner(ctx context.Context, p syndicate.Partner, create bool) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if create {
		ok, err := s.rdb.HSetNX(ctx, s.k.partners(), p.Name, data).Result()
		if err != nil {
			return fmt.Errorf("create partner %s: %w", p.Name, err)
		}
		if !ok {
			return &syndicate.Error{Kind: syndicate.EConflict, Field: "name", Message: fmt.Sprintf("a partner %q already exists", p.Name)}
		}
	} else {
		ok, err := replaceScript.Run(ctx, s.rdb, []string{s.k.partners()}, p.Name, data).Bool()
		if err != nil {
			return fmt.Errorf("replace partner %s: %w", p.Name, err)
		}
		if !ok {
			return syndicate.Errorf(syndicate.ENotFound, "no partner %q", p.Name)
		}
	}
	s.publish(ctx, []store.FeedKey{store.PartnersChanged})
	return nil
}

// DeletePartner removes an API partner, then tells every replica.
func (s *Store) DeletePartner(ctx context.Context, name string) error {
	n, err := s.rdb.HDel(ctx, s.k.partners(), name).Result()
	if err != nil {
		return fmt.Errorf("delete partner %s: %w", name, err)
	}
	if n == 0 {
		return syndicate.Errorf(syndicate.ENotFound, "no partner %q", name)
	}
	s.publish(ctx, []store.FeedKey{store.PartnersChanged})
	return nil
}
