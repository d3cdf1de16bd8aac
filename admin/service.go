// Package admin is the editors' surface: a Service that creates, edits,
// disables, deletes, refreshes, imports and exports sources with full
// validation and an audit line per change, and the bearer-token JSON API
// and the /admin web page built on it.
//
// Sources are read and written through the source registry (package
// registry): sources from the config file are read-only here (409);
// sources created through the API live in the store, and the registry
// puts them in force in the scheduler and the feeds at once, on every
// replica.
package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"syndicate"
	"syndicate/registry"
	"syndicate/store"
)

// Store is what the admin surface needs from storage.
type Store interface {
	store.StatusStore
	store.Pruner
	store.Secrets
	store.AuthGuard
	// Hit counts a failed sign-in (store.LocalComments.Hit).
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error)
	TakeDown(ctx context.Context, id string, now time.Time) ([]store.FeedKey, error)
	Retract(ctx context.Context, id, reason string, now time.Time) ([]store.FeedKey, error)
	Touch(ctx context.Context, feeds []store.FeedKey, now time.Time) error
	// Categories is every category in use: a source edit touches every
	// category feed (one write, never a page render).
	Categories(ctx context.Context) (map[string]string, error)
}

// Summary is the outcome of a refresh, as `syndicate ingest` reports it.
type Summary struct {
	SourceID  string `json:"id"`
	Status    string `json:"status"`
	HTTP      int    `json:"http"`
	New       int    `json:"new"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Skipped   int    `json:"skipped"`
	Pruned    int    `json:"pruned"`
	Duration  string `json:"duration"`
	Error     string `json:"error,omitempty"`
}

// Runtime is the running server the admin surface drives: it ingests one
// source now and tells when a source runs next. (The source set reaches
// it through the registry, not through admin.)
type Runtime interface {
	Refresh(ctx context.Context, src syndicate.Source) Summary
	NextRun(id string) time.Time
}

// Options configure a Service.
type Options struct {
	Store   Store
	Runtime Runtime
	// Sources is the source registry every source is read from and
	// written through (required).
	Sources *registry.Registry
	// ConfigPartners are the partner profiles of the config file, read-only.
	ConfigPartners []syndicate.Partner
	// Holds sets editors' embargoes on articles (nil: none).
	Holds           Holder
	DefaultSchedule string
	Logger          *slog.Logger
	Now             func() time.Time
	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// that failed sign-ins are counted against (http.trusted_proxies).
	TrustedProxies []netip.Prefix
}

// Service holds the editors' operations.
type Service struct {
	opts Options
	reg  *registry.Registry
	log  *slog.Logger
}

// NewService returns a Service.
func NewService(opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{opts: opts, reg: opts.Sources, log: log}
}

// SourceView is a source with where it is managed and its status.
type SourceView struct {
	syndicate.Source
	Status Status `json:"status"`
}

// Status is the source status editors see (see the README's "Editors: the admin API").
type Status struct {
	LastAttempt         *time.Time `json:"last_attempt"`
	LastSuccess         *time.Time `json:"last_success"`
	LastError           string     `json:"last_error"`
	LastStatus          string     `json:"last_status,omitempty"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	NextRun             *time.Time `json:"next_run"`
	ArticleCount        int        `json:"article_count"`
	ETag                string     `json:"etag"`
	LastModified        string     `json:"last_modified"`
	HTTPStatus          int        `json:"http_status,omitempty"`
	Bytes               int64      `json:"bytes,omitempty"`
	ItemsRead           int        `json:"items_read"`
	ItemsSkipped        int        `json:"items_skipped"`
	ItemsUndated        int        `json:"items_undated"`
	ItemsPruned         int        `json:"items_pruned"`
	ItemsSeen           int        `json:"items_seen"`
	ItemsNew            int        `json:"items_new"`
	ItemsUpdated        int        `json:"items_updated"`
	Duration            string     `json:"duration,omitempty"`
	PermanentURL        string     `json:"permanent_url,omitempty"`
	RetryAfter          *time.Time `json:"retry_after,omitempty"`
	BackoffUntil        *time.Time `json:"backoff_until,omitempty"`
	Disabled            string     `json:"disabled_reason,omitempty"`
	TTLAdvice           string     `json:"ttl_advice,omitempty"`
}

func tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// changed follows an edit of sources: the article feeds (whose items name
// their sources and carry their attribution lines) get new versions, so
// Last-Modified moves with them. (The registry has already put the new
// set in force.)
func (s *Service) changed(ctx context.Context) error {
	all, err := s.reg.All(ctx)
	if err != nil {
		return err
	}
	keys := []store.FeedKey{store.FeedAll}
	for _, src := range all {
		keys = append(keys, store.SourceFeed(src.ID))
	}
	cats, err := s.opts.Store.Categories(ctx)
	if err != nil {
		return err
	}
	for slug := range cats {
		keys = append(keys, store.CategoryFeed(slug))
	}
	return s.opts.Store.Touch(ctx, keys, s.opts.Now())
}

func (s *Service) view(ctx context.Context, src syndicate.Source) (SourceView, error) {
	status, err := s.opts.Store.SourceStatus(ctx, src.ID)
	if err != nil {
		return SourceView{}, err
	}
	n, err := s.opts.Store.ArticleCount(ctx, src.ID)
	if err != nil {
		return SourceView{}, err
	}
	v := SourceView{Source: src}
	if src.Managed == "" {
		v.Managed = syndicate.ManagedAPI
	}
	if status.FeedURL != "" && status.FeedURL != src.URL {
		status = &syndicate.SourceStatus{} // belongs to an earlier URL
	}
	v.Status = Status{
		LastAttempt: tp(status.LastAttempt), LastSuccess: tp(status.LastSuccess), LastError: status.LastError, LastStatus: status.LastStatus,
		ConsecutiveFailures: status.ConsecutiveFailures, ArticleCount: n, ETag: status.ETag, LastModified: status.LastModified,
		HTTPStatus: status.HTTPStatus, Bytes: status.Bytes, ItemsSeen: status.ItemsSeen, ItemsNew: status.ItemsNew, ItemsUpdated: status.ItemsUpdated,
		Duration: status.Duration, PermanentURL: status.PermanentURL, RetryAfter: tp(status.RetryAfter), BackoffUntil: tp(status.BackoffUntil),
		Disabled: status.Disabled, TTLAdvice: status.TTLAdvice,
		ItemsRead: status.ItemsRead, ItemsSkipped: status.ItemsSkipped, ItemsUndated: status.ItemsUndated, ItemsPruned: status.ItemsPruned,
	}
	if src.Enabled && status.Disabled == "" {
		v.Status.NextRun = tp(s.opts.Runtime.NextRun(src.ID))
	}
	return v, nil
}

// List returns every source with its status.
func (s *Service) List(ctx context.Context) ([]SourceView, error) {
	all, err := s.reg.All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SourceView, 0, len(all))
	for _, src := range all {
		v, err := s.view(ctx, src)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Get returns one source with its status.
func (s *Service) Get(ctx context.Context, id string) (SourceView, error) {
	src, err := s.find(ctx, id)
	if err != nil {
		return SourceView{}, err
	}
	return s.view(ctx, src)
}

func (s *Service) find(ctx context.Context, id string) (syndicate.Source, error) {
	return s.reg.Find(ctx, id)
}

// Input is a source as editors submit it. Enabled defaults to true.
type Input struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	URL     string `json:"url"`
	SiteURL string `json:"site_url"`
	// PublicFeedURL is published instead of URL (see syndicate.Source).
	PublicFeedURL string   `json:"public_feed_url"`
	Schedule      string   `json:"schedule"`
	Attribution   string   `json:"attribution"`
	Categories    []string `json:"categories"`
	Comments      bool     `json:"comments"`
	Enabled       *bool    `json:"enabled"`
	SEO           string   `json:"seo"` // canonical (default), noindex or self
	Rights        string   `json:"rights"`
	License       string   `json:"license"`
	Redistribute  string   `json:"redistribute"` // full (default), excerpt or none
	Hold          string   `json:"hold"`         // embargo from first_seen, e.g. 2h
}

// Source converts in to a domain source managed by the API.
func (in Input) Source() syndicate.Source {
	src := syndicate.Source{
		ID: strings.TrimSpace(in.ID), Name: strings.TrimSpace(in.Name), URL: strings.TrimSpace(in.URL),
		SiteURL: strings.TrimSpace(in.SiteURL), PublicFeed: strings.TrimSpace(in.PublicFeedURL), Schedule: strings.TrimSpace(in.Schedule), Attribution: in.Attribution,
		Comments: in.Comments, Enabled: in.Enabled == nil || *in.Enabled, Managed: syndicate.ManagedAPI,
		SEO:    strings.TrimSpace(in.SEO),
		Rights: strings.TrimSpace(in.Rights), License: strings.TrimSpace(in.License),
		Redistribute: strings.TrimSpace(in.Redistribute), Hold: strings.TrimSpace(in.Hold),
	}
	for _, c := range in.Categories {
		if c = strings.TrimSpace(c); c != "" {
			src.Categories = append(src.Categories, c)
		}
	}
	return src
}

// Create adds an API source. It fails with EInvalid (with the field),
// or EConflict when the id is taken (by the config file or the API).
func (s *Service) Create(ctx context.Context, who string, src syndicate.Source) (SourceView, error) {
	src.Managed = syndicate.ManagedAPI
	if err := s.reg.Create(ctx, src); err != nil {
		return SourceView{}, err
	}
	s.audit(who, "source.create", src.ID, "url", syndicate.RedactURL(src.URL))
	if err := s.changed(ctx); err != nil {
		return SourceView{}, err
	}
	return s.view(ctx, src)
}

// Replace replaces an API source.
func (s *Service) Replace(ctx context.Context, who, id string, src syndicate.Source) (SourceView, error) {
	return s.ReplaceIfMatch(ctx, who, id, src, "")
}

// ReplaceIfMatch replaces an API source if its current version matches
// ifMatch (an If-Match header value; "" matches any): otherwise it fails
// with a *StaleError carrying the current version, and nothing changes.
// The store checks the version and writes in one step, so two editors on
// any replicas cannot both succeed from the same version.
func (s *Service) ReplaceIfMatch(ctx context.Context, who, id string, src syndicate.Source, ifMatch string) (SourceView, error) {
	if err := s.reg.Editable(id); err != nil {
		return SourceView{}, err
	}
	stale := func() error {
		cur, err := s.find(ctx, id)
		if err != nil {
			return err
		}
		v, err := s.view(ctx, cur)
		if err != nil {
			return err
		}
		return &StaleError{Current: v}
	}
	version := "" // the stored version the edit must replace; "" = any
	if ifMatch != "" && strings.TrimSpace(ifMatch) != "*" {
		cur, err := s.find(ctx, id)
		if err != nil {
			return SourceView{}, err
		}
		if !etagMatches(ifMatch, SourceETag(cur)) {
			return SourceView{}, stale()
		}
		version = cur.Version()
	}
	if src.ID == "" {
		src.ID = id
	}
	if src.ID != id {
		return SourceView{}, syndicate.FieldError("id", "%q does not match the source in the URL (%q); ids cannot change", src.ID, id)
	}
	src.Managed = syndicate.ManagedAPI
	err := s.reg.Replace(ctx, src, version)
	if errors.Is(err, store.ErrStaleSource) {
		return SourceView{}, stale()
	}
	if err != nil {
		return SourceView{}, err
	}
	s.audit(who, "source.replace", id, "name", src.Name, "url", syndicate.RedactURL(src.URL), "site_url", src.SiteURL, "public_feed_url", src.PublicFeed, "schedule", src.Schedule,
		"categories", strings.Join(src.Categories, ","), "comments", src.Comments, "enabled", src.Enabled,
		"attribution_set", src.Attribution != "")
	if err := s.changed(ctx); err != nil {
		return SourceView{}, err
	}
	return s.view(ctx, src)
}

// RunStopper is a Runtime that can stop a source's ingest in progress:
// StopRuns cancels the source's run here, waits for it to return, and
// runs fn while no run of the source may start.
type RunStopper interface {
	StopRuns(ctx context.Context, id string, fn func(ctx context.Context) error) error
}

// Delete removes an API source. Its articles go with it (the partnership
// ended): those only it carried are deleted with their comments, shared
// ones stay under their other sources. Documented in the README.
//
// A run of the source in progress is cancelled first and waited for. The
// definition goes before the articles: an ingest still under way
// elsewhere (another replica) finds its source gone and writes nothing,
// or takes back what it wrote, so no article outlives the delete. When
// the articles could not all be removed, deleting the id again finishes
// the job.
func (s *Service) Delete(ctx context.Context, who, id string) error {
	if err := s.reg.Editable(id); err != nil {
		return err
	}
	leftover := false
	src, err := s.find(ctx, id)
	if err != nil {
		if syndicate.ErrorKind(err) != syndicate.ENotFound {
			return err
		}
		// Gone already: a delete cut short may have left articles.
		if n, cerr := s.opts.Store.ArticleCount(ctx, id); cerr != nil || n == 0 {
			return err
		}
		leftover = true
	}
	var res *store.PruneResult
	del := func(ctx context.Context) error {
		// Once begun, finished: a client that goes away does not leave
		// half a source behind.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RefreshTimeout)
		defer cancel()
		if !leftover {
			if err := s.reg.Delete(ctx, id); err != nil {
				return err
			}
		}
		var err error
		now := s.opts.Now()
		var unlisted func(*syndicate.Article) bool
		if !leftover {
			// Its articles that no feed listed (rights none, or a hold in
			// force) leave unannounced: the source's rights and hold are
			// known only until it leaves the set.
			hold := src.HoldDuration()
			unlisted = func(a *syndicate.Article) bool {
				return a.Source.ID == id && (!src.InFeeds() || (hold > 0 && a.FirstSeen.Add(hold).After(now)))
			}
		}
		if res, err = s.opts.Store.PurgeSource(ctx, id, now, unlisted); err != nil {
			return fmt.Errorf("source %s deleted, but removing its articles failed (delete it again to finish): %w", id, err)
		}
		return nil
	}
	err = nil
	if rs, ok := s.opts.Runtime.(RunStopper); ok {
		wctx, cancel := context.WithTimeout(ctx, RefreshTimeout)
		defer cancel()
		err = rs.StopRuns(wctx, id, del)
	} else {
		err = del(ctx)
	}
	if err != nil {
		return err
	}
	s.audit(who, "source.delete", id, "articles_deleted", res.Deleted, "articles_kept_for_other_sources", res.Detached)
	return s.changed(ctx)
}

// RefreshTimeout bounds an editor's refresh, waiting for a scheduled run
// of the source included, within the HTTP server's write timeout.
const RefreshTimeout = 25 * time.Second

// TakeDown removes one article from every feed for good (a takedown or a
// retraction): deleted with its comments and tombstoned for every source,
// so no partner brings it back.
func (s *Service) TakeDown(ctx context.Context, who, articleID string) error {
	return s.Retract(ctx, who, articleID, "")
}

// Refresh ingests one source now (config-file ones too).
func (s *Service) Refresh(ctx context.Context, who, id string) (Summary, error) {
	src, err := s.find(ctx, id)
	if err != nil {
		return Summary{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, RefreshTimeout)
	defer cancel()
	src.Enabled = true // asked for by name
	sum := s.opts.Runtime.Refresh(ctx, src)
	s.audit(who, "source.refresh", id, "status", sum.Status)
	return sum, nil
}

func (s *Service) audit(who, action, id string, kv ...any) {
	s.log.Info("audit", append([]any{"who", who, "action", action, "source_id", id}, kv...)...)
}
