// Package websubtest is a small WebSub hub for tests (W3C WebSub §5–7):
// it accepts subscription requests, verifies intent against the
// callback, and delivers signed content on demand. It listens on
// 127.0.0.1 only.
package websubtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Sub is a subscription the hub verified.
type Sub struct {
	Topic, Callback, Secret string
	Lease                   int
	Verified                time.Time
}

// Event is one verification the hub made.
type Event struct {
	Mode, Topic, Callback string
	Status                int  // the callback's answer
	Echoed                bool // it echoed the challenge
}

// Hub is a WebSub hub on 127.0.0.1.
type Hub struct {
	*httptest.Server
	// Lease is the lease granted, in seconds (default 3600).
	Lease int
	// Route maps a callback URL to the URL dialled (a test maps base_url
	// to the server under test); identity if nil.
	Route func(callback string) string

	t      testing.TB
	client *http.Client
	wg     sync.WaitGroup

	mu       sync.Mutex
	subs     map[string]*Sub // by topic + " " + callback
	requests []url.Values
	events   []Event
	refuse   bool
}

// New starts a hub; it closes when the test ends, after its verifications.
func New(t testing.TB) *Hub {
	h := &Hub{Lease: 3600, t: t, subs: map[string]*Sub{}, client: &http.Client{Timeout: 10 * time.Second}}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(func() { h.wg.Wait(); h.Server.Close() })
	return h
}

// Refuse makes the hub answer subscription requests with 500 (or not).
func (h *Hub) Refuse(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refuse = on
}

func (h *Hub) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form := r.PostForm
	mode, topic, callback := form.Get("hub.mode"), form.Get("hub.topic"), form.Get("hub.callback")
	h.mu.Lock()
	h.requests = append(h.requests, form)
	refuse, lease := h.refuse, h.Lease
	h.mu.Unlock()
	if refuse {
		http.Error(w, "hub refuses", http.StatusInternalServerError)
		return
	}
	if (mode != "subscribe" && mode != "unsubscribe") || topic == "" || callback == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		ev := h.verify(mode, topic, callback, lease)
		if !ev.Echoed {
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		key := topic + " " + callback
		if mode == "unsubscribe" {
			delete(h.subs, key)
			return
		}
		h.subs[key] = &Sub{Topic: topic, Callback: callback, Secret: form.Get("hub.secret"), Lease: lease, Verified: time.Now()}
	}()
}

func (h *Hub) verify(mode, topic, callback string, lease int) Event {
	var b [16]byte
	rand.Read(b[:])
	challenge := hex.EncodeToString(b[:])
	status, body, err := h.Verify(callback, url.Values{
		"hub.mode": {mode}, "hub.topic": {topic}, "hub.challenge": {challenge}, "hub.lease_seconds": {strconv.Itoa(lease)},
	})
	ev := Event{Mode: mode, Topic: topic, Callback: callback, Status: status, Echoed: err == nil && status == 200 && body == challenge}
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
	return ev
}

// Verify sends a verification of intent with params to callback and
// returns the answer.
func (h *Hub) Verify(callback string, params url.Values) (int, string, error) {
	target := callback
	if h.Route != nil {
		target = h.Route(callback)
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	resp, err := h.client.Get(target + sep + params.Encode())
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body), nil
}

// Requests returns the subscription requests received so far.
func (h *Hub) Requests() []url.Values {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]url.Values(nil), h.requests...)
}

// Events returns the verifications made so far.
func (h *Hub) Events() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.events...)
}

// Verified counts the successful verifications of mode for topic.
func (h *Hub) Verified(mode, topic string) int {
	n := 0
	for _, ev := range h.Events() {
		if ev.Mode == mode && ev.Topic == topic && ev.Echoed {
			n++
		}
	}
	return n
}

// Subscribers returns the verified subscriptions to topic.
func (h *Hub) Subscribers(topic string) []Sub {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Sub
	for _, s := range h.subs {
		if s.Topic == topic {
			out = append(out, *s)
		}
	}
	return out
}

// Deliver sends body (nil: a delivery without content) to every verified
// subscriber of topic, signed with method ("sha256", "sha512"; "" for no
// signature) and its secret, or with forged instead when it is set. It
// returns the status codes the callbacks answered.
func (h *Hub) Deliver(topic string, body []byte, contentType, method, forged string) []int {
	var codes []int
	for _, s := range h.Subscribers(topic) {
		codes = append(codes, h.DeliverTo(s, body, contentType, method, forged))
	}
	return codes
}

// DeliverTo sends one delivery to s (see Deliver).
func (h *Hub) DeliverTo(s Sub, body []byte, contentType, method, forged string) int {
	target := s.Callback
	if h.Route != nil {
		target = h.Route(target)
	}
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(string(body)))
	if err != nil {
		h.t.Errorf("delivery: %v", err)
		return 0
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Add("Link", fmt.Sprintf("<%s>; rel=\"hub\"", h.URL))
	req.Header.Add("Link", fmt.Sprintf("<%s>; rel=\"self\"", s.Topic))
	switch {
	case forged != "":
		req.Header.Set("X-Hub-Signature", forged)
	case method != "":
		req.Header.Set("X-Hub-Signature", Sign(method, s.Secret, body))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Errorf("delivery to %s: %v", target, err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Sign returns the X-Hub-Signature of body with secret.
func Sign(method, secret string, body []byte) string {
	var newHash func() hash.Hash
	switch method {
	case "sha256":
		newHash = sha256.New
	case "sha384":
		newHash = sha512.New384
	case "sha512":
		newHash = sha512.New
	default:
		panic("websubtest: unknown method " + method)
	}
	m := hmac.New(newHash, []byte(secret))
	m.Write(body)
	return method + "=" + hex.EncodeToString(m.Sum(nil))
}
