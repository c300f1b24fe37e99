package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

type runs struct{ s *DB }

var _ store.Runs = runs{}

const runCols = `id, policy, problem_id, occurrence_id, mode, state, outcome, summary, target, error, data, attempts, next_at, lease_owner, lease_until, approved_by, created_at, updated_at`

func insertRun(ctx context.Context, s *DB, tx *sql.Tx, r store.Run) error {
	if r.Data == nil {
		r.Data = []byte("{}")
	}
	_, err := s.execQ(ctx, tx, `INSERT INTO remediation_runs (`+runCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Policy, r.ProblemID, r.OccurrenceID, r.Mode, r.State, r.Outcome, r.Summary, r.Target, r.Error, r.Data, r.Attempts,
		Micros(r.NextAt), r.LeaseOwner, Micros(r.LeaseUntil), r.ApprovedBy, Micros(r.CreatedAt), Micros(r.UpdatedAt))
	if err != nil && s.dialect.IsUniqueViolation(err) {
		return fmt.Errorf("create run %s: %w", r.ID, store.ErrConflict)
	}
	return err
}

func scanRun(r scanner) (store.Run, error) {
	var x store.Run
	var next, lease, created, updated int64
	err := r.Scan(&x.ID, &x.Policy, &x.ProblemID, &x.OccurrenceID, &x.Mode, &x.State, &x.Outcome, &x.Summary, &x.Target, &x.Error, &x.Data, &x.Attempts,
		&next, &x.LeaseOwner, &lease, &x.ApprovedBy, &created, &updated)
	x.NextAt, x.LeaseUntil, x.CreatedAt, x.UpdatedAt = Time(next), Time(lease), Time(created), Time(updated)
	return x, err
}

func (r runs) Create(ctx context.Context, rs ...store.Run) error {
	return r.s.write(ctx, func(tx *sql.Tx) error {
		for _, x := range rs {
			if err := insertRun(ctx, r.s, tx, x); err != nil {
				return err
			}
		}
		return nil
	})
}

func (r runs) Get(ctx context.Context, id string) (store.Run, error) {
	x, err := scanRun(r.s.queryRowQ(ctx, nil, `SELECT `+runCols+` FROM remediation_runs WHERE id = ?`, id))
	if err != nil {
		return x, notFound(err, fmt.Sprintf("get run %q", id))
	}
	return x, nil
}

func (r runs) List(ctx context.Context, f store.RunFilter) ([]store.Run, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT ` + runCols + ` FROM remediation_runs
		WHERE (? = '' OR policy = ?) AND (? = '' OR state = ?) AND (? = '' OR problem_id = ?)
		ORDER BY created_at DESC, id DESC LIMIT ?`
	rows, err := r.s.queryQ(ctx, nil, q, f.Policy, f.Policy, f.State, f.State, f.ProblemID, f.ProblemID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return collect(rows, "list runs", scanRun)
}

func (r runs) Steps(ctx context.Context, runID string) ([]store.Step, error) {
	rows, err := r.s.queryQ(ctx, nil, `SELECT run_id, seq, name, status, input, output, error, started_at, finished_at FROM remediation_steps WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("list steps of %s: %w", runID, err)
	}
	defer rows.Close()
	var out []store.Step
	for rows.Next() {
		var st store.Step
		var a, b int64
		if err := rows.Scan(&st.RunID, &st.Seq, &st.Name, &st.Status, &st.Input, &st.Output, &st.Error, &a, &b); err != nil {
			return nil, fmt.Errorf("list steps of %s: %w", runID, err)
		}
		st.StartedAt, st.FinishedAt = Time(a), Time(b)
		out = append(out, st)
	}
	return out, rows.Err()
}

func (r runs) Claim(ctx context.Context, owner string, now, until time.Time, n int) ([]store.Run, error) {
	const due = `SELECT id FROM remediation_runs WHERE state = ? AND next_at <= ? AND lease_until < ? ORDER BY next_at, id LIMIT ?`
	if r.s.dialect.SkipLocked() == "" {
		// SQLite: look first with a plain read, so that finding nothing
		// (the common case when idle) costs no write transaction.
		ids, err := r.dueIDs(ctx, nil, due, now, n)
		if err != nil {
			return nil, fmt.Errorf("claim runs: %w", err)
		}
		if len(ids) == 0 {
			return nil, nil
		}
	}
	var out []store.Run
	err := r.s.write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		ids, err := r.dueIDs(ctx, tx, due+r.s.dialect.SkipLocked(), now, n)
		if err != nil {
			return err
		}
		for _, id := range ids {
			x, err := scanRun(r.s.queryRowQ(ctx, tx, `UPDATE remediation_runs SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ? RETURNING `+runCols, owner, Micros(until), id))
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim runs: %w", err)
	}
	return out, nil
}

func (r runs) dueIDs(ctx context.Context, tx *sql.Tx, q string, now time.Time, n int) ([]string, error) {
	return r.s.queryIDs(ctx, tx, q, store.RunPending, Micros(now), Micros(now), n)
}

// serialise makes decisions about one key (a policy and entity, or a
// guard) happen one at a time across concurrent PostgreSQL transactions by
// locking the key's row in remediation_guards; "*" serialises every guard
// decision (the global rate limit counts all actions). SQLite's writes are
// serialised already.
func (r runs) serialise(ctx context.Context, tx *sql.Tx, key string) error {
	if r.s.dialect.SkipLocked() == "" {
		return nil
	}
	if _, err := r.s.execQ(ctx, tx, `INSERT INTO remediation_guards (key, run_id, acted_at) VALUES (?, '', 0) ON CONFLICT (key) DO NOTHING`, key); err != nil {
		return err
	}
	var k string
	return r.s.queryRowQ(ctx, tx, `SELECT key FROM remediation_guards WHERE key = ? FOR UPDATE`, key).Scan(&k)
}

func (r runs) Advance(ctx context.Context, owner string, x store.Run, steps ...store.Step) error {
	err := r.s.write(ctx, func(tx *sql.Tx) error { return r.advanceTx(ctx, tx, owner, x, steps) })
	if err != nil {
		return fmt.Errorf("advance run %s: %w", x.ID, err)
	}
	return nil
}

func (r runs) advanceTx(ctx context.Context, tx *sql.Tx, owner string, x store.Run, steps []store.Step) error {
	res, err := r.s.execQ(ctx, tx, `UPDATE remediation_runs SET state = ?, outcome = ?, summary = ?, target = ?, error = ?, data = ?, next_at = ?, lease_owner = ?, lease_until = ?, updated_at = ?
		WHERE id = ? AND lease_owner = ? AND state <> ?`,
		x.State, x.Outcome, x.Summary, x.Target, x.Error, x.Data, Micros(x.NextAt), x.LeaseOwner, Micros(x.LeaseUntil), Micros(x.UpdatedAt),
		x.ID, owner, store.RunCanceled)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("run %s is no longer leased to %s or was cancelled: %w", x.ID, owner, store.ErrConflict)
	}
	if len(x.Notify) > 0 {
		if err := r.s.enqueueTx(ctx, tx, x.Notify); err != nil {
			return err
		}
	}
	if len(steps) == 0 {
		return nil
	}
	// All the steps in one statement.
	q := `INSERT INTO remediation_steps (run_id, seq, name, status, input, output, error, started_at, finished_at) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(steps)), ", ")
	args := make([]any, 0, 9*len(steps))
	for _, st := range steps {
		if st.Input == nil {
			st.Input = []byte("null")
		}
		if st.Output == nil {
			st.Output = []byte("null")
		}
		args = append(args, x.ID, st.Seq, st.Name, st.Status, st.Input, st.Output, st.Error, Micros(st.StartedAt), Micros(st.FinishedAt))
	}
	_, err = r.s.execQ(ctx, tx, q, args...)
	if err != nil && r.s.dialect.IsUniqueViolation(err) {
		return fmt.Errorf("a step of run %s (seq %d–%d) is already recorded: %w", x.ID, steps[0].Seq, steps[len(steps)-1].Seq, store.ErrConflict)
	}
	return err
}

func (r runs) transition(ctx context.Context, id, what, set string, from []string, args ...any) (store.Run, error) {
	n, err := r.s.updateInState(ctx, "remediation_runs", id, set, from, args...)
	if err != nil {
		return store.Run{}, fmt.Errorf("%s run %s: %w", what, id, err)
	}
	x, gerr := r.Get(ctx, id)
	if gerr != nil {
		return x, fmt.Errorf("%s run: %w", what, gerr)
	}
	if n == 0 {
		return x, fmt.Errorf("%s run %s: it is %s: %w", what, id, x.State, store.ErrConflict)
	}
	return x, nil
}

func (r runs) Approve(ctx context.Context, id, by string, at time.Time) (store.Run, error) {
	return r.transition(ctx, id, "approve", `state = ?, approved_by = ?, next_at = ?, updated_at = ?`,
		[]string{store.RunWaiting}, store.RunPending, by, Micros(at), Micros(at))
}

func (r runs) Cancel(ctx context.Context, id, by string, at time.Time) (store.Run, error) {
	return r.transition(ctx, id, "cancel", `state = ?, outcome = ?, summary = ?, lease_owner = '', lease_until = 0, updated_at = ?`,
		[]string{store.RunPending, store.RunWaiting}, store.RunCanceled, "cancelled", "cancelled by "+by, Micros(at))
}

func (r runs) Qualify(ctx context.Context, q store.QualifyRequest) (int, bool, error) {
	var n int
	var ok bool
	err := r.s.write(ctx, func(tx *sql.Tx) error {
		if err := r.serialise(ctx, tx, "qualify:"+q.Policy+"/"+q.Entity); err != nil {
			return err
		}
		if _, err := r.s.execQ(ctx, tx, `INSERT INTO remediation_hits (policy, entity, occurrence_id, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			q.Policy, q.Entity, q.OccurrenceID, Micros(q.At)); err != nil {
			return err
		}
		// The hits this run already consumed (a repeated call) and those
		// still free in the window, in one pass over the entity's hits.
		var mine int
		if err := r.s.queryRowQ(ctx, tx, `SELECT COUNT(CASE WHEN consumed_by = ? THEN 1 END), COUNT(CASE WHEN consumed_by = '' AND at >= ? THEN 1 END)
			FROM remediation_hits WHERE policy = ? AND entity = ?`,
			q.RunID, Micros(q.Since), q.Policy, q.Entity).Scan(&mine, &n); err != nil {
			return err
		}
		if mine > 0 {
			n, ok = mine, true
			return r.then(ctx, tx, q.Owner, q.Then, n, ok)
		}
		if n >= q.Need {
			ok = true
			if _, err := r.s.execQ(ctx, tx, `UPDATE remediation_hits SET consumed_by = ? WHERE policy = ? AND entity = ? AND at >= ? AND consumed_by = ''`,
				q.RunID, q.Policy, q.Entity, Micros(q.Since)); err != nil {
				return err
			}
		}
		return r.then(ctx, tx, q.Owner, q.Then, n, ok)
	})
	if err != nil {
		return 0, false, fmt.Errorf("qualify %s on %s: %w", q.Policy, q.Entity, err)
	}
	return n, ok, nil
}

func (r runs) then(ctx context.Context, tx *sql.Tx, owner string, then func(int, bool) (store.Run, []store.Step), n int, ok bool) error {
	if then == nil {
		return nil
	}
	x, steps := then(n, ok)
	return r.advanceTx(ctx, tx, owner, x, steps)
}

func (r runs) Guard(ctx context.Context, g store.GuardRequest) (store.GuardResult, error) {
	var out store.GuardResult
	err := r.s.write(ctx, func(tx *sql.Tx) error {
		if err := r.guardTx(ctx, tx, g, &out); err != nil {
			return err
		}
		if g.Then == nil {
			return nil
		}
		x, steps := g.Then(out)
		return r.advanceTx(ctx, tx, g.Owner, x, steps)
	})
	if err != nil {
		return out, fmt.Errorf("guard %s for run %s: %w", g.Key, g.RunID, err)
	}
	return out, nil
}

func (r runs) guardTx(ctx context.Context, tx *sql.Tx, g store.GuardRequest, outp *store.GuardResult) error {
	var out store.GuardResult
	defer func() { *outp = out }()
	key := g.Key
	if g.RateLimit > 0 {
		key = "*"
	}
	if err := r.serialise(ctx, tx, key); err != nil {
		return err
	}
	var done int
	if err := r.s.queryRowQ(ctx, tx, `SELECT COUNT(*) FROM remediation_actions WHERE run_id = ?`, g.RunID).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		out = store.GuardResult{Allowed: true}
		return nil
	}
	var holder string
	var acted int64
	err := r.s.queryRowQ(ctx, tx, `SELECT run_id, acted_at FROM remediation_guards WHERE key = ?`, g.Key).Scan(&holder, &acted)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err == nil && g.Cooldown > 0 && Time(acted).Add(g.Cooldown).After(g.Now) {
		out = store.GuardResult{Reason: "cooldown", HeldBy: holder, Until: Time(acted).Add(g.Cooldown)}
		return nil
	}
	if g.RateLimit > 0 {
		var n int
		if err := r.s.queryRowQ(ctx, tx, `SELECT COUNT(*) FROM remediation_actions WHERE acted_at > ?`, Micros(g.Now.Add(-g.RateWindow))).Scan(&n); err != nil {
			return err
		}
		if n >= g.RateLimit {
			out = store.GuardResult{Reason: "rate-limit"}
			return nil
		}
	}
	if _, err := r.s.execQ(ctx, tx, `INSERT INTO remediation_guards (key, run_id, acted_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET run_id = excluded.run_id, acted_at = excluded.acted_at`, g.Key, g.RunID, Micros(g.Now)); err != nil {
		return err
	}
	if _, err := r.s.execQ(ctx, tx, `INSERT INTO remediation_actions (run_id, key, acted_at) VALUES (?, ?, ?)`, g.RunID, g.Key, Micros(g.Now)); err != nil {
		return err
	}
	out = store.GuardResult{Allowed: true}
	return nil
}

func (r runs) Counts(ctx context.Context) (map[[2]string]int, error) {
	rows, err := r.s.db.QueryContext(ctx, `SELECT policy, outcome, COUNT(*) FROM remediation_runs GROUP BY policy, outcome`)
	if err != nil {
		return nil, fmt.Errorf("count runs: %w", err)
	}
	defer rows.Close()
	out := map[[2]string]int{}
	for rows.Next() {
		var p, o string
		var n int
		if err := rows.Scan(&p, &o, &n); err != nil {
			return nil, fmt.Errorf("count runs: %w", err)
		}
		out[[2]string{p, o}] = n
	}
	return out, rows.Err()
}
