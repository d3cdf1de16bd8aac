package syndicate

import (
	"strings"
	"time"
)

// Redistribution levels of a source (its `redistribute` key): how much of
// its articles this site may pass on in feeds.
const (
	RedistributeFull    = "full"    // title, content and attribution (the default)
	RedistributeExcerpt = "excerpt" // title, summary and the attribution link only
	RedistributeNone    = "none"    // shown on our own pages, never in a feed
)

// MaxRightsLength bounds a source's rights notice, in bytes.
const MaxRightsLength = 500

// RedistributeLevel is the source's redistribution level, "" read as
// RedistributeFull.
func (s *Source) RedistributeLevel() string {
	if s.Redistribute == "" {
		return RedistributeFull
	}
	return s.Redistribute
}

// InFeeds reports whether the source's articles may appear in feeds.
func (s *Source) InFeeds() bool { return s.RedistributeLevel() != RedistributeNone }

// RightsNotice is the rights statement published with an article of the
// source: the editor's notice when set, else the partner's own (stored
// with the article).
func (s *Source) RightsNotice(a *Article) string {
	if s.Rights != "" {
		return s.Rights
	}
	return a.Rights
}

// HoldDuration is the source's embargo from first_seen (0: none). The
// value is validated when the source is; a bad one here reads as 0.
func (s *Source) HoldDuration() time.Duration {
	if s.Hold == "" {
		return 0
	}
	d, err := time.ParseDuration(s.Hold)
	if err != nil || d < 0 {
		return 0
	}
	return d
}

// MaxHold bounds a source's embargo.
const MaxHold = 90 * 24 * time.Hour

// LessRedistribution reports whether level a passes on less than b
// (none < excerpt < full).
func LessRedistribution(a, b string) bool {
	rank := func(l string) int {
		switch l {
		case RedistributeNone:
			return 0
		case RedistributeExcerpt:
			return 1
		}
		return 2
	}
	return rank(a) < rank(b)
}

// validateRights checks the rights keys of a source.
func (s *Source) validateRights() []*Error {
	var errs []*Error
	if strings.ContainsFunc(s.Rights, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
		errs = append(errs, FieldError("rights", "must be one line of text without control characters"))
	} else if len(s.Rights) > MaxRightsLength {
		errs = append(errs, FieldError("rights", "is %d bytes long, at most %d", len(s.Rights), MaxRightsLength))
	}
	if s.License != "" {
		if err := ValidatePublicURL(s.License); err != nil {
			errs = append(errs, FieldError("license", "%v", err))
		}
	}
	switch s.Redistribute {
	case "", RedistributeFull, RedistributeExcerpt, RedistributeNone:
	default:
		errs = append(errs, FieldError("redistribute", "%q must be full, excerpt or none", s.Redistribute))
	}
	if s.Hold != "" {
		d, err := time.ParseDuration(s.Hold)
		switch {
		case err != nil:
			errs = append(errs, FieldError("hold", "%q is not a duration such as 2h or 30m", s.Hold))
		case d < 0:
			errs = append(errs, FieldError("hold", "%q must not be negative", s.Hold))
		case d > MaxHold:
			errs = append(errs, FieldError("hold", "%q is longer than %s", s.Hold, MaxHold))
		}
	}
	return errs
}
