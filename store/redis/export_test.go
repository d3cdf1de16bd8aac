package redis

import "time"

// SetRenewals makes the store renew running marks whenever pace(every)'s
// channel delivers, instead of on a ticker; stop is called when the run
// ends. Lease tests use it to renew on demand rather than wait for a clock.
func (s *Store) SetRenewals(pace func(every time.Duration) (ch <-chan time.Time, stop func())) {
	s.renewals = pace
}

// TickKey and RunningKey name a source's lease keys, so tests can read
// their expiry in Redis.
func (s *Store) TickKey(sourceID string, tick time.Time) string { return s.k.tickLease(sourceID, tick) }
func (s *Store) RunningKey(sourceID string) string              { return s.k.running(sourceID) }
