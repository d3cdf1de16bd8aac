package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
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
	SaveSourceStatus(ctx context.Context, status *syndicate.SourceStatus) error
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
	// RetainFor prunes articles first seen (republished here) longer ago,
	// never counting from the partner's date (ingest.retention.max_age);
	// 0 = no limit.
	RetainFor time.Duration
}

// Ingester runs ingest passes. It is safe for concurrent use.
type Ingester struct {
	store Store
	opts  Options
	log   *slog.Logger
	sem   chan struct{} // global fetch concurrency

	// undatedMu guards undatedTop: the newest instant a pass of this
	// process dated an undated entry at (see undatedClock).
	undatedMu  sync.Mutex
	undatedTop time.Time
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
	// Skipped counts the partner's entries left out of this pass, each
	// logged once with its position and reason; Pruned the articles
	// retention removed from the source after it.
	Skipped  int
	Pruned   int
	Duration time.Duration
	Err      error
	Changed  []store.FeedKey
	written  []string // ids of new and updated articles
}

// String formats s as `syndicate ingest` prints it (docs/decisions/output-formats.md).
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "id=%s status=%s http=%d new=%d updated=%d unchanged=%d skipped=%d pruned=%d duration=%s",
		s.SourceID, s.Status, s.HTTP, s.New, s.Updated, s.Unchanged, s.Skipped, s.Pruned, s.Duration.Round(time.Millisecond))
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

	status, err := in.store.SourceStatus(ctx, src.ID)
	if err != nil {
		sum.Status, sum.Err = StatusFailed, fmt.Errorf("read status: %w", err)
		return sum
	}
	if status.FeedURL != src.URL {
		// A new URL in the config starts afresh: validators, backoff,
		// redirects and disables belonged to the old one (docs/decisions/fleet.md).
		status = &syndicate.SourceStatus{SourceID: src.ID, FeedURL: src.URL}
	}
	if status.Disabled != "" {
		sum.Status, sum.Err = StatusDisabled, errors.New(status.Disabled)
		return sum
	}
	if start.Before(status.RetryAfter) {
		sum.Status, sum.Err = StatusFailed, fmt.Errorf("partner asked us to wait until %s (Retry-After)", status.RetryAfter.UTC().Format(time.RFC3339))
		return sum
	}
	if !force && start.Before(status.BackoffUntil) {
		sum.Status, sum.Err = StatusFailed, fmt.Errorf("backing off after %d failures until %s", status.ConsecutiveFailures, status.BackoffUntil.UTC().Format(time.RFC3339))
		return sum
	}

	status.LastAttempt = start
	in.pass(ctx, src, status, &sum, log)
	var counted bool
	var articles int
	if errors.Is(sum.Err, store.ErrSourceGone) {
		// Deleted while this run was under way: nothing is recorded for
		// it, so nothing of it outlives the delete.
		log.Info("ingest stopped: the source was deleted meanwhile")
		return sum
	}
	if sum.Status == StatusOK || sum.Status == StatusNotModified {
		if src.Comments {
			_, changed := in.pollComments(ctx, in.store, src, sum.written, log)
			sum.Changed = mergeKeys(sum.Changed, changed)
		}
		if res := in.retain(ctx, src, log); res != nil {
			sum.Changed = mergeKeys(sum.Changed, res.Changed)
			sum.Pruned = res.Deleted + res.Detached
			status.ItemsPruned = sum.Pruned
			counted, articles = res.Counted, res.Remaining
		}
	}
	status.Duration = in.opts.Now().Sub(start).Round(time.Millisecond).String()
	status.LastStatus = sum.Status
	if sum.Err != nil {
		status.LastError = sum.Err.Error()
	}
	switch {
	case counted: // retention counted them while it looked
		status.ArticleCount = articles
	default:
		if n, err := in.store.ArticleCount(ctx, src.ID); err == nil {
			status.ArticleCount = n
		}
	}
	if err := in.store.SaveSourceStatus(ctx, status); err != nil && sum.Err == nil {
		sum.Status, sum.Err = StatusFailed, fmt.Errorf("save status: %w", err)
	}
	switch {
	case sum.Status == StatusFailed:
		log.Warn("ingest failed", "error", sum.Err, "http", sum.HTTP, "consecutive_failures", status.ConsecutiveFailures)
	default:
		log.Info("ingested", "status", sum.Status, "http", sum.HTTP, "new", sum.New, "updated", sum.Updated, "unchanged", sum.Unchanged, "skipped", sum.Skipped, "pruned", sum.Pruned)
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

// pass fetches, parses, normalizes and stores, filling sum and status.
func (in *Ingester) pass(ctx context.Context, src syndicate.Source, status *syndicate.SourceStatus, sum *Summary, log *slog.Logger) {
	fail := func(err error) {
		sum.Status, sum.Err = StatusFailed, err
		status.ConsecutiveFailures++
		status.BackoffUntil = in.opts.Now().Add(backoff(status.ConsecutiveFailures))
	}
	if status.Normalizer != syndicate.NormalizerVersion {
		status.ETag, status.LastModified = "", "" // new rules: fetch in full once
	}
	target := src.URL
	if status.PermanentURL != "" {
		target = status.PermanentURL
	}
	resp, err := in.opts.Fetcher.Fetch(ctx, fetch.Request{URL: target, ETag: status.ETag, LastModified: status.LastModified, AllowFile: src.Managed == syndicate.ManagedConfig})
	if resp != nil {
		sum.HTTP = resp.Status
		status.HTTPStatus = resp.Status
	}
	if err != nil {
		var se *fetch.StatusError
		if errors.As(err, &se) {
			switch se.Code {
			case http.StatusGone:
				status.Disabled = fmt.Sprintf("410 Gone from %s at %s: the partner removed this feed; change its URL to re-enable", syndicate.RedactURL(target), in.opts.Now().UTC().Format(time.RFC3339))
				sum.Status, sum.Err = StatusDisabled, errors.New(status.Disabled)
				return
			case http.StatusTooManyRequests, http.StatusServiceUnavailable:
				if se.RetryAfter > 0 {
					status.RetryAfter = in.opts.Now().Add(min(se.RetryAfter, 7*24*time.Hour))
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
			status.PermanentURL = resp.PermanentURL
		}
	}
	status.ETag, status.LastModified = resp.ETag, resp.LastModified
	if resp.NotModified {
		moved()
		sum.Status = StatusNotModified
		status.LastSuccess = in.opts.Now()
		status.ConsecutiveFailures, status.BackoffUntil, status.LastError = 0, time.Time{}, ""
		return
	}
	status.Bytes = int64(len(resp.Body))
	doc, norm, err := in.read(resp, src)
	if err != nil {
		status.ETag, status.LastModified = "", "" // make the next fetch unconditional
		fail(fmt.Errorf("parse %s: %w", syndicate.RedactURL(target), err))
		return
	}
	for _, r := range doc.Repairs {
		log.Warn("partner document repaired", "repair", r)
	}
	// To the millisecond: undated entries are dated from it (a millisecond
	// apart within a pass), and sources ingested in the same second must
	// not date theirs alike.
	now := in.opts.Now().UTC().Truncate(time.Millisecond)
	plan := in.plan(norm, now)
	now = in.undatedClock(now, plan.entries)
	logProblems(log, norm, plan.skipped)
	status.TTLAdvice = norm.TTLAdvice
	status.ItemsRead, status.ItemsSkipped, status.ItemsUndated = norm.Read, len(plan.skipped), norm.Undated
	status.ItemsSeen = len(norm.Entries)
	sum.Skipped = len(plan.skipped)
	res, err := in.write(ctx, src, plan.entries, now)
	if res != nil {
		sum.New, sum.Updated, sum.Unchanged, sum.Changed, sum.written = res.New, res.Updated, res.Unchanged, res.Changed, res.Written
		status.ItemsNew, status.ItemsUpdated = res.New, res.Updated
	}
	if err != nil {
		status.ETag, status.LastModified = "", ""
		fail(err)
		return
	}
	retired, err := in.retire(ctx, src, norm.Deleted, now, log)
	sum.Changed = mergeKeys(sum.Changed, retired)
	if err != nil {
		status.ETag, status.LastModified = "", ""
		fail(err)
		return
	}
	sum.Status = StatusOK
	moved()
	status.Normalizer = syndicate.NormalizerVersion
	status.LastSuccess = in.opts.Now()
	// A document read only in part (truncated, cut at a limit) is a
	// success whose status still says what was lost.
	status.ConsecutiveFailures, status.BackoffUntil, status.LastError = 0, time.Time{}, strings.Join(doc.Repairs, "; ")
}

// read parses and normalizes a fetched body as a pass does (Run and Try
// alike): every position it reports, of skipped entries and of kept ones
// (Entry.Order, which also dates undated entries), is the entry's
// position in the partner's document.
func (in *Ingester) read(resp *fetch.Response, src syndicate.Source) (*parse.Document, *normalize.Result, error) {
	doc, err := parse.Read(resp.Body, resp.ContentType)
	if err != nil {
		return nil, nil, err
	}
	feedURL := resp.FinalURL
	if syndicate.IsFileURL(feedURL) {
		feedURL = src.SiteURL
	}
	norm := normalize.Normalize(doc.Feed, src, normalize.Options{
		FeedURL: feedURL, Now: in.opts.Now(), StripParams: in.opts.StripParams, Policy: in.opts.Policy,
		Body: resp.Body,
	})
	for i := range norm.Skipped {
		norm.Skipped[i].Index = doc.Position(norm.Skipped[i].Index)
	}
	for _, e := range norm.Entries {
		e.Order = doc.Position(e.Order)
	}
	norm.Skipped = append(norm.Skipped, doc.Skipped...)
	slices.SortStableFunc(norm.Skipped, func(a, b normalize.Skip) int { return a.Index - b.Index })
	return doc, norm, nil
}

// skip is one partner entry left out of a pass.
type skip struct {
	pos    int // 0-based position in the partner's document; -1 unknown
	reason string
}

// passPlan is what one pass stores and what it leaves out.
type passPlan struct {
	entries []*store.Entry
	skipped []skip
}

// plan decides what a pass stores: normalize's entries minus repeated
// keys (the first wins) and, beyond the retention count, the oldest (a
// source never stores more per pass than it may keep). Everything left
// out is a skip with its position and reason, as normalize's own are.
func (in *Ingester) plan(norm *normalize.Result, now time.Time) passPlan {
	var p passPlan
	for _, sk := range norm.Skipped {
		p.skipped = append(p.skipped, skip{pos: sk.Index, reason: sk.Reason})
	}
	pos := entryPositions(norm)
	type cand struct {
		e   *store.Entry
		pos int
		at  time.Time
	}
	var cands []cand
	seen := make(map[string]int, len(norm.Entries))
	for i, e := range norm.Entries {
		if first, dup := seen[e.Key]; dup {
			same := "same id or link"
			if e.Article.GUID == "" && e.Article.CanonicalURL == "" {
				same = "no id or link, the same title and content" // keyed by their hash
			}
			p.skipped = append(p.skipped, skip{pos: pos[i], reason: fmt.Sprintf("the same entry as position %d (%s): the first is kept", first, same)})
			continue
		}
		seen[e.Key] = pos[i]
		at := e.Article.Published
		if at.IsZero() {
			// Undated: dated from the fetch time in the partner's order.
			at = now.Add(-time.Duration(max(pos[i], 0)) * time.Millisecond)
		}
		cands = append(cands, cand{e: e, pos: pos[i], at: at})
	}
	if keep := in.opts.RetainItems; keep > 0 && len(cands) > keep {
		byAge := slices.Clone(cands)
		slices.SortStableFunc(byAge, func(a, b cand) int { return b.at.Compare(a.at) })
		kept := make(map[*store.Entry]bool, keep)
		for _, c := range byAge[:keep] {
			kept[c.e] = true
		}
		reason := fmt.Sprintf("older than the newest %d entries this source keeps (ingest.retention.max_items_per_source)", keep)
		cands = slices.DeleteFunc(cands, func(c cand) bool {
			if !kept[c.e] {
				p.skipped = append(p.skipped, skip{pos: c.pos, reason: reason})
				return true
			}
			return false
		})
	}
	for _, c := range cands {
		p.entries = append(p.entries, c.e)
	}
	slices.SortStableFunc(p.skipped, func(a, b skip) int { return a.pos - b.pos })
	return p
}

// undatedClock is the instant a pass stores its entries at. An undated
// entry is dated from it, minus its position in milliseconds; passes
// that run at once (the workers of one ingest) would date theirs alike
// within one millisecond, so the instant moves just past the range the
// previous pass of this process used.
func (in *Ingester) undatedClock(now time.Time, entries []*store.Entry) time.Time {
	undated, last := false, 0
	for _, e := range entries {
		if e.Article.Published.IsZero() {
			undated, last = true, max(last, e.Order)
		}
	}
	if !undated {
		return now
	}
	in.undatedMu.Lock()
	defer in.undatedMu.Unlock()
	if floor := in.undatedTop.Add(time.Duration(last+1) * time.Millisecond); now.Before(floor) {
		now = floor
	}
	in.undatedTop = now
	return now
}

// entryPositions returns each entry's position in the partner's
// document: normalize keeps document order and reports the positions it
// skipped, so the entries fill the others. When the counts disagree the
// positions are unknown (-1).
func entryPositions(norm *normalize.Result) []int {
	out := make([]int, len(norm.Entries))
	for i, e := range norm.Entries {
		out[i] = e.Order
	}
	return out
}

// MaxLoggedSkips caps the skipped entries logged one by one per pass; the
// rest are logged as one line of counts per reason, so a hostile 160k-item
// feed cannot flood the log.
const MaxLoggedSkips = 100

// logProblems logs every skipped entry once with its position and reason,
// then normalize's other problems (degraded entries it kept).
func logProblems(log *slog.Logger, norm *normalize.Result, skipped []skip) {
	rest := map[string]int{}
	for i, sk := range skipped {
		if i < MaxLoggedSkips {
			log.Warn("partner entry skipped", "position", sk.pos, "reason", sk.reason)
			continue
		}
		rest[sk.reason]++
	}
	for _, reason := range slices.Sorted(maps.Keys(rest)) {
		log.Warn("more partner entries skipped", "count", rest[reason], "reason", reason)
	}
	skippedAt := make(map[string]bool, len(norm.Skipped))
	for _, sk := range norm.Skipped {
		skippedAt[fmt.Sprintf("item %d: ", sk.Index)] = true
	}
	for _, p := range norm.Problems {
		if head, _, ok := strings.Cut(p, ": "); ok && skippedAt[head+": "] {
			continue // already logged as a skip
		}
		log.Warn("partner entry problem", "problem", p)
	}
}

// write stores entries in batches of at most store.ChunkSize entries and
// store.ChunkBytes of text, each its own short transaction, checking ctx
// between them: a large pass never holds the store's write lock for long,
// and a shutdown or a delete of the source stops it between two batches.
// The result covers the batches written, also when an error ends the pass
// early.
func (in *Ingester) write(ctx context.Context, src syndicate.Source, entries []*store.Entry, now time.Time) (*store.Result, error) {
	total := &store.Result{}
	for start, end := 0, 0; start < len(entries); start = end {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("stopped after storing %d of %d entries: %w", start, len(entries), err)
		}
		end = start + 1
		for size := textSize(entries[start]); end < len(entries) && end-start < store.ChunkSize; end++ {
			if size += textSize(entries[end]); size > store.ChunkBytes {
				break
			}
		}
		chunk := entries[start:end]
		res, err := in.store.ApplyIngest(ctx, &store.Batch{
			Source: src.Ref(), Entries: chunk, Now: now,
			RequireSource: src.Managed == syndicate.ManagedAPI,
		})
		if err != nil {
			return total, err
		}
		total.New += res.New
		total.Updated += res.Updated
		total.Unchanged += res.Unchanged
		total.Written = append(total.Written, res.Written...)
		total.Changed = mergeKeys(total.Changed, res.Changed)
	}
	return total, nil
}

func textSize(e *store.Entry) int {
	return len(e.Article.Title) + len(e.Article.Summary) + len(e.Article.Content)
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

// retain applies retention to a source after a good pass and returns
// the feeds it changed and how many articles left the source. Pruning
// never follows a failed pass: a failing partner never loses its articles.
// Age counts from first_seen (see store.Pruner).
func (in *Ingester) retain(ctx context.Context, src syndicate.Source, log *slog.Logger) *store.PruneResult {
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
	return res
}

// Trial is what one pass of a partner document would do, computed without
// storing anything (`syndicate try`, the admin page's Preview).
type Trial struct {
	Target string // the URL tried, without any password
	HTTP   int    // 0 for a file
	Title  string // the partner feed's title, plain text
	// Read counts the entries in the document; Republish those a pass
	// would store; Skipped the others, with position and reason.
	Read      int
	Republish int
	Skipped   []TrialSkip
	// Undated counts entries without a readable date; Lost, per kind
	// ("date", "author", "image", "category", ...), fields the partner
	// wrote that could not be used.
	Undated int
	Lost    map[string]int
	// Problems lists degraded entries that are still republished.
	Problems []string
	// Repairs says what was mended in a document read only in part or
	// with a structural slip (truncated, an element left open).
	Repairs []string
}

// TrialSkip is one entry a pass would leave out.
type TrialSkip struct {
	Position int // 0-based in the partner's document; -1 unknown
	Reason   string
}

// LostKinds are the kinds of lost fields every trial report shows, even
// at zero; other kinds are shown when they occur.
var LostKinds = []string{"date", "author", "image", "category"}

// Try fetches src's document with the same fetcher and bounds as a pass
// (a file: URL only for a config-file source), parses and normalizes it
// and reports what a pass would store, skip and lose. It writes nothing
// and records no status. The error says what failed and where; the Trial
// then holds what was learnt before.
func (in *Ingester) Try(ctx context.Context, src syndicate.Source) (*Trial, error) {
	target := syndicate.RedactURL(src.URL)
	tr := &Trial{Target: target}
	resp, err := in.opts.Fetcher.Fetch(ctx, fetch.Request{URL: src.URL, AllowFile: src.Managed == syndicate.ManagedConfig})
	if resp != nil && !syndicate.IsFileURL(src.URL) {
		tr.HTTP = resp.Status
	}
	if err != nil {
		return tr, fmt.Errorf("fetch %s: %w", target, err)
	}
	doc, norm, err := in.read(resp, src)
	if err != nil {
		return tr, fmt.Errorf("parse %s: %w", target, err)
	}
	tr.Repairs = doc.Repairs
	now := in.opts.Now().UTC().Truncate(time.Millisecond)
	plan := in.plan(norm, now)
	tr.Title, tr.Read, tr.Republish, tr.Undated = norm.Title, norm.Read, len(plan.entries), norm.Undated
	tr.Lost = maps.Clone(norm.Lost)
	for _, sk := range plan.skipped {
		tr.Skipped = append(tr.Skipped, TrialSkip{Position: sk.pos, Reason: sk.reason})
	}
	skippedAt := make(map[string]bool, len(norm.Skipped))
	for _, sk := range norm.Skipped {
		skippedAt[fmt.Sprintf("item %d", sk.Index)] = true
	}
	for _, p := range norm.Problems {
		if head, _, ok := strings.Cut(p, ": "); !ok || !skippedAt[head] {
			tr.Problems = append(tr.Problems, p)
		}
	}
	return tr, nil
}

// LostKind is one kind of lost field and its count.
type LostKind struct {
	Kind  string
	Count int
}

// LostSummary lists the lost-field counts, the LostKinds first (even at
// zero), then any other kind in name order.
func (t *Trial) LostSummary() []LostKind {
	var out []LostKind
	for _, k := range LostKinds {
		out = append(out, LostKind{k, t.Lost[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(t.Lost)) {
		if !slices.Contains(LostKinds, k) {
			out = append(out, LostKind{k, t.Lost[k]})
		}
	}
	return out
}
