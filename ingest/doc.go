// Package ingest runs ingest passes: for each source it fetches the feed
// (bounded, conditional), parses it, normalizes and sanitizes every entry,
// and hands the batch to the store in one write. It records the outcome in
// the source's status. One source's failure is data, never a crash: it is
// recorded, the source keeps its articles, and other sources carry on.
//
// Subpackages: fetch (bounded HTTP and file: reads), parse (gofeed with
// charset fixes), normalize (pure: parsed feed → articles).
package ingest
