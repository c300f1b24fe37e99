package sqlstore

import (
	"context"
	"database/sql"
	"strings"
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
	// want are queries first met inside a transaction: preparing them
	// then could wait for the writer's only connection, which that
	// transaction holds, so they are prepared after it (preparePending).
	want map[string]bool
}

// stmt returns the prepared statement for a query written with ?
// placeholders, or nil if it cannot be prepared (the caller then runs the
// query directly and gets the error).
func (s *DB) stmt(q string) *sql.Stmt { return s.prepared(s.db, &s.stmts, q) }

// wstmt is stmt on the writer pool, for writes outside a transaction.
func (s *DB) wstmt(q string) *sql.Stmt { return s.prepared(s.wdb, &s.wstmts, q) }

// txStmt is the writer's prepared statement for a query run inside a
// transaction, or nil (run it unprepared) if it is not prepared yet.
func (s *DB) txStmt(q string) *sql.Stmt {
	if s.dialect.Name() != "sqlite" {
		return nil
	}
	c := &s.wstmts
	c.mu.RLock()
	st := c.m[q]
	c.mu.RUnlock()
	if st == nil {
		c.mu.Lock()
		if c.want == nil {
			c.want = map[string]bool{}
		}
		c.want[q] = true
		c.mu.Unlock()
	}
	return st
}

// preparePending prepares on the writer the queries transactions met
// unprepared; Tx calls it once its connection is free again.
func (s *DB) preparePending() {
	c := &s.wstmts
	c.mu.RLock()
	n := len(c.want)
	c.mu.RUnlock()
	if n == 0 {
		return
	}
	c.mu.Lock()
	want := c.want
	c.want = nil
	c.mu.Unlock()
	for q := range want {
		s.wstmt(q)
	}
}

func (s *DB) prepared(db *sql.DB, c *stmtCache, q string) *sql.Stmt {
	if s.dialect.Name() != "sqlite" {
		return nil
	}
	c.mu.RLock()
	st := c.m[q]
	c.mu.RUnlock()
	if st != nil {
		return st
	}
	// Prepare without holding the cache's lock: preparing waits for a
	// connection of the pool (the writer's only one), and a transaction
	// holding that connection may be waiting for the lock (txStmt) — a
	// deadlock tend serve's tests met about once in forty runs.
	st, err := db.PrepareContext(context.Background(), s.Q(q))
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[q]; old != nil {
		_ = st.Close() // prepared meanwhile by another caller
		return old
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st
}

func (s *DB) execQ(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	var st *sql.Stmt
	if tx != nil {
		st = s.txStmt(q)
	} else {
		st = s.wstmt(q)
	}
	if tx != nil {
		ctx = context.WithoutCancel(ctx) // see readStmt
	}
	switch {
	case st == nil && tx != nil:
		return tx.ExecContext(ctx, s.Q(q), args...)
	case st == nil:
		return s.wdb.ExecContext(ctx, s.Q(q), args...)
	case tx != nil:
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (s *DB) queryRowQ(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	st := s.readStmt(tx, q)
	if tx != nil {
		ctx = context.WithoutCancel(ctx) // see readStmt
	}
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
	st := s.readStmt(tx, q)
	if tx != nil {
		ctx = context.WithoutCancel(ctx) // see readStmt
	}
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

// readStmt is the statement for a query: the writer's when it runs in a
// transaction, the readers' otherwise.
//
// Statements in a transaction run without their caller's cancellation: on
// SQLite a transaction may hold several callers' writes (group commit), and
// one caller giving up must not abort the others'; SQL statements here are
// short. (It also spares the driver a watcher goroutine per statement.)
func (s *DB) readStmt(tx *sql.Tx, q string) *sql.Stmt {
	if tx != nil {
		return s.txStmt(q)
	}
	return s.stmt(q)
}

// queryIDs runs q (which selects one text column) and returns the values.
func (s *DB) queryIDs(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := s.queryQ(ctx, tx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// updateInState applies "UPDATE table SET set" (args fill set's
// placeholders) to the row id when its state is one of from, in a write
// transaction, and returns how many rows changed (0: it is in another
// state, or absent).
func (s *DB) updateInState(ctx context.Context, table, id, set string, from []string, args ...any) (int64, error) {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(from)), ", ")
	all := append(append([]any{}, args...), id)
	for _, f := range from {
		all = append(all, f)
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := s.execQ(ctx, tx, `UPDATE `+table+` SET `+set+` WHERE id = ? AND state IN (`+marks+`)`, all...)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n, err
}
