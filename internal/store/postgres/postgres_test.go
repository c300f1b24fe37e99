package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB) store.Store { return storetest.OpenPostgres(t) })
}

// Several tend processes starting at once against one database must migrate
// it exactly once and all come up.
func TestConcurrentOpen(t *testing.T) {
	dsn := storetest.PostgresSchemaURL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				defer s.Close()
				_, err = s.APIKeys().List(context.Background())
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
}

func TestUnreachable(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://tend:secret@127.0.0.1:1/tend?connect_timeout=2")
	if err == nil {
		t.Fatal("Open(unreachable) succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, "cannot reach PostgreSQL") || strings.Contains(msg, "secret") {
		t.Fatalf("error = %q, want a clear message without the password", msg)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h:5432/db": "postgres://u:xxxxx@h:5432/db",
		"postgres://u@h/db":        "postgres://u@h/db",
	} {
		if got := postgres.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
