package redis_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/scheduler"
	"syndicate/store/redis"
)

var _ scheduler.Leaser = (*redis.Store)(nil)

// manualPace renews a store's running marks only when the test says so.
// renew returns once the renewal it triggered has been sent to Redis: the
// renewer goroutine takes a second value only after finishing the first.
type manualPace struct{ ch chan time.Time }

func newManualPace(s *redis.Store) *manualPace {
	p := &manualPace{ch: make(chan time.Time)}
	s.SetRenewals(func(time.Duration) (<-chan time.Time, func()) { return p.ch, func() {} })
	return p
}

func (p *manualPace) renew(t *testing.T) {
	t.Helper()
	for range 2 {
		select {
		case p.ch <- time.Time{}:
		case <-time.After(10 * time.Second):
			t.Fatal("the lease renewer is not running")
		}
	}
}

// mustClient is a plain client on the test Redis, to read key expiries.
func mustClient(t *testing.T, url string) *goredis.Client {
	t.Helper()
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls cond until it holds; the deadline only bounds a failure.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStore_Acquire(t *testing.T) {
	url := MustRedisURL(t)
	prefix := MustPrefix(t, url)
	rdb := mustClient(t, url)
	ctx := t.Context()
	// Nothing expires by itself during this test: expiry is read, and
	// "time has passed" is set with PEXPIRE, never waited for.
	const ttl = time.Minute
	opts := redis.Options{URL: url, Prefix: prefix, LeaseTTL: ttl}
	a, b := MustOpen(t, opts), MustOpen(t, opts)
	defer a.Close()
	defer b.Close()
	paceA := newManualPace(a)
	t1 := time.Unix(1_800_000_000, 0)
	window := 5 * time.Minute

	relA, ok, err := a.Acquire(ctx, "src", t1, window)
	if err != nil || !ok {
		t.Fatalf("A: %v %v", ok, err)
	}
	t.Run("TickHeld", func(t *testing.T) {
		if _, ok, _ := b.Acquire(ctx, "src", t1, window); ok {
			t.Error("B got a tick A holds")
		}
	})
	t.Run("SourceRunning", func(t *testing.T) {
		if _, ok, _ := b.Acquire(ctx, "src", t1.Add(time.Minute), window); ok {
			t.Error("B started the source while A still runs it")
		}
	})
	t.Run("OtherSourceFree", func(t *testing.T) {
		rel, ok, _ := b.Acquire(ctx, "other", t1, window)
		if !ok {
			t.Fatal("another source is blocked")
		}
		rel()
	})
	t.Run("Expiries", func(t *testing.T) {
		// The tick lives for its window (it is never deleted), the
		// running mark for the lease TTL.
		if d := rdb.PTTL(ctx, a.TickKey("src", t1)).Val(); d <= window-time.Minute || d > window {
			t.Errorf("tick key expires in %v; want about the window, %v", d, window)
		}
		if d := rdb.PTTL(ctx, a.RunningKey("src")).Val(); d <= ttl/2 || d > ttl {
			t.Errorf("running mark expires in %v; want about the lease TTL, %v", d, ttl)
		}
	})
	t.Run("RenewalExtends", func(t *testing.T) {
		// Most of the TTL has passed; a renewal gives it back in full.
		rdb.PExpire(ctx, a.RunningKey("src"), 2*time.Second)
		paceA.renew(t)
		if d := rdb.PTTL(ctx, a.RunningKey("src")).Val(); d <= ttl/2 {
			t.Errorf("after a renewal the running mark expires in %v; want about %v", d, ttl)
		}
		if _, ok, _ := b.Acquire(ctx, "src", t1.Add(2*time.Minute), window); ok {
			t.Error("B started the source while A renews it")
		}
	})
	relA()
	t.Run("ReleaseEndsRunning", func(t *testing.T) {
		if n := rdb.Exists(ctx, a.RunningKey("src")).Val(); n != 0 {
			t.Error("the running mark outlived the release")
		}
	})
	t.Run("TickOncePerFleet", func(t *testing.T) {
		if _, ok, _ := b.Acquire(ctx, "src", t1, window); ok {
			t.Error("the same tick ran twice")
		}
	})
	t.Run("NextTickFree", func(t *testing.T) {
		rel, ok, _ := b.Acquire(ctx, "src", t1.Add(3*time.Minute), window)
		if !ok {
			t.Fatal("B could not take the next tick")
		}
		rel()
	})
}

// TestStore_AcquireAfterHolderDied: a holder that stops renewing (its
// process died) frees the source when its running mark expires; another
// replica then takes the next tick, and the dead holder's late release
// cannot end the new holder's mark.
func TestStore_AcquireAfterHolderDied(t *testing.T) {
	url := MustRedisURL(t)
	prefix := MustPrefix(t, url)
	rdb := mustClient(t, url)
	ctx := t.Context()
	opts := redis.Options{URL: url, Prefix: prefix, LeaseTTL: time.Minute}
	dead, alive := MustOpen(t, opts), MustOpen(t, opts)
	defer dead.Close()
	defer alive.Close()
	newManualPace(dead) // never renews: it has died
	t1 := time.Unix(1_800_000_000, 0)

	relDead, ok, err := dead.Acquire(ctx, "src", t1, time.Minute)
	if err != nil || !ok {
		t.Fatalf("first holder: %v %v", ok, err)
	}
	if _, ok, _ := alive.Acquire(ctx, "src", t1.Add(time.Minute), time.Minute); ok {
		t.Fatal("the source was free while its holder's mark was alive")
	}
	// The mark carries an expiry, so the source frees itself; let it run
	// out now rather than wait a TTL.
	if d := rdb.PTTL(ctx, dead.RunningKey("src")).Val(); d <= 0 {
		t.Fatalf("the running mark has no expiry (PTTL %v): a dead holder would block the source for good", d)
	}
	rdb.PExpire(ctx, dead.RunningKey("src"), time.Millisecond)
	var relAlive func()
	waitFor(t, "another replica takes the next tick", func() bool {
		var ok bool
		relAlive, ok, _ = alive.Acquire(ctx, "src", t1.Add(time.Minute), time.Minute)
		return ok
	})
	relDead() // the dead holder's release arrives late
	if n := rdb.Exists(ctx, alive.RunningKey("src")).Val(); n != 1 {
		t.Error("a stale release ended the new holder's running mark")
	}
	relAlive()
}

// grant is one lease a replica obtained: the right to run a tick.
type grant struct {
	replica, source string
	tick            time.Time
}

// recordingLeaser passes Acquire to a store and records every grant, with
// the tick instant the scheduler named it by. It keeps each tick for a
// minute rather than the scheduler's one-second window, so that a run
// delayed past its window on a loaded machine (which the lease allows to
// run again) is not mistaken for a second grant within the window; the
// window's own length is checked by TestStore_Acquire.
type recordingLeaser struct {
	st      *redis.Store
	replica string
	record  func(grant)
}

func (l recordingLeaser) Acquire(ctx context.Context, id string, tick time.Time, window time.Duration) (func(), bool, error) {
	rel, ok, err := l.st.Acquire(ctx, id, tick, max(window, time.Minute))
	if ok {
		l.record(grant{l.replica, id, tick})
	}
	return rel, ok, err
}

// TestScheduler_OneRunPerTickAcrossReplicas: three replicas schedule the
// same sources on one Redis; every tick is granted exactly once fleet-wide;
// a source whose run hangs is not started again on the ticks that pass
// meanwhile; and when the holder dies mid-run, another replica takes a
// later tick. The test waits for ticks to happen (bounded polling), never
// for a fixed time.
func TestScheduler_OneRunPerTickAcrossReplicas(t *testing.T) {
	url := MustRedisURL(t)
	prefix := MustPrefix(t, url)
	var mu sync.Mutex
	var grants []grant
	slowRuns := map[string]int{} // replica → runs of "slow" started
	hang := make(chan struct{})  // the first run of "slow" hangs until closed
	hung := make(chan string, 1) // the replica whose run of "slow" hangs
	srcs := []syndicate.Source{{ID: "fast", Enabled: true, Schedule: "@every 1s"}, {ID: "slow", Enabled: true, Schedule: "@every 1s"}}
	var scheds []*scheduler.Scheduler
	var stores []*redis.Store
	for i := range 3 {
		name := string(rune('A' + i))
		st := MustOpen(t, redis.Options{URL: url, Prefix: prefix, LeaseTTL: time.Minute})
		newManualPace(st) // no renewals: marks last their TTL unless the test cuts it
		stores = append(stores, st)
		leaser := recordingLeaser{st: st, replica: name, record: func(g grant) {
			mu.Lock()
			grants = append(grants, g)
			mu.Unlock()
		}}
		s := scheduler.New(scheduler.Options{Leaser: leaser, Job: func(ctx context.Context, src syndicate.Source) {
			if src.ID != "slow" {
				return
			}
			mu.Lock()
			slowRuns[name]++
			first := len(slowRuns) == 1 && slowRuns[name] == 1
			mu.Unlock()
			if first {
				hung <- name
				<-hang
			}
		}})
		if err := s.Set(srcs); err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	stopped := false
	stopAll := func() {
		if stopped {
			return
		}
		stopped = true
		select {
		case <-hang:
		default:
			close(hang)
		}
		for _, s := range scheds {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			s.Stop(ctx)
			cancel()
		}
		for _, st := range stores {
			st.Close()
		}
	}
	defer stopAll()
	for _, s := range scheds {
		s.Start()
	}

	var holder string
	select {
	case holder = <-hung:
	case <-time.After(20 * time.Second):
		t.Fatal("slow never ran")
	}
	hi := int(holder[0] - 'A')
	// fastTicks counts the distinct ticks of "fast" granted after since.
	fastTicks := func(since time.Time) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, g := range grants {
			if g.source == "fast" && g.tick.After(since) {
				n++
			}
		}
		return n
	}
	mu.Lock()
	hangTick := grants[slices.IndexFunc(grants, func(g grant) bool { return g.source == "slow" })].tick
	mu.Unlock()
	// Both sources tick together: three ticks of fast after slow's hung
	// one are three ticks of slow that every replica had to refuse.
	waitFor(t, "three more ticks pass while slow hangs", func() bool { return fastTicks(hangTick) >= 3 })
	mu.Lock()
	total := 0
	for _, n := range slowRuns {
		total += n
	}
	mu.Unlock()
	if total != 1 {
		t.Errorf("slow started %d times while its first run hung; want 1 (%v)", total, slowRuns)
	}

	// The holder dies: its renewals stop (they were manual, none came), so
	// its running mark expires; cut the TTL short instead of waiting it.
	rdb := mustClient(t, url)
	if d := rdb.PTTL(t.Context(), stores[hi].RunningKey("slow")).Val(); d <= 0 {
		t.Fatalf("the hung run's running mark has no expiry (PTTL %v)", d)
	}
	rdb.PExpire(t.Context(), stores[hi].RunningKey("slow"), time.Millisecond)
	waitFor(t, "another replica takes slow", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for r, n := range slowRuns {
			if r != holder && n > 0 {
				return true
			}
		}
		return false
	})
	stopAll()

	mu.Lock()
	defer mu.Unlock()
	perTick := map[string]int{}
	for _, g := range grants {
		perTick[fmt.Sprintf("%s@%d", g.source, g.tick.Unix())]++
	}
	for k, n := range perTick {
		if n != 1 {
			t.Errorf("%s was granted %d times; want once fleet-wide", k, n)
		}
	}
}
