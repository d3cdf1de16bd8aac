package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"

	"syndicate"
)

// Source statuses are written behind: every source saves its status on
// every pass, and an fsynced transaction per save (held while the ingest
// worker waited) was most of what an all-304 pass over thousands of
// sources cost. SaveSourceStatus records the status in memory and returns;
// a flusher commits everything pending in one fsynced transaction, as
// fast as the disk allows. Reads see pending statuses, Close flushes, and
// a crash loses at most the statuses of the last moments, which the next
// pass rewrites (a status is a cache of the last pass: its validators
// only save a full fetch, and ingest is idempotent). Articles, comments
// and everything else are still written synchronously.
type statusWriter struct {
	db *bolt.DB

	mu       sync.Mutex
	pending  map[string][]byte // saved, not yet in a transaction
	inflight map[string][]byte // in the transaction being committed
	err      error             // the last failed flush, for the next save
	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

func newStatusWriter(db *bolt.DB) *statusWriter {
	w := &statusWriter{
		db: db, pending: map[string][]byte{}, inflight: map[string][]byte{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	go w.run()
	return w
}

func (w *statusWriter) run() {
	defer close(w.done)
	for {
		select {
		case <-w.wake:
			w.flush()
		case <-w.stop:
			w.flush()
			return
		}
	}
}

// flush commits what is pending in one transaction; on failure the
// statuses go back to pending (unless saved again meanwhile) and the next
// save reports the error.
func (w *statusWriter) flush() {
	w.mu.Lock()
	w.inflight, w.pending = w.pending, w.inflight
	n := len(w.inflight)
	w.mu.Unlock()
	if n == 0 {
		return
	}
	err := w.db.Update(func(tx *bolt.Tx) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		b := tx.Bucket(bStatus)
		for id, data := range w.inflight {
			if err := b.Put([]byte(id), data); err != nil {
				return err
			}
		}
		return nil
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.err = fmt.Errorf("save source statuses: %w", err)
		for id, data := range w.inflight {
			if _, newer := w.pending[id]; !newer {
				w.pending[id] = data
			}
		}
	}
	clear(w.inflight)
}

func (w *statusWriter) save(id string, data []byte) error {
	w.mu.Lock()
	err := w.err
	w.err = nil
	w.pending[id] = data
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return err
}

// get returns a status saved and not yet committed.
func (w *statusWriter) get(id string) ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if data, ok := w.pending[id]; ok {
		return data, true
	}
	data, ok := w.inflight[id]
	return data, ok
}

// forget drops a source's uncommitted status (the source is being
// deleted; a transaction that deletes its stored status follows).
func (w *statusWriter) forget(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.pending, id)
	delete(w.inflight, id)
}

// close flushes and stops the flusher.
func (w *statusWriter) close() error {
	w.once.Do(func() { close(w.stop) })
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// SourceStatus returns a source's status (saved, if not yet committed), or
// a zero one.
func (s *Store) SourceStatus(ctx context.Context, id string) (*syndicate.SourceStatus, error) {
	if data, ok := s.statuses.get(id); ok {
		var status syndicate.SourceStatus
		if err := json.Unmarshal(data, &status); err != nil {
			return nil, fmt.Errorf("decode status of %s: %w", id, err)
		}
		return &status, nil
	}
	var status *syndicate.SourceStatus
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		status, err = getJSON[syndicate.SourceStatus](tx.Bucket(bStatus), []byte(id))
		return err
	})
	if err != nil {
		return nil, err
	}
	if status == nil {
		status = &syndicate.SourceStatus{SourceID: id}
	}
	return status, nil
}

// SaveSourceStatus replaces a source's status (written behind, see
// statusWriter). It reports a failure of an earlier flush.
func (s *Store) SaveSourceStatus(ctx context.Context, status *syndicate.SourceStatus) error {
	data, err := json.Marshal(status)
	if err != nil {
		return fmt.Errorf("save status of %s: %w", status.SourceID, err)
	}
	return s.statuses.save(status.SourceID, data)
}
