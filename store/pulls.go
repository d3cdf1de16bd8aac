package store

import (
	"context"
	"time"
)

// PullDays is how many days of pull counts a store keeps (today and the
// 29 before it); older days are dropped as new ones are written.
const PullDays = 30

// PullDayFormat is the layout of a pull day: its UTC date.
const PullDayFormat = "2006-01-02"

// MaxAggregators bounds the aggregators whose subscriber counts are kept
// per feed (memory and store alike): User-Agents are the client's to
// choose, so a new name per request must not grow what is kept. When a
// feed has as many, a new name replaces the smallest count if it reports
// more (KeepLargest).
const MaxAggregators = 16

// KeepLargest sets m[name] = n under the MaxAggregators bound and reports
// whether m changed: a known name is updated; a new one is added while
// there is room, else it replaces the smallest count if n is larger.
func KeepLargest(m map[string]int64, name string, n int64) bool {
	if _, ok := m[name]; ok || len(m) < MaxAggregators {
		m[name] = n
		return true
	}
	minName, minN := "", int64(0)
	for k, v := range m {
		if minName == "" || v < minN || v == minN && k > minName {
			minName, minN = k, v
		}
	}
	if n <= minN {
		return false
	}
	delete(m, minName)
	m[name] = n
	return true
}

// PullCounts is the pulls of one feed on one day.
type PullCounts struct {
	Pulls       int64 `json:"pulls"`        // 200 and 304 answers
	NotModified int64 `json:"not_modified"` // of which 304
}

// PullDelta is what one replica counted of one feed on one day since its
// last flush; AddPulls adds it to the fleet's totals.
type PullDelta struct {
	Day  string // PullDayFormat (UTC)
	Feed string // the feed's path, without query
	PullCounts
	Last time.Time // the latest pull counted
	// Subscribers is the latest count each aggregator (by name) reported
	// in its User-Agent; nil when none did.
	Subscribers map[string]int64
}

// PullReport is what a store holds of pulls.
type PullReport struct {
	Days        map[string]map[string]PullCounts // day -> feed path -> counts
	Last        map[string]time.Time             // feed path -> latest pull
	Subscribers map[string]map[string]int64      // feed path -> aggregator -> latest count
}

// PullStats keeps pull analytics shared by every replica. Replicas count
// in memory and flush batches: a store write per batch, never per pull.
type PullStats interface {
	// AddPulls adds the deltas to the stored counts, keeps the later of
	// the stored and the delta's last pull, replaces the subscriber count
	// of each reporting aggregator (at most MaxAggregators per feed, by
	// KeepLargest). Days older than PullDays are dropped.
	AddPulls(ctx context.Context, deltas []PullDelta) error
	// Pulls returns the counts of the days from since (PullDayFormat) on,
	// with every feed's last pull and subscriber counts.
	Pulls(ctx context.Context, since string) (*PullReport, error)
}
