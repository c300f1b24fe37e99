// Package sqlite opens tend's embedded store: a single SQLite file (pure Go,
// modernc.org/sqlite, no cgo) in WAL mode with full fsync, so an acknowledged
// write survives a crash and the CLI can read and write while tend serve runs.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"syscall"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tendhq/tend/internal/store/sqlstore"
)

// FileName is the database file tend keeps in its data directory.
const FileName = "tend.db"

// Open opens (creating if needed) the store in dir/tend.db and migrates it.
func Open(ctx context.Context, dir string) (*sqlstore.DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w (choose another with --data-dir)", dir, err)
	}
	if err := checkWritable(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	open := func(conns int) (*sql.DB, error) {
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
		}
		// Keep every connection: a closed idle one is reopened (file,
		// pragmas) and loses its prepared statements and page cache.
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
		}
		return db, nil
	}
	// SQLite has one writer at a time: every write goes through a single
	// connection (see sqlstore.DB), and reads through a small pool that
	// keeps them concurrent with it.
	writer, err := open(1)
	if err != nil {
		return nil, err
	}
	readers, err := open(8)
	if err != nil {
		writer.Close()
		return nil, err
	}
	s, err := sqlstore.NewSplit(ctx, readers, writer, Dialect{lockPath: path + ".migrate.lock"})
	if err != nil {
		readers.Close()
		writer.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	return s, nil
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w (fix its permissions or choose another with --data-dir)", dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Dialect is SQLite's flavour of SQL for sqlstore.
type Dialect struct{ lockPath string }

var _ sqlstore.Dialect = Dialect{}

func (Dialect) Name() string       { return "sqlite" }
func (Dialect) SkipLocked() string { return "" }
func (Dialect) Positional() bool   { return false }

// Unsynced and Synced switch the writer connection between the WAL commit
// without fsync (store.Unsynced) and the default, which waits for it.
func (Dialect) Unsynced() string { return "PRAGMA synchronous = NORMAL" }
func (Dialect) Synced() string   { return "PRAGMA synchronous = FULL" }

func (Dialect) IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// LockMigrations takes an exclusive advisory lock on a file beside the
// database, so two processes starting at once migrate one after the other.
func (d Dialect) LockMigrations(ctx context.Context, _ *sql.Conn) (func(), error) {
	if d.lockPath == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(d.lockPath, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
