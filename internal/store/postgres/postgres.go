// Package postgres opens tend's PostgreSQL store (pgx v5), for fleets that
// outgrow one machine: several tend processes share one database, migrations
// are serialised with an advisory lock, and work is claimed with row locks.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tendhq/tend/internal/store/sqlstore"
)

// migrationLockKey is the pg_advisory_lock key tend takes while migrating
// ("tend" in ASCII).
const migrationLockKey = 0x74656e64

// Open connects to the PostgreSQL database at dsn (postgres://…) and migrates it.
func Open(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse PostgreSQL URL %s: %w", Redact(dsn), unwrapAll(err))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	db := stdlib.OpenDB(*cfg)
	// Keep as many idle as may be open: a connection closed when a burst
	// ends is a PostgreSQL backend process to start again at the next.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %v (is the server running and the URL right? set it with --store or TEND_STORE_URL)", Redact(dsn), unwrapAll(err))
	}
	s, err := sqlstore.New(ctx, db, Dialect{})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open PostgreSQL store %s: %w", Redact(dsn), err)
	}
	return s, nil
}

// Redact returns the URL with any password replaced, for messages and logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparseable URL)"
		}
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// unwrapAll reduces pgx's connection errors (one line per address tried) to
// the first line, the one that says what went wrong.
func unwrapAll(err error) error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		err = ce.Unwrap()
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return errors.New(msg)
}

// Dialect is PostgreSQL's flavour of SQL for sqlstore.
type Dialect struct{}

var _ sqlstore.Dialect = Dialect{}

func (Dialect) Name() string       { return "postgres" }
func (Dialect) SkipLocked() string { return " FOR UPDATE SKIP LOCKED" }
func (Dialect) Positional() bool   { return true }

// Unsynced lets one transaction commit before its WAL record is flushed
// (store.Unsynced); it lasts for that transaction only, so Synced is empty.
func (Dialect) Unsynced() string { return "SET LOCAL synchronous_commit TO OFF" }
func (Dialect) Synced() string   { return "" }

func (Dialect) IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func (Dialect) LockMigrations(ctx context.Context, conn *sql.Conn) (func(), error) {
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return nil, err
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
	}, nil
}
