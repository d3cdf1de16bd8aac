package admin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"syndicate"
	"syndicate/internal/jsonhttp"
	"syndicate/internal/route"
	"syndicate/store"
)

// Partner profiles: editors create, edit, rotate the key of and delete
// API partners here; those of the config file are read-only (and win a
// name clash). Every change reaches every replica through the store
// (store.PartnersChanged), so a rotated key stops working at once.

// PartnerRuntime is implemented by a Runtime that serves partner feeds.
type PartnerRuntime interface {
	ApplyPartners(ps []syndicate.Partner)
}

// PartnerView is a partner as the API shows it: never its key (which is
// shown once, when created or rotated), but its feed URLs without it.
type PartnerView struct {
	syndicate.Partner
	Key   string            `json:"key,omitempty"`
	Feeds map[string]string `json:"feeds"`
}

// PartnerInput is a partner as editors submit it. An empty key on create
// gets a random one; on replace it keeps the current one.
type PartnerInput struct {
	Name       string   `json:"name"`
	Key        string   `json:"key"`
	Sources    []string `json:"sources"`
	Categories []string `json:"categories"`
	Content    string   `json:"content"`
	Comments   bool     `json:"comments"`
}

// Partner converts in to a domain partner managed by the API.
func (in PartnerInput) Partner() syndicate.Partner {
	p := syndicate.Partner{Name: strings.TrimSpace(in.Name), Key: strings.TrimSpace(in.Key), Content: strings.TrimSpace(in.Content), Comments: in.Comments, Managed: syndicate.ManagedAPI}
	for _, s := range in.Sources {
		if s = strings.TrimSpace(s); s != "" {
			p.Sources = append(p.Sources, s)
		}
	}
	for _, c := range in.Categories {
		if c = strings.TrimSpace(c); c != "" {
			p.Categories = append(p.Categories, c)
		}
	}
	return p
}

// NewPartnerKey returns a random key: 32 URL-safe characters.
func NewPartnerKey() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *Service) partnerStore() (store.PartnerStore, error) {
	ps, ok := s.opts.Store.(store.PartnerStore)
	if !ok {
		return nil, syndicate.Errorf(syndicate.EUnavailable, "this store keeps no partner profiles")
	}
	return ps, nil
}

// Partners returns every partner: config-file ones first, then API ones
// by name.
func (s *Service) Partners(ctx context.Context) ([]syndicate.Partner, error) {
	out := slices.Clone(s.opts.ConfigPartners)
	ps, err := s.partnerStore()
	if err != nil {
		return out, nil
	}
	api, err := ps.Partners(ctx)
	if err != nil {
		return nil, fmt.Errorf("read partners: %w", err)
	}
	for _, p := range api {
		if s.configPartner(p.Name) == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

func (s *Service) configPartner(name string) *syndicate.Partner {
	for i := range s.opts.ConfigPartners {
		if s.opts.ConfigPartners[i].Name == name {
			return &s.opts.ConfigPartners[i]
		}
	}
	return nil
}

// ReloadPartners applies the current partners to the runtime.
func (s *Service) ReloadPartners(ctx context.Context) error {
	all, err := s.Partners(ctx)
	if err != nil {
		return err
	}
	if rt, ok := s.opts.Runtime.(PartnerRuntime); ok {
		rt.ApplyPartners(all)
	}
	return nil
}

// Partner returns one partner by name.
func (s *Service) Partner(ctx context.Context, name string) (syndicate.Partner, error) {
	all, err := s.Partners(ctx)
	if err != nil {
		return syndicate.Partner{}, err
	}
	for _, p := range all {
		if p.Name == name {
			return p, nil
		}
	}
	return syndicate.Partner{}, syndicate.Errorf(syndicate.ENotFound, "no partner %q", name)
}

func errPartnerConfig(name string) error {
	return syndicate.Errorf(syndicate.EConflict, "partner %q is managed by the config file (managed: config): edit the file instead", name)
}

// CreatePartner adds an API partner (a random key when p has none).
func (s *Service) CreatePartner(ctx context.Context, who string, p syndicate.Partner) (syndicate.Partner, error) {
	p.Managed = syndicate.ManagedAPI
	if p.Key == "" {
		p.Key = NewPartnerKey()
	}
	if err := syndicate.FirstError(p.Validate()); err != nil {
		return p, err
	}
	if s.configPartner(p.Name) != nil {
		return p, &syndicate.Error{Kind: syndicate.EConflict, Field: "name", Message: fmt.Sprintf("partner %q is defined in the config file", p.Name)}
	}
	ps, err := s.partnerStore()
	if err != nil {
		return p, err
	}
	if err := ps.PutPartner(ctx, p, true); err != nil {
		return p, err
	}
	s.audit(who, "partner.create", p.Name)
	return p, s.ReloadPartners(ctx)
}

// ReplacePartner replaces an API partner; an empty key keeps the current.
func (s *Service) ReplacePartner(ctx context.Context, who, name string, p syndicate.Partner) (syndicate.Partner, error) {
	if s.configPartner(name) != nil {
		return p, errPartnerConfig(name)
	}
	if p.Name == "" {
		p.Name = name
	}
	if p.Name != name {
		return p, syndicate.FieldError("name", "%q cannot be renamed to %q: create a new partner instead", name, p.Name)
	}
	cur, err := s.Partner(ctx, name)
	if err != nil {
		return p, err
	}
	rotated := p.Key != "" && p.Key != cur.Key
	if p.Key == "" {
		p.Key = cur.Key
	}
	p.Managed = syndicate.ManagedAPI
	if err := syndicate.FirstError(p.Validate()); err != nil {
		return p, err
	}
	ps, err := s.partnerStore()
	if err != nil {
		return p, err
	}
	if err := ps.PutPartner(ctx, p, false); err != nil {
		return p, err
	}
	s.audit(who, "partner.replace", name, "key_rotated", rotated)
	return p, s.ReloadPartners(ctx)
}

// RotatePartnerKey gives an API partner a new random key; the old one
// stops working at once.
func (s *Service) RotatePartnerKey(ctx context.Context, who, name string) (syndicate.Partner, error) {
	if s.configPartner(name) != nil {
		return syndicate.Partner{}, errPartnerConfig(name)
	}
	p, err := s.Partner(ctx, name)
	if err != nil {
		return p, err
	}
	p.Key = NewPartnerKey()
	ps, err := s.partnerStore()
	if err != nil {
		return p, err
	}
	if err := ps.PutPartner(ctx, p, false); err != nil {
		return p, err
	}
	s.audit(who, "partner.rotate", name)
	return p, s.ReloadPartners(ctx)
}

// DeletePartner removes an API partner; its key stops working at once.
func (s *Service) DeletePartner(ctx context.Context, who, name string) error {
	if s.configPartner(name) != nil {
		return errPartnerConfig(name)
	}
	ps, err := s.partnerStore()
	if err != nil {
		return err
	}
	if err := ps.DeletePartner(ctx, name); err != nil {
		return err
	}
	s.audit(who, "partner.delete", name)
	return s.ReloadPartners(ctx)
}

// partnerView shows p; withKey shows its key too (create and rotate).
func (a *API) partnerView(p syndicate.Partner, withKey bool) PartnerView {
	v := PartnerView{Partner: p, Feeds: map[string]string{}}
	v.Partner.Key = ""
	v.Content = p.ContentLevel()
	if withKey {
		v.Key = p.Key
	}
	if v.Sources == nil {
		v.Sources = []string{}
	}
	if v.Categories == nil {
		v.Categories = []string{}
	}
	for _, f := range []string{"rss", "atom", "json"} {
		v.Feeds[f] = "/partners/" + p.Name + "/feed." + f
	}
	return v
}

func (a *API) partnerRoutes(mux route.Registrar) {
	a.holdRoutes(mux)
	mux.Handle("GET /api/partners", a.auth(func(w http.ResponseWriter, r *http.Request) {
		all, err := a.svc.Partners(r.Context())
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		out := make([]PartnerView, 0, len(all))
		for _, p := range all {
			out = append(out, a.partnerView(p, false))
		}
		jsonhttp.Write(w, http.StatusOK, map[string]any{"partners": out})
	}))
	mux.Handle("GET /api/partners/{name}", a.auth(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.svc.Partner(r.Context(), route.Value(r, "name"))
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		jsonhttp.Write(w, http.StatusOK, a.partnerView(p, false))
	}))
	mux.Handle("POST /api/partners", a.auth(func(w http.ResponseWriter, r *http.Request) {
		var in PartnerInput
		if err := decode(r, &in); err != nil {
			a.writeError(w, r, err)
			return
		}
		p, err := a.svc.CreatePartner(r.Context(), who(r.Context()), in.Partner())
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/partners/"+p.Name)
		jsonhttp.Write(w, http.StatusCreated, a.partnerView(p, true))
	}))
	mux.Handle("PUT /api/partners/{name}", a.auth(func(w http.ResponseWriter, r *http.Request) {
		var in PartnerInput
		if err := decode(r, &in); err != nil {
			a.writeError(w, r, err)
			return
		}
		p, err := a.svc.ReplacePartner(r.Context(), who(r.Context()), route.Value(r, "name"), in.Partner())
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		jsonhttp.Write(w, http.StatusOK, a.partnerView(p, in.Key != ""))
	}))
	mux.Handle("POST /api/partners/{name}/key", a.auth(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.svc.RotatePartnerKey(r.Context(), who(r.Context()), route.Value(r, "name"))
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		jsonhttp.Write(w, http.StatusOK, a.partnerView(p, true))
	}))
	mux.Handle("DELETE /api/partners/{name}", a.auth(func(w http.ResponseWriter, r *http.Request) {
		if err := a.svc.DeletePartner(r.Context(), who(r.Context()), route.Value(r, "name")); err != nil {
			a.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
}
