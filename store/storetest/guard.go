package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/store"
)

// eventually polls cond until it holds or a generous bound passes (no
// test asserts how long anything takes).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 10s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testAuthGuard: a revoked session stays revoked for every store instance
// (a restart, another replica) until it would have expired; Strikes reads
// Hit's counter without counting.
func testAuthGuard(t *testing.T, open Factory) {
	s, reopen := open(t)
	ctx := t.Context()
	now := time.Now()
	if got, err := s.SessionRevoked(ctx, "sess-a", now); err != nil || got {
		t.Fatalf("unknown session revoked = %v, %v", got, err)
	}
	if err := s.RevokeSession(ctx, "sess-a", now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeSession(ctx, "sess-short", time.Now().Add(300*time.Millisecond), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeSession(ctx, "sess-past", now.Add(-time.Second), now); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"sess-a": true, "sess-b": false, "sess-past": false} {
		if got, err := s.SessionRevoked(ctx, id, now); err != nil || got != want {
			t.Errorf("SessionRevoked(%s) = %v, %v; want %v", id, got, err, want)
		}
	}
	s = reopen()
	if got, err := s.SessionRevoked(ctx, "sess-a", time.Now()); err != nil || !got {
		t.Errorf("after a restart: revoked = %v, %v", got, err)
	}
	eventually(t, "a revocation record ends with its session", func() bool {
		got, err := s.SessionRevoked(ctx, "sess-short", time.Now())
		return err == nil && !got
	})

	if n, reset, err := s.Strikes(ctx, "auth:192.0.2.9", time.Now()); err != nil || n != 0 || !reset.IsZero() {
		t.Errorf("no strikes = %d %v %v", n, reset, err)
	}
	for range 3 {
		if _, _, err := s.Hit(ctx, "auth:192.0.2.9", time.Minute, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // reading does not count
		now := time.Now()
		n, reset, err := s.Strikes(ctx, "auth:192.0.2.9", now)
		if err != nil || n != 3 || !reset.After(now) || reset.After(now.Add(time.Minute+time.Second)) {
			t.Errorf("Strikes = %d %v %v, want 3 within a minute", n, reset, err)
		}
	}
	if _, _, err := s.Hit(ctx, "auth:192.0.2.10", 100*time.Millisecond, time.Now()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "strikes end with their window", func() bool {
		n, _, err := s.Strikes(ctx, "auth:192.0.2.10", time.Now())
		return err == nil && n == 0
	})
}

// testReplaceSourceIf: a replace names the version it was made on; of
// concurrent replaces from one version exactly one wins, the others are
// ErrStaleSource and change nothing.
func testReplaceSourceIf(t *testing.T, open Factory) {
	s, _ := open(t)
	ctx := t.Context()
	src := syndicate.Source{ID: "partner", Name: "Partner", URL: "https://partner.example/feed", Enabled: true, Managed: syndicate.ManagedAPI}
	if err := s.PutSource(ctx, src, true); err != nil {
		t.Fatal(err)
	}
	v1 := src.Version()
	edited := src
	edited.Name = "Partner (edited)"
	if err := s.ReplaceSourceIf(ctx, edited, v1); err != nil {
		t.Fatalf("replace from the current version: %v", err)
	}
	stale := src
	stale.Name = "Partner (stale)"
	if err := s.ReplaceSourceIf(ctx, stale, v1); !errors.Is(err, store.ErrStaleSource) {
		t.Errorf("replace from an old version = %v, want ErrStaleSource", err)
	}
	missing := src
	missing.ID = "nope"
	if err := s.ReplaceSourceIf(ctx, missing, v1); syndicate.ErrorKind(err) != syndicate.ENotFound {
		t.Errorf("unknown source = %v, want ENotFound", err)
	}
	v2 := edited.Version()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := []string{}
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := edited
			e.Name = fmt.Sprintf("Editor %d", i)
			err := s.ReplaceSourceIf(ctx, e, v2)
			switch {
			case err == nil:
				mu.Lock()
				won = append(won, e.Name)
				mu.Unlock()
			case !errors.Is(err, store.ErrStaleSource):
				t.Errorf("editor %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if len(won) != 1 {
		t.Fatalf("%d editors won from one version (%v), want 1", len(won), won)
	}
	list, err := s.Sources(ctx)
	if err != nil || len(list) != 1 || list[0].Name != won[0] {
		t.Errorf("stored = %+v, %v; want the winner %q", list, err, won[0])
	}
}
