package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB) store.Store { return storetest.OpenSQLite(t) })
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.APIKeys().Create(ctx, store.APIKey{ID: "k", Name: "n", Hash: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, err := s.APIKeys().Get(ctx, "k"); err != nil {
		t.Fatalf("key lost across reopen: %v", err)
	}
	var mode string
	if err := s.SQL().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestUnwritableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		// root ignores permissions; use a path under a regular file instead.
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, nil, 0o600)
		_, err := sqlite.Open(context.Background(), filepath.Join(f, "data"))
		if err == nil || !strings.Contains(err.Error(), "--data-dir") {
			t.Fatalf("Open under a file = %v, want an error naming --data-dir", err)
		}
		return
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	_, err := sqlite.Open(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("Open(read-only) = %v, want not writable", err)
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	dir := t.TempDir()
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			s, err := sqlite.Open(context.Background(), dir)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
}

// TestUnsyncedWrite: a write marked store.Unsynced commits like any other,
// and the writer connection is back to synchronous=FULL for the writes
// after it, batched or not.
func TestUnsyncedWrite(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC()
	r := store.Run{ID: "run-1", Policy: "p", Mode: "auto", State: store.RunPending, Data: []byte(`{}`), NextAt: now, CreatedAt: now, UpdatedAt: now}
	if err := s.Runs().Create(store.Unsynced(ctx), r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Runs().Get(ctx, "run-1"); err != nil {
		t.Fatalf("the unsynced write is not visible: %v", err)
	}
	var mode int
	if err := s.SQL().QueryRowContext(ctx, "PRAGMA synchronous").Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("writer synchronous = %d, %v; want 2 (FULL) after an unsynced write", mode, err)
	}
}
