// Package comments takes reader comments: it validates a submission field
// by field, applies the abuse controls (honeypot, link count, body size,
// per-IP rate limit shared through the store, comments closing with the
// article's age), sanitizes the body with the small comment policy,
// decides pending or approved, and stores it. Editors moderate through
// the Service (the admin API and page call it).
package comments

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"syndicate"
	"syndicate/sanitize"
	"syndicate/store"
)

// Store is what comments need from storage.
type Store interface {
	store.LocalComments
	Article(ctx context.Context, id string) (store.ArticleView, error)
}

// Options configure a Service (config's comments section).
type Options struct {
	Store           Store
	AutoApprove     string // none, known, all
	MaxLength       int
	MaxAuthorLength int
	MaxLinks        int
	MaxDepth        int
	RateLimit       int
	RateWindow      time.Duration
	CloseAfter      time.Duration // counted from first_seen; 0 = never
	Now             func() time.Time
	Logger          *slog.Logger
}

// Service takes and moderates reader comments.
type Service struct {
	opts   Options
	policy *sanitize.Policy
	log    *slog.Logger
}

// NewService returns a Service.
func NewService(opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxLength <= 0 {
		opts.MaxLength = 10000
	}
	if opts.MaxAuthorLength <= 0 {
		opts.MaxAuthorLength = 100
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 5
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = 10 * time.Minute
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{opts: opts, policy: sanitize.Comment(), log: log}
}

// Submission is a comment as a reader sends it.
type Submission struct {
	ArticleID string `json:"-"`
	Author    string `json:"author"`
	Email     string `json:"email"`
	URL       string `json:"url"`
	Body      string `json:"body"`
	ParentID  string `json:"parent_id"`
}

// RateLimitError says a client sent too many comments; retry after RetryAfter.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many comments from your address: try again in %s", e.RetryAfter.Round(time.Second))
}

// MaxURLLength and MaxEmailLength bound a commenter's homepage and
// address (RFC 5321 allows 254 bytes of address); the body cap alone let
// either be 60 KB, published (the URL) in the page and every comment feed.
const (
	MaxURLLength   = 2048
	MaxEmailLength = 254
)

// Validate checks every field and returns all problems.
func (s *Service) Validate(in *Submission) []*syndicate.Error {
	var errs []*syndicate.Error
	author := sanitize.PlainText(in.Author)
	switch {
	case author == "":
		errs = append(errs, syndicate.FieldError("author", "is required"))
	case utf8.RuneCountInString(author) > s.opts.MaxAuthorLength:
		errs = append(errs, syndicate.FieldError("author", "must be at most %d characters", s.opts.MaxAuthorLength))
	}
	email := strings.TrimSpace(in.Email)
	if email == "" {
		errs = append(errs, syndicate.FieldError("email", "is required (it is never published)"))
	} else if len(email) > MaxEmailLength {
		errs = append(errs, syndicate.FieldError("email", "must be at most %d characters", MaxEmailLength))
	} else if a, err := mail.ParseAddress(email); err != nil || a.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@'):], ".") {
		errs = append(errs, syndicate.FieldError("email", "%q is not an e-mail address", email))
	}
	if u := strings.TrimSpace(in.URL); len(u) > MaxURLLength {
		errs = append(errs, syndicate.FieldError("url", "must be at most %d characters", MaxURLLength))
	} else if u != "" {
		if err := syndicate.ValidateHTTPURL(u); err != nil {
			errs = append(errs, syndicate.FieldError("url", "must be an http or https URL"))
		}
	}
	body := strings.TrimSpace(in.Body)
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		errs = append(errs, syndicate.FieldError("body", "is required"))
	case n > s.opts.MaxLength:
		errs = append(errs, syndicate.FieldError("body", "must be at most %d characters (it has %d)", s.opts.MaxLength, n))
	case countLinks(body) > s.opts.MaxLinks:
		errs = append(errs, syndicate.FieldError("body", "may contain at most %d links", s.opts.MaxLinks))
	}
	if in.ParentID != "" && !validID(in.ParentID) {
		errs = append(errs, syndicate.FieldError("parent_id", "%q is not a comment id", in.ParentID))
	}
	return errs
}

func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// countLinks counts links in a body: anchors and bare URLs.
func countLinks(body string) int {
	lower := strings.ToLower(body)
	n := strings.Count(lower, "<a ")
	for _, p := range []string{"http://", "https://", "www."} {
		n += strings.Count(lower, p)
	}
	// An anchor's href is also a bare URL: count each link once.
	if a := strings.Count(lower, "<a "); a > 0 {
		n -= min(a, strings.Count(lower, "href="))
	}
	return n
}

// Submit validates and stores a reader's comment from ip. Errors:
// EInvalid with the field, ENotFound (article), EForbidden (closed),
// *RateLimitError.
func (s *Service) Submit(ctx context.Context, in *Submission, ip string) (*syndicate.Comment, error) {
	if errs := s.Validate(in); len(errs) > 0 {
		return nil, errs[0]
	}
	v, err := s.opts.Store.Article(ctx, in.ArticleID)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now().UTC().Truncate(time.Second)
	// The republishing clock: comments close counting from when this site
	// first republished the article, never from the partner's date (an
	// older article republished today is open like any other).
	opened := v.FirstSeen
	if opened.IsZero() {
		opened = v.Published
	}
	if s.opts.CloseAfter > 0 && now.Sub(opened) > s.opts.CloseAfter {
		return nil, syndicate.Errorf(syndicate.EForbidden, "comments are closed on this article: it was republished here more than %s ago", days(s.opts.CloseAfter))
	}
	if ip != "" {
		n, reset, err := s.opts.Store.Hit(ctx, "comment-ip:"+rateKey(ip), s.opts.RateWindow, now)
		if err != nil {
			return nil, err
		}
		if n > s.opts.RateLimit {
			return nil, &RateLimitError{RetryAfter: max(time.Second, reset.Sub(now))}
		}
	}
	status := syndicate.StatusPending
	switch s.opts.AutoApprove {
	case "all":
		status = syndicate.StatusApproved
	case "known":
		known, err := s.opts.Store.KnownCommenter(ctx, syndicate.CommenterKey(sanitize.PlainText(in.Author), in.Email))
		if err != nil {
			return nil, err
		}
		if known {
			status = syndicate.StatusApproved
		}
	}
	content := s.policy.HTML(bodyHTML(in.Body), nil)
	if sanitize.Text(content) == "" {
		return nil, syndicate.FieldError("body", "has no text once markup is removed")
	}
	c := &syndicate.Comment{
		ArticleID: in.ArticleID,
		ParentID:  strings.TrimSpace(in.ParentID),
		Author:    syndicate.Author{Name: sanitize.PlainText(in.Author), Email: strings.TrimSpace(in.Email), URL: strings.TrimSpace(in.URL)},
		Content:   content,
		Published: now,
		Status:    status,
		IP:        ip,
	}
	stored, _, err := s.opts.Store.AddComment(ctx, c, s.opts.MaxDepth)
	if err != nil {
		return nil, err
	}
	s.log.Info("comment received", "article_id", stored.ArticleID, "comment_id", stored.ID, "status", stored.Status)
	return stored, nil
}

// bodyHTML turns a body into HTML: a body with markup is taken as HTML
// (the policy keeps p, br, a, em, strong, blockquote and code), plain
// text becomes paragraphs.
func bodyHTML(body string) string {
	if strings.Contains(body, "<") {
		return body
	}
	return sanitize.EscapeText(body)
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// List returns local comments in a moderation status, newest first.
func (s *Service) List(ctx context.Context, status string, offset, limit int) (store.Page[*syndicate.Comment], error) {
	switch status {
	case syndicate.StatusPending, syndicate.StatusApproved, syndicate.StatusSpam:
	default:
		return store.Page[*syndicate.Comment]{}, syndicate.FieldError("status", "%q must be pending, approved or spam", status)
	}
	return s.opts.Store.CommentsByStatus(ctx, status, offset, limit)
}

// SetStatus approves a comment or marks it spam; who is the editor.
func (s *Service) SetStatus(ctx context.Context, who, id, status string) (*syndicate.Comment, error) {
	c, _, err := s.opts.Store.SetCommentStatus(ctx, id, status)
	if err != nil {
		return nil, err
	}
	s.log.Info("audit", "who", who, "action", "comment."+status, "comment_id", id, "article_id", c.ArticleID)
	return c, nil
}

// Delete removes a comment; who is the editor.
func (s *Service) Delete(ctx context.Context, who, id string) error {
	if _, err := s.opts.Store.DeleteComment(ctx, id); err != nil {
		return err
	}
	s.log.Info("audit", "who", who, "action", "comment.delete", "comment_id", id)
	return nil
}

// rateKey is the unit a rate limit counts: an IPv4 address, or an IPv6
// /64 (one subscriber usually holds a whole /64 and can rotate within it).
func rateKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
