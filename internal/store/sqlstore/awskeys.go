package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

type awsKeys struct{ s *DB }

var _ store.AWSKeys = awsKeys{}

// AWSKeys returns the store of the DevOps Guru API's SigV4 credentials.
func (s *DB) AWSKeys() store.AWSKeys { return awsKeys{s} }

// awsJoin and awsSplit keep a list of names as one comma-separated column.
func awsJoin(l []string) string { return strings.Join(l, ",") }

func awsSplit(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func (a awsKeys) Create(ctx context.Context, k store.AWSKey) error {
	_, err := a.s.wdb.ExecContext(ctx, a.s.Q(
		`INSERT INTO aws_keys (access_key_id, name, secret_enc, scopes, accounts, created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		k.AccessKeyID, k.Name, k.SecretSealed, awsJoin(k.Scopes), awsJoin(k.Accounts), Micros(k.CreatedAt), Micros(k.LastUsedAt), Micros(k.RevokedAt))
	if err != nil {
		if a.s.dialect.IsUniqueViolation(err) {
			return fmt.Errorf("create aws key %q: %w", k.AccessKeyID, store.ErrConflict)
		}
		return fmt.Errorf("create aws key %q: %w", k.AccessKeyID, err)
	}
	return nil
}

const awsKeyCols = `access_key_id, name, secret_enc, scopes, accounts, created_at, last_used_at, revoked_at`

func scanAWSKey(r scanner) (store.AWSKey, error) {
	var k store.AWSKey
	var scopes, accounts string
	var created, used, revoked int64
	if err := r.Scan(&k.AccessKeyID, &k.Name, &k.SecretSealed, &scopes, &accounts, &created, &used, &revoked); err != nil {
		return k, err
	}
	k.Scopes, k.Accounts = awsSplit(scopes), awsSplit(accounts)
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = Time(created), Time(used), Time(revoked)
	return k, nil
}

func (a awsKeys) Get(ctx context.Context, id string) (store.AWSKey, error) {
	k, err := scanAWSKey(a.s.db.QueryRowContext(ctx, a.s.Q(`SELECT `+awsKeyCols+` FROM aws_keys WHERE access_key_id = ?`), id))
	if err != nil {
		return k, notFound(err, fmt.Sprintf("get aws key %q", id))
	}
	return k, nil
}

func (a awsKeys) List(ctx context.Context) ([]store.AWSKey, error) {
	rows, err := a.s.db.QueryContext(ctx, `SELECT `+awsKeyCols+` FROM aws_keys ORDER BY created_at, access_key_id`)
	if err != nil {
		return nil, fmt.Errorf("list aws keys: %w", err)
	}
	return collect(rows, "list aws keys", scanAWSKey)
}

func (a awsKeys) Revoke(ctx context.Context, id string, at time.Time) error {
	res, err := a.s.wdb.ExecContext(ctx, a.s.Q(
		`UPDATE aws_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE access_key_id = ?`),
		Micros(at), id)
	if err != nil {
		return fmt.Errorf("revoke aws key %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke aws key %q: %w", id, store.ErrNotFound)
	}
	return nil
}

func (a awsKeys) Touch(ctx context.Context, id string, at time.Time) error {
	_, err := a.s.wdb.ExecContext(ctx, a.s.Q(`UPDATE aws_keys SET last_used_at = ? WHERE access_key_id = ? AND last_used_at < ?`),
		Micros(at), id, Micros(at))
	if err != nil {
		return fmt.Errorf("touch aws key %q: %w", id, err)
	}
	return nil
}
