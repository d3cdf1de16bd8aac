package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
)

func testSubscriptions(t *testing.T, open Factory) {
	s, reopen := open(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	if _, err := s.Subscription(ctx, "nope"); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("unknown subscription = %v, want not found", err)
	}
	put := func(sub store.Subscription) {
		t.Helper()
		got, err := s.UpdateSubscription(ctx, sub.ID, func(*store.Subscription) (*store.Subscription, error) { return &sub, nil })
		if err != nil || got == nil || got.ID != sub.ID {
			t.Fatalf("put %s = %+v, %v", sub.ID, got, err)
		}
	}
	put(store.Subscription{ID: "sb", SourceID: "bravo", Hub: "https://hub.example/", Topic: "https://bravo.example/feed", Secret: "00ff", Pending: "subscribe", Requested: now})
	put(store.Subscription{ID: "sa", SourceID: "alpha", Hub: "https://hub.example/", Topic: "https://alpha.example/feed", Secret: "ff00"})

	// An update sees the stored value; an error writes nothing.
	boom := errors.New("boom")
	if _, err := s.UpdateSubscription(ctx, "sb", func(cur *store.Subscription) (*store.Subscription, error) {
		if cur == nil || cur.Pending != "subscribe" || !cur.Requested.Equal(now) {
			t.Errorf("update saw %+v", cur)
		}
		cur.Pending = ""
		return cur, boom
	}); !errors.Is(err, boom) {
		t.Errorf("failed update = %v, want boom", err)
	}
	if _, err := s.UpdateSubscription(ctx, "sb", func(cur *store.Subscription) (*store.Subscription, error) {
		return &store.Subscription{ID: "other"}, nil
	}); err == nil {
		t.Error("an update may not change the id")
	}
	s = reopen()
	got, err := s.Subscriptions(ctx)
	if err != nil || len(got) != 2 || got[0].ID != "sa" || got[1].ID != "sb" || got[1].Pending != "subscribe" || got[1].Secret != "00ff" {
		t.Fatalf("Subscriptions = %+v, %v", got, err)
	}

	// Concurrent updates of one subscription are serialized: none is lost.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := s.UpdateSubscription(ctx, "sa", func(cur *store.Subscription) (*store.Subscription, error) {
				cur.Failures++
				return cur, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if sub, err := s.Subscription(ctx, "sa"); err != nil || sub.Failures != 8 {
		t.Errorf("after 8 concurrent increments: %+v, %v", sub, err)
	}

	// nil deletes; deleting an absent one is no error.
	for range 2 {
		if got, err := s.UpdateSubscription(ctx, "sb", func(*store.Subscription) (*store.Subscription, error) { return nil, nil }); err != nil || got != nil {
			t.Errorf("delete = %+v, %v", got, err)
		}
	}
	if _, err := s.Subscription(ctx, "sb"); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("deleted subscription = %v", err)
	}
	if got, _ := s.Subscriptions(context.Background()); len(got) != 1 {
		t.Errorf("after delete: %+v", got)
	}
}
