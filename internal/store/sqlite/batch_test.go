package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// TestGroupCommitIsolatesFailures: concurrent writes share commits, and a
// write that fails (a run leased to someone else) fails alone.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	const n = 64
	for i := 0; i < n; i++ {
		r := store.Run{ID: fmt.Sprintf("run-%02d", i), Policy: "p", Mode: "auto", State: store.RunPending, Data: []byte(`{}`), NextAt: now, CreatedAt: now, UpdatedAt: now}
		if err := s.Runs().Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.Runs().Claim(ctx, "w", now, now.Add(time.Hour), n)
	if err != nil || len(runs) != n {
		t.Fatalf("Claim = %d, %v", len(runs), err)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := "w"
			if i%3 == 0 {
				owner = "intruder"
			}
			r.Data = []byte(`{"seq":1}`)
			errs[i] = s.Runs().Advance(ctx, owner, r, store.Step{Seq: 1, Name: "enrich", Status: "ok", StartedAt: now, FinishedAt: now})
		}()
	}
	wg.Wait()
	for i, r := range runs {
		steps, _ := s.Runs().Steps(ctx, r.ID)
		if i%3 == 0 {
			if !errors.Is(errs[i], store.ErrConflict) || len(steps) != 0 {
				t.Fatalf("intruder's write %d: err %v, %d steps", i, errs[i], len(steps))
			}
			continue
		}
		if errs[i] != nil || len(steps) != 1 {
			t.Fatalf("write %d: err %v, %d steps", i, errs[i], len(steps))
		}
	}
}
