package admin

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"syndicate"
)

// MaxReasonLength bounds an editor's takedown reason (characters).
const MaxReasonLength = 500

// Retract is TakeDown with the editor's reason, which the feeds announce
// with the retraction (Atom at:comment, JSON Feed reason) for the
// tombstone window. Control characters become spaces; an empty reason is
// allowed (feeds then say the editors took it down).
func (s *Service) Retract(ctx context.Context, who, articleID, reason string) error {
	reason = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, reason)), " ")
	if n := utf8.RuneCountInString(reason); n > MaxReasonLength {
		return syndicate.FieldError("reason", "is %d characters long; at most %d", n, MaxReasonLength)
	}
	if _, err := s.opts.Store.Retract(ctx, articleID, reason, s.opts.Now()); err != nil {
		return err
	}
	s.log.Info("audit", "who", who, "action", "article.takedown", "article_id", articleID, "reason", reason)
	return nil
}
