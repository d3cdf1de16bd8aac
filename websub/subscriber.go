package websub

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"syndicate"
	"syndicate/internal/route"
	"syndicate/store"
)

// CallbackPath is where hubs reach the subscriber, under base_url:
// CallbackPath + subscription id.
const CallbackPath = "/websub/callback/"

// ErrBusy is what SubscriberOptions.Ingest returns when the source is being
// ingested elsewhere and the delivery could not wait: the hub is asked to
// retry.
var ErrBusy = errors.New("source busy")

// SubscriberOptions configure a Subscriber.
type SubscriberOptions struct {
	Store store.Subscriptions
	// BaseURL is the public base of callback URLs (base_url).
	BaseURL string
	// Client sends subscription requests to partner hubs: it must guard
	// against private addresses as the fetcher does. OwnHub (the
	// operator's websub.hub_url) is exempt and reached with OwnClient.
	Client    *http.Client
	OwnHub    string
	OwnClient *http.Client
	// Ingest ingests a delivery for src: body is the feed the hub pushed
	// (content type as sent), or nil for a delivery without content, which
	// asks for a conditional fetch. ErrBusy makes the hub retry.
	Ingest func(ctx context.Context, src syndicate.Source, body []byte, contentType string) error
	// Hold, if set, grants the fleet-wide right to change the subscription
	// of one source (name "websub:" + source id); nil: this process only.
	Hold func(ctx context.Context, name string) (release func(), ok bool, err error)
	// MaxBody caps a delivery's body (ingest.max_body_bytes); default 10 MiB.
	MaxBody int64
	// LeaseSeconds is asked of hubs; 0 lets the hub choose.
	LeaseSeconds int64
	// OnLive is called when the set of sources with a live subscription
	// changed (their polling moves to or from the fallback schedule).
	OnLive func()
	// OnDelivery, if set, is told of each authentic delivery as it
	// arrives, before it is ingested; it returns the context to ingest
	// under (metrics follow the delivery to the changed feeds with it).
	OnDelivery func(ctx context.Context) context.Context
	UserAgent  string
	Now        func() time.Time
	Logger     *slog.Logger
	// MaxWait bounds the wait between two checks of leases and pending
	// requests (default 1 minute); checks also run when due earlier.
	MaxWait time.Duration
	// MinRenewal is the shortest time from a verification to the renewal
	// it leads to (default DefaultMinRenewal).
	MinRenewal time.Duration
}

// Subscriber is the WebSub subscriber (W3C WebSub §5–7): it subscribes to
// the hubs partner feeds advertise, answers verifications of intent,
// checks and ingests deliveries, renews leases and unsubscribes sources
// that went away. Subscriptions live in the store, so every replica can
// answer callbacks; changes to them are made under Hold, once fleet-wide.
type Subscriber struct {
	opts SubscriberOptions
	log  *slog.Logger
	wake chan struct{}

	mu       sync.Mutex
	sources  map[string]syndicate.Source // enabled sources by id; nil before SetSources
	byURL    map[string][]string         // source ids by feed URL
	wants    map[string]Discovery        // discovered on this replica, not yet reconciled
	live     map[string]bool             // sources with a live subscription, as last read
	liveRead bool
	// delivering holds the subscriptions whose delivery is being read or
	// ingested on this replica.
	delivering map[string]bool
}

// NewSubscriber returns a Subscriber; Run drives it.
func NewSubscriber(opts SubscriberOptions) *Subscriber {
	if opts.MaxBody <= 0 {
		opts.MaxBody = 10 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MinRenewal <= 0 {
		opts.MinRenewal = DefaultMinRenewal
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = time.Minute
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 20 * time.Second}
	}
	if opts.OwnClient == nil {
		opts.OwnClient = &http.Client{Timeout: 20 * time.Second}
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "Syndicate"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	return &Subscriber{opts: opts, log: log.With("component", "websub"), wake: make(chan struct{}, 1), wants: map[string]Discovery{}, live: map[string]bool{}}
}

// SetSources tells the Subscriber which sources exist; subscriptions of
// sources not among the enabled ones are ended.
func (s *Subscriber) SetSources(srcs []syndicate.Source) {
	s.mu.Lock()
	s.sources = map[string]syndicate.Source{}
	s.byURL = map[string][]string{}
	for _, src := range srcs {
		if src.Enabled {
			s.sources[src.ID] = src
			s.byURL[src.URL] = append(s.byURL[src.URL], src.ID)
		}
	}
	s.mu.Unlock()
	s.poke()
}

// Live reports whether source id has a live subscription (as of the last
// check on this replica).
func (s *Subscriber) Live(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live[id]
}

// Fetched is given each feed body fetched from a partner (fetch's OnBody):
// the hub links of a source's feed start, move or end its subscription.
func (s *Subscriber) Fetched(feedURL string, header http.Header, body []byte) {
	s.mu.Lock()
	ids := s.byURL[feedURL]
	s.mu.Unlock()
	if len(ids) == 0 {
		return // not a source's feed (a comment feed)
	}
	d := Discover(header, body, feedURL)
	s.mu.Lock()
	for _, id := range ids {
		s.wants[id] = d
	}
	s.mu.Unlock()
	s.poke()
}

func (s *Subscriber) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run checks subscriptions until ctx ends: when poked, when a lease or a
// pending request is due, and at least every MaxWait.
func (s *Subscriber) Run(ctx context.Context) {
	for {
		next := s.reconcile(ctx)
		wait := min(max(next.Sub(s.opts.Now()), 20*time.Millisecond), s.opts.MaxWait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// renewMargin is how long before a lease ends it is renewed.
func renewMargin(lease time.Duration) time.Duration { return min(lease/2, 24*time.Hour) }

// DefaultMinRenewal is the shortest time between a verification and the
// renewal it leads to. A hub that grants one-second leases and verifies at once
// would otherwise have us send it a request (and write the store) twice a
// second for ever; with a lease that short the subscription lapses before
// it is renewed, and the source is polled on its own schedule meanwhile.
const DefaultMinRenewal = 5 * time.Minute

// renewAt is when a verified subscription is renewed.
func (s *Subscriber) renewAt(sub store.Subscription) time.Time {
	at := sub.Expires.Add(-renewMargin(time.Duration(sub.LeaseSeconds) * time.Second))
	return maxTime(at, sub.Verified.Add(s.opts.MinRenewal))
}

func maxTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// defaultLease is assumed when a hub's verification names no lease.
const defaultLease = 24 * 3600

// verifyWait is how long a request waits for the hub's verification
// before it is sent again.
const verifyWait = 5 * time.Minute

// reconcile makes one pass over the stored subscriptions and the feeds
// discovered since the last one, and returns when the next is due.
func (s *Subscriber) reconcile(ctx context.Context) time.Time {
	now := s.opts.Now()
	next := now.Add(s.opts.MaxWait)
	subs, err := s.opts.Store.Subscriptions(ctx)
	if err != nil {
		s.log.Warn("read subscriptions", "error", err)
		return next
	}
	s.mu.Lock()
	sources, wants := s.sources, s.wants
	s.wants = map[string]Discovery{}
	s.mu.Unlock()
	s.updateLive(subs, now)
	if sources == nil {
		return next // nothing is known about sources yet
	}
	due := func(t time.Time) bool {
		if !t.After(now) {
			return true
		}
		if t.Before(next) {
			next = t
		}
		return false
	}
	covered := map[string]bool{}
	for _, sub := range subs {
		src, ok := sources[sub.SourceID]
		want, discovered := wants[sub.SourceID]
		switch {
		case !ok, sub.Pending == "unsubscribe", discovered && !matches(want, sub):
			// Source gone or disabled, or its feed moved to another hub
			// or topic, or no longer names a hub: end it (again, when
			// the hub has not confirmed in time).
			if sub.Pending != "unsubscribe" || due(sub.RetryAt) {
				s.act(ctx, sub.SourceID, func() { s.unsubscribe(ctx, sub) })
			}
		case sub.Pending != "":
			covered[sub.SourceID] = true
			if due(sub.RetryAt) {
				s.act(ctx, src.ID, func() { s.subscribe(ctx, src, sub, false) })
			}
		case sub.Verified.IsZero() || (!sub.Expires.IsZero() && due(s.renewAt(sub))):
			// Denied, expired or due for renewal.
			covered[sub.SourceID] = true
			if due(sub.RetryAt) {
				s.act(ctx, src.ID, func() { s.subscribe(ctx, src, sub, false) })
			}
		default:
			covered[sub.SourceID] = true
		}
	}
	for id, want := range wants {
		src, ok := sources[id]
		if !ok || covered[id] || len(want.Hubs) == 0 {
			continue
		}
		sub := store.Subscription{ID: newID(), SourceID: id, Hub: want.Hubs[0], Topic: want.Self, Secret: newSecret()}
		s.act(ctx, id, func() { s.subscribe(ctx, src, sub, true) })
		if t := now.Add(verifyWait); t.Before(next) {
			next = t
		}
	}
	return next
}

// matches reports whether sub is the subscription d asks for.
func matches(d Discovery, sub store.Subscription) bool {
	return sub.Topic == d.Self && contains(d.Hubs, sub.Hub)
}

func (s *Subscriber) updateLive(subs []store.Subscription, now time.Time) {
	live := map[string]bool{}
	for _, sub := range subs {
		if sub.Pending != "unsubscribe" && sub.Live(now) {
			live[sub.SourceID] = true
		}
	}
	s.mu.Lock()
	changed := !s.liveRead || len(live) != len(s.live)
	for id := range live {
		changed = changed || !s.live[id]
	}
	s.live, s.liveRead = live, true
	s.mu.Unlock()
	if changed && s.opts.OnLive != nil {
		s.opts.OnLive()
	}
}

// act runs fn under the fleet-wide hold of a source's subscription; when
// another replica holds it, that replica does the work.
func (s *Subscriber) act(ctx context.Context, sourceID string, fn func()) {
	if s.opts.Hold == nil {
		fn()
		return
	}
	release, ok, err := s.opts.Hold(ctx, "websub:"+sourceID)
	if err != nil {
		s.log.Warn("subscription hold", "source_id", sourceID, "error", err)
		return
	}
	if !ok {
		return
	}
	defer release()
	fn()
}

var errStale = errors.New("subscription changed meanwhile")

// subscribe sends a subscription request (new, renewal or retry) for sub.
// The pending state is stored first: a hub may verify before it answers.
func (s *Subscriber) subscribe(ctx context.Context, src syndicate.Source, sub store.Subscription, create bool) {
	now := s.opts.Now()
	stored, err := s.opts.Store.UpdateSubscription(ctx, sub.ID, func(cur *store.Subscription) (*store.Subscription, error) {
		if create != (cur == nil) || (cur != nil && (cur.Pending != sub.Pending || !cur.RetryAt.Equal(sub.RetryAt))) {
			return nil, errStale // another replica acted on it first
		}
		next := sub
		wait := verifyWait
		if cur != nil && cur.Pending == "subscribe" {
			// Sent before and never verified: back off from a hub that
			// accepts requests but does not verify them.
			next.Failures++
			wait = max(wait, backoff(next.Failures))
		}
		next.Pending, next.Requested, next.RetryAt = "subscribe", now, now.Add(wait)
		return &next, nil
	})
	if err != nil {
		if !errors.Is(err, errStale) {
			s.log.Warn("store subscription", "source_id", src.ID, "error", err)
		}
		return
	}
	if create {
		// A source has one subscription: others (an old hub) end.
		if subs, err := s.opts.Store.Subscriptions(ctx); err == nil {
			for _, old := range subs {
				if old.SourceID == src.ID && old.ID != sub.ID && old.Pending != "unsubscribe" {
					s.unsubscribe(ctx, old)
				}
			}
		}
	}
	s.log.Info("websub subscribing", "source_id", src.ID, "hub", syndicate.RedactURL(stored.Hub), "topic", syndicate.RedactURL(stored.Topic), "renewal", !stored.Verified.IsZero())
	if err := s.request(ctx, stored, "subscribe"); err != nil {
		s.failed(ctx, stored, err)
	}
}

// unsubscribe asks the hub to end sub; the record goes once the hub
// verifies, or after repeated failures.
func (s *Subscriber) unsubscribe(ctx context.Context, sub store.Subscription) {
	now := s.opts.Now()
	stored, err := s.opts.Store.UpdateSubscription(ctx, sub.ID, func(cur *store.Subscription) (*store.Subscription, error) {
		if cur == nil || cur.Pending != sub.Pending || !cur.RetryAt.Equal(sub.RetryAt) {
			return nil, errStale
		}
		if cur.Pending == "unsubscribe" && cur.Failures >= 3 {
			return nil, nil // the hub never confirmed: forget it; deliveries get 410
		}
		next := *cur
		if next.Pending == "unsubscribe" {
			next.Failures++
		} else {
			next.Failures = 0
		}
		next.Pending, next.Requested, next.RetryAt = "unsubscribe", now, now.Add(verifyWait)
		return &next, nil
	})
	if err != nil || stored == nil {
		if err != nil && !errors.Is(err, errStale) {
			s.log.Warn("store subscription", "source_id", sub.SourceID, "error", err)
		}
		return
	}
	s.log.Info("websub unsubscribing", "source_id", sub.SourceID, "hub", syndicate.RedactURL(sub.Hub), "topic", syndicate.RedactURL(sub.Topic))
	if err := s.request(ctx, stored, "unsubscribe"); err != nil {
		s.failed(ctx, stored, err)
	}
}

// failed records a refused or failed request; it is sent again after a
// backoff.
func (s *Subscriber) failed(ctx context.Context, sub *store.Subscription, reqErr error) {
	s.log.Warn("websub request failed", "source_id", sub.SourceID, "mode", sub.Pending, "hub", syndicate.RedactURL(sub.Hub), "error", reqErr)
	now := s.opts.Now()
	s.opts.Store.UpdateSubscription(ctx, sub.ID, func(cur *store.Subscription) (*store.Subscription, error) {
		if cur == nil || cur.Pending != sub.Pending || !cur.Requested.Equal(sub.Requested) {
			return nil, errStale
		}
		cur.LastError = reqErr.Error()
		if cur.Pending == "subscribe" {
			cur.Failures++
		}
		cur.RetryAt = now.Add(backoff(cur.Failures))
		return cur, nil
	})
}

// backoff after n failures: 1 minute doubling, at most 6 hours.
func backoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// request sends a subscription request (W3C WebSub §5.1).
func (s *Subscriber) request(ctx context.Context, sub *store.Subscription, mode string) error {
	form := url.Values{
		"hub.mode":     {mode},
		"hub.topic":    {sub.Topic},
		"hub.callback": {s.opts.BaseURL + CallbackPath + sub.ID},
	}
	if mode == "subscribe" {
		form.Set("hub.secret", sub.Secret)
		if s.opts.LeaseSeconds > 0 {
			form.Set("hub.lease_seconds", strconv.FormatInt(s.opts.LeaseSeconds, 10))
		}
	}
	if err := syndicate.ValidateHTTPURL(sub.Hub); err != nil {
		return err
	}
	client := s.opts.Client
	if s.opts.OwnHub != "" && sub.Hub == s.opts.OwnHub {
		client = s.opts.OwnClient
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, sub.Hub, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", s.opts.UserAgent)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("hub answered %s: %q", resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// Routes registers the callback.
func (s *Subscriber) Routes(mux route.Registrar) {
	mux.HandleFunc("GET "+CallbackPath+"{id}", s.handleVerify)
	mux.HandleFunc("POST "+CallbackPath+"{id}", s.handleDelivery)
}

// handleVerify answers a hub's verification of intent (§5.3) or denial
// (§5.2): the challenge is echoed only for the topic and mode this
// subscription asked for and is waiting on.
func (s *Subscriber) handleVerify(w http.ResponseWriter, r *http.Request) {
	id := route.Value(r, "id")
	q := r.URL.Query()
	mode, topic, challenge := q.Get("hub.mode"), q.Get("hub.topic"), q.Get("hub.challenge")
	log := s.log.With("subscription", id, "mode", mode, "remote", r.RemoteAddr)
	if (mode == "subscribe" || mode == "unsubscribe") && (challenge == "" || len(challenge) > 1024) {
		log.Warn("websub verification refused: missing or oversized hub.challenge")
		http.Error(w, "hub.challenge is required (at most 1024 bytes)", http.StatusBadRequest)
		return
	}
	var lease int64
	if v := q.Get("hub.lease_seconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n > 10*365*24*3600 {
			log.Warn("websub verification refused: bad hub.lease_seconds", "lease_seconds", v)
			http.Error(w, "hub.lease_seconds must be a positive number of seconds", http.StatusBadRequest)
			return
		}
		lease = n
	}
	if lease == 0 {
		lease = defaultLease // the hub must name one; renew daily if it did not
	}
	now := s.opts.Now()
	var reason string
	_, err := s.opts.Store.UpdateSubscription(r.Context(), id, func(cur *store.Subscription) (*store.Subscription, error) {
		switch {
		case cur == nil:
			reason = "unknown subscription"
		case cur.Topic != topic:
			reason = "topic we did not ask for"
		case mode == "denied":
			next := *cur
			next.Verified, next.Expires, next.Pending = time.Time{}, time.Time{}, ""
			next.LastError = "denied by the hub: " + truncate(q.Get("hub.reason"), 200)
			next.RetryAt = now.Add(6 * time.Hour)
			return &next, nil
		case mode != cur.Pending || mode == "":
			reason = fmt.Sprintf("mode %q not pending", mode)
		case mode == "unsubscribe":
			return nil, nil
		default:
			next := *cur
			next.Pending, next.Verified, next.LeaseSeconds, next.Failures, next.LastError, next.RetryAt = "", now, lease, 0, "", time.Time{}
			next.Expires = now.Add(time.Duration(lease) * time.Second)
			return &next, nil
		}
		return nil, errStale
	})
	switch {
	case errors.Is(err, errStale):
		log.Warn("websub verification refused", "reason", reason, "topic", syndicate.RedactURL(topic))
		http.NotFound(w, r)
		return
	case err != nil:
		log.Error("websub verification: store", "error", err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	s.poke()
	if mode == "denied" {
		log.Warn("websub subscription denied by the hub", "reason", truncate(q.Get("hub.reason"), 200))
		w.WriteHeader(http.StatusOK)
		return
	}
	log.Info("websub verified", "lease_seconds", lease)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(w, challenge)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// signatures are the X-Hub-Signature methods accepted; SHA-1 is too weak.
var signatures = map[string]func() hash.Hash{"sha256": sha256.New, "sha384": sha512.New384, "sha512": sha512.New}

// handleDelivery takes a content distribution (§7): signed with the
// subscription's secret, or refused with a 4xx and logged.
func (s *Subscriber) handleDelivery(w http.ResponseWriter, r *http.Request) {
	id := route.Value(r, "id")
	log := s.log.With("subscription", id, "remote", r.RemoteAddr)
	refuse := func(code int, why string) {
		log.Warn("websub delivery refused", "status", code, "reason", why)
		http.Error(w, why, code)
	}
	sub, err := s.opts.Store.Subscription(r.Context(), id)
	if syndicate.ErrorKind(err) == syndicate.ENotFound {
		refuse(http.StatusGone, "no such subscription")
		return
	}
	if err != nil {
		log.Error("websub delivery: store", "error", err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	log = log.With("source_id", sub.SourceID)
	s.mu.Lock()
	src, ok := s.sources[sub.SourceID]
	s.mu.Unlock()
	if !ok || sub.Pending == "unsubscribe" {
		refuse(http.StatusGone, "subscription ended")
		return
	}
	if sub.Verified.IsZero() {
		refuse(http.StatusForbidden, "subscription not verified")
		return
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		refuse(http.StatusUnsupportedMediaType, "content encodings are not accepted")
		return
	}
	// One delivery per subscription at a time, refused before its body is
	// read: the body is buffered whole (the signature covers all of it),
	// and a hub sending many at once would otherwise have each held in
	// memory before the ingest answered busy.
	s.mu.Lock()
	busy := s.delivering[id]
	if !busy {
		if s.delivering == nil {
			s.delivering = map[string]bool{}
		}
		s.delivering[id] = true
	}
	s.mu.Unlock()
	if busy {
		w.Header().Set("Retry-After", "5")
		refuse(http.StatusServiceUnavailable, "a delivery for this subscription is in progress, retry")
		return
	}
	defer func() {
		s.mu.Lock()
		delete(s.delivering, id)
		s.mu.Unlock()
	}()
	body, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxBody+1))
	if err != nil {
		refuse(http.StatusBadRequest, "could not read the body")
		return
	}
	if int64(len(body)) > s.opts.MaxBody {
		refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes (ingest.max_body_bytes)", s.opts.MaxBody))
		return
	}
	if why := checkSignature(r.Header.Get("X-Hub-Signature"), sub.Secret, body); why != "" {
		refuse(http.StatusForbidden, why)
		return
	}
	ctx := r.Context()
	if s.opts.OnDelivery != nil {
		ctx = s.opts.OnDelivery(ctx)
	}
	if len(body) == 0 {
		body = nil
	}
	log.Info("websub delivery", "bytes", len(body), "fat", body != nil)
	if err := s.opts.Ingest(ctx, src, body, r.Header.Get("Content-Type")); err != nil {
		if errors.Is(err, ErrBusy) {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "busy, retry", http.StatusServiceUnavailable)
			return
		}
		// The delivery was authentic and is acknowledged: retrying the
		// same content would fail again, and the fallback poll goes on.
		log.Warn("websub delivery not ingested", "error", err)
	}
	w.WriteHeader(http.StatusAccepted)
}

// checkSignature returns why header does not sign body with secret, or "".
func checkSignature(header, secret string, body []byte) string {
	method, sig, ok := strings.Cut(strings.TrimSpace(header), "=")
	if header == "" || !ok {
		return "missing or malformed X-Hub-Signature"
	}
	newHash, ok := signatures[strings.ToLower(method)]
	if !ok {
		return fmt.Sprintf("unsupported X-Hub-Signature method %q", truncate(method, 16))
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return "X-Hub-Signature is not hex"
	}
	// The key is hub.secret exactly as sent (W3C WebSub §7.4).
	m := hmac.New(newHash, []byte(secret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return "X-Hub-Signature does not match"
	}
	return ""
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID is an unguessable subscription id (it is in the callback URL).
func newID() string {
	var b [15]byte
	rand.Read(b[:])
	return "w" + strings.ToLower(b32.EncodeToString(b[:]))
}

// newSecret is a fresh 256-bit HMAC key, sent to the hub as hex.
func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
