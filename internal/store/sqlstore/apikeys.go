package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

type apiKeys struct{ s *DB }

var _ store.APIKeys = apiKeys{}

func (a apiKeys) Create(ctx context.Context, k store.APIKey) error {
	_, err := a.s.wdb.ExecContext(ctx, a.s.Q(
		`INSERT INTO api_keys (id, name, hash, created_at, last_used_at, revoked_at, scopes, accounts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		k.ID, k.Name, k.Hash, Micros(k.CreatedAt), Micros(k.LastUsedAt), Micros(k.RevokedAt), joinList(k.Scopes), joinList(k.Accounts))
	if err != nil {
		if a.s.dialect.IsUniqueViolation(err) {
			return fmt.Errorf("create api key %q: %w", k.ID, store.ErrConflict)
		}
		return fmt.Errorf("create api key %q: %w", k.ID, err)
	}
	return nil
}

const apiKeyCols = `id, name, hash, created_at, last_used_at, revoked_at, scopes, accounts`

// joinList and splitList keep a list of simple names as one comma-separated
// column (” = none).
func joinList(l []string) string { return strings.Join(l, ",") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

type scanner interface{ Scan(dest ...any) error }

func scanAPIKey(r scanner) (store.APIKey, error) {
	var k store.APIKey
	var created, used, revoked int64
	var scopes, accounts string
	if err := r.Scan(&k.ID, &k.Name, &k.Hash, &created, &used, &revoked, &scopes, &accounts); err != nil {
		return k, err
	}
	k.Scopes, k.Accounts = splitList(scopes), splitList(accounts)
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = Time(created), Time(used), Time(revoked)
	return k, nil
}

func (a apiKeys) Get(ctx context.Context, id string) (store.APIKey, error) {
	k, err := scanAPIKey(a.s.db.QueryRowContext(ctx, a.s.Q(`SELECT `+apiKeyCols+` FROM api_keys WHERE id = ?`), id))
	if err != nil {
		return k, notFound(err, fmt.Sprintf("get api key %q", id))
	}
	return k, nil
}

func (a apiKeys) List(ctx context.Context) ([]store.APIKey, error) {
	rows, err := a.s.db.QueryContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return collect(rows, "list api keys", scanAPIKey)
}

func (a apiKeys) Revoke(ctx context.Context, id string, at time.Time) error {
	res, err := a.s.wdb.ExecContext(ctx, a.s.Q(
		`UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE id = ?`),
		Micros(at), id)
	if err != nil {
		return fmt.Errorf("revoke api key %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke api key %q: %w", id, store.ErrNotFound)
	}
	return nil
}

func (a apiKeys) Touch(ctx context.Context, id string, at time.Time) error {
	_, err := a.s.wdb.ExecContext(ctx, a.s.Q(`UPDATE api_keys SET last_used_at = ? WHERE id = ? AND last_used_at < ?`),
		Micros(at), id, Micros(at))
	if err != nil {
		return fmt.Errorf("touch api key %q: %w", id, err)
	}
	return nil
}
