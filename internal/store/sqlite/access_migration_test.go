package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// A key created before scopes existed (schema 11) is admin over every
// account after migration 0012, so nothing that used it breaks.
func TestKeysBeforeScopesBecomeAdmin(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	migs, err := sqlstore.Migrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		if m.Version >= 12 {
			break
		}
		for _, stmt := range strings.Split(m.SQL, ";\n") { // as sqlstore applies them
			if strings.TrimSpace(stripComments(stmt)) == "" {
				continue
			}
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("migration %d: %v", m.Version, err)
			}
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, ?, ?)`, m.Version, m.Name, time.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO api_keys (id, name, hash, created_at) VALUES ('old1', 'dynatrace', x'01', 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM rollouts`).Scan(&n); err != nil {
		t.Fatalf("the schema before 0012 was not applied whole: %v", err)
	}
	k, err := s.APIKeys().Get(ctx, "old1")
	if err != nil || !slices.Equal(k.Scopes, []string{"admin"}) || k.Accounts != nil {
		t.Fatalf("the old key after migrating = %+v, %v; want admin over every account", k, err)
	}
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
