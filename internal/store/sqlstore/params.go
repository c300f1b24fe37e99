package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/store"
)

type params struct{ s *DB }

var _ store.Params = params{}

func (p params) Set(ctx context.Context, name, value string, at time.Time) (store.Param, error) {
	var out store.Param
	err := p.s.write(ctx, func(tx *sql.Tx) error {
		var v int
		err := p.s.queryRowQ(ctx, tx, `SELECT version FROM params WHERE name = ?`, name).Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = p.s.execQ(ctx, tx, `INSERT INTO params (name, value, version, updated_at) VALUES (?, ?, 1, ?)`, name, value, Micros(at))
			v = 1
		case err == nil:
			v++
			_, err = p.s.execQ(ctx, tx, `UPDATE params SET value = ?, version = ?, updated_at = ? WHERE name = ?`, value, v, Micros(at), name)
		}
		out = store.Param{Name: name, Value: value, Version: v, UpdatedAt: at.UTC().Truncate(time.Microsecond)}
		return err
	})
	if err != nil {
		if p.s.dialect.IsUniqueViolation(err) {
			return out, fmt.Errorf("set parameter %q: changed concurrently: %w", name, store.ErrConflict)
		}
		return out, fmt.Errorf("set parameter %q: %w", name, err)
	}
	return out, nil
}

func (p params) Get(ctx context.Context, name string) (store.Param, error) {
	var out store.Param
	var at int64
	err := p.s.queryRowQ(ctx, nil, `SELECT name, value, version, updated_at FROM params WHERE name = ?`, name).Scan(&out.Name, &out.Value, &out.Version, &at)
	if err != nil {
		return out, notFound(err, fmt.Sprintf("get parameter %q", name))
	}
	out.UpdatedAt = Time(at)
	return out, nil
}

func (p params) List(ctx context.Context) ([]store.Param, error) {
	rows, err := p.s.db.QueryContext(ctx, `SELECT name, value, version, updated_at FROM params ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list parameters: %w", err)
	}
	defer rows.Close()
	var out []store.Param
	for rows.Next() {
		var x store.Param
		var at int64
		if err := rows.Scan(&x.Name, &x.Value, &x.Version, &at); err != nil {
			return nil, fmt.Errorf("list parameters: %w", err)
		}
		x.UpdatedAt = Time(at)
		out = append(out, x)
	}
	return out, rows.Err()
}
