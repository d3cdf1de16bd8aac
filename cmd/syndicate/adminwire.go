package main

import (
	"context"
	"time"

	"syndicate"
	"syndicate/admin"
	"syndicate/config"
	"syndicate/embargo"
	"syndicate/feeds"
	"syndicate/ingest"
	"syndicate/pages"
	"syndicate/scheduler"
)

// server is the running server as the admin surface sees it
// (admin.Runtime), and the registry's consumer of the source set (Apply).
type server struct {
	in    *ingest.Ingester
	sched *scheduler.Scheduler
	feeds *feeds.Server
	pages *pages.Server
	// websub adds the fallback schedule of subscribed sources (nil: off).
	websub *websubWiring
	// embargo hides held articles (their sources' holds).
	embargo *embargo.Guard
}

var _ admin.Runtime = (*server)(nil)

// Refresh ingests src now, after any scheduled run of it in progress.
func (r *server) Refresh(ctx context.Context, src syndicate.Source) admin.Summary {
	var sum ingest.Summary
	if err := r.sched.Exclusive(ctx, src.ID, func(ctx context.Context) { sum = r.in.Run(ctx, src, true) }); err != nil {
		return admin.Summary{SourceID: src.ID, Status: ingest.StatusFailed, Error: err.Error()}
	}
	out := admin.Summary{SourceID: sum.SourceID, Status: sum.Status, HTTP: sum.HTTP, New: sum.New, Updated: sum.Updated,
		Unchanged: sum.Unchanged, Skipped: sum.Skipped, Pruned: sum.Pruned, Duration: sum.Duration.Round(time.Millisecond).String()}
	if sum.Err != nil {
		out.Error = sum.Err.Error()
	}
	return out
}

func (r *server) NextRun(id string) time.Time { return r.sched.NextRun(id) }

// StopRuns cancels and waits for a run of source id, then runs fn while
// none may start (admin.RunStopper: a delete).
func (r *server) StopRuns(ctx context.Context, id string, fn func(context.Context) error) error {
	return r.sched.Cancel(ctx, id, fn)
}

// Apply makes the scheduler (with WebSub's fallback schedules), the
// feeds, the pages and the embargo guard use srcs: the registry's
// consumer. Its error is the scheduler's, a bad schedule, which only a bug
// can bring (both the config and the API validate them).
func (r *server) Apply(srcs []syndicate.Source) error {
	err := r.websub.apply(r.sched, srcs)
	r.feeds.SetSources(srcs)
	r.pages.SetSources(srcs)
	if r.embargo != nil {
		r.embargo.SetSources(srcs)
	}
	return err
}

func adminTokens(cfg *config.Config) []admin.Token {
	var out []admin.Token
	for _, t := range cfg.Admin.Tokens {
		out = append(out, admin.Token{Name: t.Name, Value: t.Token})
	}
	return out
}
