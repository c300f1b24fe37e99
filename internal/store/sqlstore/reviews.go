package sqlstore

import (
	"context"
	"fmt"

	"github.com/tendhq/tend/internal/store"
)

type reviews struct{ s *DB }

var _ store.Reviews = reviews{}

// Reviews returns the review store.
func (s *DB) Reviews() store.Reviews { return reviews{s} }

const reviewCols = `id, product, version, source, ref, created_at, files, lines, critical, high, medium, low, note`

func (rv reviews) Add(ctx context.Context, r store.Review) error {
	if r.ID == "" || r.Product == "" {
		return fmt.Errorf("add review: id and product are required")
	}
	_, err := rv.s.db.ExecContext(ctx, rv.s.Q(`INSERT INTO reviews (`+reviewCols+`, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		r.ID, r.Product, r.Version, r.Source, r.Ref, Micros(r.CreatedAt), r.Files, r.Lines, r.Critical, r.High, r.Medium, r.Low, r.Note, r.Report)
	if err != nil {
		if rv.s.dialect.IsUniqueViolation(err) {
			return fmt.Errorf("add review %q: %w", r.ID, store.ErrConflict)
		}
		return fmt.Errorf("add review %q: %w", r.ID, err)
	}
	return nil
}

func scanReview(row scanner, withReport bool) (store.Review, error) {
	var r store.Review
	var at int64
	dest := []any{&r.ID, &r.Product, &r.Version, &r.Source, &r.Ref, &at, &r.Files, &r.Lines, &r.Critical, &r.High, &r.Medium, &r.Low, &r.Note}
	if withReport {
		dest = append(dest, &r.Report)
	}
	if err := row.Scan(dest...); err != nil {
		return r, err
	}
	r.CreatedAt = Time(at)
	return r, nil
}

func (rv reviews) Get(ctx context.Context, id string) (store.Review, error) {
	r, err := scanReview(rv.s.db.QueryRowContext(ctx, rv.s.Q(`SELECT `+reviewCols+`, report FROM reviews WHERE id = ?`), id), true)
	if err != nil {
		return r, notFound(err, fmt.Sprintf("review %q", id))
	}
	return r, nil
}

func (rv reviews) Latest(ctx context.Context, product string) (store.Review, error) {
	r, err := scanReview(rv.s.db.QueryRowContext(ctx, rv.s.Q(`SELECT `+reviewCols+`, report FROM reviews WHERE product = ? ORDER BY created_at DESC, id DESC LIMIT 1`), product), true)
	if err != nil {
		return r, notFound(err, fmt.Sprintf("review of product %q", product))
	}
	return r, nil
}

func (rv reviews) List(ctx context.Context, product string, limit int) ([]store.Review, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + reviewCols + ` FROM reviews`
	args := []any{}
	if product != "" {
		q += ` WHERE product = ?`
		args = append(args, product)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := rv.s.db.QueryContext(ctx, rv.s.Q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	out := []store.Review{}
	for rows.Next() {
		r, err := scanReview(rows, false)
		if err != nil {
			return nil, fmt.Errorf("list reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
