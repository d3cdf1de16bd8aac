package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest"
	"syndicate/scheduler"
	"syndicate/store"
	"syndicate/store/redis"
	"syndicate/websub"
)

// A delivery's ingest waits while another replica runs the source (its
// running mark on Redis), asks the hub to retry when that lasts, and
// runs once the source is free.
func TestWebSubIngest_OnceFleetWide(t *testing.T) {
	var url, prefix string
	// redisStore picks a fresh prefix and removes its keys afterwards.
	if _, err := fmt.Sscanf(redisStore(t), "  redis_url: %q\n  redis_prefix: %q\n", &url, &prefix); err != nil {
		t.Fatal(err)
	}
	opts := redis.Options{URL: url, Prefix: prefix}
	here, err := redis.Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer here.Close()
	other, err := redis.Open(t.Context(), opts) // another replica
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	w := &websubWiring{
		hold: here.HoldRunning, holdWait: 300 * time.Millisecond, log: slog.New(slog.DiscardHandler),
		in:    ingest.New(here, ingest.Options{}),
		sched: scheduler.New(scheduler.Options{Job: func(context.Context, syndicate.Source) {}}),
	}
	src := syndicate.Source{ID: "pushy", Name: "Pushy", URL: "https://pushy.example/feed.atom", SiteURL: "https://pushy.example/", Enabled: true, Managed: syndicate.ManagedAPI}
	body := []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title>P</title><id>urn:p</id><updated>2026-11-20T10:00:00Z</updated>` +
		`<entry><id>urn:p:1</id><title>Held story</title><link href="https://pushy.example/1"/><updated>2026-11-20T10:00:00Z</updated><summary>s</summary></entry></feed>`)

	if err := here.PutSource(t.Context(), src, true); err != nil {
		t.Fatal(err)
	}
	release, ok, err := other.HoldRunning(t.Context(), src.ID)
	if err != nil || !ok {
		t.Fatalf("other replica's hold: %v %v", ok, err)
	}
	if err := w.ingest(t.Context(), src, body, "application/atom+xml"); !errors.Is(err, websub.ErrBusy) {
		t.Fatalf("ingest while another replica runs the source = %v, want ErrBusy", err)
	}
	if page, _ := here.Articles(t.Context(), store.SourceFeed(src.ID), 0, 10); page.Total != 0 {
		t.Fatal("ingested beside another replica's run")
	}
	release()
	if err := w.ingest(t.Context(), src, body, "application/atom+xml"); err != nil {
		t.Fatalf("ingest once free = %v", err)
	}
	if page, _ := here.Articles(t.Context(), store.SourceFeed(src.ID), 0, 10); page.Total != 1 || page.Items[0].Title != "Held story" {
		t.Fatalf("after the delivery: %+v", page)
	}
}
