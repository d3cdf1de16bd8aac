package websub_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate"
	"syndicate/ingest/fetch"
	"syndicate/store"
	"syndicate/store/embedded"
	"syndicate/websub"
	"syndicate/websub/websubtest"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type delivery struct {
	source string
	body   string
	thin   bool
}

type subEnv struct {
	st    *embedded.Store
	sub   *websub.Subscriber
	hub   *websubtest.Hub
	clock *clock
	srv   *httptest.Server
	got   chan delivery
	src   syndicate.Source
	fail  chan error // the next Ingest's result
}

func newSubEnv(t *testing.T, tweak ...func(*websub.SubscriberOptions, *subEnv)) *subEnv {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &subEnv{st: st, hub: websubtest.New(t), clock: &clock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}, got: make(chan delivery, 16), fail: make(chan error, 1)}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	opts := websub.SubscriberOptions{
		Store: st, BaseURL: e.srv.URL, Now: e.clock.Now, MaxWait: 20 * time.Millisecond, MaxBody: 1024,
		Ingest: func(ctx context.Context, src syndicate.Source, body []byte, ct string) error {
			select {
			case err := <-e.fail:
				return err
			default:
			}
			e.got <- delivery{source: src.ID, body: string(body), thin: body == nil}
			return nil
		},
	}
	for _, fn := range tweak {
		fn(&opts, e)
	}
	e.sub = websub.NewSubscriber(opts)
	e.sub.Routes(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.sub.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	e.src = syndicate.Source{ID: "p", URL: "https://partner.example/feed", Enabled: true}
	e.sub.SetSources([]syndicate.Source{e.src})
	return e
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (e *subEnv) stored(t *testing.T) []store.Subscription {
	t.Helper()
	subs, err := e.st.Subscriptions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return subs
}

const topic = "https://partner.example/self"

func (e *subEnv) advertise(hub string) {
	body := fmt.Sprintf(`<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="%s"/><link rel="self" href="%s"/></feed>`, hub, topic)
	if hub == "" {
		body = `<feed xmlns="http://www.w3.org/2005/Atom"><title>no hub</title></feed>`
	}
	e.sub.Fetched(e.src.URL, http.Header{}, []byte(body))
}

func TestSubscriber_Lifecycle(t *testing.T) {
	e := newSubEnv(t)
	e.sub.Fetched("https://elsewhere.example/comments", http.Header{"Link": {"<" + e.hub.URL + `>; rel="hub"`}}, nil)
	e.advertise(e.hub.URL)
	eventually(t, "subscription verified", func() bool { return e.hub.Verified("subscribe", topic) == 1 && e.sub.Live("p") })
	reqs := e.hub.Requests()
	if len(reqs) != 1 {
		t.Fatalf("hub got %d requests (a comment feed's hub must not subscribe): %v", len(reqs), reqs)
	}
	subs := e.stored(t)
	if len(subs) != 1 || reqs[0].Get("hub.callback") != e.srv.URL+websub.CallbackPath+subs[0].ID || len(reqs[0].Get("hub.secret")) != 64 {
		t.Fatalf("request %v for %+v", reqs[0], subs)
	}
	hs := e.hub.Subscribers(topic)[0]

	t.Run("verification of intent", func(t *testing.T) {
		tests := []struct {
			name   string
			params url.Values
			code   int
		}{
			{"topic we did not ask for", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {"https://evil.example/"}, "hub.challenge": {"x"}}, 404},
			{"mode not pending", url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topic}, "hub.challenge": {"x"}}, 404},
			{"subscribe again once verified", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"x"}}, 404},
			{"no challenge", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}}, 400},
			{"bad lease", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"x"}, "hub.lease_seconds": {"-1"}}, 400},
		}
		for _, tt := range tests {
			code, body, err := e.hub.Verify(hs.Callback, tt.params)
			if err != nil || code != tt.code || body == "x" {
				t.Errorf("%s: %d %q %v, want %d without echo", tt.name, code, body, err, tt.code)
			}
		}
		if code, _, _ := e.hub.Verify(e.srv.URL+websub.CallbackPath+"wunknown", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"x"}}); code != 404 {
			t.Errorf("unknown subscription: %d", code)
		}
	})

	t.Run("deliveries", func(t *testing.T) {
		feed := []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title>new</title></feed>`)
		tests := []struct {
			name           string
			body           []byte
			method, forged string
			code           int
			ingested, thin bool
		}{
			{"fat sha256", feed, "sha256", "", 202, true, false},
			{"fat sha512", feed, "sha512", "", 202, true, false},
			{"thin", nil, "sha256", "", 202, true, true},
			{"forged", feed, "", "sha256=" + fmt.Sprintf("%064x", 1), 403, false, false},
			{"signed with another secret", feed, "", websubtest.Sign("sha256", "other", feed), 403, false, false},
			{"sha1", feed, "", "sha1=0123456789abcdef0123456789abcdef01234567", 403, false, false},
			{"unsigned", feed, "", "", 403, false, false},
			{"not hex", feed, "", "sha256=zz", 403, false, false},
			{"over the body cap", make([]byte, 2048), "sha256", "", 413, false, false},
		}
		for _, tt := range tests {
			if code := e.hub.DeliverTo(hs, tt.body, "application/atom+xml", tt.method, tt.forged); code != tt.code {
				t.Errorf("%s: %d, want %d", tt.name, code, tt.code)
			}
			select {
			case d := <-e.got:
				if !tt.ingested || d.thin != tt.thin || (!d.thin && d.body != string(tt.body)) || d.source != "p" {
					t.Errorf("%s: ingested %+v", tt.name, d)
				}
			default:
				if tt.ingested {
					t.Errorf("%s: not ingested", tt.name)
				}
			}
		}
	})

	t.Run("ingest outcomes", func(t *testing.T) {
		tests := []struct {
			err  error
			code int
		}{
			{websub.ErrBusy, http.StatusServiceUnavailable},        // the hub retries
			{errors.New("parse: not a feed"), http.StatusAccepted}, // authentic: acknowledged, logged
		}
		for _, tt := range tests {
			e.fail <- tt.err
			if code := e.hub.DeliverTo(hs, []byte("x"), "application/atom+xml", "sha256", ""); code != tt.code {
				t.Errorf("ingest error %v: delivery answered %d, want %d", tt.err, code, tt.code)
			}
		}
	})

	t.Run("lease renewal", func(t *testing.T) {
		e.clock.Add(time.Duration(e.hub.Lease)*time.Second - time.Minute)
		e.sub.SetSources([]syndicate.Source{e.src}) // pokes the loop
		eventually(t, "renewal verified", func() bool { return e.hub.Verified("subscribe", topic) == 2 })
		subs := e.stored(t)
		if len(subs) != 1 || subs[0].Pending != "" || !subs[0].Expires.Equal(e.clock.Now().Add(time.Hour)) && subs[0].Expires.Before(e.clock.Now()) {
			t.Errorf("after renewal: %+v", subs)
		}
		if subs[0].Secret != hs.Secret {
			t.Error("a renewal keeps the subscription's secret")
		}
	})

	t.Run("a source gone is unsubscribed", func(t *testing.T) {
		e.sub.SetSources(nil)
		eventually(t, "unsubscribed", func() bool { return e.hub.Verified("unsubscribe", topic) == 1 && len(e.stored(t)) == 0 })
		if code := e.hub.DeliverTo(hs, nil, "", "sha256", ""); code != http.StatusGone {
			t.Errorf("delivery after unsubscribe = %d, want 410", code)
		}
		if e.sub.Live("p") {
			t.Error("still live")
		}
	})
}

// A feed that moves to another hub, then drops it, is resubscribed, then
// unsubscribed; a refusing hub is retried after a backoff.
func TestSubscriber_HubChanges(t *testing.T) {
	e := newSubEnv(t)
	other := websubtest.New(t)
	e.advertise(e.hub.URL)
	eventually(t, "first hub", func() bool { return e.hub.Verified("subscribe", topic) == 1 })
	first := e.stored(t)[0]
	e.advertise(other.URL)
	eventually(t, "moved", func() bool {
		subs := e.stored(t)
		return other.Verified("subscribe", topic) == 1 && e.hub.Verified("unsubscribe", topic) == 1 && len(subs) == 1 && subs[0].Hub == other.URL
	})
	if s := e.stored(t)[0]; s.ID == first.ID || s.Secret == first.Secret {
		t.Error("a new subscription needs a new id and a fresh secret")
	}
	e.advertise("")
	eventually(t, "dropped", func() bool { return other.Verified("unsubscribe", topic) == 1 && len(e.stored(t)) == 0 })

	e.hub.Refuse(true)
	e.advertise(e.hub.URL)
	eventually(t, "refused and recorded", func() bool {
		subs := e.stored(t)
		return len(subs) == 1 && subs[0].Failures == 1 && subs[0].LastError != ""
	})
	e.hub.Refuse(false)
	e.clock.Add(2 * time.Minute)
	e.sub.SetSources([]syndicate.Source{e.src})
	eventually(t, "retried", func() bool { return e.hub.Verified("subscribe", topic) == 2 && e.sub.Live("p") })
}

// A partner's hub is an outside URL: the request goes through the
// fetcher's private-network guard, which refuses this 127.0.0.1 hub; the
// operator's own hub is exempt.
func TestSubscriber_HubBehindTheGuard(t *testing.T) {
	guarded := &http.Client{Transport: fetch.NewTransport(false, nil)}
	e := newSubEnv(t, func(o *websub.SubscriberOptions, _ *subEnv) { o.Client = guarded })
	e.advertise(e.hub.URL)
	eventually(t, "the refusal recorded", func() bool {
		subs := e.stored(t)
		return len(subs) == 1 && strings.Contains(subs[0].LastError, "non-public address")
	})
	if n := len(e.hub.Requests()); n != 0 {
		t.Fatalf("the guarded hub got %d requests", n)
	}

	own := newSubEnv(t, func(o *websub.SubscriberOptions, e *subEnv) { o.Client, o.OwnHub = guarded, e.hub.URL })
	own.advertise(own.hub.URL)
	eventually(t, "the operator's hub verified", func() bool { return own.hub.Verified("subscribe", topic) == 1 })
}

// A hub that grants one-second leases and verifies at once does not get
// a renewal request each time the lease is half over: the subscription is
// renewed no sooner than MinRenewal (5 minutes) after it was verified.
func TestSubscriber_ShortLeasesAreNotRenewedInALoop(t *testing.T) {
	e := newSubEnv(t)
	e.hub.Lease = 1
	e.advertise(e.hub.URL)
	eventually(t, "subscription verified", func() bool { return e.hub.Verified("subscribe", topic) == 1 })
	for range 20 {
		e.clock.Add(time.Second)
		e.sub.SetSources([]syndicate.Source{e.src}) // pokes the loop
		time.Sleep(30 * time.Millisecond)
	}
	if n := e.hub.Verified("subscribe", topic); n != 1 {
		t.Errorf("20 seconds of one-second leases sent %d subscription requests, want 1", n)
	}
	if e.sub.Live("p") {
		t.Error("a lapsed one-second lease is live")
	}
	e.clock.Add(5 * time.Minute)
	e.sub.SetSources([]syndicate.Source{e.src})
	eventually(t, "renewal after five minutes", func() bool { return e.hub.Verified("subscribe", topic) == 2 })
}

// A delivery to a subscription that is already taking one is answered 503
// at once, before its body is read: a hub sending many 10 MiB deliveries
// at the same time had each buffered whole before the signature check and
// the ingest's busy answer.
func TestSubscriber_OneDeliveryAtATimePerSubscription(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	e := newSubEnv(t, func(o *websub.SubscriberOptions, _ *subEnv) {
		o.Ingest = func(ctx context.Context, src syndicate.Source, body []byte, ct string) error {
			entered <- struct{}{}
			<-release
			return nil
		}
	})
	e.advertise(e.hub.URL)
	eventually(t, "subscription verified", func() bool { return e.hub.Verified("subscribe", topic) == 1 && e.sub.Live("p") })
	hs := e.hub.Subscribers(topic)[0]
	first := make(chan int, 1)
	go func() { first <- e.hub.DeliverTo(hs, []byte("<feed/>"), "application/atom+xml", "sha256", "") }()
	<-entered

	// The second delivery sends its headers and a little of its body, and
	// must be answered without the rest.
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest(http.MethodPost, hs.Callback, pr)
	req.ContentLength = 10 << 20
	req.Header.Set("Content-Type", "application/atom+xml")
	req.Header.Set("X-Hub-Signature", "sha256="+strings.Repeat("0", 64))
	go pw.Write([]byte("<feed>"))
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			done <- nil
			return
		}
		done <- resp
	}()
	select {
	case resp := <-done:
		if resp != nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Errorf("a concurrent delivery = %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		}
	case <-time.After(10 * time.Second):
		t.Error("a concurrent delivery's body was waited for")
	}
	close(release)
	if code := <-first; code != http.StatusAccepted {
		t.Errorf("first delivery = %d", code)
	}
	// Free again: the next delivery is taken.
	go func() { <-entered }()
	if code := e.hub.DeliverTo(hs, []byte("<feed/>"), "application/atom+xml", "sha256", ""); code != http.StatusAccepted {
		t.Errorf("a later delivery = %d, want 202", code)
	}
}
