package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/store"
)

type stacks struct{ s *DB }

var _ store.Stacks = stacks{}

func (s *DB) Stacks() store.Stacks { return stacks{s} }

func (st stacks) Replace(ctx context.Context, stack string, resources []store.StackResource, at time.Time) error {
	if stack == "" {
		return fmt.Errorf("register stack: the stack needs a name")
	}
	return st.s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, st.s.Q(`DELETE FROM stack_resources WHERE stack = ?`), stack); err != nil {
			return fmt.Errorf("register stack %q: %w", stack, err)
		}
		if _, err := tx.ExecContext(ctx, st.s.Q(`DELETE FROM stacks WHERE name = ?`), stack); err != nil {
			return fmt.Errorf("register stack %q: %w", stack, err)
		}
		if _, err := tx.ExecContext(ctx, st.s.Q(`INSERT INTO stacks (name, registered_at) VALUES (?, ?)`), stack, Micros(at)); err != nil {
			return fmt.Errorf("register stack %q: %w", stack, err)
		}
		for _, r := range resources {
			if _, err := tx.ExecContext(ctx, st.s.Q(`INSERT INTO stack_resources (stack, logical_id, type, physical_id, arn, terraform_address) VALUES (?, ?, ?, ?, ?, ?)`),
				stack, r.LogicalID, r.Type, r.PhysicalID, r.ARN, r.TerraformAddress); err != nil {
				if st.s.dialect.IsUniqueViolation(err) {
					return fmt.Errorf("register stack %q: logical id %q appears twice: %w", stack, r.LogicalID, store.ErrConflict)
				}
				return fmt.Errorf("register stack %q: %w", stack, err)
			}
		}
		return nil
	})
}

func (st stacks) List(ctx context.Context) ([]store.StackSummary, error) {
	rows, err := st.s.db.QueryContext(ctx, `SELECT s.name, s.registered_at, (SELECT COUNT(*) FROM stack_resources r WHERE r.stack = s.name) FROM stacks s ORDER BY s.name`)
	if err != nil {
		return nil, fmt.Errorf("list stacks: %w", err)
	}
	defer rows.Close()
	var out []store.StackSummary
	for rows.Next() {
		var sum store.StackSummary
		var at int64
		if err := rows.Scan(&sum.Name, &at, &sum.Resources); err != nil {
			return nil, fmt.Errorf("list stacks: %w", err)
		}
		sum.RegisteredAt = Time(at)
		out = append(out, sum)
	}
	return out, rows.Err()
}

func (st stacks) Resources(ctx context.Context, stack string) ([]store.StackResource, error) {
	var one int
	if err := st.s.db.QueryRowContext(ctx, st.s.Q(`SELECT 1 FROM stacks WHERE name = ?`), stack).Scan(&one); err != nil {
		return nil, notFound(err, fmt.Sprintf("stack %q", stack))
	}
	return st.query(ctx, `WHERE stack = ?`, stack)
}

func (st stacks) All(ctx context.Context) ([]store.StackResource, error) { return st.query(ctx, "") }

func (st stacks) query(ctx context.Context, where string, args ...any) ([]store.StackResource, error) {
	rows, err := st.s.db.QueryContext(ctx, st.s.Q(`SELECT stack, logical_id, type, physical_id, arn, terraform_address FROM stack_resources `+where+` ORDER BY stack, logical_id`), args...)
	if err != nil {
		return nil, fmt.Errorf("read stack resources: %w", err)
	}
	defer rows.Close()
	var out []store.StackResource
	for rows.Next() {
		var r store.StackResource
		if err := rows.Scan(&r.Stack, &r.LogicalID, &r.Type, &r.PhysicalID, &r.ARN, &r.TerraformAddress); err != nil {
			return nil, fmt.Errorf("read stack resources: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
