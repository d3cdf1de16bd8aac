package admin

import (
	"context"
	"net/http"
	"strconv"

	"syndicate"
	"syndicate/internal/jsonhttp"
	"syndicate/internal/route"
	"syndicate/store"
)

// Moderator is the comment moderation the API exposes to editors.
type Moderator interface {
	List(ctx context.Context, status string, offset, limit int) (store.Page[*syndicate.Comment], error)
	SetStatus(ctx context.Context, who, id, status string) (*syndicate.Comment, error)
	Delete(ctx context.Context, who, id string) error
}

// SetModerator enables the /api/comments routes.
func (a *API) SetModerator(m Moderator) { a.mod = m }

// moderationRoutes registers the comment moderation routes.
func (a *API) moderationRoutes(mux route.Registrar) {
	mux.Handle("GET /api/comments", a.auth(a.handleComments))
	mux.Handle("POST /api/comments/{id}/approve", a.auth(a.handleSetStatus(syndicate.StatusApproved)))
	mux.Handle("POST /api/comments/{id}/spam", a.auth(a.handleSetStatus(syndicate.StatusSpam)))
	mux.Handle("POST /api/comments/{id}/pending", a.auth(a.handleSetStatus(syndicate.StatusPending)))
	mux.Handle("DELETE /api/comments/{id}", a.auth(a.handleDeleteComment))
}

func (a *API) moderator(w http.ResponseWriter, r *http.Request) bool {
	if a.mod == nil {
		a.writeError(w, r, syndicate.Errorf(syndicate.ENotFound, "comments are not enabled"))
		return false
	}
	return true
}

func (a *API) handleComments(w http.ResponseWriter, r *http.Request) {
	if !a.moderator(w, r) {
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	if status == "" {
		status = syndicate.StatusPending
	}
	limit, offset := 50, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			a.writeError(w, r, syndicate.FieldError("limit", "must be a whole number from 1 to 500"))
			return
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			a.writeError(w, r, syndicate.FieldError("offset", "must be a whole number from 0"))
			return
		}
		offset = n
	}
	p, err := a.mod.List(r.Context(), status, offset, limit)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	items := p.Items
	if items == nil {
		items = []*syndicate.Comment{}
	}
	jsonhttp.Write(w, http.StatusOK, map[string]any{"status": status, "total": p.Total, "comments": items})
}

func (a *API) handleSetStatus(status string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.moderator(w, r) {
			return
		}
		c, err := a.mod.SetStatus(r.Context(), who(r.Context()), route.Value(r, "id"), status)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		jsonhttp.Write(w, http.StatusOK, c)
	}
}

func (a *API) handleDeleteComment(w http.ResponseWriter, r *http.Request) {
	if !a.moderator(w, r) {
		return
	}
	if err := a.mod.Delete(r.Context(), who(r.Context()), route.Value(r, "id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
