// Package sqlstore implements the store interfaces once, over database/sql,
// for both SQL backends. The backends differ in driver, DDL, locking and
// error codes; those differences live in a Dialect, and everything else (the
// queries, the mapping to store types) is shared so the two can never drift
// apart. The sqlite and postgres packages open a database and hand it here.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// Dialect captures what differs between the SQL backends.
type Dialect interface {
	// Name is "sqlite" or "postgres"; it also names the migrations directory.
	Name() string
	// IsUniqueViolation reports whether err is a unique-constraint failure.
	IsUniqueViolation(err error) bool
	// LockMigrations serialises migrations across processes and returns the
	// function that releases the lock. conn is a dedicated connection.
	LockMigrations(ctx context.Context, conn *sql.Conn) (unlock func(), err error)
	// Positional reports whether placeholders are $1, $2 … (true) or ? (false).
	Positional() bool
	// SkipLocked is the clause that ends a SELECT claiming rows for work so
	// that concurrent claimers skip each other's rows: " FOR UPDATE SKIP
	// LOCKED" on PostgreSQL; "" on SQLite, whose write transactions are
	// already serialised.
	SkipLocked() string
	// Unsynced is the statement that lets a transaction commit without
	// waiting for the disk (store.Unsynced). With a Synced statement (SQLite)
	// it is a connection setting, run before the transaction and undone by
	// Synced after it; with none (PostgreSQL) it is run first inside the
	// transaction and lasts for it.
	Unsynced() string
	Synced() string
}

// DB is a store.Store over a SQL database.
type DB struct {
	// db serves reads outside transactions; wdb every write and every
	// transaction. They are one pool except on SQLite, where wdb is a single
	// connection: SQLite has one writer at a time anyway, and a connection
	// that makes every commit keeps its page cache, where a pool of writers
	// would each find their cache invalidated by the others' commits.
	db, wdb   *sql.DB
	dialect   Dialect
	apiKeys   apiKeys
	insights  insights
	anomalies anomalies
	problems  problems
	runs      runs
	params    params
	catalog   catalogStore
	// outboxWritten is set by a transaction that wrote messages, and
	// outboxWake signalled once it commits (OutboxWake).
	outboxWritten atomic.Bool
	outboxWake    chan struct{}
	batch         writeBatcher
	stmts         stmtCache // prepared on db
	wstmts        stmtCache // prepared on wdb
}

var _ store.Store = (*DB)(nil)

// New wraps an open database. It applies pending migrations first, so a
// returned DB always has the current schema.
func New(ctx context.Context, db *sql.DB, d Dialect) (*DB, error) {
	return NewSplit(ctx, db, db, d)
}

// NewSplit is New with separate pools for reads (readers) and for writes
// and transactions (writer); see DB.
func NewSplit(ctx context.Context, readers, writer *sql.DB, d Dialect) (*DB, error) {
	s := &DB{db: readers, wdb: writer, dialect: d, outboxWake: make(chan struct{}, 1)}
	if _, err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	s.apiKeys = apiKeys{s}
	s.insights = insights{s}
	s.anomalies = anomalies{s}
	s.problems = problems{s}
	s.runs = runs{s}
	s.params = params{s}
	s.catalog = catalogStore{s}
	return s, nil
}

// SQL exposes the underlying database for packages that keep their own
// tables in the same database (through migrations registered here).
func (s *DB) SQL() *sql.DB { return s.wdb }

// Dialect returns the backend's dialect.
func (s *DB) Dialect() Dialect { return s.dialect }

func (s *DB) APIKeys() store.APIKeys { return s.apiKeys }

func (s *DB) Insights() store.Insights { return notifyingInsights{s.insights} }

func (s *DB) Anomalies() store.Anomalies { return s.anomalies }

func (s *DB) Problems() store.Problems { return s.problems }

func (s *DB) Runs() store.Runs { return s.runs }

func (s *DB) Params() store.Params { return s.params }

func (s *DB) Catalog() store.Catalog { return s.catalog }

func (s *DB) Outbox() store.Outbox { return outbox{s} }

func (s *DB) Channels() store.Channels { return channels{s} }

// Org returns the organisation store.
func (s *DB) Org() store.Org { return org{s} }

func (s *DB) Backend() string { return s.dialect.Name() }

func (s *DB) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping %s store: %w", s.dialect.Name(), err)
	}
	return nil
}

func (s *DB) Close() error {
	err := s.db.Close()
	if s.wdb != s.db {
		err = errors.Join(err, s.wdb.Close())
	}
	return err
}

// Q rewrites a query written with ? placeholders for the dialect.
func (s *DB) Q(query string) string { return Rebind(s.dialect, query) }

// Rebind rewrites ? placeholders to $1, $2 … when the dialect needs it.
// Question marks inside single-quoted literals are left alone.
func Rebind(d Dialect, query string) string {
	if !d.Positional() || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Tx runs fn in a transaction, committing if it returns nil.
func (s *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.tx(ctx, store.IsUnsynced(ctx), fn)
}

// tx is Tx, committed without waiting for the disk if unsynced (see
// store.Unsynced). On SQLite the transaction holds the writer's only
// connection throughout, so that the synchronous setting it changes for
// its commit applies to nothing else.
func (s *DB) tx(ctx context.Context, unsynced bool, fn func(tx *sql.Tx) error) error {
	defer s.preparePending()
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer conn.Close()
	// A dialect with a Synced statement sets the connection (SQLite);
	// otherwise the setting lasts for the transaction (PostgreSQL).
	perConn := s.dialect.Synced() != ""
	if unsynced && perConn {
		if _, err := conn.ExecContext(ctx, s.dialect.Unsynced()); err != nil {
			return fmt.Errorf("begin unsynced transaction: %w", err)
		}
		defer func() { _, _ = conn.ExecContext(context.Background(), s.dialect.Synced()) }()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if unsynced && !perConn {
		if _, err := tx.ExecContext(ctx, s.dialect.Unsynced()); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("begin unsynced transaction: %w", err)
		}
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.afterCommit()
	return nil
}

// Micros converts a time to the stored representation: microseconds since
// the Unix epoch, UTC; the zero time is stored as 0.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// Time converts a stored microsecond count back; 0 is the zero time.
func Time(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// notFound maps sql.ErrNoRows to store.ErrNotFound with context.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// collect scans every row with scan and closes rows; what names the query
// in errors.
func collect[T any](rows *sql.Rows, what string, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
