package main

import (
	"context"
	"log/slog"

	"syndicate/config"
	"syndicate/feeds"
	"syndicate/ingest"
	"syndicate/ingest/fetch"
	"syndicate/sanitize"
	"syndicate/store"
)

func userAgent(cfg *config.Config) string {
	if cfg.Ingest.UserAgent != "" {
		return cfg.Ingest.UserAgent
	}
	return "Syndicate/" + Version + " (+" + cfg.BaseURL + ")"
}

// newIngester copies what ingest needs out of the configuration.
// onBody hooks, if any, see every feed body fetched (WebSub discovery).
func (m *Main) newIngester(cfg *config.Config, st ingest.Store, policy *sanitize.Policy, log *slog.Logger, onChange func(context.Context, []store.FeedKey), observe func(ingest.Summary), onBody ...func(fetch.Request, *fetch.Response)) *ingest.Ingester {
	f := fetch.New(fetch.Options{
		Timeout:      cfg.Ingest.Timeout,
		MaxBytes:     cfg.Ingest.MaxBodyBytes,
		UserAgent:    userAgent(cfg),
		AllowPrivate: cfg.Ingest.AllowPrivateNetworks,
		Proxy:        cfg.Parsed.ProxyURL,
		PerHost:      cfg.Ingest.PerHost,
		OnBody: func(req fetch.Request, resp *fetch.Response) {
			for _, fn := range onBody {
				fn(req, resp)
			}
		},
	})
	return ingest.New(st, ingest.Options{
		Fetcher:     f,
		Policy:      policy,
		StripParams: cfg.Ingest.StripParams,
		Concurrency: cfg.Ingest.Concurrency,
		Now:         m.Now,
		Logger:      log,

		CommentsWindow:  cfg.Ingest.CommentsWindow,
		MaxCommentFeeds: cfg.Ingest.MaxCommentFeeds,
		RetainItems:     cfg.Ingest.Retention.MaxItemsPerSource,
		RetainFor:       cfg.Ingest.Retention.MaxAge,
		OnChange:        onChange,
		Observe:         observe,
	})
}

func newPolicy(cfg *config.Config) *sanitize.Policy {
	return sanitize.New(sanitize.Options{IframeHosts: cfg.Sanitize.IframeHosts})
}

// newRenderer copies the site description out of the configuration.
func newRenderer(cfg *config.Config, policy *sanitize.Policy) *feeds.Renderer {
	site := feeds.Site{
		BaseURL:     cfg.BaseURL,
		Title:       cfg.Site.Title,
		Description: cfg.Site.Description,
		Language:    cfg.Site.Language,
		HubURL:      cfg.WebSub.HubURL,
		ArticleURL:  cfg.Parsed.ArticleURL,
	}
	return feeds.NewRenderer(site, policy)
}
