package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"syndicate"
	"syndicate/ingest/fetch"
	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
	"syndicate/sanitize"
	"syndicate/store"
)

// Store is what ingest needs from storage.
type Store interface {
	ApplyIngest(ctx context.Context, b *store.Batch) (*store.Result, error)
	SourceStatus(ctx context.Context, id string) (*syndicate.SourceStatus, error)
	SaveSourceStatus(ctx context.Context, st *syndicate.SourceStatus) error
	ArticleCount(ctx context.Context, sourceID string) (int, error)
	store.Pruner
	CommentStore
}

// Statuses of one source's pass, as `syndicate ingest` prints them.
const (
	StatusOK          = "ok"
	StatusNotModified = "not-modified"
	StatusFailed      = "failed"
	StatusDisabled    = "disabled"
)

// Backoff bounds after consecutive failures.
const (
	BackoffBase = time.Minute
	BackoffMax  = 6 * time.Hour
)

// Options configure an Ingester.
type Options struct {
	Fetcher     *fetch.Fetcher
	Policy      *sanitize.Policy
	StripParams []string
	// Concurrency caps sources fetched at once in RunAll; default 16.
	Concurrency int
	Now         func() time.Time
	Logger      *slog.Logger
	// OnChange, if set, is called after a pass that changed feeds.
	OnChange func(ctx context.Context, changed []store.FeedKey)
	// CommentsWindow is how long after publication an article's comment
	// feed is re-polled (sources with comments: true); default 72h.
	CommentsWindow time.Duration
	// MaxCommentFeeds caps comment feeds fetched per source per pass.
	MaxCommentFeeds int
	// Observe, if set, is given every pass's summary (metrics).
	Observe func(Summary)
	// RetainItems keeps at most this many newest articles per source
	// (ingest.retention.max_items_per_source); 0 = no limit.
	RetainItems int
	// RetainFor prunes articles published longer ago
	// (ingest.retention.max_age); 0 = no limit.
	RetainFor time.Duration
}

// Ingester runs ingest passes. It is safe for concurrent use.
type Ingester struct {
	store Store
	opts  Options
	log   *slog.Logger
	sem   chan struct{} // global fetch concurrency
}

// New returns an Ingester writing to st.
func New(st Store, opts Options) *Ingester {
	if opts.Fetcher == nil {
		opts.Fetcher = fetch.New(fetch.Options{})
	}
	if opts.Policy == nil {
		opts.Policy = sanitize.New(sanitize.Options{})
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CommentsWindow <= 0 {
		opts.CommentsWindow = 72 * time.Hour
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Ingester{store: st, opts: opts, log: log, sem: make(chan struct{}, opts.Concurrency)}
}

// Summary is the outcome of one source's pass.
type Summary struct {
	SourceID  string
	Status    string
	HTTP      int
	New       int
	Updated   int
	Unchanged int
	Duration  time.Duration
	Err       error
	Changed   []store.FeedKey
	written   []string // ids of new and updated articles
}

// String formats s as `syndicate ingest` prints it (DECISIONS §10).
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "id=%s status=%s http=%d new=%d updated=%d unchanged=%d duration=%s",
		s.SourceID, s.Status, s.HTTP, s.New, s.Updated, s.Unchanged, s.Duration.Round(time.Millisecond))
	if s.Err != nil {
		fmt.Fprintf(&b, " error=%s", strconv.Quote(s.Err.Error()))
	}
	return b.String()
}

// RunAll ingests every enabled source and returns the summaries in the
// order of srcs. force skips our own failure backoff (but not a partner's
// Retry-After, nor a 410 disable).
func (in *Ingester) RunAll(ctx context.Context, srcs []syndicate.Source, force bool) []Summary {
	out := make([]Summary, len(srcs))
	var wg sync.WaitGroup
	for i, src := range srcs {
		if !src.Enabled {
			out[i] = Summary{SourceID: src.ID, Status: StatusDisabled, Err: errors.New("disabled in the configuration")}
			continue
		}
		wg.Go(func() { out[i] = in.Run(ctx, src, force) })
	}
	wg.Wait()
	return out
}

// Run ingests one source now and records its status; at most
// Options.Concurrency runs fetch at once. A failure is in the Summary,
// never a panic or a lost article.
func (in *Ingester) Run(ctx context.Context, src syndicate.Source, force bool) (sum Summary) {
	sum = Summary{SourceID: src.ID}
	select {
	case in.sem <- struct{}{}:
		defer func() { <-in.sem }()
	case <-ctx.Done():
		sum.Status, sum.Err = StatusFailed, ctx.Err()
		return sum
	}
	start := in.opts.Now()
	log := in.log.With("source_id", src.ID)
	defer func() {
		if r := recover(); r != nil {
			sum.Status, sum.Err = StatusFailed, fmt.Errorf("internal error: %v", r)
			log.Error("ingest panicked", "panic", r)
		}
		sum.Duration = in.opts.Now().Sub(start)
	}()

	st, err := in.store.SourceStatus(ctx, src.ID)
	if err != nil {
		sum.Status, sum.Err = StatusFailed, fmt.Errorf("read status: %w", err)
		return sum
	}
	if st.FeedURL != src.URL {
		// A new URL in the config starts afresh: validators, backoff,
		// redirects and disables belonged to the old one (DECISIONS §11).
		st = &syndicate.SourceStatus{SourceID: src.ID, FeedURL: src.URL}
	}
	if st.Disabled != "" {
		sum.Status, sum.Err = StatusDisabled, errors.New(st.Disabled)
		return sum
	}
	if start.Before(st.RetryAfter) {
		sum.Status, sum.Err = StatusFailed, fmt.Errorf("partner asked us to wait until %s (Retry-After)", st.RetryAfter.UTC().Format(time.RFC3339))
		return sum
	}
	if !force && start.Before(st.BackoffUntil) {
		sum.Status, sum.Err = StatusFailed, fmt.Errorf("backing off after %d failures until %s", st.ConsecutiveFailures, st.BackoffUntil.UTC().Format(time.RFC3339))
		return sum
	}

	st.LastAttempt = start
	in.pass(ctx, src, st, &sum, log)
	if sum.Status == StatusOK || sum.Status == StatusNotModified {
		if src.Comments {
			_, changed := in.pollComments(ctx, in.store, src, sum.written, log)
			sum.Changed = mergeKeys(sum.Changed, changed)
		}
		sum.Changed = mergeKeys(sum.Changed, in.retain(ctx, src, log))
	}
	st.Duration = in.opts.Now().Sub(start).Round(time.Millisecond).String()
	st.LastStatus = sum.Status
	if sum.Err != nil {
		st.LastError = sum.Err.Error()
	}
	if n, err := in.store.ArticleCount(ctx, src.ID); err == nil {
		st.ArticleCount = n
	}
	if err := in.store.SaveSourceStatus(ctx, st); err != nil && sum.Err == nil {
		sum.Status, sum.Err = StatusFailed, fmt.Errorf("save status: %w", err)
	}
	switch {
	case sum.Status == StatusFailed:
		log.Warn("ingest failed", "error", sum.Err, "http", sum.HTTP, "consecutive_failures", st.ConsecutiveFailures)
	default:
		log.Info("ingested", "status", sum.Status, "http", sum.HTTP, "new", sum.New, "updated", sum.Updated, "unchanged", sum.Unchanged)
	}
	if len(sum.Changed) > 0 && in.opts.OnChange != nil {
		in.opts.OnChange(ctx, sum.Changed)
	}
	if in.opts.Observe != nil {
		sum.Duration = in.opts.Now().Sub(start)
		in.opts.Observe(sum)
	}
	return sum
}

// pass fetches, parses, normalizes and stores, filling sum and st.
func (in *Ingester) pass(ctx context.Context, src syndicate.Source, st *syndicate.SourceStatus, sum *Summary, log *slog.Logger) {
	fail := func(err error) {
		sum.Status, sum.Err = StatusFailed, err
		st.ConsecutiveFailures++
		st.BackoffUntil = in.opts.Now().Add(backoff(st.ConsecutiveFailures))
	}
	if st.Normalizer != syndicate.NormalizerVersion {
		st.ETag, st.LastModified = "", "" // new rules: fetch in full once
	}
	target := src.URL
	if st.PermanentURL != "" {
		target = st.PermanentURL
	}
	resp, err := in.opts.Fetcher.Fetch(ctx, fetch.Request{URL: target, ETag: st.ETag, LastModified: st.LastModified, AllowFile: src.Managed == syndicate.ManagedConfig})
	if resp != nil {
		sum.HTTP = resp.Status
		st.HTTPStatus = resp.Status
	}
	if err != nil {
		var se *fetch.StatusError
		if errors.As(err, &se) {
			switch se.Code {
			case http.StatusGone:
				st.Disabled = fmt.Sprintf("410 Gone from %s at %s: the partner removed this feed; change its URL to re-enable", syndicate.RedactURL(target), in.opts.Now().UTC().Format(time.RFC3339))
				sum.Status, sum.Err = StatusDisabled, errors.New(st.Disabled)
				return
			case http.StatusTooManyRequests, http.StatusServiceUnavailable:
				if se.RetryAfter > 0 {
					st.RetryAfter = in.opts.Now().Add(min(se.RetryAfter, 7*24*time.Hour))
				}
			}
		}
		fail(fmt.Errorf("fetch %s: %w", syndicate.RedactURL(target), err))
		return
	}
	// A permanent redirect is adopted only once a feed (or a 304) came
	// from its target: an expired domain 301s to a parking page, and the
	// configured URL must stay in use until the partner is back.
	moved := func() {
		if resp.PermanentURL != "" && resp.PermanentURL != target {
			log.Info("partner feed moved permanently", "from", syndicate.RedactURL(target), "to", syndicate.RedactURL(resp.PermanentURL))
			st.PermanentURL = resp.PermanentURL
		}
	}
	st.ETag, st.LastModified = resp.ETag, resp.LastModified
	if resp.NotModified {
		moved()
		sum.Status = StatusNotModified
		st.LastSuccess = in.opts.Now()
		st.ConsecutiveFailures, st.BackoffUntil, st.LastError = 0, time.Time{}, ""
		return
	}
	st.Bytes = int64(len(resp.Body))
	doc, err := parse.Read(resp.Body, resp.ContentType)
	if err != nil {
		st.ETag, st.LastModified = "", "" // make the next fetch unconditional
		fail(fmt.Errorf("parse %s: %w", syndicate.RedactURL(target), err))
		return
	}
	for _, r := range doc.Repairs {
		log.Warn("partner document repaired", "repair", r)
	}
	feedURL := resp.FinalURL
	if syndicate.IsFileURL(feedURL) {
		feedURL = src.SiteURL
	}
	norm := normalize.Normalize(doc.Feed, src, normalize.Options{
		FeedURL: feedURL, Now: in.opts.Now(), StripParams: in.opts.StripParams, Policy: in.opts.Policy,
	})
	for i := range norm.Skipped {
		norm.Skipped[i].Index = doc.Position(norm.Skipped[i].Index)
	}
	norm.Skipped = append(norm.Skipped, doc.Skipped...)
	slices.SortStableFunc(norm.Skipped, func(a, b normalize.Skip) int { return a.Index - b.Index })
	for _, p := range norm.Problems {
		log.Warn("partner entry problem", "problem", p)
	}
	st.TTLAdvice = norm.TTLAdvice
	st.ItemsSeen = len(norm.Entries)
	res, err := in.store.ApplyIngest(ctx, &store.Batch{Source: src.Ref(), Entries: norm.Entries, Now: in.opts.Now().UTC().Truncate(time.Second)})
	if err != nil {
		st.ETag, st.LastModified = "", ""
		fail(err)
		return
	}
	sum.Status = StatusOK
	moved()
	st.Normalizer = syndicate.NormalizerVersion
	sum.New, sum.Updated, sum.Unchanged, sum.Changed, sum.written = res.New, res.Updated, res.Unchanged, res.Changed, res.Written
	st.ItemsNew, st.ItemsUpdated = res.New, res.Updated
	st.LastSuccess = in.opts.Now()
	// A document read only in part (truncated, cut at a limit) is a
	// success whose status still says what was lost.
	st.ConsecutiveFailures, st.BackoffUntil, st.LastError = 0, time.Time{}, strings.Join(doc.Repairs, "; ")
}

// backoff is exponential with full jitter in its upper half, capped.
func backoff(failures int) time.Duration {
	d := BackoffBase
	for i := 1; i < failures && d < BackoffMax; i++ {
		d *= 2
	}
	d = min(d, BackoffMax)
	return d/2 + rand.N(d/2+1)
}

// mergeKeys returns a with the keys of b it lacks.
func mergeKeys(a, b []store.FeedKey) []store.FeedKey {
	for _, k := range b {
		if !slices.Contains(a, k) {
			a = append(a, k)
		}
	}
	return a
}

// retain applies retention to a source after a good pass. Pruning never
// follows a failed pass: a failing partner never loses its articles.
func (in *Ingester) retain(ctx context.Context, src syndicate.Source, log *slog.Logger) []store.FeedKey {
	if in.opts.RetainItems <= 0 && in.opts.RetainFor <= 0 {
		return nil
	}
	keep := in.opts.RetainItems
	if keep <= 0 {
		keep = math.MaxInt32
	}
	var cutoff time.Time
	now := in.opts.Now()
	if in.opts.RetainFor > 0 {
		cutoff = now.Add(-in.opts.RetainFor)
	}
	res, err := in.store.Prune(ctx, src.ID, keep, cutoff, now)
	if err != nil {
		log.Error("retention failed", "error", err)
		return nil
	}
	if res.Deleted+res.Detached > 0 {
		log.Info("retention pruned articles", "deleted", res.Deleted, "detached", res.Detached)
	}
	return res.Changed
}
