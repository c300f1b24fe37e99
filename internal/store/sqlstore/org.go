package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/store"
)

type org struct{ s *DB }

var _ store.Org = org{}

// parentExists reports whether id is the root or an OU.
func (o org) parentExists(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, id string) (bool, error) {
	if id == store.RootOU {
		return true, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, o.s.Q(`SELECT COUNT(*) FROM org_units WHERE id = ?`), id).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

func (o org) AddOU(ctx context.Context, n store.OrgNode) error {
	return o.s.tx(ctx, false, func(tx *sql.Tx) error {
		ok, err := o.parentExists(ctx, tx, n.Parent)
		if err != nil {
			return fmt.Errorf("add ou %q: %w", n.ID, err)
		}
		if !ok {
			return fmt.Errorf("add ou %q: parent ou %q: %w", n.ID, n.Parent, store.ErrNotFound)
		}
		var clash int
		if err := tx.QueryRowContext(ctx, o.s.Q(`SELECT COUNT(*) FROM org_accounts WHERE id = ?`), n.ID).Scan(&clash); err != nil {
			return fmt.Errorf("add ou %q: %w", n.ID, err)
		}
		if clash > 0 || n.ID == store.RootOU {
			return fmt.Errorf("add ou %q: %w", n.ID, store.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, o.s.Q(`INSERT INTO org_units (id, name, parent, created_at) VALUES (?, ?, ?, ?)`),
			n.ID, n.Name, n.Parent, Micros(n.CreatedAt))
		if err != nil {
			if o.s.dialect.IsUniqueViolation(err) {
				return fmt.Errorf("add ou %q: %w", n.ID, store.ErrConflict)
			}
			return fmt.Errorf("add ou %q: %w", n.ID, err)
		}
		return nil
	})
}

func (o org) AddAccount(ctx context.Context, n store.OrgNode) error {
	return o.s.tx(ctx, false, func(tx *sql.Tx) error {
		ok, err := o.parentExists(ctx, tx, n.Parent)
		if err != nil {
			return fmt.Errorf("add account %q: %w", n.ID, err)
		}
		if !ok {
			return fmt.Errorf("add account %q: parent ou %q: %w", n.ID, n.Parent, store.ErrNotFound)
		}
		res, err := tx.ExecContext(ctx, o.s.Q(`UPDATE org_accounts SET name = ?, parent = ? WHERE id = ?`), n.Name, n.Parent, n.ID)
		if err != nil {
			return fmt.Errorf("add account %q: %w", n.ID, err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			return nil
		}
		var clash int
		if err := tx.QueryRowContext(ctx, o.s.Q(`SELECT COUNT(*) FROM org_units WHERE id = ?`), n.ID).Scan(&clash); err != nil {
			return fmt.Errorf("add account %q: %w", n.ID, err)
		}
		if clash > 0 {
			return fmt.Errorf("add account %q: an ou has this id: %w", n.ID, store.ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, o.s.Q(`INSERT INTO org_accounts (id, name, parent, created_at) VALUES (?, ?, ?, ?)`),
			n.ID, n.Name, n.Parent, Micros(n.CreatedAt)); err != nil {
			return fmt.Errorf("add account %q: %w", n.ID, err)
		}
		return nil
	})
}

func (o org) Move(ctx context.Context, id, parent string) error {
	return o.s.tx(ctx, false, func(tx *sql.Tx) error {
		ok, err := o.parentExists(ctx, tx, parent)
		if err != nil {
			return fmt.Errorf("move %q: %w", id, err)
		}
		if !ok {
			return fmt.Errorf("move %q: parent ou %q: %w", id, parent, store.ErrNotFound)
		}
		res, err := tx.ExecContext(ctx, o.s.Q(`UPDATE org_accounts SET parent = ? WHERE id = ?`), parent, id)
		if err != nil {
			return fmt.Errorf("move %q: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			return nil
		}
		// An OU: refuse to put it under itself or its descendants.
		for at := parent; at != store.RootOU; {
			if at == id {
				return fmt.Errorf("move ou %q under %q: it would be inside itself: %w", id, parent, store.ErrConflict)
			}
			if err := tx.QueryRowContext(ctx, o.s.Q(`SELECT parent FROM org_units WHERE id = ?`), at).Scan(&at); err != nil {
				return fmt.Errorf("move %q: %w", id, err)
			}
		}
		res, err = tx.ExecContext(ctx, o.s.Q(`UPDATE org_units SET parent = ? WHERE id = ?`), parent, id)
		if err != nil {
			return fmt.Errorf("move %q: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return fmt.Errorf("move %q: no such account or ou: %w", id, store.ErrNotFound)
		}
		return nil
	})
}

func (o org) Remove(ctx context.Context, id string) error {
	return o.s.tx(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, o.s.Q(`DELETE FROM org_accounts WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("remove %q: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			_, err := tx.ExecContext(ctx, o.s.Q(`DELETE FROM org_admin WHERE account = ?`), id)
			return err
		}
		var children int
		if err := tx.QueryRowContext(ctx, o.s.Q(`SELECT (SELECT COUNT(*) FROM org_units WHERE parent = ?) + (SELECT COUNT(*) FROM org_accounts WHERE parent = ?)`), id, id).Scan(&children); err != nil {
			return fmt.Errorf("remove %q: %w", id, err)
		}
		if children > 0 {
			return fmt.Errorf("remove ou %q: it still has %d accounts or ous: %w", id, children, store.ErrConflict)
		}
		res, err = tx.ExecContext(ctx, o.s.Q(`DELETE FROM org_units WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("remove %q: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return fmt.Errorf("remove %q: no such account or ou: %w", id, store.ErrNotFound)
		}
		return nil
	})
}

func (o org) Nodes(ctx context.Context) ([]store.OrgNode, error) {
	rows, err := o.s.db.QueryContext(ctx, `SELECT id, name, 'ou', parent, created_at FROM org_units
		UNION ALL SELECT id, name, 'account', parent, created_at FROM org_accounts ORDER BY 3 DESC, 1`)
	if err != nil {
		return nil, fmt.Errorf("list organisation: %w", err)
	}
	return collect(rows, "list organisation", func(r scanner) (store.OrgNode, error) {
		var n store.OrgNode
		var created int64
		err := r.Scan(&n.ID, &n.Name, &n.Kind, &n.Parent, &created)
		n.CreatedAt = Time(created)
		return n, err
	})
}

func (o org) SetAdmin(ctx context.Context, account string, at time.Time) error {
	return o.s.tx(ctx, false, func(tx *sql.Tx) error {
		if account == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM org_admin`)
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, o.s.Q(`SELECT COUNT(*) FROM org_accounts WHERE id = ?`), account).Scan(&n); err != nil {
			return fmt.Errorf("set administrator %q: %w", account, err)
		}
		if n == 0 {
			return fmt.Errorf("set administrator %q: the account is not in the organisation: %w", account, store.ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM org_admin`); err != nil {
			return fmt.Errorf("set administrator %q: %w", account, err)
		}
		_, err := tx.ExecContext(ctx, o.s.Q(`INSERT INTO org_admin (one, account, since) VALUES (1, ?, ?)`), account, Micros(at))
		if err != nil {
			return fmt.Errorf("set administrator %q: %w", account, err)
		}
		return nil
	})
}

func (o org) Admin(ctx context.Context) (store.OrgAdmin, error) {
	var a store.OrgAdmin
	var since int64
	err := o.s.db.QueryRowContext(ctx, `SELECT account, since FROM org_admin WHERE one = 1`).Scan(&a.Account, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return store.OrgAdmin{}, nil
	}
	if err != nil {
		return a, fmt.Errorf("get the organisation's administrator: %w", err)
	}
	a.Since = Time(since)
	return a, nil
}

type sessions struct{ s *DB }

var _ store.Sessions = sessions{}

// Sessions returns the web session store.
func (s *DB) Sessions() store.Sessions { return sessions{s} }

func (x sessions) Create(ctx context.Context, s store.Session) error {
	_, err := x.s.wdb.ExecContext(ctx, x.s.Q(`INSERT INTO web_sessions (hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)`),
		s.Hash, s.KeyID, Micros(s.CreatedAt), Micros(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create web session: %w", err)
	}
	return nil
}

func (x sessions) Get(ctx context.Context, hash string) (store.Session, error) {
	s := store.Session{Hash: hash}
	var created, expires int64
	err := x.s.db.QueryRowContext(ctx, x.s.Q(`SELECT key_id, created_at, expires_at FROM web_sessions WHERE hash = ?`), hash).Scan(&s.KeyID, &created, &expires)
	if err != nil {
		return s, notFound(err, "get web session")
	}
	s.CreatedAt, s.ExpiresAt = Time(created), Time(expires)
	return s, nil
}

func (x sessions) Delete(ctx context.Context, hash string) error {
	if _, err := x.s.wdb.ExecContext(ctx, x.s.Q(`DELETE FROM web_sessions WHERE hash = ?`), hash); err != nil {
		return fmt.Errorf("delete web session: %w", err)
	}
	return nil
}

func (x sessions) DeleteExpired(ctx context.Context, now time.Time) error {
	if _, err := x.s.wdb.ExecContext(ctx, x.s.Q(`DELETE FROM web_sessions WHERE expires_at < ?`), Micros(now)); err != nil {
		return fmt.Errorf("delete expired web sessions: %w", err)
	}
	return nil
}
