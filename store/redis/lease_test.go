package redis_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/scheduler"
	"syndicate/store/redis"
)

var _ scheduler.Leaser = (*redis.Store)(nil)

func TestStore_Acquire(t *testing.T) {
	url := MustRedisURL(t)
	prefix := MustPrefix(t, url)
	opts := redis.Options{URL: url, Prefix: prefix, LeaseTTL: time.Second}
	a, b := MustOpen(t, opts), MustOpen(t, opts)
	defer a.Close()
	defer b.Close()
	ctx := t.Context()
	t1 := time.Unix(1_800_000_000, 0)

	relA, ok, err := a.Acquire(ctx, "src", t1, time.Minute)
	if err != nil || !ok {
		t.Fatalf("A: %v %v", ok, err)
	}
	if _, ok, _ := b.Acquire(ctx, "src", t1, time.Minute); ok {
		t.Error("B got a tick A holds")
	}
	if _, ok, _ := b.Acquire(ctx, "src", t1.Add(time.Minute), time.Minute); ok {
		t.Error("B started the source while A still runs it")
	}
	if _, ok, _ := b.Acquire(ctx, "other", t1, time.Minute); !ok {
		t.Error("another source is blocked")
	}
	// A renews while running: past several TTLs it still holds the source.
	time.Sleep(2500 * time.Millisecond)
	if _, ok, _ := b.Acquire(ctx, "src", t1.Add(2*time.Minute), time.Minute); ok {
		t.Error("A's running mark expired while A was renewing it")
	}
	relA()
	// The tick stays taken after the run (once per tick fleet-wide)...
	if _, ok, _ := b.Acquire(ctx, "src", t1, time.Minute); ok {
		t.Error("the same tick ran twice")
	}
	// ...and the next one is free.
	relB, ok, _ := b.Acquire(ctx, "src", t1.Add(3*time.Minute), time.Minute)
	if !ok {
		t.Fatal("B could not take the next tick")
	}
	relB()
	if a.Leases() != 1 || b.Leases() != 2 {
		t.Errorf("lease counts = %d, %d", a.Leases(), b.Leases())
	}
}

// TestScheduler_OneRunPerTickAcrossReplicas: three replicas schedule the
// same sources on one Redis; every tick runs exactly once fleet-wide, and
// when the holder dies mid-run, exactly one other replica takes the next
// tick.
func TestScheduler_OneRunPerTickAcrossReplicas(t *testing.T) {
	url := MustRedisURL(t)
	prefix := MustPrefix(t, url)
	type run struct {
		replica, source string
		tick            time.Time
	}
	var mu sync.Mutex
	var runs []run
	hang := make(chan struct{}) // the first run of "slow" hangs until released
	var hung bool
	srcs := []syndicate.Source{{ID: "fast", Enabled: true, Schedule: "@every 1s"}, {ID: "slow", Enabled: true, Schedule: "@every 1s"}}
	var scheds []*scheduler.Scheduler
	var stores []*redis.Store
	for i := range 3 {
		name := string(rune('A' + i))
		st := MustOpen(t, redis.Options{URL: url, Prefix: prefix, LeaseTTL: 1500 * time.Millisecond})
		stores = append(stores, st)
		s := scheduler.New(scheduler.Options{Leaser: st, Job: func(ctx context.Context, src syndicate.Source) {
			mu.Lock()
			runs = append(runs, run{name, src.ID, time.Now().Truncate(time.Second)})
			first := src.ID == "slow" && !hung
			if first {
				hung = true
			}
			mu.Unlock()
			if first {
				<-hang
			}
		}})
		if err := s.Set(srcs); err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	for _, s := range scheds {
		s.Start()
	}
	time.Sleep(3500 * time.Millisecond)
	// "Kill" the replica stuck on slow: its process would stop renewing.
	mu.Lock()
	var holder string
	for _, r := range runs {
		if r.source == "slow" {
			holder = r.replica
			break
		}
	}
	slowBefore := 0
	for _, r := range runs {
		if r.source == "slow" {
			slowBefore++
		}
	}
	mu.Unlock()
	if slowBefore != 1 {
		t.Errorf("slow ran %d times while its first run hung; want 1", slowBefore)
	}
	hi := int(holder[0] - 'A')
	stores[hi].Close() // renewals stop; the running mark expires
	time.Sleep(3500 * time.Millisecond)
	close(hang)
	for _, s := range scheds {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.Stop(ctx)
		cancel()
	}
	for _, st := range stores {
		st.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	perTick := map[string]map[time.Time]int{}
	for _, r := range runs {
		if perTick[r.source] == nil {
			perTick[r.source] = map[time.Time]int{}
		}
		perTick[r.source][r.tick]++
	}
	for src, ticks := range perTick {
		for tick, n := range ticks {
			if n != 1 {
				t.Errorf("%s tick %v ran %d times", src, tick.Format("15:04:05"), n)
			}
		}
	}
	if n := len(perTick["fast"]); n < 5 {
		t.Errorf("fast ran on %d ticks in ~6s", n)
	}
	var after []run
	for _, r := range runs {
		if r.source == "slow" && r.replica != holder {
			after = append(after, r)
		}
	}
	if len(after) == 0 {
		t.Error("no other replica took slow after its holder died")
	}
}
