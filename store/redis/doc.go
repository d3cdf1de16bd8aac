// Package redis is the store used when store.redis_url is set: any number
// of replicas and `syndicate ingest` processes share one Redis (a single
// node, a Sentinel-managed primary, or a Cluster).
//
// # Keys
//
// Every key starts with the prefix (Options.Prefix, default "syn"; shown
// as P). The part in braces is the Redis Cluster hash tag: an article's
// keys share one slot, a feed's index and version another, a source's
// keys a third, so no command or pipeline step needs keys from two slots
// and articles spread over a cluster.
//
//	key                          type    contents
//	P:meta                       hash    schema_version; created (RFC 3339, set once with HSETNX);
//	                                     categories_built (P:categories_in_use was filled from P:categories)
//	P:{a:ID}:article             string  the article as JSON
//	P:{a:ID}:comments            zset    approved comments of the article: member comment id,
//	                                     score published (Unix seconds); also the index of the
//	                                     feed article:ID, and its ZCARD is the comment count
//	P:{a:ID}:comment_data        hash    comment id → comment JSON (every status)
//	P:{a:ID}:comment_guids       hash    partner comment GUID → comment id (dedupe)
//	P:{f:FEED}:idx               zset    index of an article feed (FEED = all, source:ID,
//	                                     category:SLUG): member article id, score published
//	                                     (Unix seconds); for FEED = comments: member
//	                                     "articleID/commentID", score the comment's published
//	P:{f:FEED}:version           hash    v (counter), modified (Unix seconds, never moves back)
//	P:{f:FEED}:retracted         zset    retracted article ids of the feed, score the retraction's Unix time
//	P:{f:FEED}:retracted_data    hash    article id → store.Retraction JSON (both trimmed to the tombstone window)
//	                                     of the last write that changed FEED (any feed, incl.
//	                                     article:ID); both set by one Lua script on this key
//	P:{s:ID}:guids               hash    the source's entry key → article id
//	P:{s:ID}:tombstones          set     ids of articles pruned or taken down for the source
//	                                     (its entry keys stay in P:{s:ID}:guids)
//	P:{s:ID}:status              string  the source's status as JSON
//	P:{u:HASH}:owner             string  canonical URL claim: article id (SET NX);
//	                                     HASH = syndicate.ShortHash(canonical URL)
//	P:{e:HASH}:owner             string  entry id claim: article id (SET NX);
//	                                     HASH = syndicate.ShortHash(entry id)
//	P:categories                 hash    category slug → label (first label seen, HSETNX)
//	P:categories_in_use          zset    slugs of the categories whose index lists an article,
//	                                     score 0 (ordered by slug; a page is one ZRANGE),
//	                                     reconciled after every index write (categories.go)
//	P:sources                    hash    source id → source JSON (sources created through the API)
//	P:comment_article            hash    local (reader) comment id → article id
//	P:{f:cstatus:STATUS}:idx     zset    local comments in a moderation status: member
//	                                     "articleID/commentID", score published
//	P:known_commenters           set     syndicate.CommenterKey (name + e-mail) of authors with an approved comment
//	P:{r:HASH}:rate              string  a rate-limit window's counter (INCR, PEXPIRE)
//	P:secrets                    hash    name → random secret (HSETNX: every replica agrees)
//	P:websub                     hash    WebSub subscription id → subscription JSON (WATCH/MULTI updates)
//	P:changes                    channel PUBLISH of a JSON list of changed feed keys
//
// # Order and paging
//
// Index scores are published times in whole seconds; Redis orders equal
// scores by member, so ZREVRANGE gives published descending, then id
// descending: the order of the embedded store. A page is one ZREVRANGE of
// offset..offset+limit-1 and one pipeline of GETs (never a cross-slot
// MGET), so a page never loads the whole feed.
//
// # Writes
//
// Package store decides every write (store.Apply for an ingest, and the
// comment, retention and takedown rules); this package lays the decisions
// out. For an ingest, reads and claims are one pipeline each; the commit
// is three: articles, then their indexes, then the source's entry keys and
// the version bumps (a moved URL adds its SET NX and release in between). Every write but the bump
// is idempotent (SET, ZADD, HSETNX, SET NX), and a repeated bump only costs
// a re-render, so a write cut short is completed by the next pass. A
// replica never sees an index naming an unwritten article, nor a version
// bump ahead of its indexes. Concurrent writers of one canonical URL end
// with one article: the SET NX claim decides. Concurrent writers of one
// existing article (two sources joining it at once) are last-writer-wins
// on its JSON; a carrier dropped that way is restored by its source's
// next pass.
//
// # Watching
//
// After a write the changed feed keys are published on P:changes, and the
// writing process's own watchers are told before the write returns. Watch
// subscribes and calls fn(nil) after every (re)subscription, because
// messages sent while disconnected are lost; the feed cache also re-checks
// versions every few seconds (docs/decisions/feed-cache.md).
//
// # Server settings
//
// Open warns unless `appendonly yes` (a restart keeps every acknowledged
// write) and `maxmemory-policy noeviction` (memory pressure fails writes
// instead of silently evicting articles or indexes).
package redis
