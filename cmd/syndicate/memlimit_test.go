package main

import (
	"runtime/debug"
	"testing"
)

// TestSetMemoryLimit: serve's soft memory limit comes from
// feeds.cache_bytes unless the operator set GOMEMLIMIT.
func TestSetMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	oldGC := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetMemoryLimit(old); debug.SetGCPercent(oldGC) })
	tests := []struct {
		name      string
		env, gogc string
		cache     int64
		set       bool
		wantLimit int64
		wantGC    int
	}{
		{"Default", "", "", 256 << 20, true, 384<<20 + workingSet, gcPercent},
		{"Small", "", "", 16 << 20, true, 24<<20 + workingSet, gcPercent},
		{"OperatorGOGC", "", "100", 16 << 20, true, 24<<20 + workingSet, 100},
		{"OperatorWins", "1GiB", "", 256 << 20, false, old, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetMemoryLimit(old)
			debug.SetGCPercent(100)
			t.Setenv("GOMEMLIMIT", tt.env)
			t.Setenv("GOGC", tt.gogc)
			limit, set := setMemoryLimit(tt.cache)
			if set != tt.set || set && limit != tt.wantLimit {
				t.Errorf("setMemoryLimit(%d) = %d, %v; want %d, %v", tt.cache, limit, set, tt.wantLimit, tt.set)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
				t.Errorf("runtime limit %d, want %d", got, tt.wantLimit)
			}
			if got := debug.SetGCPercent(100); got != tt.wantGC {
				t.Errorf("GC percent %d, want %d", got, tt.wantGC)
			}
		})
	}
}
