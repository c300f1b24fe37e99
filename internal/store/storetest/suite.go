package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// Run runs the conformance suite against stores made by open. Every
// implementation of store.Store must pass it.
func Run(t *testing.T, open func(t testing.TB) store.Store) {
	t.Run("Ping", func(t *testing.T) {
		s := open(t)
		if err := s.Ping(context.Background()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		if s.Backend() == "" {
			t.Fatal("Backend() is empty")
		}
	})
	t.Run("APIKeys", func(t *testing.T) { testAPIKeys(t, open(t)) })
	t.Run("APIKeysConcurrentCreate", func(t *testing.T) { testAPIKeysConcurrent(t, open(t)) })
	t.Run("Insights", func(t *testing.T) { testInsights(t, open(t)) })
	t.Run("InsightsList", func(t *testing.T) { testInsightList(t, open(t)) })
	t.Run("InsightsConcurrentOngoing", func(t *testing.T) { testInsightsConcurrentOngoing(t, open(t)) })
	t.Run("Anomalies", func(t *testing.T) { testAnomalies(t, open(t)) })
	t.Run("Stacks", func(t *testing.T) { testStacks(t, open(t)) })
	t.Run("Reviews", func(t *testing.T) { testReviews(t, open(t)) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open(t)) })
	t.Run("ProactiveInsights", func(t *testing.T) { testProactiveInsights(t, open(t)) })
	runRemediation(t, open)
	runNotify(t, open)
	runAccess(t, open)
}

func testAPIKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	keys := s.APIKeys()
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 123456000, time.UTC)

	if _, err := keys.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	if got, err := keys.List(ctx); err != nil || len(got) != 0 {
		t.Fatalf("List(empty) = %v, %v; want none", got, err)
	}
	a := store.APIKey{ID: "k1", Name: "ops", Hash: []byte{1, 2, 3, 0, 255}, CreatedAt: t0}
	b := store.APIKey{ID: "k2", Name: "ci", Hash: []byte{9}, CreatedAt: t0.Add(time.Second)}
	for _, k := range []store.APIKey{b, a} {
		if err := keys.Create(ctx, k); err != nil {
			t.Fatalf("Create(%s): %v", k.ID, err)
		}
	}
	if err := keys.Create(ctx, a); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Create(duplicate) = %v, want ErrConflict", err)
	}
	got, err := keys.Get(ctx, "k1")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Name != "ops" || string(got.Hash) != string(a.Hash) || !got.CreatedAt.Equal(t0) || !got.LastUsedAt.IsZero() || got.Revoked() {
		t.Fatalf("Get = %+v, want %+v", got, a)
	}
	list, err := keys.List(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "k1" || list[1].ID != "k2" {
		t.Fatalf("List = %+v, %v; want k1, k2 oldest first", list, err)
	}

	used := t0.Add(time.Minute)
	if err := keys.Touch(ctx, "k1", used); err != nil {
		t.Fatalf("Touch: %v", err)
	}
	if err := keys.Touch(ctx, "k1", t0); err != nil { // older: ignored
		t.Fatalf("Touch(older): %v", err)
	}
	if got, _ := keys.Get(ctx, "k1"); !got.LastUsedAt.Equal(used) {
		t.Fatalf("LastUsedAt = %v, want %v", got.LastUsedAt, used)
	}

	rev := t0.Add(time.Hour)
	if err := keys.Revoke(ctx, "k1", rev); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if err := keys.Revoke(ctx, "k1", rev.Add(time.Hour)); err != nil {
		t.Fatalf("Revoke(again): %v", err)
	}
	if got, _ := keys.Get(ctx, "k1"); !got.Revoked() || !got.RevokedAt.Equal(rev) {
		t.Fatalf("RevokedAt = %v, want first revocation %v", got.RevokedAt, rev)
	}
	if err := keys.Revoke(ctx, "missing", rev); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Revoke(missing) = %v, want ErrNotFound", err)
	}
}

func testAPIKeysConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.APIKeys().Create(ctx, store.APIKey{ID: "same", Name: "x", Hash: []byte{1}, CreatedAt: time.Now()})
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrConflict):
		default:
			t.Errorf("concurrent Create: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent creates of one ID succeeded, want exactly 1", ok)
	}
}
