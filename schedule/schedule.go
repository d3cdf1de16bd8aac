// Package schedule parses source schedules: five-field cron specs, cron
// descriptors and epoch-aligned "@every" intervals. It is a leaf, so that
// configuration checks and the editors' API can validate a schedule
// without depending on the scheduler that runs it.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Every is a cron.Schedule that fires at multiples of Interval since the
// Unix epoch, so that "@every 15m" ticks at the same instants on every
// replica and after every restart (docs/decisions/fleet.md). robfig's own
// @every is relative to when the job was added.
type Every struct{ Interval time.Duration }

// Next returns the first multiple of Interval strictly after t.
func (e Every) Next(t time.Time) time.Time {
	return Floor(t, e.Interval).Add(e.Interval).In(t.Location())
}

// Floor returns the last multiple of d since the Unix epoch at or before
// t, in UTC. time.Truncate counts from the zero Time, not the Unix epoch,
// so this computes from Unix nanoseconds instead.
func Floor(t time.Time, d time.Duration) time.Time {
	ns := t.UnixNano()
	m := ns % int64(d)
	if m < 0 {
		m += int64(d)
	}
	return time.Unix(0, ns-m).UTC()
}

// MinInterval is the shortest @every interval accepted.
const MinInterval = time.Second

// Parse parses a source schedule: a five-field cron spec (optionally
// prefixed by CRON_TZ=Zone or TZ=Zone), a descriptor such as @hourly, or
// "@every DURATION" (aligned to the epoch). It never panics: robfig/cron
// v3.0.1 panics on some malformed TZ= prefixes, which is turned into an
// error here.
func Parse(spec string) (s cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("empty schedule")
	}
	if rest, ok := strings.CutPrefix(spec, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("bad @every duration %q: %v", rest, err)
		}
		if d < MinInterval {
			return nil, fmt.Errorf("@every %s is shorter than the minimum %s", d, MinInterval)
		}
		return Every{Interval: d}, nil
	}
	if tz, rest, ok := cutTZ(spec); ok {
		if _, err := time.LoadLocation(tz); err != nil {
			return nil, fmt.Errorf("bad time zone %q: %v", tz, err)
		}
		if strings.TrimSpace(rest) == "" {
			return nil, fmt.Errorf("schedule %q has a time zone but no fields", spec)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("bad schedule %q: %v", spec, r)
		}
	}()
	s, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("bad schedule %q: %v", spec, err)
	}
	return s, nil
}

func cutTZ(spec string) (tz, rest string, ok bool) {
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if r, found := strings.CutPrefix(spec, p); found {
			tz, rest, _ = strings.Cut(r, " ")
			return tz, rest, true
		}
	}
	return "", "", false
}

// Interval estimates how often s fires: the gap between its next two
// ticks after t. Used to decide whether a start-up run is needed.
func Interval(s cron.Schedule, t time.Time) time.Duration {
	if e, ok := s.(Every); ok {
		return e.Interval
	}
	a := s.Next(t)
	return s.Next(a).Sub(a)
}
