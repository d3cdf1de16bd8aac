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
	// Commit writes the articles (each first, then its indexes), the
	// source's key → id map, and bumps the listed feeds' versions.
	Commit(ctx context.Context, w *WriteSet) error
}

// WriteSet is what one Apply writes.
type WriteSet struct {
	SourceID string
	Articles []ArticleWrite
	GUIDs    map[string]string // entry key → article id, for SourceID
	Bumps    []FeedKey
	Now      time.Time
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
//     bump; an unchanged entry writes nothing.
func Apply(ctx context.Context, tx IngestTx, b *Batch) (*Result, error) {
	src := b.Source.ID
	res := &Result{}
	entries := make([]*Entry, 0, len(b.Entries))
	seen := map[string]bool{}
	var keys []string
	for _, e := range b.Entries {
		if e.Key == "" || seen[e.Key] {
			continue // a partner listing one entry twice: the first wins
		}
		seen[e.Key] = true
		entries = append(entries, e)
		keys = append(keys, e.Key)
	}
	guids, err := tx.GUIDs(ctx, src, keys)
	if err != nil {
		return nil, fmt.Errorf("look up entry keys: %w", err)
	}
	var known, urls []string
	for _, e := range entries {
		if id, ok := guids[e.Key]; ok {
			known = append(known, id)
		} else if e.Article.CanonicalURL != "" {
			urls = append(urls, e.Article.CanonicalURL)
		}
	}
	tombs, err := tx.Tombstoned(ctx, src, known)
	if err != nil {
		return nil, fmt.Errorf("look up tombstones: %w", err)
	}
	owners, err := tx.URLOwners(ctx, urls)
	if err != nil {
		return nil, fmt.Errorf("look up canonical urls: %w", err)
	}
	var ids []string
	for _, id := range guids {
		ids = append(ids, id)
	}
	for _, id := range owners {
		ids = append(ids, id)
	}
	stored, err := tx.Articles(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load articles: %w", err)
	}

	ws := &WriteSet{SourceID: src, GUIDs: map[string]string{}, Now: b.Now}
	written := map[string]*syndicate.Article{} // id → article as it will be written
	var fresh []*syndicate.Article             // new articles awaiting claims
	freshKeys := map[string]string{}           // new article id → entry key
	current := func(id string) *syndicate.Article {
		if a, ok := written[id]; ok {
			return a
		}
		return stored[id]
	}
	update := func(old *syndicate.Article, e *Entry) {
		n, bumped := merge(old, e, b)
		if !bumped && reflect.DeepEqual(old, n) {
			res.Unchanged++
			return
		}
		if bumped {
			res.Updated++
			res.Written = append(res.Written, n.ID)
		} else {
			res.Unchanged++
		}
		if prev, ok := written[n.ID]; ok {
			// Two keys of this batch reached one article: keep one write.
			for i := range ws.Articles {
				if ws.Articles[i].New == prev {
					ws.Articles[i].New = n
				}
			}
		} else {
			ws.Articles = append(ws.Articles, ArticleWrite{Old: stored[n.ID], New: n})
		}
		written[n.ID] = n
	}

	for _, e := range entries {
		if id, ok := guids[e.Key]; ok {
			if tombs[id] {
				res.Unchanged++ // pruned or taken down: the partner still lists it
				continue
			}
			if old := current(id); old != nil {
				update(old, e)
				continue
			}
			// The key is known but its article is gone (deleted by an
			// editor without a tombstone): store it again under its id.
			fresh = append(fresh, newArticle(id, e, b))
			freshKeys[id] = e.Key
			continue
		}
		if ownerID, ok := owners[e.Article.CanonicalURL]; ok {
			owner := current(ownerID)
			if owner == nil && ownerID != syndicate.MintArticleID(src, e.Key) {
				// Claimed by a writer that has not written the article yet
				// (or died between claim and commit): the next pass joins it.
				res.Unchanged++
				continue
			}
			if owner != nil && !owner.HasSource(src) {
				ws.GUIDs[e.Key] = ownerID
				update(owner, e)
				continue
			}
		}
		id := syndicate.MintArticleID(src, e.Key)
		fresh = append(fresh, newArticle(id, e, b))
		freshKeys[id] = e.Key
	}

	// Claim canonical URLs and entry ids for new articles. A lost URL claim
	// means another source stored the same article meanwhile: join it.
	urlClaims := map[string]string{}
	for _, a := range fresh {
		if a.CanonicalURL == "" {
			continue
		}
		if _, owned := owners[a.CanonicalURL]; owned {
			continue // owned by this source's own article: two items stay two
		}
		if _, dup := urlClaims[a.CanonicalURL]; !dup {
			urlClaims[a.CanonicalURL] = a.ID
		}
	}
	urlOwners, err := tx.ClaimURLs(ctx, urlClaims)
	if err != nil {
		return nil, fmt.Errorf("claim canonical urls: %w", err)
	}
	var lostTo []string
	for u, id := range urlClaims {
		if o := urlOwners[u]; o != "" && o != id {
			lostTo = append(lostTo, o)
		}
	}
	if len(lostTo) > 0 {
		more, err := tx.Articles(ctx, lostTo)
		if err != nil {
			return nil, fmt.Errorf("load articles: %w", err)
		}
		for id, a := range more {
			stored[id] = a
		}
	}
	eidClaims := map[string]string{}
	var kept []*syndicate.Article
	for _, a := range fresh {
		key := freshKeys[a.ID]
		if id, claimed := urlClaims[a.CanonicalURL]; claimed && id == a.ID {
			if o := urlOwners[a.CanonicalURL]; o != "" && o != a.ID {
				owner := current(o)
				if owner == nil {
					// The winner has claimed but not yet written: the next
					// pass joins it. Nothing is written for this entry now.
					res.Unchanged++
					continue
				}
				if !owner.HasSource(src) {
					ws.GUIDs[key] = o
					update(owner, &Entry{Key: key, Article: entryOf(a)})
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
		return nil, fmt.Errorf("claim entry ids: %w", err)
	}
	for _, a := range kept {
		if a.EntryID != "" && eidOwners[a.EntryID] != a.ID {
			a.EntryID = "" // taken by another article: use {base_url}/articles/{id}
		}
		ws.GUIDs[freshKeys[a.ID]] = a.ID
		ws.Articles = append(ws.Articles, ArticleWrite{Old: nil, New: a})
		written[a.ID] = a
		res.New++
		res.Written = append(res.Written, a.ID)
	}

	bumps := map[FeedKey]bool{}
	for _, w := range ws.Articles {
		for _, k := range Feeds(w.Old) {
			bumps[k] = true
		}
		for _, k := range Feeds(w.New) {
			bumps[k] = true
		}
	}
	for k := range bumps {
		ws.Bumps = append(ws.Bumps, k)
	}
	slices.Sort(ws.Bumps)
	if len(ws.Articles) == 0 && len(ws.GUIDs) == 0 {
		return res, nil
	}
	if err := tx.Commit(ctx, ws); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	res.Changed = ws.Bumps
	return res, nil
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
