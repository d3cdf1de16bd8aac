// Package store defines Syndicate's storage contract: articles with their
// per-feed indexes, comments, source status, and per-feed version stamps
// that tell the feed cache when to re-render. Two backends implement it:
// store/embedded (bbolt, on disk in data_dir) and store/redis.
//
// The rules of every write are written once, here, over small transaction
// interfaces that each backend implements on its own layout: ingest
// (identity, cross-source dedupe, what counts as a change, moved URLs) in
// Apply over IngestTx; reader comments over CommentTx; partner comments
// over PartnerCommentTx; retention, retirement and takedowns over
// RemovalTx. A backend keeps its layout and its atomicity only. Each rule
// returns the feeds it changed. The conformance suite in store/storetest
// holds both backends to the same behaviour.
package store
