package admin_test

import (
	"context"
	"testing"
	"time"

	"syndicate"
	"syndicate/admin"
	"syndicate/registry"
	"syndicate/store"
	"syndicate/store/embedded"
)

// stoppingRuntime is a Runtime that can stop a source's runs
// (admin.RunStopper), recording what it was asked.
type stoppingRuntime struct {
	pageRuntime
	stopped []string
	inside  func(ctx context.Context)
}

func (r *stoppingRuntime) StopRuns(ctx context.Context, id string, fn func(context.Context) error) error {
	r.stopped = append(r.stopped, id)
	if r.inside != nil {
		r.inside(ctx)
	}
	return fn(ctx)
}

// Delete stops the source's runs first and removes the definition, the
// articles and the status while none can start; deleting again finishes
// a delete that left articles behind.
func TestService_DeleteStopsRunsAndPurges(t *testing.T) {
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rt := &stoppingRuntime{}
	svc := admin.NewService(admin.Options{Store: st, Runtime: rt, Sources: registry.New(registry.Options{Store: st}), Now: func() time.Time { return now }})
	src := syndicate.Source{ID: "p", Name: "P", URL: "https://p.example/feed", Enabled: true, Managed: syndicate.ManagedAPI}
	if _, err := svc.Create(ctx, "editor", src); err != nil {
		t.Fatal(err)
	}
	put := func(key string) {
		a := &syndicate.Article{GUID: key, CanonicalURL: "https://p.example/" + key, Title: key, Published: now}
		a.Hash = a.ContentHash()
		if _, err := st.ApplyIngest(ctx, &store.Batch{Source: src.Ref(), Entries: []*store.Entry{{Key: key, Article: a}}, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	put("a")
	put("b")
	rt.inside = func(ctx context.Context) {
		// While runs are stopped the source still exists: the delete has
		// not begun before the runs were stopped.
		if srcs, _ := st.Sources(ctx); len(srcs) != 1 {
			t.Error("the source was deleted before its runs were stopped")
		}
	}
	if err := svc.Delete(ctx, "editor", "p"); err != nil {
		t.Fatal(err)
	}
	if len(rt.stopped) != 1 || rt.stopped[0] != "p" {
		t.Errorf("runs stopped for %v, want [p]", rt.stopped)
	}
	if n, _ := st.ArticleCount(ctx, "p"); n != 0 {
		t.Errorf("%d articles left", n)
	}
	if p, _ := st.Articles(ctx, store.FeedAll, 0, 10); p.Total != 0 {
		t.Errorf("%d articles still published", p.Total)
	}
	// Articles left by a delete cut short (here: written for the id after
	// its definition went) are removed by deleting the id again.
	rt.inside = nil
	put("c")
	if err := svc.Delete(ctx, "editor", "p"); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if n, _ := st.ArticleCount(ctx, "p"); n != 0 {
		t.Errorf("%d articles left after deleting again", n)
	}
	if err := svc.Delete(ctx, "editor", "p"); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("deleting a source that is gone with nothing left = %v, want not found", err)
	}
}
