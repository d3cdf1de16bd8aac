package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/store"
)

// ApplyIngest stores one source's batch with the shared rules of
// store.Apply. Each step Apply asks for is one pipelined round trip;
// concurrent writers of one canonical URL are arbitrated by SET NX claims.
// After the commit the changed feeds are published to every Watch.
//
// A batch that requires its source is refused when the source is gone
// before the write, and undone (the source purged) when it is gone after:
// a delete removes the definition before purging the articles, so either
// the deleter's purge sees this write or this check sees the delete, and
// no article of a deleted source stays published.
func (s *Store) ApplyIngest(ctx context.Context, b *store.Batch) (*store.Result, error) {
	if b.RequireSource {
		if err := s.sourceExists(ctx, b.Source.ID); err != nil {
			return nil, fmt.Errorf("store source %s: %w", b.Source.ID, err)
		}
	}
	res, err := store.Apply(ctx, &ingestTx{s: s}, b)
	if err != nil {
		return nil, fmt.Errorf("store source %s: %w", b.Source.ID, err)
	}
	s.publish(ctx, res.Changed)
	if b.RequireSource {
		if err := s.sourceExists(ctx, b.Source.ID); err != nil {
			if errors.Is(err, store.ErrSourceGone) {
				// Deleted meanwhile: take back what this batch wrote. The
				// context may be ending with the run; the undo must not.
				uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
				defer cancel()
				if _, perr := s.PurgeSource(uctx, b.Source.ID, b.Now, nil); perr != nil {
					return nil, fmt.Errorf("store source %s: %w (and purging what was written: %v)", b.Source.ID, err, perr)
				}
			}
			return nil, fmt.Errorf("store source %s: %w", b.Source.ID, err)
		}
	}
	return res, nil
}

// sourceExists returns store.ErrSourceGone unless id is an API source.
func (s *Store) sourceExists(ctx context.Context, id string) error {
	ok, err := s.rdb.HExists(ctx, s.k.sources(), id).Result()
	if err != nil {
		return err
	}
	if !ok {
		return store.ErrSourceGone
	}
	return nil
}

// ingestTx implements store.IngestTx with pipelines. There is no
// transaction spanning the calls: a crash between them leaves claims and
// articles that the next pass of the same entries finds and completes.
type ingestTx struct{ s *Store }

func (t *ingestTx) GUIDs(ctx context.Context, sourceID string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	if len(keys) == 0 {
		return out, nil
	}
	vals, err := t.s.rdb.HMGet(ctx, t.s.k.guids(sourceID), keys...).Result()
	if err != nil {
		return nil, err
	}
	for i, v := range vals {
		if id, ok := v.(string); ok {
			out[keys[i]] = id
		}
	}
	return out, nil
}

func (t *ingestTx) Tombstoned(ctx context.Context, sourceID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	members := make([]any, len(ids))
	for i, id := range ids {
		members[i] = id
	}
	found, err := t.s.rdb.SMIsMember(ctx, t.s.k.tombs(sourceID), members...).Result()
	if err != nil {
		return nil, err
	}
	for i, f := range found {
		if f {
			out[ids[i]] = true
		}
	}
	return out, nil
}

// URLOwners reads the canonical-URL claims. A claim may name an article
// not written yet (another writer between claim and commit, or one that
// died there); Apply treats such an owner as "join it on a later pass".
func (t *ingestTx) URLOwners(ctx context.Context, urls []string) (map[string]string, error) {
	return t.s.getAll(ctx, urls, t.s.k.urlOwner)
}

// getAll reads one string key per name, pipelined; missing keys are absent.
func (s *Store) getAll(ctx context.Context, names []string, key func(string) string) (map[string]string, error) {
	out := map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	cmds := make(map[string]*goredis.StringCmd, len(names))
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, n := range names {
			if _, dup := cmds[n]; !dup {
				cmds[n] = p.Get(ctx, key(n))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, err
	}
	for n, c := range cmds {
		if v, err := c.Result(); err == nil {
			out[n] = v
		}
	}
	return out, nil
}

func (t *ingestTx) Articles(ctx context.Context, ids []string) (map[string]*syndicate.Article, error) {
	raw, err := t.s.getAll(ctx, ids, t.s.k.article)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*syndicate.Article, len(raw))
	for id, v := range raw {
		a, err := decode[syndicate.Article](v)
		if err != nil {
			return nil, fmt.Errorf("article %s: %w", id, err)
		}
		out[id] = a
	}
	return out, nil
}

func (t *ingestTx) ClaimURLs(ctx context.Context, claims map[string]string) (map[string]string, error) {
	return t.s.claim(ctx, claims, t.s.k.urlOwner)
}

func (t *ingestTx) ClaimEntryIDs(ctx context.Context, claims map[string]string) (map[string]string, error) {
	return t.s.claim(ctx, claims, t.s.k.entryIDOwner)
}

// ClaimTTL bounds how long a claim whose article was never committed
// blocks its canonical URL or entry id.
const ClaimTTL = 10 * time.Minute

// claim sets each name's key to its id unless it is set (SET NX), then
// reads who owns it: us, or whoever was first. SETNX and GET of one key go
// to one node in order, so the GET sees the winner.
func (s *Store) claim(ctx context.Context, claims map[string]string, key func(string) string) (map[string]string, error) {
	out := map[string]string{}
	if len(claims) == 0 {
		return out, nil
	}
	owners := make(map[string]*goredis.StringCmd, len(claims))
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for name, id := range claims {
			// A fresh claim expires unless its article is committed
			// (Commit persists it): a writer that dies in between does
			// not block the URL for good.
			p.SetNX(ctx, key(name), id, ClaimTTL)
			owners[name] = p.Get(ctx, key(name))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name, c := range owners {
		out[name] = c.Val()
	}
	return out, nil
}

// Commit writes in three round trips: every article's JSON; then its
// indexes and category labels (and the categories in use, see
// categories.go); then the source's entry keys and the version bumps. An index therefore never names an article that was not
// written, and every command is idempotent, so the next pass over the same
// entries completes a write cut short (docs/decisions/fleet.md).
func (t *ingestTx) Commit(ctx context.Context, w *store.WriteSet) error {
	s := t.s
	if len(w.Articles) > 0 {
		_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, aw := range w.Articles {
				data, err := json.Marshal(aw.New)
				if err != nil {
					return fmt.Errorf("encode article %s: %w", aw.New.ID, err)
				}
				p.Set(ctx, s.k.article(aw.New.ID), data, 0)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("write articles: %w", err)
		}
	}
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, aw := range w.Articles {
			a := aw.New
			z := goredis.Z{Score: float64(a.Published.Unix()), Member: a.ID}
			// Add to every feed that lists it, not only the new ones: ZADD
			// is idempotent and this repairs an earlier interrupted write.
			for _, f := range store.Feeds(a) {
				p.ZAdd(ctx, s.k.index(f), z)
			}
			_, remove := aw.IndexDiff()
			for _, f := range remove {
				p.ZRem(ctx, s.k.index(f), a.ID)
			}
			for _, c := range a.Categories {
				if slug := syndicate.Slug(c); slug != "" {
					p.HSetNX(ctx, s.k.categories(), slug, c)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write indexes: %w", err)
	}
	// The categories in use follow their indexes before the bump, so a
	// replica that renders the category list on the new version sees them.
	var slugs []string
	for _, aw := range w.Articles {
		_, remove := aw.IndexDiff()
		slugs = categorySlugs(categorySlugs(slugs, store.Feeds(aw.New)...), remove...)
	}
	if err := s.syncCategories(ctx, slugs); err != nil {
		return err
	}
	// The claims of new articles now last (they expire if never reached).
	if _, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, aw := range w.Articles {
			if aw.Old == nil {
				if aw.New.CanonicalURL != "" {
					p.Persist(ctx, s.k.urlOwner(aw.New.CanonicalURL))
				}
				if aw.New.EntryID != "" {
					p.Persist(ctx, s.k.entryIDOwner(aw.New.EntryID))
				}
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("persist claims: %w", err)
	}
	// A moved link (store.Apply's plan): claim the new URL unless another
	// article owns it, free the old one if this article still holds it.
	for _, m := range w.Moves {
		if m.To != "" {
			if err := s.rdb.SetNX(ctx, s.k.urlOwner(m.To), m.ArticleID, 0).Err(); err != nil {
				return fmt.Errorf("claim moved url: %w", err)
			}
		}
		if m.From != "" {
			if err := releaseScript.Run(ctx, s.rdb, []string{s.k.urlOwner(m.From)}, m.ArticleID).Err(); err != nil && !errors.Is(err, goredis.Nil) {
				return fmt.Errorf("release old url: %w", err)
			}
		}
	}
	// Last, the entry keys and the bumps: a reader that sees a new version
	// finds the indexes already written (a Cluster pipeline runs its nodes'
	// commands in parallel, so this needs its own round trip), and an entry
	// key is recorded only once its article is fully indexed.
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		if len(w.GUIDs) > 0 {
			pairs := make([]any, 0, 2*len(w.GUIDs))
			for k, id := range w.GUIDs {
				pairs = append(pairs, k, id)
			}
			p.HSet(ctx, s.k.guids(w.SourceID), pairs...)
		}
		s.bump(ctx, p, w.Bumps, w.Now)
		return nil
	})
	if err != nil {
		return fmt.Errorf("write entry keys and versions: %w", err)
	}
	return nil
}
