// Package store defines Syndicate's storage contract: articles with their
// per-feed indexes, comments, source status, and per-feed version stamps
// that tell the feed cache when to re-render. Two backends implement it:
// store/embedded (bbolt, on disk in data_dir) and store/redis.
//
// The rules of an ingest write (identity, cross-source dedupe, what counts
// as a change) are written once, in Apply, over the small IngestTx
// interface that each backend implements; the conformance suite in
// store/storetest holds both backends to the same behaviour.
package store
