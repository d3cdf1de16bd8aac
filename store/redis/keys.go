package redis

import (
	"syndicate"
	"syndicate/store"
)

// keys builds every key this package uses; doc.go lists them. The part in
// braces is the Redis Cluster hash tag: keys sharing a tag live in one slot,
// so an article's JSON, its comments and its comment index can be read in
// one pipeline on one node, while different articles spread over the
// cluster (docs/decisions/fleet.md: a tag per article, not one global tag).
type keys struct{ p string }

func (k keys) meta() string       { return k.p + ":meta" }
func (k keys) categories() string { return k.p + ":categories" }
func (k keys) changes() string    { return k.p + ":changes" }

func (k keys) article(id string) string { return k.p + ":{a:" + id + "}:article" }

// comments is the index of an article's approved comments (member: comment id).
func (k keys) comments(articleID string) string { return k.p + ":{a:" + articleID + "}:comments" }

// commentData holds every comment of an article, approved or not: id → JSON.
func (k keys) commentData(articleID string) string {
	return k.p + ":{a:" + articleID + "}:comment_data"
}

// commentGUIDs maps an article's partner comment GUIDs to comment ids.
func (k keys) commentGUIDs(articleID string) string {
	return k.p + ":{a:" + articleID + "}:comment_guids"
}

// index is the sorted set that lists a feed. An article's comment feed is
// kept under the article's tag; every other feed has its own.
func (k keys) index(f store.FeedKey) string {
	if kind, id := f.Split(); kind == "article" {
		return k.comments(id)
	}
	return k.p + ":{f:" + string(f) + "}:idx"
}

func (k keys) version(f store.FeedKey) string { return k.p + ":{f:" + string(f) + "}:version" }

// retracted orders a feed's retractions (member article id, score when);
// retractedData holds them: article id → Retraction JSON.
func (k keys) retracted(f store.FeedKey) string { return k.p + ":{f:" + string(f) + "}:retracted" }
func (k keys) retractedData(f store.FeedKey) string {
	return k.p + ":{f:" + string(f) + "}:retracted_data"
}

func (k keys) fetch(key string) string {
	return k.p + ":{x:" + syndicate.ShortHash(key) + "}:fetch"
}

func (k keys) sources() string { return k.p + ":sources" }

// commentArticle maps local comment ids to their article ids.
func (k keys) commentArticle() string { return k.p + ":comment_article" }
func (k keys) known() string          { return k.p + ":known_commenters" }
func (k keys) rate(key string) string { return k.p + ":{r:" + syndicate.ShortHash(key) + "}:rate" }
func (k keys) secrets() string        { return k.p + ":secrets" }

func (k keys) guids(sourceID string) string { return k.p + ":{s:" + sourceID + "}:guids" }
func (k keys) tombs(sourceID string) string { return k.p + ":{s:" + sourceID + "}:tombstones" }
func (k keys) status(sourceID string) string {
	return k.p + ":{s:" + sourceID + "}:status"
}

// urlOwner and entryIDOwner are the SET NX claims that arbitrate concurrent
// writers; URLs are hashed so a key stays short and brace-free.
func (k keys) urlOwner(canonicalURL string) string {
	return k.p + ":{u:" + syndicate.ShortHash(canonicalURL) + "}:owner"
}

func (k keys) entryIDOwner(entryID string) string {
	return k.p + ":{e:" + syndicate.ShortHash(entryID) + "}:owner"
}
