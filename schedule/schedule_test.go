package schedule_test

import (
	"strings"
	"testing"
	"time"

	"syndicate/schedule"
)

func TestParse(t *testing.T) {
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
			s, err := schedule.Parse(tt.spec)
			if tt.name == "TZZero" {
				if err == nil {
					t.Fatalf("Parse(%q) = nil error, want one", tt.spec)
				}
				return
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse(%q) error = %v, want it to mention %q", tt.spec, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.spec, err)
			}
			if got := s.Next(base); !got.Equal(tt.next) {
				t.Errorf("Next(%v) = %v, want %v", base, got, tt.next)
			}
		})
	}
}

func TestEvery_SameInstantsEverywhere(t *testing.T) {
	e := schedule.Every{Interval: 15 * time.Minute}
	a := e.Next(time.Date(2026, 1, 1, 10, 1, 0, 0, time.UTC))
	b := e.Next(time.Date(2026, 1, 1, 11, 14, 59, 0, time.FixedZone("X", 3600)))
	if !a.Equal(b) {
		t.Errorf("two replicas disagree: %v vs %v", a, b)
	}
	if n := e.Next(a); n.Sub(a) != 15*time.Minute {
		t.Errorf("next after a tick = %v", n)
	}
}

func TestFloor(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		d    time.Duration
		want time.Time
	}{
		{"OnTick", time.Unix(900, 0), 15 * time.Minute, time.Unix(900, 0)},
		{"InsideInterval", time.Unix(1799, 0), 15 * time.Minute, time.Unix(900, 0)},
		{"OtherZoneSameInstant", time.Unix(1799, 0).In(time.FixedZone("X", 3600)), 15 * time.Minute, time.Unix(900, 0)},
		{"BeforeEpoch", time.Unix(-1, 0), time.Minute, time.Unix(-60, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := schedule.Floor(tt.t, tt.d)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("Floor(%v, %v) = %v, want %v in UTC", tt.t, tt.d, got, tt.want.UTC())
			}
		})
	}
}
