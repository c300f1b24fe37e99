package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/store"
)

type deployments struct{ s *DB }

var _ store.Deployments = deployments{}

// Deployments returns the tenant deployment store.
func (s *DB) Deployments() store.Deployments { return deployments{s} }

const deploymentCols = `id, product, type, account, region, tenants, provider, state, error, version, target, stack, outputs, delete_resources, attempts, next_at, lease_owner, lease_until, created_at, updated_at, revision`

func deploymentArgs(d store.Deployment) []any {
	tenants, _ := json.Marshal(nonNil(d.Tenants))
	outputs, _ := json.Marshal(nonNilMap(d.Outputs))
	return []any{d.ID, d.Product, d.Type, d.Account, d.Region, string(tenants), d.Provider, d.State, d.Error, d.Version, d.Target, d.Stack,
		string(outputs), boolInt(d.DeleteResources), d.Attempts, Micros(d.NextAt), d.LeaseOwner, Micros(d.LeaseUntil), Micros(d.CreatedAt), Micros(d.UpdatedAt), d.Revision}
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scanDeployment(r scanner) (store.Deployment, error) {
	var d store.Deployment
	var tenants, outputs string
	var del int
	var next, lease, created, updated int64
	err := r.Scan(&d.ID, &d.Product, &d.Type, &d.Account, &d.Region, &tenants, &d.Provider, &d.State, &d.Error, &d.Version, &d.Target, &d.Stack,
		&outputs, &del, &d.Attempts, &next, &d.LeaseOwner, &lease, &created, &updated, &d.Revision)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(tenants), &d.Tenants); err != nil {
		return d, fmt.Errorf("deployment %s tenants: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(outputs), &d.Outputs); err != nil {
		return d, fmt.Errorf("deployment %s outputs: %w", d.ID, err)
	}
	if len(d.Tenants) == 0 {
		d.Tenants = nil
	}
	if len(d.Outputs) == 0 {
		d.Outputs = nil
	}
	d.DeleteResources = del != 0
	d.NextAt, d.LeaseUntil, d.CreatedAt, d.UpdatedAt = Time(next), Time(lease), Time(created), Time(updated)
	return d, nil
}

func (ds deployments) Create(ctx context.Context, d store.Deployment) error {
	if d.ID == "" || d.Product == "" {
		return fmt.Errorf("create deployment: id and product are required")
	}
	d.Revision = 1
	err := ds.s.write(ctx, func(tx *sql.Tx) error {
		_, err := ds.s.execQ(ctx, tx, `INSERT INTO deployments (`+deploymentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, deploymentArgs(d)...)
		return err
	})
	if err != nil {
		if ds.s.dialect.IsUniqueViolation(err) {
			return fmt.Errorf("create deployment %s: %w", d.ID, store.ErrConflict)
		}
		return fmt.Errorf("create deployment %s: %w", d.ID, err)
	}
	return nil
}

func (ds deployments) Get(ctx context.Context, id string) (store.Deployment, error) {
	d, err := scanDeployment(ds.s.queryRowQ(ctx, nil, `SELECT `+deploymentCols+` FROM deployments WHERE id = ?`, id))
	if err != nil {
		return d, notFound(err, fmt.Sprintf("get deployment %q", id))
	}
	return d, nil
}

func (ds deployments) List(ctx context.Context, f store.DeploymentFilter) ([]store.Deployment, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := ds.s.queryQ(ctx, nil, `SELECT `+deploymentCols+` FROM deployments
		WHERE (? = '' OR product = ?) AND (? = '' OR state = ?) AND (? = '' OR type = ?) AND (? = '' OR provider = ?)
		ORDER BY id LIMIT ?`, f.Product, f.Product, f.State, f.State, f.Type, f.Type, f.Provider, f.Provider, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list deployments: %w", err)
	}
	return collect(rows, "list deployments", scanDeployment)
}

func (ds deployments) Claim(ctx context.Context, owner string, now, until time.Time, n int) ([]store.Deployment, error) {
	const due = `SELECT id FROM deployments WHERE state IN (?, ?) AND next_at <= ? AND lease_until < ? ORDER BY next_at, id LIMIT ?`
	ids := func(tx *sql.Tx, q string) ([]string, error) {
		return ds.s.queryIDs(ctx, tx, q, store.DeploymentPending, store.DeploymentRemoving, Micros(now), Micros(now), n)
	}
	if ds.s.dialect.SkipLocked() == "" {
		// SQLite: a plain read first, so that idle polling costs no write.
		found, err := ids(nil, due)
		if err != nil {
			return nil, fmt.Errorf("claim deployments: %w", err)
		}
		if len(found) == 0 {
			return nil, nil
		}
	}
	var out []store.Deployment
	err := ds.s.write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		found, err := ids(tx, due+ds.s.dialect.SkipLocked())
		if err != nil {
			return err
		}
		for _, id := range found {
			d, err := scanDeployment(ds.s.queryRowQ(ctx, tx, `UPDATE deployments SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, revision = revision + 1 WHERE id = ? RETURNING `+deploymentCols,
				owner, Micros(until), id))
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim deployments: %w", err)
	}
	return out, nil
}

func (ds deployments) Update(ctx context.Context, d store.Deployment) (store.Deployment, error) {
	var out store.Deployment
	err := ds.s.write(ctx, func(tx *sql.Tx) error {
		tenants, _ := json.Marshal(nonNil(d.Tenants))
		outputs, _ := json.Marshal(nonNilMap(d.Outputs))
		x, err := scanDeployment(ds.s.queryRowQ(ctx, tx, `UPDATE deployments SET type = ?, account = ?, region = ?, tenants = ?, provider = ?, state = ?, error = ?, version = ?, target = ?, stack = ?,
			outputs = ?, delete_resources = ?, attempts = ?, next_at = ?, lease_owner = ?, lease_until = ?, updated_at = ?, revision = revision + 1
			WHERE id = ? AND revision = ? RETURNING `+deploymentCols,
			d.Type, d.Account, d.Region, string(tenants), d.Provider, d.State, d.Error, d.Version, d.Target, d.Stack,
			string(outputs), boolInt(d.DeleteResources), d.Attempts, Micros(d.NextAt), d.LeaseOwner, Micros(d.LeaseUntil), Micros(d.UpdatedAt),
			d.ID, d.Revision))
		if err == sql.ErrNoRows {
			var rev int64
			if e := ds.s.queryRowQ(ctx, tx, `SELECT revision FROM deployments WHERE id = ?`, d.ID).Scan(&rev); e == sql.ErrNoRows {
				return fmt.Errorf("deployment %q: %w", d.ID, store.ErrNotFound)
			}
			return fmt.Errorf("deployment %s changed meanwhile (revision %d, not %d): %w", d.ID, rev, d.Revision, store.ErrConflict)
		}
		out = x
		return err
	})
	if err != nil {
		return out, fmt.Errorf("update deployment %s: %w", d.ID, err)
	}
	return out, nil
}

func (ds deployments) Delete(ctx context.Context, id string) error {
	var n int64
	err := ds.s.write(ctx, func(tx *sql.Tx) error {
		res, err := ds.s.execQ(ctx, tx, `DELETE FROM deployments WHERE id = ?`, id)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete deployment %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("delete deployment %q: %w", id, store.ErrNotFound)
	}
	return nil
}
