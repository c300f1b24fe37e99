package postgres_test

import (
	"context"
	"testing"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/storetest"
)

// Three tend processes on one PostgreSQL claim every delivery once.
func TestSharedOutbox(t *testing.T) {
	dsn := storetest.PostgresSchemaURL(t)
	var others []store.Store
	for range 2 {
		s, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		others = append(others, s)
	}
	storetest.RunSharedOutbox(t, func(t testing.TB) store.Store {
		s, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}, others...)
}
