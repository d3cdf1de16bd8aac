package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"syndicate"
	"syndicate/ingest/fetch"
	"syndicate/ingest/normalize"
	"syndicate/ingest/parse"
	"syndicate/store"
)

// CommentStore is what comment polling needs from storage.
type CommentStore interface {
	Article(ctx context.Context, id string) (store.ArticleView, error)
	Articles(ctx context.Context, feed store.FeedKey, offset, limit int) (store.Page[store.ArticleView], error)
	AddPartnerComments(ctx context.Context, articleID string, comments []*syndicate.Comment) (int, []store.FeedKey, error)
	FetchState(ctx context.Context, key string) (store.FetchState, error)
	SaveFetchState(ctx context.Context, key string, st store.FetchState) error
}

// commentFeedsToPoll picks the articles of src whose comment feeds this
// pass fetches: those just written (new or changed) first, then those
// published within the comments window, newest first; at most max. Only
// articles src itself published carry its comment feed links.
func commentFeedsToPoll(ctx context.Context, cs CommentStore, src string, written []string, window time.Duration, max int, now time.Time) ([]*syndicate.Article, error) {
	if max <= 0 {
		return nil, nil
	}
	var out []*syndicate.Article
	seen := map[string]bool{}
	add := func(a *syndicate.Article) {
		if a == nil || seen[a.ID] || a.CommentsURL == "" || a.Source.ID != src || len(out) >= max {
			return
		}
		seen[a.ID] = true
		out = append(out, a)
	}
	for _, id := range written {
		v, err := cs.Article(ctx, id)
		if err != nil {
			if syndicate.ErrorKind(err) == syndicate.ENotFound {
				continue
			}
			return nil, err
		}
		add(v.Article)
	}
	cutoff := now.Add(-window)
	const pageSize = 50
	for off := 0; len(out) < max; off += pageSize {
		p, err := cs.Articles(ctx, store.SourceFeed(src), off, pageSize)
		if err != nil {
			return nil, err
		}
		for _, v := range p.Items {
			if v.Published.Before(cutoff) {
				return out, nil // newest first: the rest are older
			}
			add(v.Article)
		}
		if len(p.Items) < pageSize {
			break
		}
	}
	return out, nil
}

// pollComments fetches the comment feeds of src's recent articles with
// conditional GET and stores new comments. A comment feed that fails is
// logged and skipped: it never fails the source's pass.
func (in *Ingester) pollComments(ctx context.Context, cs CommentStore, src syndicate.Source, written []string, log *slog.Logger) (added int, changed []store.FeedKey) {
	now := in.opts.Now()
	arts, err := commentFeedsToPoll(ctx, cs, src.ID, written, in.opts.CommentsWindow, in.opts.MaxCommentFeeds, now)
	if err != nil {
		log.Warn("comment feeds: list articles", "error", err)
		return 0, nil
	}
	for _, a := range arts {
		n, feeds, err := in.pollCommentFeed(ctx, cs, src, a, now)
		if err != nil {
			log.Warn("comment feed failed", "article_id", a.ID, "feed_url", a.CommentsURL, "error", err)
			continue
		}
		added += n
		changed = append(changed, feeds...)
	}
	return added, changed
}

func (in *Ingester) pollCommentFeed(ctx context.Context, cs CommentStore, src syndicate.Source, a *syndicate.Article, now time.Time) (int, []store.FeedKey, error) {
	key := "comments:" + a.ID
	st, err := cs.FetchState(ctx, key)
	if err != nil {
		return 0, nil, err
	}
	// Comment feed URLs come from partner content: never file:, except a
	// config file: source's links inside its own directory (offline demos),
	// checked again here as the files may have changed.
	req := fetch.Request{URL: a.CommentsURL, ETag: st.ETag, LastModified: st.LastModified}
	if syndicate.IsFileURL(a.CommentsURL) {
		if src.Managed != syndicate.ManagedConfig {
			return 0, nil, fmt.Errorf("file: comment feeds are followed only for config-file sources")
		}
		if req.URL, err = normalize.FileCommentFeed(src.URL, a.CommentsURL); err != nil {
			return 0, nil, err
		}
		req.AllowFile = true
	}
	resp, err := in.opts.Fetcher.Fetch(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	st.Checked = now.UTC()
	if resp.NotModified {
		return 0, nil, cs.SaveFetchState(ctx, key, st)
	}
	doc, err := parse.Read(resp.Body, resp.ContentType)
	if err != nil {
		return 0, nil, fmt.Errorf("parse: %w", err)
	}
	for _, r := range doc.Repairs {
		in.log.Warn("partner comment feed repaired", "article_id", a.ID, "repair", r)
	}
	comments := normalize.Comments(doc.Feed, a, normalize.Options{Now: now, Policy: in.opts.Policy})
	n, changed, err := cs.AddPartnerComments(ctx, a.ID, comments)
	if err != nil {
		return 0, nil, err
	}
	st.ETag, st.LastModified = resp.ETag, resp.LastModified
	return n, changed, cs.SaveFetchState(ctx, key, st)
}
