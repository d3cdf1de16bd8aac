package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"time"

	bolt "go.etcd.io/bbolt"

	"syndicate/store"
)

// Pull analytics: bucket "pulls" holds a bucket per UTC day (feed path ->
// 16 bytes: pulls, 304s); "pull-last" maps a feed path to its latest pull
// (unix nanoseconds); "pull-subs" maps "path\x00aggregator" to the latest
// subscriber count that aggregator reported.
var (
	bPulls    = []byte("pulls")
	bPullLast = []byte("pull-last")
	bPullSubs = []byte("pull-subs")
)

var _ store.PullStats = (*Store)(nil)

// AddPulls adds one flush of pull counts in one transaction.
func (s *Store) AddPulls(ctx context.Context, deltas []store.PullDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		days, err := tx.CreateBucketIfNotExists(bPulls)
		if err != nil {
			return err
		}
		last, err := tx.CreateBucketIfNotExists(bPullLast)
		if err != nil {
			return err
		}
		subs, err := tx.CreateBucketIfNotExists(bPullSubs)
		if err != nil {
			return err
		}
		newest := ""
		for _, d := range deltas {
			if _, err := time.Parse(store.PullDayFormat, d.Day); err != nil {
				return fmt.Errorf("pull day %q of %s: %w", d.Day, d.Feed, err)
			}
			newest = max(newest, d.Day)
			day, err := days.CreateBucketIfNotExists([]byte(d.Day))
			if err != nil {
				return err
			}
			var v [16]byte
			if old := day.Get([]byte(d.Feed)); len(old) == 16 {
				copy(v[:], old)
			}
			binary.BigEndian.PutUint64(v[:8], binary.BigEndian.Uint64(v[:8])+uint64(d.Pulls))
			binary.BigEndian.PutUint64(v[8:], binary.BigEndian.Uint64(v[8:])+uint64(d.NotModified))
			if err := day.Put([]byte(d.Feed), v[:]); err != nil {
				return err
			}
			if !d.Last.IsZero() {
				at := d.Last.UnixNano()
				if old := last.Get([]byte(d.Feed)); len(old) != 8 || int64(binary.BigEndian.Uint64(old)) < at {
					if err := last.Put([]byte(d.Feed), binary.BigEndian.AppendUint64(nil, uint64(at))); err != nil {
						return err
					}
				}
			}
			if err := putSubscribers(subs, d.Feed, d.Subscribers); err != nil {
				return err
			}
		}
		return dropOldDays(days, newest)
	})
}

// putSubscribers keeps a feed's subscriber counts under the
// store.MaxAggregators bound (store.KeepLargest over what is stored).
func putSubscribers(subs *bolt.Bucket, feed string, reported map[string]int64) error {
	if len(reported) == 0 {
		return nil
	}
	prefix := []byte(feed + "\x00")
	kept := map[string]int64{}
	c := subs.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(v) == 8 {
			kept[string(k[len(prefix):])] = int64(binary.BigEndian.Uint64(v))
		}
	}
	before := maps.Clone(kept)
	for agg, n := range reported {
		store.KeepLargest(kept, agg, n)
	}
	for agg := range before {
		if _, ok := kept[agg]; !ok {
			if err := subs.Delete(append(bytes.Clone(prefix), agg...)); err != nil {
				return err
			}
		}
	}
	for agg, n := range kept {
		if old, ok := before[agg]; ok && old == n {
			continue
		}
		if err := subs.Put(append(bytes.Clone(prefix), agg...), binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
			return err
		}
	}
	return nil
}

// dropOldDays deletes the day buckets more than PullDays before newest.
func dropOldDays(days *bolt.Bucket, newest string) error {
	t, err := time.Parse(store.PullDayFormat, newest)
	if err != nil {
		return err
	}
	first := []byte(t.AddDate(0, 0, 1-store.PullDays).Format(store.PullDayFormat))
	var old [][]byte
	c := days.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, first) < 0; k, _ = c.Next() {
		old = append(old, bytes.Clone(k))
	}
	for _, k := range old {
		if err := days.DeleteBucket(k); err != nil {
			return err
		}
	}
	return nil
}

// Pulls returns the stored pull counts from day since on.
func (s *Store) Pulls(ctx context.Context, since string) (*store.PullReport, error) {
	out := &store.PullReport{Days: map[string]map[string]store.PullCounts{}, Last: map[string]time.Time{}, Subscribers: map[string]map[string]int64{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		if days := tx.Bucket(bPulls); days != nil {
			c := days.Cursor()
			for k, _ := c.Seek([]byte(since)); k != nil; k, _ = c.Next() {
				day := days.Bucket(k)
				if day == nil {
					continue
				}
				m := map[string]store.PullCounts{}
				day.ForEach(func(feed, v []byte) error {
					if len(v) == 16 {
						m[string(feed)] = store.PullCounts{Pulls: int64(binary.BigEndian.Uint64(v[:8])), NotModified: int64(binary.BigEndian.Uint64(v[8:]))}
					}
					return nil
				})
				out.Days[string(k)] = m
			}
		}
		if last := tx.Bucket(bPullLast); last != nil {
			last.ForEach(func(feed, v []byte) error {
				if len(v) == 8 {
					out.Last[string(feed)] = time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC()
				}
				return nil
			})
		}
		if subs := tx.Bucket(bPullSubs); subs != nil {
			subs.ForEach(func(k, v []byte) error {
				feed, agg, ok := bytes.Cut(k, []byte{0})
				if ok && len(v) == 8 {
					if out.Subscribers[string(feed)] == nil {
						out.Subscribers[string(feed)] = map[string]int64{}
					}
					out.Subscribers[string(feed)][string(agg)] = int64(binary.BigEndian.Uint64(v))
				}
				return nil
			})
		}
		return nil
	})
	return out, err
}
