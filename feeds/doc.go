// Package feeds republishes stored articles and comments as RSS 2.0, Atom
// 1.0 and JSON Feed 1.1, and serves them over HTTP from an in-process
// cache.
//
// Rendering (render*.go) is pure: the same articles, sources and site give
// the same bytes on every replica, with every date taken from data. It
// builds gorilla/feeds' own structures and extends them through its types
// (embedding, shadowing fields, adding namespaced ones) to carry what the
// library lacks: RSS <source url>, dc:creator, several categories,
// wfw:commentRss and slash:comments; Atom <published>, <source>, several
// authors and categories, rel="replies" with thr:count, thr:in-reply-to,
// RFC 5005 paging links; JSON Feed authors without the deprecated author,
// always an items array, and the _syndication extension.
//
// Serving (server.go, cache.go) keeps rendered bytes, their gzip, strong
// ETags and Last-Modified per (feed, format, page, limit), checked against
// the feed's version stamp, which the store pushes to us (docs/decisions/feed-cache.md):
// an unchanged feed costs no rendering and no store round trip.
package feeds
