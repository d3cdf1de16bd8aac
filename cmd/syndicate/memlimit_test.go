package main

import (
	"runtime/debug"
	"testing"
)

// TestSetMemoryLimit: serve's soft memory limit comes from
// feeds.cache_bytes unless the operator set GOMEMLIMIT.
func TestSetMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	tests := []struct {
		name      string
		env       string
		cache     int64
		set       bool
		wantLimit int64
	}{
		{"Default", "", 256 << 20, true, 384<<20 + workingSet},
		{"Small", "", 16 << 20, true, 24<<20 + workingSet},
		{"OperatorWins", "1GiB", 256 << 20, false, old},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetMemoryLimit(old)
			t.Setenv("GOMEMLIMIT", tt.env)
			limit, set := setMemoryLimit(tt.cache)
			if set != tt.set || set && limit != tt.wantLimit {
				t.Errorf("setMemoryLimit(%d) = %d, %v; want %d, %v", tt.cache, limit, set, tt.wantLimit, tt.set)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
				t.Errorf("runtime limit %d, want %d", got, tt.wantLimit)
			}
		})
	}
}
