package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tendhq/tend/internal/store"
)

type catalogStore struct{ s *DB }

var _ store.Catalog = catalogStore{}

const versionCols = `product, number, description, format, template, active, idempotency_key, created_at`

func scanVersion(r scanner) (store.CatalogVersion, error) {
	var v store.CatalogVersion
	var active int
	var at int64
	err := r.Scan(&v.Product, &v.Number, &v.Description, &v.Format, &v.Template, &active, &v.IdempotencyKey, &at)
	v.Active, v.CreatedAt = active != 0, Time(at)
	return v, err
}

func (c catalogStore) Publish(ctx context.Context, v store.CatalogVersion, deprecatePrevious bool, then func(store.CatalogVersion) *store.RunRecord) (store.CatalogVersion, bool, error) {
	var out store.CatalogVersion
	created := false
	for attempt := 0; ; attempt++ {
		err := c.s.write(ctx, func(tx *sql.Tx) error {
			if c.s.dialect.SkipLocked() != "" {
				// PostgreSQL: one publish of a product at a time, so that
				// concurrent ones do not race for the next number (eight at
				// once could outlast the retries below). SQLite has one
				// writer.
				if _, err := c.s.execQ(ctx, tx, `SELECT pg_advisory_xact_lock(hashtext('tend catalog ' || ?))`, v.Product); err != nil {
					return err
				}
			}
			if v.IdempotencyKey != "" {
				prev, err := scanVersion(c.s.queryRowQ(ctx, tx, `SELECT `+versionCols+` FROM catalog_versions WHERE product = ? AND idempotency_key = ?`, v.Product, v.IdempotencyKey))
				if err == nil {
					out, created = prev, false
					return c.then(ctx, tx, then, prev)
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return err
				}
			}
			var max int
			if err := c.s.queryRowQ(ctx, tx, `SELECT COALESCE(MAX(number), 0) FROM catalog_versions WHERE product = ?`, v.Product).Scan(&max); err != nil {
				return err
			}
			v.Number, v.Active = max+1, true
			if _, err := c.s.execQ(ctx, tx, `INSERT INTO catalog_versions (`+versionCols+`) VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
				v.Product, v.Number, v.Description, v.Format, v.Template, v.IdempotencyKey, Micros(v.CreatedAt)); err != nil {
				return err
			}
			if len(v.Notify) > 0 {
				if err := c.s.enqueueTx(ctx, tx, v.Notify); err != nil {
					return err
				}
			}
			if deprecatePrevious && max > 0 {
				if _, err := c.s.execQ(ctx, tx, `UPDATE catalog_versions SET active = 0 WHERE product = ? AND number = ?`, v.Product, max); err != nil {
					return err
				}
			}
			out, created = v, true
			return c.then(ctx, tx, then, v)
		})
		if err != nil && c.s.dialect.IsUniqueViolation(err) && attempt < 5 {
			continue // a concurrent publish took the number or the key; look again
		}
		if err != nil {
			return out, false, fmt.Errorf("publish %s: %w", v.Product, err)
		}
		out.CreatedAt = Time(Micros(out.CreatedAt))
		return out, created, nil
	}
}

// then stores the run record a publish asked for in its transaction.
func (c catalogStore) then(ctx context.Context, tx *sql.Tx, then func(store.CatalogVersion) *store.RunRecord, v store.CatalogVersion) error {
	if then == nil {
		return nil
	}
	v.CreatedAt = Time(Micros(v.CreatedAt))
	rec := then(v)
	if rec == nil {
		return nil
	}
	return runs(c).advanceTx(ctx, tx, rec.Owner, rec.Run, rec.Steps)
}

func (c catalogStore) Version(ctx context.Context, product string, number int) (store.CatalogVersion, error) {
	v, err := scanVersion(c.s.queryRowQ(ctx, nil, `SELECT `+versionCols+` FROM catalog_versions WHERE product = ? AND number = ?`, product, number))
	if err != nil {
		return v, notFound(err, fmt.Sprintf("get version %d of %s", number, product))
	}
	return v, nil
}

func (c catalogStore) Latest(ctx context.Context, product string) (store.CatalogVersion, error) {
	v, err := scanVersion(c.s.queryRowQ(ctx, nil, `SELECT `+versionCols+` FROM catalog_versions WHERE product = ? AND active = 1 ORDER BY number DESC LIMIT 1`, product))
	if err != nil {
		return v, notFound(err, fmt.Sprintf("get latest version of %s", product))
	}
	return v, nil
}

func (c catalogStore) Versions(ctx context.Context, product string) ([]store.CatalogVersion, error) {
	rows, err := c.s.queryQ(ctx, nil, `SELECT `+versionCols+` FROM catalog_versions WHERE product = ? ORDER BY number`, product)
	if err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", product, err)
	}
	out, err := collect(rows, "list versions of "+product, scanVersion)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("list versions of %s: %w", product, store.ErrNotFound)
	}
	return out, nil
}

func (c catalogStore) Products(ctx context.Context) ([]store.CatalogProduct, error) {
	rows, err := c.s.db.QueryContext(ctx, `SELECT product, MAX(number), COUNT(*), MAX(created_at) FROM catalog_versions GROUP BY product ORDER BY product`)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	defer rows.Close()
	var out []store.CatalogProduct
	for rows.Next() {
		var p store.CatalogProduct
		var at int64
		if err := rows.Scan(&p.Name, &p.Latest, &p.Versions, &at); err != nil {
			return nil, fmt.Errorf("list products: %w", err)
		}
		p.UpdatedAt = Time(at)
		out = append(out, p)
	}
	return out, rows.Err()
}
