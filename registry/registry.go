// Package registry is the set of sources in force. It merges the config
// file's sources (read-only) with the sources editors created through the
// admin API (kept in the store), the config file winning an id clash;
// validates a source before it is stored; follows the store's change
// notices (store.SourcesChanged) so every replica holds the same set; and
// pushes the set to its consumers (the scheduler, the feeds, the pages,
// the embargo guard) once per change.
//
// It imports none of its clients: the admin service reads and writes
// sources through it, and the runtime parts subscribe functions.
package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"syndicate"
	"syndicate/config"
	"syndicate/store"
)

// Store is what the registry needs from storage: the API sources and
// their change notices.
type Store interface {
	store.SourceStore
	store.SourceSwapper
	store.Watcher
}

// Consumer takes the whole set of sources in force each time it changes.
// It must not modify srcs nor call back into the registry.
type Consumer func(srcs []syndicate.Source) error

// Options configure a Registry.
type Options struct {
	Store Store
	// Config are the config file's sources, in file order; read-only.
	Config []syndicate.Source
	Logger *slog.Logger
}

// Registry owns the set of sources in force.
type Registry struct {
	st     Store
	config []syndicate.Source
	log    *slog.Logger

	// mu serializes pushes: a set is read and handed to every consumer
	// before the next one is read.
	mu        sync.Mutex
	consumers []Consumer
	cur       []syndicate.Source
	pushed    bool // cur has been handed to the consumers
}

// New returns a Registry; nothing is pushed until Reload, a write or a
// change notice (after Start).
func New(opts Options) *Registry {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Registry{st: opts.Store, config: slices.Clone(opts.Config), log: log}
}

// Subscribe adds a consumer. When a set is already in force, c takes it
// at once (and its error is returned).
func (r *Registry) Subscribe(c Consumer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.consumers = append(r.consumers, c)
	if r.pushed {
		return c(r.cur)
	}
	return nil
}

// merge is the set in force: the config file's sources in file order,
// then the API sources (ordered by id by the store) whose id the config
// file does not use.
func merge(cfg, api []syndicate.Source) []syndicate.Source {
	out := slices.Clone(cfg)
	for _, src := range api {
		if !slices.ContainsFunc(cfg, func(c syndicate.Source) bool { return c.ID == src.ID }) {
			out = append(out, src)
		}
	}
	return out
}

// All reads the set of sources from the store: config-file ones first,
// then API ones by id.
func (r *Registry) All(ctx context.Context) ([]syndicate.Source, error) {
	api, err := r.st.Sources(ctx)
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	return merge(r.config, api), nil
}

// Find returns one source of the set (ENotFound if there is none).
func (r *Registry) Find(ctx context.Context, id string) (syndicate.Source, error) {
	all, err := r.All(ctx)
	if err != nil {
		return syndicate.Source{}, err
	}
	for _, src := range all {
		if src.ID == id {
			return src, nil
		}
	}
	return syndicate.Source{}, syndicate.Errorf(syndicate.ENotFound, "no source %q", id)
}

// Sources returns the set last pushed to the consumers (nil before the
// first push). It must not be modified.
func (r *Registry) Sources() []syndicate.Source {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

// IsConfig reports whether id is a source of the config file.
func (r *Registry) IsConfig(id string) bool {
	return slices.ContainsFunc(r.config, func(c syndicate.Source) bool { return c.ID == id })
}

// Editable fails with EConflict for a source of the config file, which
// only the file changes.
func (r *Registry) Editable(id string) error {
	if r.IsConfig(id) {
		return syndicate.Errorf(syndicate.EConflict, "source %q is managed by the config file (managed: config): edit the file instead; it can still be refreshed", id)
	}
	return nil
}

// Validate checks an API source's fields (file: URLs refused) and its
// schedule, and returns every problem, each an EInvalid error naming its
// field. Whether the id is free is the store's to say (EConflict).
func Validate(src syndicate.Source) []*syndicate.Error {
	errs := src.Validate(false)
	if src.Schedule != "" {
		if err := config.CheckSchedule(src.Schedule); err != nil {
			errs = append(errs, syndicate.FieldError("schedule", "%v", err))
		}
	}
	return errs
}

// Create stores a new API source and pushes the new set. It fails with
// the first EInvalid problem (with its field), or EConflict when the id
// is taken (by the config file or the API).
func (r *Registry) Create(ctx context.Context, src syndicate.Source) error {
	src.Managed = syndicate.ManagedAPI
	if err := syndicate.FirstError(Validate(src)); err != nil {
		return err
	}
	if r.IsConfig(src.ID) {
		return &syndicate.Error{Kind: syndicate.EConflict, Field: "id", Message: fmt.Sprintf("source %q is defined in the config file", src.ID)}
	}
	if err := r.st.PutSource(ctx, src, true); err != nil {
		return err
	}
	r.pushAfterWrite(ctx)
	return nil
}

// Replace replaces the API source src.ID and pushes the new set. With a
// version (syndicate.Source.Version) the store replaces it only if that
// is still its stored version (store.ErrStaleSource otherwise); "" replaces
// any. A config-file source is EConflict, an unknown one ENotFound.
func (r *Registry) Replace(ctx context.Context, src syndicate.Source, version string) error {
	if err := r.Editable(src.ID); err != nil {
		return err
	}
	src.Managed = syndicate.ManagedAPI
	if err := syndicate.FirstError(Validate(src)); err != nil {
		return err
	}
	var err error
	if version != "" {
		err = r.st.ReplaceSourceIf(ctx, src, version)
	} else {
		err = r.st.PutSource(ctx, src, false)
	}
	if err != nil {
		return err
	}
	r.pushAfterWrite(ctx)
	return nil
}

// Delete removes the API source id's definition (see
// store.SourceStore.DeleteSource; its articles are the caller's) and
// pushes the new set. A config-file source is EConflict, an unknown one
// ENotFound.
func (r *Registry) Delete(ctx context.Context, id string) error {
	if err := r.Editable(id); err != nil {
		return err
	}
	if err := r.st.DeleteSource(ctx, id); err != nil {
		return err
	}
	r.pushAfterWrite(ctx)
	return nil
}

// pushAfterWrite pushes the set after a write that succeeded. Its errors
// do not undo the write: they are logged, and the store's change notice
// (or the next write) pushes again.
func (r *Registry) pushAfterWrite(ctx context.Context) {
	if err := r.Reload(ctx); err != nil {
		r.log.Error("push sources", "error", err)
	}
}

// Reload reads the set and, if it differs from the set last pushed (or
// none was), hands it to every consumer, in the order they subscribed.
// It returns the read error, or the consumers' errors joined (every
// consumer takes the set even when one fails).
func (r *Registry) Reload(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	all, err := r.All(ctx)
	if err != nil {
		return err
	}
	if r.pushed && sameSet(r.cur, all) {
		return nil
	}
	r.cur, r.pushed = all, true
	var errs []error
	for _, c := range r.consumers {
		if err := c(all); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// sameSet reports whether a and b are the same sources, field by field,
// in the same order.
func sameSet(a, b []syndicate.Source) bool {
	return slices.EqualFunc(a, b, func(x, y syndicate.Source) bool {
		return x.Managed == y.Managed && x.Version() == y.Version()
	})
}

// Start follows the store's change notices until ctx ends: when the API
// sources changed (store.SourcesChanged, on any replica) or anything may
// have (a nil notice after a reconnect), the set is reloaded and pushed
// if it changed.
func (r *Registry) Start(ctx context.Context) {
	r.st.Watch(ctx, func(changed []store.FeedKey) {
		if changed != nil && !slices.Contains(changed, store.SourcesChanged) {
			return
		}
		if err := r.Reload(ctx); err != nil {
			r.log.Error("reload sources", "error", err)
		}
	})
}
