package syndicate

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Partner is a distribution profile: a site that pulls a private feed of
// what it may republish, with its own secret key.
type Partner struct {
	Name string `json:"name"` // [a-z0-9-]+, in its URLs
	// Key is the partner's secret (at least MinPartnerKey characters);
	// replacing it revokes the old one at once.
	Key        string   `json:"key"`
	Sources    []string `json:"sources"`    // source ids; empty: every source
	Categories []string `json:"categories"` // category slugs; empty: every category
	// Content is RedistributeFull or RedistributeExcerpt ("" = full); a
	// source's own redistribute still caps it.
	Content  string `json:"content"`
	Comments bool   `json:"comments"` // link and include comment feeds
	Managed  string `json:"managed,omitempty"`
}

// MinPartnerKey is the shortest partner key accepted.
const MinPartnerKey = 16

var partnerNamePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// Validate checks every field of p and returns all problems, keyed by the
// field's name. The key is never quoted.
func (p *Partner) Validate() []*Error {
	var errs []*Error
	switch {
	case p.Name == "":
		errs = append(errs, FieldError("name", "is required"))
	case !partnerNamePattern.MatchString(p.Name):
		errs = append(errs, FieldError("name", "%q must be 1-64 characters of a-z, 0-9 and '-', not starting or ending with '-'", p.Name))
	}
	switch {
	case p.Key == "":
		errs = append(errs, FieldError("key", "is required"))
	case strings.ContainsFunc(p.Key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII }):
		errs = append(errs, FieldError("key", "must be printable ASCII without spaces (it goes in a URL and an Authorization header)"))
	case len(p.Key) < MinPartnerKey:
		errs = append(errs, FieldError("key", "is %d characters long, must be at least %d (a short key is guessed)", len(p.Key), MinPartnerKey))
	}
	for i, id := range p.Sources {
		if err := ValidateSourceID(id); err != nil {
			errs = append(errs, FieldError(fmt.Sprintf("sources[%d]", i), "%v", err))
		}
	}
	for i, c := range p.Categories {
		if Slug(c) == "" {
			errs = append(errs, FieldError(fmt.Sprintf("categories[%d]", i), "%q has no letters or digits to make a slug from", c))
		}
	}
	switch p.Content {
	case "", RedistributeFull, RedistributeExcerpt:
	default:
		errs = append(errs, FieldError("content", "%q must be full or excerpt", p.Content))
	}
	return errs
}

// KeyMatches compares key with the partner's in constant time (over
// hashes, so neither length nor a common prefix shows in the timing).
func (p *Partner) KeyMatches(key string) bool {
	if p.Key == "" || key == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(p.Key)), sha256.Sum256([]byte(key))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// ContentLevel is the partner's content cap, "" read as full.
func (p *Partner) ContentLevel() string {
	if p.Content == "" {
		return RedistributeFull
	}
	return p.Content
}

// AllowsSource reports whether the partner may receive source id's articles.
func (p *Partner) AllowsSource(id string) bool {
	if len(p.Sources) == 0 {
		return true
	}
	for _, s := range p.Sources {
		if s == id {
			return true
		}
	}
	return false
}

// AllowsCategory reports whether the partner may receive category slug.
func (p *Partner) AllowsCategory(slug string) bool {
	if len(p.Categories) == 0 {
		return true
	}
	for _, c := range p.Categories {
		if Slug(c) == slug {
			return true
		}
	}
	return false
}

// Allows reports whether a (whose original publisher is a.Source) is in
// the partner's profile: its source allowed, and one of its categories
// when the profile names categories.
func (p *Partner) Allows(a *Article) bool { return p.allows(a.Source.ID, a.Categories, Slug) }

// AllowsSlugs is Allows for an article known only by its source and the
// slugs of its categories (a retraction's record of it).
func (p *Partner) AllowsSlugs(sourceID string, slugs []string) bool {
	return p.allows(sourceID, slugs, func(s string) string { return s })
}

// allows is Allows over categories that slug turns into slugs.
func (p *Partner) allows(sourceID string, categories []string, slug func(string) string) bool {
	if !p.AllowsSource(sourceID) {
		return false
	}
	if len(p.Categories) == 0 {
		return true
	}
	for _, c := range categories {
		if p.AllowsCategory(slug(c)) {
			return true
		}
	}
	return false
}
