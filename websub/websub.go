// Package websub announces changed feeds to a WebSub hub (W3C WebSub §6):
// a publish ping per changed topic URL, sent in the background with
// bounded retries, so a slow or failing hub never blocks ingest. Failures
// are logged and dropped.
package websub

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Options configure a Publisher.
type Options struct {
	HubURL string
	// Client sends the pings; a client with a 10 s timeout if nil. The
	// operator's hub is exempt from the private-network guard.
	Client *http.Client
	// Attempts per URL (default 3), with Backoff doubling between them
	// (default 1 s).
	Attempts int
	Backoff  time.Duration
	// Queue is how many URLs may wait (default 1024); beyond it, pings are
	// dropped and logged: the feed's next change pings again.
	Queue     int
	UserAgent string
	Logger    *slog.Logger
}

// Publisher pings a hub. Create it with New and run it with Run.
type Publisher struct {
	opts  Options
	log   *slog.Logger
	queue chan string

	mu      sync.Mutex
	pending map[string]bool // queued and not yet sent: coalesces repeats
}

// New returns a Publisher for opts.HubURL.
func New(opts Options) *Publisher {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.Queue <= 0 {
		opts.Queue = 1024
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "Syndicate"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{opts: opts, log: log, queue: make(chan string, opts.Queue), pending: map[string]bool{}}
}

// Notify queues publish pings for topic URLs without blocking. A URL
// already waiting is not queued twice.
func (p *Publisher) Notify(urls []string) {
	for _, u := range urls {
		p.mu.Lock()
		if p.pending[u] {
			p.mu.Unlock()
			continue
		}
		p.pending[u] = true
		p.mu.Unlock()
		select {
		case p.queue <- u:
		default:
			p.mu.Lock()
			delete(p.pending, u)
			p.mu.Unlock()
			p.log.Warn("websub queue full: ping dropped", "topic", u)
		}
	}
}

// PublishNow pings every topic now, with the same retries, and returns
// when done (for `syndicate ingest`, which exits afterwards). It returns
// how many pings failed.
func (p *Publisher) PublishNow(ctx context.Context, urls []string) int {
	failed := 0
	for _, u := range urls {
		if !p.ping(ctx, u) {
			failed++
		}
	}
	return failed
}

// Run sends queued pings until ctx ends.
func (p *Publisher) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case u := <-p.queue:
			p.mu.Lock()
			delete(p.pending, u)
			p.mu.Unlock()
			p.ping(ctx, u)
		}
	}
}

func (p *Publisher) ping(ctx context.Context, topic string) bool {
	wait := p.opts.Backoff
	var err error
	for attempt := 1; attempt <= p.opts.Attempts; attempt++ {
		if err = p.send(ctx, topic); err == nil {
			p.log.Debug("websub publish ping sent", "topic", topic)
			return true
		}
		if attempt == p.opts.Attempts {
			break
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait *= 2
	}
	p.log.Warn("websub publish ping failed", "topic", topic, "hub", p.opts.HubURL, "attempts", p.opts.Attempts, "error", err)
	return false
}

func (p *Publisher) send(ctx context.Context, topic string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.opts.HubURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", p.opts.UserAgent)
	resp, err := p.opts.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("hub answered %s", resp.Status)
	}
	return nil
}
