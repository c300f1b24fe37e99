// Package storetest is the conformance suite every store implementation must
// pass, and the helpers tests use to open a throw-away store on each backend:
// SQLite in a temporary directory, and the PostgreSQL at
// TEND_TEST_POSTGRES_URL in a schema of its own that is dropped afterwards.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for schema set-up

	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// PostgresEnv names the variable holding the test PostgreSQL URL.
const PostgresEnv = "TEND_TEST_POSTGRES_URL"

// Backend opens a fresh, empty store for one test.
type Backend struct {
	Name string
	Open func(t testing.TB) *sqlstore.DB
}

// Backends returns SQLite always, and PostgreSQL when TEND_TEST_POSTGRES_URL is
// set. Tests range over it so each runs on both.
func Backends() []Backend {
	b := []Backend{{Name: "sqlite", Open: OpenSQLite}}
	if os.Getenv(PostgresEnv) != "" {
		b = append(b, Backend{Name: "postgres", Open: OpenPostgres})
	}
	return b
}

// OpenSQLite opens a store in a new temporary directory.
func OpenSQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	s, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// OpenPostgres opens a store in a new schema of the test PostgreSQL and drops
// the schema when the test ends. It skips the test when the URL is not set.
func OpenPostgres(t testing.TB) *sqlstore.DB {
	t.Helper()
	dsn := PostgresSchemaURL(t)
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgresSchemaURL creates an empty schema in the test PostgreSQL and returns
// a URL whose connections use it; the schema is dropped at cleanup. Several
// stores opened on the same URL share the schema, as several tend processes do.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("%s not set", PostgresEnv)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	schema := "tend_test_" + hex.EncodeToString(rnd[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open test postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema %s in test postgres (%s): %v", schema, PostgresEnv, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
