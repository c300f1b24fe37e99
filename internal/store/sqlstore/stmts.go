package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements by query text, so the hot paths do
// not parse their SQL on every call; database/sql prepares each statement
// once per connection and reuses it. Only SQLite uses it: pgx caches the
// statements it prepares per connection by itself, and preparing through
// the pool from inside a transaction could wait for a connection that the
// waiting transactions hold.
type stmtCache struct {
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// stmt returns the prepared statement for a query written with ?
// placeholders, or nil if it cannot be prepared (the caller then runs the
// query directly and gets the error).
func (s *DB) stmt(q string) *sql.Stmt {
	if s.dialect.Name() != "sqlite" {
		return nil
	}
	c := &s.stmts
	c.mu.RLock()
	st := c.m[q]
	c.mu.RUnlock()
	if st != nil {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st = c.m[q]; st != nil {
		return st
	}
	st, err := s.db.PrepareContext(context.Background(), s.Q(q))
	if err != nil {
		return nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st
}

func (s *DB) execQ(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st := s.stmt(q)
	switch {
	case st == nil && tx != nil:
		return tx.ExecContext(ctx, s.Q(q), args...)
	case st == nil:
		return s.db.ExecContext(ctx, s.Q(q), args...)
	case tx != nil:
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (s *DB) queryRowQ(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	st := s.stmt(q)
	switch {
	case st == nil && tx != nil:
		return tx.QueryRowContext(ctx, s.Q(q), args...)
	case st == nil:
		return s.db.QueryRowContext(ctx, s.Q(q), args...)
	case tx != nil:
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *DB) queryQ(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	st := s.stmt(q)
	switch {
	case st == nil && tx != nil:
		return tx.QueryContext(ctx, s.Q(q), args...)
	case st == nil:
		return s.db.QueryContext(ctx, s.Q(q), args...)
	case tx != nil:
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return st.QueryContext(ctx, args...)
}
