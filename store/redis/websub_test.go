package redis_test

import (
	"testing"
	"time"

	"syndicate/store/redis"
)

// TestStore_Hold: a hold and a scheduled tick of the same source exclude
// each other across processes.
func TestStore_Hold(t *testing.T) {
	url := MustRedisURL(t)
	opts := redis.Options{URL: url, Prefix: MustPrefix(t, url), LeaseTTL: time.Second}
	a, b := MustOpen(t, opts), MustOpen(t, opts)
	defer a.Close()
	defer b.Close()
	ctx := t.Context()
	release, ok, err := a.HoldRunning(ctx, "alpha")
	if err != nil || !ok {
		t.Fatalf("Hold = %v, %v", ok, err)
	}
	if _, ok, _ := b.HoldRunning(ctx, "alpha"); ok {
		t.Error("B held a source A holds")
	}
	if _, ok, _ := b.Acquire(ctx, "alpha", time.Unix(1_800_000_000, 0), time.Minute); ok {
		t.Error("a tick ran beside a hold")
	}
	if r, ok, _ := b.HoldRunning(ctx, "bravo"); !ok {
		t.Error("holding another source failed")
	} else {
		r()
	}
	release()
	r, ok, err := b.HoldRunning(ctx, "alpha")
	if err != nil || !ok {
		t.Fatalf("Hold after release = %v, %v", ok, err)
	}
	r()
}
