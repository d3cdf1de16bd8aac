package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"syndicate"
	"syndicate/feeds"
	"syndicate/ingest"
	"syndicate/store"
	"syndicate/store/embedded"
	"syndicate/websub"
)

func (m *Main) ingest(ctx context.Context, args []string) int {
	fs := m.flags("ingest", "Runs one ingest pass now over every enabled source (or one), prints one line\nper source, and exits 1 if any source failed (2 on a bad configuration).")
	path := fs.String("config", "", "config file (default ./syndicate.yaml if present, else built-in defaults)")
	only := fs.String("source", "", "ingest only this source id")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := m.loadConfig(*path)
	if cfg == nil {
		return code
	}
	srcs := cfg.DomainSources()
	if *only != "" {
		var found []syndicate.Source
		for _, s := range srcs {
			if s.ID == *only {
				s.Enabled = true // asked for by name: run it even if disabled
				found = append(found, s)
			}
		}
		if len(found) == 0 {
			fmt.Fprintf(m.Stderr, "syndicate: no source %q in the configuration\n", *only)
			return exitConfig
		}
		srcs = found
	}
	log := m.newLogger(cfg)
	st, _, err := m.openStore(ctx, cfg, log, 2*time.Second, nil)
	if errors.Is(err, embedded.ErrLocked) {
		fmt.Fprintf(m.Stderr, "syndicate: %v\nThe embedded store in %s is held by a running `syndicate serve`. Stop it first, or ask the running server to refresh a source with POST /api/sources/{id}/refresh.\n", err, cfg.Store.DataDir)
		return exitFailed
	}
	if err != nil {
		fmt.Fprintf(m.Stderr, "syndicate: %v\n", err)
		return exitFailed
	}
	defer st.Close()
	in := m.newIngester(cfg, st, newPolicy(cfg), log, nil, nil)
	code = exitOK
	var changed []store.FeedKey
	for _, sum := range in.RunAll(ctx, srcs, true) {
		fmt.Fprintln(m.Stdout, sum.String())
		if sum.Status == ingest.StatusFailed {
			code = exitFailed
		}
		changed = append(changed, sum.Changed...)
	}
	if cfg.WebSub.HubURL != "" && len(changed) > 0 {
		slices.Sort(changed)
		pub := websub.New(websub.Options{HubURL: cfg.WebSub.HubURL, UserAgent: userAgent(cfg), Logger: log})
		pub.PublishNow(ctx, feeds.TopicURLs(cfg.BaseURL, slices.Compact(changed)))
	}
	return code
}
