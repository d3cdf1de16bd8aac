package admin

import (
	"context"
	"net/http"
	"time"

	"syndicate"
	"syndicate/internal/jsonhttp"
	"syndicate/internal/route"
)

// Holder sets embargoes on single articles (embargo.Guard implements it).
type Holder interface {
	// Hold holds article id until the given time; zero lifts the hold.
	Hold(ctx context.Context, id string, until time.Time) error
}

// HoldInput is an editor's hold: until is an RFC 3339 time.
type HoldInput struct {
	Until string `json:"until"`
}

// MaxArticleHold bounds how far ahead an editor may hold an article.
const MaxArticleHold = 366 * 24 * time.Hour

// HoldArticle holds an article until a time (it appears nowhere until
// then, on every replica); a zero time lifts the hold at once.
func (s *Service) HoldArticle(ctx context.Context, who, id string, until time.Time) error {
	if s.opts.Holds == nil {
		return syndicate.Errorf(syndicate.EUnavailable, "embargoes are not available here")
	}
	if !until.IsZero() && until.After(s.opts.Now().Add(MaxArticleHold)) {
		return syndicate.FieldError("until", "is more than %s ahead", MaxArticleHold)
	}
	if err := s.opts.Holds.Hold(ctx, id, until); err != nil {
		return err
	}
	if until.IsZero() {
		s.audit(who, "article.release", id)
	} else {
		s.audit(who, "article.hold", id, "until", until.UTC().Format(time.RFC3339))
	}
	return nil
}

func (a *API) holdRoutes(mux route.Registrar) {
	mux.Handle("PUT /api/articles/{id}/hold", a.auth(func(w http.ResponseWriter, r *http.Request) {
		var in HoldInput
		if err := decode(r, &in); err != nil {
			a.writeError(w, r, err)
			return
		}
		until, err := time.Parse(time.RFC3339, in.Until)
		if err != nil {
			a.writeError(w, r, syndicate.FieldError("until", "%q is not an RFC 3339 time such as 2026-12-01T18:00:00Z", in.Until))
			return
		}
		if err := a.svc.HoldArticle(r.Context(), who(r.Context()), route.Value(r, "id"), until); err != nil {
			a.writeError(w, r, err)
			return
		}
		jsonhttp.Write(w, http.StatusOK, map[string]string{"id": route.Value(r, "id"), "held_until": until.UTC().Format(time.RFC3339)})
	}))
	mux.Handle("DELETE /api/articles/{id}/hold", a.auth(func(w http.ResponseWriter, r *http.Request) {
		if err := a.svc.HoldArticle(r.Context(), who(r.Context()), route.Value(r, "id"), time.Time{}); err != nil {
			a.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
}
