package embedded

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"syndicate"
)

// TestSourceStatus_WrittenBehind: statuses saved concurrently are read
// back at once, are on disk after Close, and a deleted source's pending
// status is not written after its deletion.
func TestSourceStatus_WrittenBehind(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			id := fmt.Sprint("s", i)
			for pass := range 3 {
				st := &syndicate.SourceStatus{SourceID: id, ETag: fmt.Sprintf(`"%d-%d"`, i, pass), LastAttempt: t0.Add(time.Duration(pass) * time.Minute)}
				if err := s.SaveSourceStatus(ctx, st); err != nil {
					t.Error(err)
				}
				got, err := s.SourceStatus(ctx, id)
				if err != nil || got.ETag != st.ETag {
					t.Errorf("%s pass %d: read %+v, %v after saving %q", id, pass, got, err, st.ETag)
				}
			}
		})
	}
	wg.Wait()
	if err := s.PutSource(ctx, syndicate.Source{ID: "gone", Name: "Gone", URL: "https://gone.example/feed", Enabled: true}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSourceStatus(ctx, &syndicate.SourceStatus{SourceID: "gone", ETag: `"x"`}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSource(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 200 {
		got, err := s.SourceStatus(ctx, fmt.Sprint("s", i))
		if want := fmt.Sprintf(`"%d-2"`, i); err != nil || got.ETag != want {
			t.Fatalf("after a restart s%d has %q (%v), want %q", i, got.ETag, err, want)
		}
	}
	if got, _ := s.SourceStatus(ctx, "gone"); got.ETag != "" {
		t.Errorf("a deleted source's status came back: %+v", got)
	}
}
