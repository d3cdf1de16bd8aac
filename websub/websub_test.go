package websub_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"syndicate/websub"
)

type hub struct {
	mu     sync.Mutex
	topics []string
	fail   int // answer 503 this many times first
	got    chan string
}

func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Method != http.MethodPost || r.Form.Get("hub.mode") != "publish" {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	if h.fail > 0 {
		h.fail--
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	h.topics = append(h.topics, r.Form.Get("hub.url"))
	w.WriteHeader(http.StatusNoContent)
	h.got <- r.Form.Get("hub.url")
}

func TestPublisher_PingsEachTopic(t *testing.T) {
	h := &hub{got: make(chan string, 10), fail: 2}
	srv := httptest.NewServer(h)
	defer srv.Close()
	p := websub.New(websub.Options{HubURL: srv.URL, Backoff: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	p.Notify([]string{"https://f.example/feed.rss", "https://f.example/feed.atom"})
	var got []string
	for range 2 {
		select {
		case u := <-h.got:
			got = append(got, u)
		case <-time.After(10 * time.Second):
			t.Fatalf("hub got %v", got)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"https://f.example/feed.atom", "https://f.example/feed.rss"}) {
		t.Errorf("topics = %v", got)
	}
}

func TestPublisher_NeverBlocks(t *testing.T) {
	// No Run: the queue fills; Notify must still return.
	p := websub.New(websub.Options{HubURL: "http://127.0.0.1:1/", Queue: 2})
	done := make(chan struct{})
	go func() {
		p.Notify([]string{"a", "b", "c", "d", "a"})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Notify blocked on a full queue")
	}
}
