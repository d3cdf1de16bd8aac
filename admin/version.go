package admin

import (
	"strings"

	"syndicate"
)

// SourceETag is the version of a source's definition (not its status), as
// a strong HTTP entity tag: an editor's PUT names it in If-Match, and a
// definition changed since is refused.
func SourceETag(src syndicate.Source) string {
	return `"` + src.Version() + `"`
}

// etagMatches reports whether an If-Match header value names etag: "*",
// or a comma-separated list containing it (strong comparison; a weak tag
// never matches).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// StaleError is the refusal of an edit made on an old version: another
// editor changed the source first. Current is the source as it is now.
type StaleError struct {
	Current SourceView
}

func (e *StaleError) Error() string {
	return "source " + e.Current.ID + " was changed by someone else since you read it: review the current version and apply your edit to it"
}
