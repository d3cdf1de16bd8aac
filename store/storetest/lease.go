package storetest

import (
	"testing"
	"time"

	"syndicate/store"
)

// Option changes what Run expects of a backend.
type Option func(*options)

type options struct {
	shared bool
}

// Shared tells Run that several processes may share the backend's data
// (Redis): its leases must then exclude every other holder, which Run
// checks with two holders on one store (the store cannot tell them
// apart from two processes). Without it, Run checks only that leases
// are granted and released (the embedded store grants every lease to its
// single process).
func Shared() Option { return func(o *options) { o.shared = true } }

// acquire takes a lease and fails the test on an error.
func acquire(t *testing.T, s store.Store, id string, tick time.Time) (func(), bool) {
	t.Helper()
	release, ok, err := s.Acquire(t.Context(), id, tick, time.Hour)
	if err != nil {
		t.Fatalf("Acquire(%s, %s): %v", id, tick.Format(time.TimeOnly), err)
	}
	if ok && release == nil {
		t.Fatalf("Acquire(%s, %s) granted without a release", id, tick.Format(time.TimeOnly))
	}
	return release, ok
}

// testLeases: a free tick is granted and released; the next tick of the
// same source is granted after the release.
func testLeases(t *testing.T, open Factory) {
	s, _ := open(t)
	tick := t0.Truncate(time.Minute)
	for i, id := range []string{"alpha", "alpha", "beta"} {
		next := tick.Add(time.Duration(i) * time.Minute)
		release, ok := acquire(t, s, id, next)
		if !ok {
			t.Fatalf("Acquire(%s, %s) of a free source refused", id, next.Format(time.TimeOnly))
		}
		release()
	}
}

// testRunningMarks: a free mark is held and released, and held again after the
// release; on a shared store a held mark is refused to a second holder
// until it is released, and marks of other names are free meanwhile.
func testRunningMarks(t *testing.T, open Factory, shared bool) {
	s, _ := open(t)
	hold := func(name string) (func(), bool) {
		t.Helper()
		release, ok, err := s.HoldRunning(t.Context(), name)
		if err != nil {
			t.Fatalf("HoldRunning(%s): %v", name, err)
		}
		if ok && release == nil {
			t.Fatalf("HoldRunning(%s) granted without a release", name)
		}
		return release, ok
	}
	release, ok := hold("alpha")
	if !ok {
		t.Fatal("a free mark was refused")
	}
	if shared {
		if r, ok := hold("alpha"); ok {
			r()
			t.Fatal("a held mark was granted to a second holder")
		}
		if r, ok, _ := s.Acquire(t.Context(), "alpha", t0.Truncate(time.Minute), time.Hour); ok {
			r()
			t.Fatal("a tick of a held source was granted")
		}
	}
	other, ok := hold("websub:alpha")
	if !ok {
		t.Fatal("a mark of another name was refused")
	}
	other()
	release()
	release, ok = hold("alpha")
	if !ok {
		t.Fatal("a released mark was refused")
	}
	release()
}

// testLeasesShared: on a shared store a tick runs once, and a source
// runs on one holder at a time.
func testLeasesShared(t *testing.T, open Factory) {
	s, _ := open(t)
	tick := t0.Truncate(time.Minute)
	first, second, third := tick, tick.Add(time.Minute), tick.Add(2*time.Minute)

	release, ok := acquire(t, s, "alpha", first)
	if !ok {
		t.Fatal("first lease refused")
	}
	if r, ok := acquire(t, s, "alpha", first); ok {
		r()
		t.Fatal("the same tick granted twice")
	}
	if r, ok := acquire(t, s, "alpha", second); ok {
		r()
		t.Fatal("a later tick granted while the source still runs")
	}
	other, ok := acquire(t, s, "beta", first)
	if !ok {
		t.Fatal("another source's tick refused while alpha runs")
	}
	other()
	release()

	if r, ok := acquire(t, s, "alpha", first); ok {
		r()
		t.Fatal("a tick granted again after its run ended, within its window")
	}
	// The refusal while alpha ran did not claim the second tick.
	release, ok = acquire(t, s, "alpha", second)
	if !ok {
		t.Fatal("the next tick refused once the source is free")
	}
	release()
	release, ok = acquire(t, s, "alpha", third)
	if !ok {
		t.Fatal("a third tick refused after the second run ended")
	}
	release()
}
