package storetest

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"syndicate/store"
)

// testPulls: pull counts from several flushes (several replicas) add up
// per day and feed, the latest pull only moves forward, each
// aggregator's subscriber count is replaced, counts survive a restart and
// days beyond PullDays are dropped.
func testPulls(t *testing.T, open Factory) {
	s, reopen := open(t)
	ps, ok := s.(store.PullStats)
	if !ok {
		t.Fatalf("%T does not keep pull analytics (store.PullStats)", s)
	}
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	today := now.Format(store.PullDayFormat)
	yesterday := now.AddDate(0, 0, -1).Format(store.PullDayFormat)
	old := now.AddDate(0, 0, -store.PullDays-3).Format(store.PullDayFormat)
	const feed, partner = "/feed.atom", "/partners/alpine/feed.rss"
	flushes := [][]store.PullDelta{
		{
			{Day: old, Feed: feed, PullCounts: store.PullCounts{Pulls: 9}, Last: now.AddDate(0, 0, -store.PullDays-3)},
		},
		{
			{Day: yesterday, Feed: feed, PullCounts: store.PullCounts{Pulls: 4, NotModified: 1}, Last: now.Add(-24 * time.Hour)},
			{Day: today, Feed: feed, PullCounts: store.PullCounts{Pulls: 3, NotModified: 2}, Last: now, Subscribers: map[string]int64{"Feedly": 40, "Inoreader": 5}},
		},
		{ // another replica, which saw an earlier pull and a newer Feedly count
			{Day: today, Feed: feed, PullCounts: store.PullCounts{Pulls: 2, NotModified: 1}, Last: now.Add(-time.Minute), Subscribers: map[string]int64{"Feedly": 42}},
			{Day: today, Feed: partner, PullCounts: store.PullCounts{Pulls: 1}, Last: now.Add(-time.Hour)},
		},
	}
	for _, f := range flushes {
		if err := ps.AddPulls(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := ps.AddPulls(ctx, []store.PullDelta{{Day: "yesterday", Feed: feed}}); err == nil {
		t.Error("AddPulls took a day that is not a date")
	}
	check := func(when string, ps store.PullStats) {
		t.Helper()
		since := now.AddDate(0, 0, 1-store.PullDays-10).Format(store.PullDayFormat)
		r, err := ps.Pulls(ctx, now.AddDate(0, 0, 1-store.PullDays).Format(store.PullDayFormat))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Days[today][feed]; got != (store.PullCounts{Pulls: 5, NotModified: 3}) {
			t.Errorf("%s: today %s = %+v, want 5 pulls, 3 not modified", when, feed, got)
		}
		if got := r.Days[yesterday][feed]; got != (store.PullCounts{Pulls: 4, NotModified: 1}) {
			t.Errorf("%s: yesterday %s = %+v", when, feed, got)
		}
		if got := r.Days[today][partner]; got != (store.PullCounts{Pulls: 1}) {
			t.Errorf("%s: today %s = %+v", when, partner, got)
		}
		if !r.Last[feed].Equal(now) || !r.Last[partner].Equal(now.Add(-time.Hour)) {
			t.Errorf("%s: last pulls = %v", when, r.Last)
		}
		if got := r.Subscribers[feed]; len(got) != 2 || got["Feedly"] != 42 || got["Inoreader"] != 5 {
			t.Errorf("%s: subscribers = %v, want Feedly 42, Inoreader 5", when, got)
		}
		// The old day is gone even when asked for.
		r, err = ps.Pulls(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.Days[old]; ok {
			t.Errorf("%s: the day %s, %d days ago, is still kept", when, old, store.PullDays+3)
		}
	}
	check("after the flushes", ps)
	ps = reopen().(store.PullStats)
	check("after a restart", ps)

	// A flood of made-up aggregator names keeps at most MaxAggregators
	// per feed: the largest counts.
	const flooded = "/sources/flooded/feed.rss"
	first := map[string]int64{"Feedly": 100, "Inoreader": 5}
	if err := ps.AddPulls(ctx, []store.PullDelta{{Day: today, Feed: flooded, PullCounts: store.PullCounts{Pulls: 1}, Last: now, Subscribers: first}}); err != nil {
		t.Fatal(err)
	}
	for round := range 4 {
		bots := map[string]int64{}
		for i := range 10 {
			n := int64(round*10 + i + 1) // 1..40 over the rounds
			bots[fmt.Sprintf("Bot%02d", n)] = n
		}
		if err := ps.AddPulls(ctx, []store.PullDelta{{Day: today, Feed: flooded, PullCounts: store.PullCounts{Pulls: 1}, Last: now, Subscribers: bots}}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := reopen().(store.PullStats).Pulls(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Subscribers[flooded]
	want := map[string]int64{"Feedly": 100}
	for n := int64(26); n <= 40; n++ {
		want[fmt.Sprintf("Bot%02d", n)] = n
	}
	if !maps.Equal(got, want) {
		t.Errorf("flooded feed keeps %d aggregators %v, want the %d largest %v", len(got), got, len(want), want)
	}
}
