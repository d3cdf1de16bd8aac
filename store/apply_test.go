package store

import (
	"context"
	"testing"
	"time"

	"syndicate"
)

// memTx is an in-memory IngestTx for testing Apply's rules in isolation.
type memTx struct {
	guids    map[string]map[string]string
	articles map[string]*syndicate.Article
	urls     map[string]string
	eids     map[string]string
	tombs    map[string]map[string]bool
	commits  int
}

var _ IngestTx = (*memTx)(nil)

func newMemTx() *memTx {
	return &memTx{guids: map[string]map[string]string{}, articles: map[string]*syndicate.Article{}, urls: map[string]string{}, eids: map[string]string{}, tombs: map[string]map[string]bool{}}
}

func (m *memTx) GUIDs(_ context.Context, src string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range keys {
		if id, ok := m.guids[src][k]; ok {
			out[k] = id
		}
	}
	return out, nil
}
func (m *memTx) Tombstoned(_ context.Context, src string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, id := range ids {
		if m.tombs[src][id] {
			out[id] = true
		}
	}
	return out, nil
}
func (m *memTx) URLOwners(_ context.Context, urls []string) (map[string]string, error) {
	out := map[string]string{}
	for _, u := range urls {
		if id, ok := m.urls[u]; ok {
			out[u] = id
		}
	}
	return out, nil
}
func (m *memTx) Articles(_ context.Context, ids []string) (map[string]*syndicate.Article, error) {
	out := map[string]*syndicate.Article{}
	for _, id := range ids {
		if a, ok := m.articles[id]; ok {
			c := *a
			out[id] = &c
		}
	}
	return out, nil
}
func claimIn(m map[string]string, claims map[string]string) map[string]string {
	out := map[string]string{}
	for k, id := range claims {
		if o, ok := m[k]; ok {
			out[k] = o
			continue
		}
		m[k] = id
		out[k] = id
	}
	return out
}
func (m *memTx) ClaimURLs(_ context.Context, c map[string]string) (map[string]string, error) {
	return claimIn(m.urls, c), nil
}
func (m *memTx) ClaimEntryIDs(_ context.Context, c map[string]string) (map[string]string, error) {
	return claimIn(m.eids, c), nil
}
func (m *memTx) Commit(_ context.Context, w *WriteSet) error {
	m.commits++
	for _, aw := range w.Articles {
		c := *aw.New
		m.articles[c.ID] = &c
	}
	if m.guids[w.SourceID] == nil {
		m.guids[w.SourceID] = map[string]string{}
	}
	for k, id := range w.GUIDs {
		m.guids[w.SourceID][k] = id
	}
	for _, mv := range w.Moves {
		if mv.To != "" && m.urls[mv.To] == "" {
			m.urls[mv.To] = mv.ArticleID
		}
		if mv.From != "" && m.urls[mv.From] == mv.ArticleID {
			delete(m.urls, mv.From)
		}
	}
	return nil
}

func TestApply_RenormalizeWithoutRedating(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	tx := newMemTx()
	src := syndicate.SourceRef{ID: "alpha", Name: "Alpha", SiteURL: "https://alpha.example/"}
	entry := func(title string) *Entry {
		a := &syndicate.Article{GUID: "g1", CanonicalURL: "https://alpha.example/1", Title: title, Published: t0, Updated: t0}
		a.Hash = a.ContentHash()
		return &Entry{Key: "g1", Article: a}
	}
	if _, err := Apply(t.Context(), tx, &Batch{Source: src, Entries: []*Entry{entry("Title &amp; old rules")}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	id := syndicate.MintArticleID("alpha", "g1")
	tx.articles[id].Normalizer = syndicate.NormalizerVersion - 1 // stored by older rules

	res, err := Apply(t.Context(), tx, &Batch{Source: src, Entries: []*Entry{entry("Title & new rules")}, Now: t0.Add(5 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	a := tx.articles[id]
	if res.Updated != 0 || a.Title != "Title & new rules" || a.Normalizer != syndicate.NormalizerVersion || !a.Updated.Equal(t0) {
		t.Errorf("res=%+v title=%q normalizer=%d updated=%v; want re-normalized in place, updated unmoved", res, a.Title, a.Normalizer, a.Updated)
	}
	// With the current rules, a change is an update again.
	res, _ = Apply(t.Context(), tx, &Batch{Source: src, Entries: []*Entry{entry("Edited")}, Now: t0.Add(6 * time.Hour)})
	if res.Updated != 1 || !tx.articles[id].Updated.Equal(t0.Add(6*time.Hour)) {
		t.Errorf("a real edit after re-normalization: %+v, updated %v", res, tx.articles[id].Updated)
	}
	// And nothing changed writes nothing.
	n := tx.commits
	if res, _ = Apply(t.Context(), tx, &Batch{Source: src, Entries: []*Entry{entry("Edited")}, Now: t0.Add(7 * time.Hour)}); res.Unchanged != 1 || tx.commits != n {
		t.Errorf("an unchanged entry committed: %+v", res)
	}
}

// Undated entries are dated first_seen minus their position in the
// partner's document in milliseconds: the partner's order survives and no
// two share a date; a dated entry keeps its date.
func TestApply_UndatedKeepPartnerOrder(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	dated := time.Date(2022, 3, 1, 12, 0, 0, 0, time.UTC)
	tx := newMemTx()
	src := syndicate.SourceRef{ID: "alpha", Name: "Alpha", SiteURL: "https://alpha.example/"}
	var entries []*Entry
	for i, pub := range []time.Time{{}, dated, {}, {}} {
		g := string(rune('a' + i))
		a := &syndicate.Article{GUID: g, CanonicalURL: "https://alpha.example/" + g, Title: g, Published: pub, Updated: pub}
		a.Hash = a.ContentHash()
		entries = append(entries, &Entry{Key: g, Article: a, Order: i})
	}
	if _, err := Apply(t.Context(), tx, &Batch{Source: src, Entries: entries, Now: now}); err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"a": now, "b": dated, "c": now.Add(-2 * time.Millisecond), "d": now.Add(-3 * time.Millisecond)}
	for _, a := range tx.articles {
		if !a.Published.Equal(want[a.GUID]) || a.Updated.Before(a.Published) || !a.FirstSeen.Equal(now) {
			t.Errorf("%s: published %v updated %v first seen %v, want published %v", a.GUID, a.Published, a.Updated, a.FirstSeen, want[a.GUID])
		}
	}
}
