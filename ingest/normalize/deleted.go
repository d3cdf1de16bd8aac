package normalize

import (
	"regexp"
	"strings"

	"github.com/mmcdole/gofeed"
)

// A partner that retracts an entry may say so in its feed with an RFC 6721
// at:deleted-entry element (Atom, or RSS declaring the namespace) at feed
// or channel level. gofeed keeps such elements among the feed's Extensions,
// keyed by the prefix the partner bound the namespace to (it knows no
// canonical prefix for it), so the document's own declarations tell which
// prefix is the tombstones namespace: an element named deleted-entry in
// any other namespace is not a retraction.

// NSTombstones is the RFC 6721 namespace.
const NSTombstones = "http://purl.org/atompub/tombstones/1.0"

// MaxDeleted bounds the deleted entries read from one document.
const MaxDeleted = 1000

var tombstoneDecl = regexp.MustCompile(`xmlns(?::([^\s=/>]+))?\s*=\s*["']\s*(?:https?://)?purl\.org/atompub/tombstones/1\.0/?\s*["']`)

// deletedKeys returns the entry keys the partner marked deleted: each ref
// as it is (the key of an entry with that id) and, for a ref that is an
// http(s) URL, its canonical form (the key of an entry without an id).
func (n *normalizer) deletedKeys(f *gofeed.Feed) []string {
	if len(f.Extensions) == 0 || len(n.opts.Body) == 0 {
		return nil
	}
	var spaces []string
	for _, m := range tombstoneDecl.FindAllSubmatch(n.opts.Body, -1) {
		if p := string(m[1]); p != "" {
			spaces = append(spaces, p)
		} else {
			spaces = append(spaces, NSTombstones) // a default namespace: gofeed keys it by URI
		}
	}
	var out []string
	seen := map[string]bool{}
	add := func(k string) {
		if k != "" && !seen[k] && len(out) < 2*MaxDeleted {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, sp := range spaces {
		for _, x := range f.Extensions[sp]["deleted-entry"] {
			ref := strings.TrimSpace(x.Attrs["ref"])
			if ref == "" {
				continue
			}
			add(ref)
			if c, err := Canonical(ref, nil, n.opts.StripParams); err == nil {
				add(c)
			}
		}
	}
	return out
}
