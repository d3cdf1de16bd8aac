package websub_test

import (
	"context"
	"testing"
	"time"

	"syndicate/store"
	"syndicate/websub"
)

func TestFreshness(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	a, b, c := store.FeedAll, store.SourceFeed("p"), store.ArticleCommentsFeed("x")
	tests := []struct {
		name    string
		before  [][]store.FeedKey // notifications before Changed
		changed []store.FeedKey
		after   [][]store.FeedKey // notifications after
		want    []time.Duration   // observed, one step (second) per notification
	}{
		{"notified after the change", nil, []store.FeedKey{a, b}, [][]store.FeedKey{{a}, {b}}, []time.Duration{3 * time.Second}},
		{"notified before (embedded commits first)", [][]store.FeedKey{{a, b, c}}, []store.FeedKey{a, b, c}, nil, []time.Duration{time.Second}},
		{"a reconnect counts as all", nil, []store.FeedKey{a}, [][]store.FeedKey{nil}, []time.Duration{2 * time.Second}},
		{"comment feeds are not waited for", nil, []store.FeedKey{c, a}, [][]store.FeedKey{{a}}, []time.Duration{2 * time.Second}},
		{"never notified", nil, []store.FeedKey{a}, [][]store.FeedKey{{b}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0
			var got []time.Duration
			f := websub.NewFreshness(func(trigger string, d time.Duration) {
				if trigger != websub.TriggerDelivery {
					t.Errorf("trigger %q", trigger)
				}
				got = append(got, d)
			}, func() time.Time { return now })
			ctx := websub.WithStart(context.Background(), websub.TriggerDelivery, t0)
			for _, n := range tt.before {
				now = now.Add(time.Second)
				f.Seen(n)
			}
			f.Changed(context.Background(), tt.changed) // no trigger: not measured
			now = now.Add(time.Second)
			f.Changed(ctx, tt.changed)
			for _, n := range tt.after {
				now = now.Add(time.Second)
				f.Seen(n)
			}
			if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Errorf("observed %v, want %v", got, tt.want)
			}
		})
	}
}
