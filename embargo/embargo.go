// Package embargo keeps held articles out of sight until their time.
//
// An article is held until the later of its source's hold (the source's
// `hold` key, counted from first_seen) and the time an editor set on it.
// A Guard wraps the store that the public surfaces read (feeds, partner
// feeds, pages, comments): a held article is unknown there, left out of
// every listing (with totals that agree) and closed to comments. Nothing
// about a hold is kept in process only: source holds count from the
// stored first_seen and editor holds live in the store, so a restart or
// another replica loses none.
//
// Release: whenever the Guard leaves a held article out, it notes when
// and which feeds it belongs to. A timer (and Release, the scheduler's
// tick) bumps those feeds' versions when the time comes (store.Touch),
// so every replica re-renders them at once, and reports them to
// OnRelease (the WebSub ping).
package embargo

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"syndicate"
	"syndicate/store"
)

// Store is what a Guard wraps.
type Store interface {
	store.Store
}

// Options configure a Guard.
type Options struct {
	Store Store
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// OnRelease, if set, is told of the feeds a release changed.
	OnRelease func(ctx context.Context, feeds []store.FeedKey)
	Logger    *slog.Logger
}

// Guard is a store whose reads hide held articles. It is safe for
// concurrent use.
type Guard struct {
	Store
	now       func() time.Time
	onRelease func(context.Context, []store.FeedKey)
	log       *slog.Logger

	srcHolds atomic.Pointer[map[string]time.Duration] // source id → hold
	holds    atomic.Pointer[map[string]time.Time]     // article id → held until

	mu      sync.Mutex
	pending map[string]release // article id → its release
	wake    chan struct{}
}

type release struct {
	at    time.Time
	feeds []store.FeedKey
}

// New returns a Guard over opts.Store.
func New(opts Options) *Guard {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Guard{Store: opts.Store, now: opts.Now, onRelease: opts.OnRelease, log: log, pending: map[string]release{}, wake: make(chan struct{}, 1)}
	g.srcHolds.Store(&map[string]time.Duration{})
	g.holds.Store(&map[string]time.Time{})
	return g
}

// SetSources takes the sources' holds.
func (g *Guard) SetSources(srcs []syndicate.Source) {
	m := map[string]time.Duration{}
	for _, s := range srcs {
		if d := s.HoldDuration(); d > 0 {
			m[s.ID] = d
		}
	}
	g.srcHolds.Store(&m)
}

// Load reads the editors' holds from the store.
func (g *Guard) Load(ctx context.Context) error {
	h, err := g.Store.Holds(ctx)
	if err != nil {
		return err
	}
	g.holds.Store(&h)
	return nil
}

// Start loads the holds, reloads them when they change (on any replica)
// and releases held articles on time, until ctx ends.
func (g *Guard) Start(ctx context.Context) error {
	if err := g.Load(ctx); err != nil {
		return err
	}
	g.Store.Watch(ctx, func(changed []store.FeedKey) {
		if changed == nil || slices.Contains(changed, store.HoldsChanged) {
			if err := g.Load(ctx); err != nil {
				g.log.Error("reload holds", "error", err)
			}
		}
	})
	go g.run(ctx)
	return nil
}

// run releases articles when their time comes.
func (g *Guard) run(ctx context.Context) {
	for {
		wait := time.Hour
		if at, ok := g.next(); ok {
			wait = max(0, at.Sub(g.now()))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-g.wake:
		case <-t.C:
		}
		t.Stop()
		g.Release(ctx)
	}
}

func (g *Guard) next() (time.Time, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var at time.Time
	for _, r := range g.pending {
		if at.IsZero() || r.at.Before(at) {
			at = r.at
		}
	}
	return at, !at.IsZero()
}

// Release releases every noted article whose time has come: their feeds
// get new versions (every replica re-renders them) and OnRelease hears of
// them. It is the scheduler's tick; a timer calls it on time too.
func (g *Guard) Release(ctx context.Context) {
	now := g.now()
	g.mu.Lock()
	set := map[store.FeedKey]bool{}
	for id, r := range g.pending {
		if !r.at.After(now) {
			for _, f := range r.feeds {
				set[f] = true
			}
			delete(g.pending, id)
		}
	}
	g.mu.Unlock()
	if len(set) == 0 {
		return
	}
	feeds := slices.Sorted(maps.Keys(set))
	if err := g.Store.Touch(ctx, feeds, now); err != nil {
		g.log.Error("release held articles", "error", err)
		return
	}
	g.log.Info("released held articles", "feeds", len(feeds))
	if g.onRelease != nil {
		g.onRelease(ctx, feeds)
	}
}

// HeldUntil returns when a stops being held, or zero when it is not.
func (g *Guard) HeldUntil(a *syndicate.Article) time.Time {
	until := g.holdEnd(a.ID, a.Source.ID, a.FirstSeen)
	if !until.After(g.now()) {
		return time.Time{}
	}
	return until
}

// holdEnd is when the holds on article id of sourceID, first seen at
// firstSeen, end: the later of its source's hold and an editor's (zero
// without either).
func (g *Guard) holdEnd(id, sourceID string, firstSeen time.Time) time.Time {
	var until time.Time
	if d, ok := (*g.srcHolds.Load())[sourceID]; ok && !firstSeen.IsZero() {
		until = firstSeen.Add(d)
	}
	if t, ok := (*g.holds.Load())[id]; ok && t.After(until) {
		until = t
	}
	return until
}

// active reports whether any hold may be in force.
func (g *Guard) active() bool {
	if len(*g.srcHolds.Load()) > 0 {
		return true
	}
	now := g.now()
	for _, t := range *g.holds.Load() {
		if t.After(now) {
			return true
		}
	}
	return false
}

// held reports whether a is held now, noting its release if so.
func (g *Guard) held(a *syndicate.Article) bool {
	until := g.HeldUntil(a)
	if until.IsZero() {
		return false
	}
	feeds := articleFeeds(a)
	g.mu.Lock()
	r, known := g.pending[a.ID]
	earlier := !known || until.Before(r.at)
	g.pending[a.ID] = release{at: until, feeds: feeds}
	g.mu.Unlock()
	if earlier {
		select {
		case g.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// articleFeeds are the feeds an article appears in.
func articleFeeds(a *syndicate.Article) []store.FeedKey {
	feeds := []store.FeedKey{store.FeedAll, store.FeedComments, store.ArticleCommentsFeed(a.ID)}
	for _, c := range a.Carriers {
		feeds = append(feeds, store.SourceFeed(c))
	}
	if !slices.Contains(a.Carriers, a.Source.ID) {
		feeds = append(feeds, store.SourceFeed(a.Source.ID))
	}
	for _, c := range a.Categories {
		if s := syndicate.Slug(c); s != "" {
			feeds = append(feeds, store.CategoryFeed(s))
		}
	}
	return feeds
}

// retractionReader is the retraction listing of the wrapped store.
type retractionReader interface {
	Retractions(ctx context.Context, feed store.FeedKey, since time.Time, limit int) ([]store.Retraction, error)
}

// Retractions lists a feed's retractions without those of articles held
// when they were retracted: such an article was never shown, and its
// announcement would name it (its entry id, the editor's reason) while
// the embargo was still meant to hold.
func (g *Guard) Retractions(ctx context.Context, feed store.FeedKey, since time.Time, limit int) ([]store.Retraction, error) {
	rr, ok := g.Store.(retractionReader)
	if !ok {
		return nil, nil
	}
	rs, err := rr.Retractions(ctx, feed, since, limit)
	if err != nil {
		return nil, err
	}
	out := rs[:0:0]
	for _, d := range rs {
		if !g.holdEnd(d.ArticleID, d.SourceID, d.FirstSeen).After(d.When) { // not held when retracted
			out = append(out, d)
		}
	}
	return out, nil
}

// Article returns an article unless it is held (ENotFound, as if unknown).
func (g *Guard) Article(ctx context.Context, id string) (store.ArticleView, error) {
	v, err := g.Store.Article(ctx, id)
	if err != nil {
		return v, err
	}
	if g.active() && g.held(v.Article) {
		return store.ArticleView{}, syndicate.Errorf(syndicate.ENotFound, "unknown article %q", id)
	}
	return v, nil
}

// Articles returns a page of a feed without its held articles; its total
// counts what is shown. With holds in force it walks the feed (on a
// cache miss only: the feeds cache the result).
func (g *Guard) Articles(ctx context.Context, feed store.FeedKey, offset, limit int) (store.Page[store.ArticleView], error) {
	if !g.active() {
		return g.Store.Articles(ctx, feed, offset, limit)
	}
	read := func(ctx context.Context, offset, limit int) (store.Page[store.ArticleView], error) {
		return g.Store.Articles(ctx, feed, offset, limit)
	}
	return store.FilterPage(ctx, read, offset, limit, func(v store.ArticleView) bool { return !g.held(v.Article) })
}

// Comments returns a page of comments without those of held articles; a
// held article's own comment feed is unknown.
func (g *Guard) Comments(ctx context.Context, feed store.FeedKey, offset, limit int) (store.Page[*syndicate.Comment], error) {
	if !g.active() {
		return g.Store.Comments(ctx, feed, offset, limit)
	}
	if kind, id := feed.Split(); kind == "article" {
		if _, err := g.Article(ctx, id); err != nil {
			return store.Page[*syndicate.Comment]{}, err
		}
		return g.Store.Comments(ctx, feed, offset, limit)
	}
	isHeld := map[string]bool{}
	read := func(ctx context.Context, offset, limit int) (store.Page[*syndicate.Comment], error) {
		return g.Store.Comments(ctx, feed, offset, limit)
	}
	return store.FilterPage(ctx, read, offset, limit, func(c *syndicate.Comment) bool {
		h, seen := isHeld[c.ArticleID]
		if !seen {
			v, err := g.Store.Article(ctx, c.ArticleID)
			h = err == nil && g.held(v.Article)
			isHeld[c.ArticleID] = h
		}
		return !h
	})
}

// Categories returns the category labels in use, without those that only
// held articles carry (a label can say as much as a headline).
func (g *Guard) Categories(ctx context.Context) (map[string]string, error) {
	cats, err := g.Store.Categories(ctx)
	if err != nil || !g.active() {
		return cats, err
	}
	hidden, err := g.hiddenCategories(ctx)
	if err != nil {
		return nil, err
	}
	for slug := range hidden {
		delete(cats, slug)
	}
	return cats, nil
}

// CategoryPage returns a page of the categories in use without those only
// held articles carry. With such categories it filters the whole listing
// (store.FilterPage: a cache miss of a list page only, while holds hide a
// category); otherwise it is the store's page.
func (g *Guard) CategoryPage(ctx context.Context, offset, limit int) (store.Page[store.Category], error) {
	if !g.active() {
		return g.Store.CategoryPage(ctx, offset, limit)
	}
	hidden, err := g.hiddenCategories(ctx)
	if err != nil || len(hidden) == 0 {
		if err != nil {
			return store.Page[store.Category]{}, err
		}
		return g.Store.CategoryPage(ctx, offset, limit)
	}
	return store.FilterPage(ctx, g.Store.CategoryPage, offset, limit, func(c store.Category) bool { return !hidden[c.Slug] })
}

// CategoryLabel returns a category's label unless only held articles
// carry it (ok false, as for a category not in use).
func (g *Guard) CategoryLabel(ctx context.Context, slug string) (string, bool, error) {
	label, ok, err := g.Store.CategoryLabel(ctx, slug)
	if err != nil || !ok || !g.active() {
		return label, ok, err
	}
	hidden, err := g.hiddenCategories(ctx)
	if err != nil {
		return "", false, err
	}
	if hidden[slug] {
		return "", false, nil
	}
	return label, true, nil
}

// hiddenCategories are the slugs of the categories in use that only held
// articles carry. The held articles are found where holds come from: each
// editor's hold in force names its article, and a source's hold covers the
// articles of that source's feed (bounded by retention) first seen within
// it. For each of their categories, the category's feed is walked until it
// meets an article shown.
func (g *Guard) hiddenCategories(ctx context.Context) (map[string]bool, error) {
	candidates := map[string]bool{}
	note := func(a *syndicate.Article) {
		if g.held(a) {
			for _, c := range a.Categories {
				if s := syndicate.Slug(c); s != "" {
					candidates[s] = true
				}
			}
		}
	}
	now := g.now()
	for id, until := range *g.holds.Load() {
		if !until.After(now) {
			continue
		}
		v, err := g.Store.Article(ctx, id)
		switch {
		case err == nil:
			note(v.Article)
		case syndicate.ErrorKind(err) != syndicate.ENotFound:
			return nil, err
		}
	}
	for src := range *g.srcHolds.Load() {
		if err := g.walk(ctx, store.SourceFeed(src), func(v store.ArticleView) bool {
			note(v.Article)
			return true
		}); err != nil {
			return nil, err
		}
	}
	hidden := map[string]bool{}
	for slug := range candidates {
		shown := false
		if err := g.walk(ctx, store.CategoryFeed(slug), func(v store.ArticleView) bool {
			shown = !g.held(v.Article)
			return !shown
		}); err != nil {
			return nil, err
		}
		if !shown {
			hidden[slug] = true
		}
	}
	return hidden, nil
}

// walk calls fn with the articles of feed in order until fn returns false.
func (g *Guard) walk(ctx context.Context, feed store.FeedKey, fn func(store.ArticleView) bool) error {
	for at := 0; ; at += store.FilterChunk {
		pg, err := g.Store.Articles(ctx, feed, at, store.FilterChunk)
		if err != nil {
			return err
		}
		for _, v := range pg.Items {
			if !fn(v) {
				return nil
			}
		}
		if len(pg.Items) < store.FilterChunk || at+store.FilterChunk >= pg.Total {
			return nil
		}
	}
}

// Comment returns a comment unless its article is held (ENotFound).
func (g *Guard) Comment(ctx context.Context, id string) (*syndicate.Comment, error) {
	c, err := g.Store.Comment(ctx, id)
	if err != nil || !g.active() {
		return c, err
	}
	if _, err := g.Article(ctx, c.ArticleID); err != nil {
		if syndicate.ErrorKind(err) == syndicate.ENotFound {
			return nil, syndicate.Errorf(syndicate.ENotFound, "unknown comment %q", id)
		}
		return nil, err
	}
	return c, nil
}

// AddComment refuses comments on a held article (as on an unknown one).
func (g *Guard) AddComment(ctx context.Context, c *syndicate.Comment, maxDepth int) (*syndicate.Comment, []store.FeedKey, error) {
	if g.active() {
		if _, err := g.Article(ctx, c.ArticleID); err != nil {
			return nil, nil, err
		}
	}
	return g.Store.AddComment(ctx, c, maxDepth)
}

// Hold holds article id until the given time (a zero time lifts the
// hold), on every replica, and bumps the article's feeds so they drop it
// (or show it) at once. An unknown article is ENotFound.
func (g *Guard) Hold(ctx context.Context, id string, until time.Time) error {
	v, err := g.Store.Article(ctx, id)
	if err != nil {
		return err
	}
	if err := g.Store.SetHold(ctx, id, until); err != nil {
		return err
	}
	h := maps.Clone(*g.holds.Load())
	if until.IsZero() {
		delete(h, id)
	} else {
		h[id] = until
	}
	g.holds.Store(&h) // this replica at once; the others on HoldsChanged
	feeds := articleFeeds(v.Article)
	if err := g.Store.Touch(ctx, feeds, g.now()); err != nil {
		return err
	}
	if until.IsZero() && g.onRelease != nil {
		g.onRelease(ctx, feeds)
	}
	return nil
}
