package store

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"syndicate"
)

// Batch is one source's normalized entries from one fetch.
type Batch struct {
	Source  syndicate.SourceRef
	Entries []*Entry
	Now     time.Time // the fetch time: first_seen of new articles
	// RequireSource makes the write fail with ErrSourceGone when the
	// source is not (or no longer) in the SourceStore: API sources set it,
	// so an ingest that outlives a delete of its source writes nothing.
	RequireSource bool
}

// Entry is one normalized partner entry. Key is its identity within the
// source: the partner guid, else the canonical URL, else a content hash.
// Article carries the normalized fields; its ID, Carriers, FirstSeen and
// Normalizer are set by Apply. Article.Hash must be the content hash
// over the partner's own values (before date fallbacks), so that an
// undated entry does not look changed on every fetch.
type Entry struct {
	Key     string
	Article *syndicate.Article
	// Order is the entry's 0-based position in the partner's document: an
	// undated entry is dated first_seen minus Order milliseconds, so the
	// partner's order survives and no two share a date.
	Order int
}

// Result summarizes one ApplyIngest.
type Result struct {
	New       int
	Updated   int
	Unchanged int
	// Written lists the ids of new and updated articles (comment polling
	// follows these).
	Written []string
	// Changed lists the feeds whose version was bumped.
	Changed []FeedKey
}

// IngestTx is the set of primitives Apply needs from a backend. The
// embedded store runs them inside one transaction; Redis batches each call
// into one round trip and arbitrates concurrent writers with SET NX claims.
type IngestTx interface {
	// GUIDs maps a source's entry keys to the article ids they were stored as.
	GUIDs(ctx context.Context, sourceID string, keys []string) (map[string]string, error)
	// Tombstoned reports which of the articles a source's keys map to were
	// pruned or taken down for that source (they must not come back).
	Tombstoned(ctx context.Context, sourceID string, ids []string) (map[string]bool, error)
	// URLOwners maps canonical URLs to the article ids that own them.
	URLOwners(ctx context.Context, urls []string) (map[string]string, error)
	// Articles loads stored articles; missing ids are absent from the map.
	Articles(ctx context.Context, ids []string) (map[string]*syndicate.Article, error)
	// ClaimURLs sets url → article id where no owner exists yet and returns
	// the owner of every url afterwards (ours, or whoever was first).
	ClaimURLs(ctx context.Context, claims map[string]string) (map[string]string, error)
	// ClaimEntryIDs does the same for emitted entry ids.
	ClaimEntryIDs(ctx context.Context, claims map[string]string) (map[string]string, error)
	// Commit writes the articles (each first, then its indexes), applies
	// the URL moves, the source's key → id map, and bumps the listed
	// feeds' versions.
	Commit(ctx context.Context, w *WriteSet) error
}

// WriteSet is what one Apply writes.
type WriteSet struct {
	SourceID string
	Articles []ArticleWrite
	GUIDs    map[string]string // entry key → article id, for SourceID
	// Moves are the updated articles whose canonical URL changed: each
	// claims its new URL unless another article owns it, and releases the
	// old one if it still owns it.
	Moves []URLMove
	Bumps []FeedKey
	Now   time.Time
}

// URLMove is an article's canonical URL changing from From to To (either
// may be empty).
type URLMove struct {
	ArticleID, From, To string
}

// Move reports the canonical-URL move of an update, if its URL changed.
func (w ArticleWrite) Move() (URLMove, bool) {
	if w.Old == nil || w.Old.CanonicalURL == w.New.CanonicalURL {
		return URLMove{}, false
	}
	return URLMove{ArticleID: w.New.ID, From: w.Old.CanonicalURL, To: w.New.CanonicalURL}, true
}

// ArticleWrite is one article to store; Old is nil for a new article.
type ArticleWrite struct {
	Old, New *syndicate.Article
}

// Feeds returns the article feeds that list a: the site feed, each
// carrier's feed and each category's feed.
func Feeds(a *syndicate.Article) []FeedKey {
	if a == nil {
		return nil
	}
	keys := []FeedKey{FeedAll}
	for _, c := range a.Carriers {
		keys = append(keys, SourceFeed(c))
	}
	for _, c := range a.Categories {
		if s := syndicate.Slug(c); s != "" {
			keys = append(keys, CategoryFeed(s))
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// IndexDiff returns the feeds a write adds the article to and removes it from.
func (w ArticleWrite) IndexDiff() (add, remove []FeedKey) {
	oldF, newF := Feeds(w.Old), Feeds(w.New)
	for _, k := range newF {
		if !slices.Contains(oldF, k) {
			add = append(add, k)
		}
	}
	for _, k := range oldF {
		if !slices.Contains(newF, k) {
			remove = append(remove, k)
		}
	}
	return add, remove
}

// Apply stores a batch through tx with the rules of docs/decisions/identity.md, docs/decisions/dedupe.md and docs/decisions/dates.md:
//
//   - an entry key seen before maps to the same article, whose id is never
//     re-minted; an article tombstoned for the source by retention or a
//     takedown is skipped;
//   - a new key whose canonical URL another source already owns joins that
//     article as a carrier (two items of one source sharing a link stay
//     two); attribution moves to this source only when it is more
//     original (its site host is the URL's host, or the entry's upstream
//     <source> names it), without moving published or updated;
//   - the original's changed content hash rewrites the article and bumps
//     updated; categories and the attribution snapshot change without a
//     bump; an unchanged entry writes nothing;
//   - an article whose canonical URL moved claims its new URL (unless
//     another article owns it) and gives up the old one (WriteSet.Moves).
//
// It is PlanIngest followed by the commit of the plan's WriteSet.
func Apply(ctx context.Context, tx IngestTx, b *Batch) (*Result, error) {
	p, err := PlanIngest(ctx, tx, b)
	if err != nil {
		return nil, err
	}
	if p.Write == nil {
		return p.Result, nil
	}
	if err := tx.Commit(ctx, p.Write); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	p.Result.Changed = p.Write.Bumps
	return p.Result, nil
}

// OutcomeKind is what an ingest does with one entry.
type OutcomeKind string

// The outcomes of an entry (Plan.Outcomes).
const (
	// OutcomeNew: a new article is stored under a minted id (or, for a
	// known key whose article was deleted without a tombstone, its old id).
	OutcomeNew OutcomeKind = "new"
	// OutcomeUpdated: the original's content changed; updated moves.
	OutcomeUpdated OutcomeKind = "updated"
	// OutcomeRewritten: the stored article is rewritten without an update
	// (categories, attribution snapshot, re-normalized text).
	OutcomeRewritten OutcomeKind = "rewritten"
	// OutcomeJoined: the entry joins another source's article as a carrier.
	OutcomeJoined OutcomeKind = "joined"
	// OutcomeUnchanged: nothing to write.
	OutcomeUnchanged OutcomeKind = "unchanged"
	// OutcomeTombstoned: the article was pruned or taken down for the
	// source; the partner still lists it.
	OutcomeTombstoned OutcomeKind = "tombstoned"
	// OutcomeDeferred: the canonical URL is claimed by a writer that has
	// not written its article yet; a later pass joins it.
	OutcomeDeferred OutcomeKind = "deferred"
)

// Outcome is what an ingest does with one entry, and the article it names.
type Outcome struct {
	Kind      OutcomeKind
	ArticleID string
}

// Plan is what an ingest of one batch decided, before its commit: tests
// inspect it, Apply commits Write.
type Plan struct {
	// Outcomes maps each entry key of the batch (a repeated key counts
	// once) to what is done with it.
	Outcomes map[string]Outcome
	// URLClaims and EntryIDClaims are the claims made for new articles
	// (canonical URL or emitted entry id → article id); the owners the
	// claims found are in URLOwners and EntryIDOwners.
	URLClaims, EntryIDClaims map[string]string
	URLOwners, EntryIDOwners map[string]string
	// Write is what the commit stores; nil when nothing is.
	Write *WriteSet
	// Result is what ApplyIngest returns (Changed is set by the commit).
	Result *Result
}

// PlanIngest runs the phases of an ingest up to its commit: identify
// (entry keys, tombstones, URL owners, stored articles), merge (each entry
// against what is stored), claim (canonical URLs and entry ids of new
// articles, the only writes before the commit), and plan the writes (the
// articles, entry keys, moved URLs and the feeds to bump).
func PlanIngest(ctx context.Context, tx IngestTx, b *Batch) (*Plan, error) {
	pl := &planner{b: b, src: b.Source.ID, written: map[string]*syndicate.Article{}, freshKeys: map[string]string{}}
	pl.plan = &Plan{Outcomes: map[string]Outcome{}, Result: &Result{}}
	pl.ws = &WriteSet{SourceID: pl.src, GUIDs: map[string]string{}, Now: b.Now}
	if err := pl.identify(ctx, tx); err != nil {
		return nil, err
	}
	pl.merge()
	if err := pl.claim(ctx, tx); err != nil {
		return nil, err
	}
	pl.finish()
	return pl.plan, nil
}

// planner carries one ingest's state through its phases.
type planner struct {
	b    *Batch
	src  string
	plan *Plan
	ws   *WriteSet

	// identify
	entries []*Entry
	guids   map[string]string             // entry key → article id, known keys
	tombs   map[string]bool               // article ids tombstoned for src
	owners  map[string]string             // canonical URL → owning article id
	stored  map[string]*syndicate.Article // as stored before this batch

	// merge and claim
	written   map[string]*syndicate.Article // id → article as it will be written
	fresh     []*syndicate.Article          // new articles awaiting claims
	freshKeys map[string]string             // new article id → entry key
}

// identify drops repeated keys and reads what the batch's keys and URLs
// name in the store.
func (pl *planner) identify(ctx context.Context, tx IngestTx) error {
	seen := map[string]bool{}
	var keys []string
	for _, e := range pl.b.Entries {
		if e.Key == "" || seen[e.Key] {
			continue // a partner listing one entry twice: the first wins
		}
		seen[e.Key] = true
		pl.entries = append(pl.entries, e)
		keys = append(keys, e.Key)
	}
	var err error
	if pl.guids, err = tx.GUIDs(ctx, pl.src, keys); err != nil {
		return fmt.Errorf("look up entry keys: %w", err)
	}
	var known, urls []string
	for _, e := range pl.entries {
		if id, ok := pl.guids[e.Key]; ok {
			known = append(known, id)
		} else if e.Article.CanonicalURL != "" {
			urls = append(urls, e.Article.CanonicalURL)
		}
	}
	if pl.tombs, err = tx.Tombstoned(ctx, pl.src, known); err != nil {
		return fmt.Errorf("look up tombstones: %w", err)
	}
	if pl.owners, err = tx.URLOwners(ctx, urls); err != nil {
		return fmt.Errorf("look up canonical urls: %w", err)
	}
	var ids []string
	for _, id := range pl.guids {
		ids = append(ids, id)
	}
	for _, id := range pl.owners {
		ids = append(ids, id)
	}
	if pl.stored, err = tx.Articles(ctx, ids); err != nil {
		return fmt.Errorf("load articles: %w", err)
	}
	return nil
}

func (pl *planner) current(id string) *syndicate.Article {
	if a, ok := pl.written[id]; ok {
		return a
	}
	return pl.stored[id]
}

func (pl *planner) outcome(key string, kind OutcomeKind, id string) {
	pl.plan.Outcomes[key] = Outcome{Kind: kind, ArticleID: id}
	if kind == OutcomeUnchanged || kind == OutcomeTombstoned || kind == OutcomeDeferred {
		pl.plan.Result.Unchanged++
	}
}

// update folds entry e into article old (as stored or as this batch
// writes it) and plans the write, if any; joined says e is another
// source's copy joining old.
func (pl *planner) update(old *syndicate.Article, e *Entry, joined bool) {
	res := pl.plan.Result
	n, bumped := merge(old, e, pl.b)
	switch {
	case bumped:
		res.Updated++
		res.Written = append(res.Written, n.ID)
		pl.outcome(e.Key, OutcomeUpdated, n.ID)
	case reflect.DeepEqual(old, n):
		pl.outcome(e.Key, OutcomeUnchanged, n.ID)
		return
	case joined:
		res.Unchanged++
		pl.outcome(e.Key, OutcomeJoined, n.ID)
	default:
		res.Unchanged++
		pl.outcome(e.Key, OutcomeRewritten, n.ID)
	}
	if prev, ok := pl.written[n.ID]; ok {
		// Two keys of this batch reached one article: keep one write.
		for i := range pl.ws.Articles {
			if pl.ws.Articles[i].New == prev {
				pl.ws.Articles[i].New = n
			}
		}
	} else {
		pl.ws.Articles = append(pl.ws.Articles, ArticleWrite{Old: pl.stored[n.ID], New: n})
	}
	pl.written[n.ID] = n
}

func (pl *planner) addFresh(id string, e *Entry) {
	pl.fresh = append(pl.fresh, newArticle(id, e, pl.b))
	pl.freshKeys[id] = e.Key
}

// merge decides, entry by entry, between an update of a known article,
// joining another source's article and a new article (claimed next).
func (pl *planner) merge() {
	for _, e := range pl.entries {
		if id, ok := pl.guids[e.Key]; ok {
			if pl.tombs[id] {
				pl.outcome(e.Key, OutcomeTombstoned, id)
				continue
			}
			if old := pl.current(id); old != nil {
				pl.update(old, e, false)
				continue
			}
			// The key is known but its article is gone (deleted by an
			// editor without a tombstone): store it again under its id.
			pl.addFresh(id, e)
			continue
		}
		if ownerID, ok := pl.owners[e.Article.CanonicalURL]; ok {
			owner := pl.current(ownerID)
			if owner == nil && ownerID != syndicate.MintArticleID(pl.src, e.Key) {
				// Claimed by a writer that has not written the article yet
				// (or died between claim and commit): the next pass joins it.
				pl.outcome(e.Key, OutcomeDeferred, ownerID)
				continue
			}
			if owner != nil && !owner.HasSource(pl.src) {
				pl.ws.GUIDs[e.Key] = ownerID
				pl.update(owner, e, true)
				continue
			}
		}
		pl.addFresh(syndicate.MintArticleID(pl.src, e.Key), e)
	}
}

// claim claims the canonical URLs and entry ids of new articles. A lost
// URL claim means another source stored the same article meanwhile: the
// entry joins it instead.
func (pl *planner) claim(ctx context.Context, tx IngestTx) error {
	urlClaims := map[string]string{}
	for _, a := range pl.fresh {
		if a.CanonicalURL == "" {
			continue
		}
		if _, owned := pl.owners[a.CanonicalURL]; owned {
			continue // owned by this source's own article: two items stay two
		}
		if _, dup := urlClaims[a.CanonicalURL]; !dup {
			urlClaims[a.CanonicalURL] = a.ID
		}
	}
	urlOwners, err := tx.ClaimURLs(ctx, urlClaims)
	if err != nil {
		return fmt.Errorf("claim canonical urls: %w", err)
	}
	pl.plan.URLClaims, pl.plan.URLOwners = urlClaims, urlOwners
	var lostTo []string
	for u, id := range urlClaims {
		if o := urlOwners[u]; o != "" && o != id {
			lostTo = append(lostTo, o)
		}
	}
	if len(lostTo) > 0 {
		more, err := tx.Articles(ctx, lostTo)
		if err != nil {
			return fmt.Errorf("load articles: %w", err)
		}
		for id, a := range more {
			pl.stored[id] = a
		}
	}
	eidClaims := map[string]string{}
	var kept []*syndicate.Article
	for _, a := range pl.fresh {
		key := pl.freshKeys[a.ID]
		if id, claimed := urlClaims[a.CanonicalURL]; claimed && id == a.ID {
			if o := urlOwners[a.CanonicalURL]; o != "" && o != a.ID {
				owner := pl.current(o)
				if owner == nil {
					// The winner has claimed but not yet written: the next
					// pass joins it. Nothing is written for this entry now.
					pl.outcome(key, OutcomeDeferred, o)
					continue
				}
				if !owner.HasSource(pl.src) {
					pl.ws.GUIDs[key] = o
					pl.update(owner, &Entry{Key: key, Article: entryOf(a)}, true)
					continue
				}
			}
		}
		if a.EntryID != "" {
			if _, dup := eidClaims[a.EntryID]; dup {
				a.EntryID = ""
			} else {
				eidClaims[a.EntryID] = a.ID
			}
		}
		kept = append(kept, a)
	}
	eidOwners, err := tx.ClaimEntryIDs(ctx, eidClaims)
	if err != nil {
		return fmt.Errorf("claim entry ids: %w", err)
	}
	pl.plan.EntryIDClaims, pl.plan.EntryIDOwners = eidClaims, eidOwners
	res := pl.plan.Result
	for _, a := range kept {
		if a.EntryID != "" && eidOwners[a.EntryID] != a.ID {
			a.EntryID = "" // taken by another article: use {base_url}/articles/{id}
		}
		key := pl.freshKeys[a.ID]
		pl.ws.GUIDs[key] = a.ID
		pl.ws.Articles = append(pl.ws.Articles, ArticleWrite{Old: nil, New: a})
		pl.written[a.ID] = a
		res.New++
		res.Written = append(res.Written, a.ID)
		pl.plan.Outcomes[key] = Outcome{Kind: OutcomeNew, ArticleID: a.ID}
	}
	return nil
}

// finish plans the moved URLs and the feeds to bump: every feed an
// article written was in or is now in.
func (pl *planner) finish() {
	ws := pl.ws
	bumps := map[FeedKey]bool{}
	for _, w := range ws.Articles {
		for _, k := range Feeds(w.Old) {
			bumps[k] = true
		}
		for _, k := range Feeds(w.New) {
			bumps[k] = true
		}
		if m, ok := w.Move(); ok {
			ws.Moves = append(ws.Moves, m)
		}
	}
	for k := range bumps {
		ws.Bumps = append(ws.Bumps, k)
	}
	slices.Sort(ws.Bumps)
	if len(ws.Articles) > 0 || len(ws.GUIDs) > 0 {
		pl.plan.Write = ws
	}
}

// entryOf gives back the normalized candidate a new article was built from.
func entryOf(a *syndicate.Article) *syndicate.Article {
	c := *a
	return &c
}

func newArticle(id string, e *Entry, b *Batch) *syndicate.Article {
	a := *e.Article
	a.ID = id
	a.Source = b.Source
	a.Carriers = []string{b.Source.ID}
	a.FirstSeen = b.Now
	a.Normalizer = syndicate.NormalizerVersion
	if a.Published.IsZero() {
		a.Published = b.Now.Add(-time.Duration(e.Order) * time.Millisecond)
	}
	if a.Updated.Before(a.Published) {
		a.Updated = a.Published
	}
	return &a
}

// merge folds entry e of batch b into the stored article old. It returns
// the article to store and whether its content changed (updated bumped).
func merge(old *syndicate.Article, e *Entry, b *Batch) (*syndicate.Article, bool) {
	n := *old
	n.Carriers = slices.Clone(old.Carriers)
	in := e.Article
	src := b.Source
	if !n.HasSource(src.ID) {
		n.Carriers = append(n.Carriers, src.ID)
	}
	original := old.Source.ID == src.ID
	adopt := func() {
		n.GUID = in.GUID
		n.CanonicalURL = in.CanonicalURL
		n.Title = in.Title
		n.Summary = in.Summary
		n.Content = in.Content
		n.Authors = in.Authors
		n.Enclosures = in.Enclosures
		n.Image = in.Image
		n.Fragment = in.Fragment
		n.Language = in.Language
		n.Rights = in.Rights
		n.CommentsURL = in.CommentsURL
		n.CommentsPage = in.CommentsPage
		n.Origin = in.Origin
		n.Hash = in.Hash
		n.Normalizer = syndicate.NormalizerVersion
	}
	if !original && originRank(src, old, in) > originRank(old.Source, old, in) {
		// The true original arrived later: it takes the attribution and its
		// own text, but id, published and updated stay (docs/decisions/dedupe.md).
		original = true
		n.Source = src
		// Keep the original first among carriers.
		n.Carriers = append([]string{src.ID}, slices.DeleteFunc(n.Carriers, func(c string) bool { return c == src.ID })...)
		adopt()
		n.Categories = in.Categories
		return &n, false
	}
	if !original {
		n.Categories = unionFold(old.Categories, in.Categories)
		return &n, false
	}
	n.Source = src
	n.Categories = in.Categories
	if in.Hash == old.Hash || old.Normalizer < syndicate.NormalizerVersion {
		// New rules change the normalized text (and so its hash) without
		// the partner changing anything: re-normalize, never re-date.
		if old.Normalizer < syndicate.NormalizerVersion {
			adopt()
		}
		// What the entry says about itself beside its content (a comment
		// feed or page announced later, a lead image, its language or
		// rights) is kept as it is now, like its categories, without
		// re-dating it.
		n.CommentsURL, n.CommentsPage, n.Image, n.Language, n.Rights = in.CommentsURL, in.CommentsPage, in.Image, in.Language, in.Rights
		return &n, false
	}
	adopt()
	upd := in.Updated
	if upd.Before(old.Updated) || upd.Equal(old.Updated) {
		upd = b.Now // the partner changed it without saying when
	}
	if upd.Before(n.Published) {
		upd = n.Published
	}
	n.Updated = upd
	return &n, true
}

// originRank scores how surely ref is the first publisher of an article:
// 2 when ref's site is the canonical URL's host, 1 when an entry's
// upstream <source> names ref, else 0.
func originRank(ref syndicate.SourceRef, stored, in *syndicate.Article) int {
	host := hostOf(stored.CanonicalURL)
	if host != "" && hostOf(ref.SiteURL) == host {
		return 2
	}
	for _, o := range []*syndicate.Origin{stored.Origin, in.Origin} {
		if o == nil {
			continue
		}
		if o.FeedURL != "" && o.FeedURL == ref.FeedURL {
			return 1
		}
		if h := hostOf(o.SiteURL); h != "" && h == hostOf(ref.SiteURL) {
			return 1
		}
	}
	return 0
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// unionFold returns a followed by the labels of b whose slug a lacks.
func unionFold(a, b []string) []string {
	out := slices.Clone(a)
	for _, l := range b {
		s := syndicate.Slug(l)
		if !slices.ContainsFunc(out, func(x string) bool { return syndicate.Slug(x) == s }) {
			out = append(out, l)
		}
	}
	return out
}

// Detach removes source src from article a (retention): it returns the
// article to keep without src, or deleteIt when no other source carries
// it. The original publisher keeps its attribution either way.
func Detach(a *syndicate.Article, src string) (n *syndicate.Article, deleteIt bool) {
	rest := slices.DeleteFunc(slices.Clone(a.Carriers), func(c string) bool { return c == src })
	if len(rest) == 0 {
		return nil, true
	}
	c := *a
	c.Carriers = rest
	return &c, false
}
