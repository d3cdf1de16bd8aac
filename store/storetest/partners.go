package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
)

// testPartners: API partner profiles are created once, replaced, deleted,
// announced through Watch (every replica reloads them) and kept across a
// restart.
func testPartners(t *testing.T, open Factory) {
	s, reopen := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	changed := make(chan struct{}, 16)
	s.Watch(ctx, func(k []store.FeedKey) {
		if slices.Contains(k, store.PartnersChanged) {
			changed <- struct{}{}
		}
	})
	time.Sleep(100 * time.Millisecond)
	wait := func(what string) {
		t.Helper()
		select {
		case <-changed:
		case <-time.After(5 * time.Second):
			t.Fatalf("Watch did not report PartnersChanged after %s", what)
		}
	}
	b := syndicate.Partner{Name: "baltic-daily", Key: "0123456789abcdef-baltic", Sources: []string{"alpha"}, Content: "excerpt", Managed: syndicate.ManagedAPI}
	a := syndicate.Partner{Name: "alpine", Key: "0123456789abcdef-alpine", Categories: []string{"Politics"}, Comments: true, Managed: syndicate.ManagedAPI}
	for _, p := range []syndicate.Partner{b, a} {
		if err := s.PutPartner(ctx, p, true); err != nil {
			t.Fatal(err)
		}
		wait("create " + p.Name)
	}
	if err := s.PutPartner(ctx, a, true); syndicate.ErrorKind(err) != syndicate.EConflict {
		t.Errorf("creating a duplicate = %v, want conflict", err)
	}
	if err := s.PutPartner(ctx, syndicate.Partner{Name: "nope"}, false); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("replacing an unknown partner = %v, want not found", err)
	}
	b.Key = "fedcba9876543210-rotated"
	if err := s.PutPartner(ctx, b, false); err != nil {
		t.Fatal(err)
	}
	wait("rotate")
	got, err := s.Partners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "alpine" || got[1].Name != "baltic-daily" || got[1].Key != b.Key || got[0].Categories[0] != "Politics" || !got[0].Comments {
		t.Errorf("Partners = %+v", got)
	}
	if err := s.DeletePartner(ctx, "alpine"); err != nil {
		t.Fatal(err)
	}
	wait("delete")
	if err := s.DeletePartner(ctx, "alpine"); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("deleting twice = %v, want not found", err)
	}
	s = reopen()
	got, err = s.Partners(ctx)
	if err != nil || len(got) != 1 || got[0].Name != "baltic-daily" || got[0].Key != b.Key || got[0].Content != "excerpt" {
		t.Errorf("after restart: %+v, %v", got, err)
	}
}

// testHolds: article holds are stored, lifted, announced and kept
// across a restart.
func testHolds(t *testing.T, open Factory) {
	s, reopen := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	changed := make(chan struct{}, 16)
	s.Watch(ctx, func(k []store.FeedKey) {
		if slices.Contains(k, store.HoldsChanged) {
			changed <- struct{}{}
		}
	})
	time.Sleep(100 * time.Millisecond)
	until := t0.Add(90*time.Minute + 123*time.Millisecond)
	for _, id := range []string{"alpha-1", "alpha-2"} {
		if err := s.SetHold(ctx, id, until); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not report HoldsChanged")
	}
	if err := s.SetHold(ctx, "alpha-2", time.Time{}); err != nil {
		t.Fatal(err)
	}
	s = reopen()
	got, err := s.Holds(ctx)
	if err != nil || len(got) != 1 || !got["alpha-1"].Equal(until) {
		t.Errorf("after restart: %v, %v", got, err)
	}
}
