package scheduler_test

import (
	"strings"
	"testing"
	"time"

	"syndicate/scheduler"
)

func TestParseSchedule(t *testing.T) {
	base := time.Date(2026, 11, 25, 0, 37, 12, 0, time.UTC)
	tests := []struct {
		name, spec string
		next       time.Time
		err        string
	}{
		{"Cron", "*/10 * * * *", time.Date(2026, 11, 25, 0, 40, 0, 0, time.UTC), ""},
		{"EveryAligned", "@every 15m", time.Date(2026, 11, 25, 0, 45, 0, 0, time.UTC), ""},
		{"EveryOddInterval", "@every 7s", time.Unix((base.Unix()/7+1)*7, 0).UTC(), ""},
		{"Hourly", "@hourly", time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC), ""},
		{"CronTZ", "CRON_TZ=America/New_York 0 9 * * *", time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC), ""},
		{"Empty", "", time.Time{}, "empty"},
		{"BadField", "61 * * * *", time.Time{}, "bad schedule"},
		{"SixFields", "*/5 * * * * *", time.Time{}, "bad schedule"},
		{"BadZone", "CRON_TZ=Nowhere/City 0 9 * * *", time.Time{}, "time zone"},
		{"BareTZPanics", "TZ=UTC", time.Time{}, "no fields"},
		{"TZZero", "TZ=0", time.Time{}, ""},
		{"EveryTooShort", "@every 10ms", time.Time{}, "minimum"},
		{"EveryBad", "@every soon", time.Time{}, "duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scheduler.ParseSchedule(tt.spec)
			if tt.name == "TZZero" {
				if err == nil {
					t.Fatalf("ParseSchedule(%q) = nil error, want one", tt.spec)
				}
				return
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseSchedule(%q) error = %v, want it to mention %q", tt.spec, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSchedule(%q): %v", tt.spec, err)
			}
			if got := s.Next(base); !got.Equal(tt.next) {
				t.Errorf("Next(%v) = %v, want %v", base, got, tt.next)
			}
		})
	}
}

func TestEvery_SameInstantsEverywhere(t *testing.T) {
	e := scheduler.Every{Interval: 15 * time.Minute}
	a := e.Next(time.Date(2026, 1, 1, 10, 1, 0, 0, time.UTC))
	b := e.Next(time.Date(2026, 1, 1, 11, 14, 59, 0, time.FixedZone("X", 3600)))
	if !a.Equal(b) {
		t.Errorf("two replicas disagree: %v vs %v", a, b)
	}
	if n := e.Next(a); n.Sub(a) != 15*time.Minute {
		t.Errorf("next after a tick = %v", n)
	}
}
