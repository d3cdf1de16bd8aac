package redis

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

// Sources returns the API sources, ordered by id.
func (s *Store) Sources(ctx context.Context) ([]syndicate.Source, error) {
	m, err := s.rdb.HGetAll(ctx, s.k.sources()).Result()
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	out := make([]syndicate.Source, 0, len(m))
	for id, raw := range m {
		src, err := decode[syndicate.Source](raw)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", id, err)
		}
		out = append(out, *src)
	}
	slices.SortFunc(out, func(a, b syndicate.Source) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// PutSource creates (HSETNX decides among concurrent creators) or
// replaces an API source.
func (s *Store) PutSource(ctx context.Context, src syndicate.Source, create bool) error {
	data, err := json.Marshal(src)
	if err != nil {
		return err
	}
	if create {
		ok, err := s.rdb.HSetNX(ctx, s.k.sources(), src.ID, data).Result()
		if err != nil {
			return fmt.Errorf("create source %s: %w", src.ID, err)
		}
		if !ok {
			return &syndicate.Error{Kind: syndicate.EConflict, Field: "id", Message: fmt.Sprintf("a source %q already exists", src.ID)}
		}
	} else {
		ok, err := replaceScript.Run(ctx, s.rdb, []string{s.k.sources()}, src.ID, data).Bool()
		if err != nil {
			return fmt.Errorf("replace source %s: %w", src.ID, err)
		}
		if !ok {
			return syndicate.Errorf(syndicate.ENotFound, "no source %q", src.ID)
		}
	}
	s.publish(ctx, []store.FeedKey{store.SourcesChanged})
	return nil
}

// replaceScript sets a hash field only if it exists.
var replaceScript = goredis.NewScript(`if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 1 then redis.call("HSET", KEYS[1], ARGV[1], ARGV[2]) return 1 end return 0`)

// DeleteSource removes an API source with its status, entry keys and
// tombstones.
func (s *Store) DeleteSource(ctx context.Context, id string) error {
	n, err := s.rdb.HDel(ctx, s.k.sources(), id).Result()
	if err != nil {
		return fmt.Errorf("delete source %s: %w", id, err)
	}
	if n == 0 {
		return syndicate.Errorf(syndicate.ENotFound, "no source %q", id)
	}
	if err := s.rdb.Del(ctx, s.k.status(id), s.k.guids(id), s.k.tombs(id)).Err(); err != nil {
		return fmt.Errorf("delete source %s: %w", id, err)
	}
	s.publish(ctx, []store.FeedKey{store.SourcesChanged})
	return nil
}

// Secret returns the named secret, creating 32 random bytes on first use;
// HSETNX makes every replica end with the same one.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	if err := s.rdb.HSetNX(ctx, s.k.secrets(), name, fresh).Err(); err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	v, err := s.rdb.HGet(ctx, s.k.secrets(), name).Bytes()
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return v, nil
}
