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

type rollouts struct{ s *DB }

var _ store.Rollouts = rollouts{}

// Rollouts returns the rollout store.
func (s *DB) Rollouts() store.Rollouts { return rollouts{s} }

const rolloutCols = `id, product, version, strategy, state, wave, summary, error, data, pause_requested, abort_requested, created_by, control_by, attempts, next_at, lease_owner, lease_until, created_at, updated_at, finished_at`

func scanRollout(r scanner) (store.Rollout, error) {
	var x store.Rollout
	var pause, abort int
	var next, lease, created, updated, finished int64
	err := r.Scan(&x.ID, &x.Product, &x.Version, &x.Strategy, &x.State, &x.Wave, &x.Summary, &x.Error, &x.Data, &pause, &abort,
		&x.CreatedBy, &x.ControlBy, &x.Attempts, &next, &x.LeaseOwner, &lease, &created, &updated, &finished)
	x.PauseRequested, x.AbortRequested = pause != 0, abort != 0
	x.NextAt, x.LeaseUntil, x.CreatedAt, x.UpdatedAt, x.FinishedAt = Time(next), Time(lease), Time(created), Time(updated), Time(finished)
	return x, err
}

func (ro rollouts) Create(ctx context.Context, r store.Rollout) error {
	if r.ID == "" || r.Product == "" {
		return fmt.Errorf("create rollout: id and product are required")
	}
	if r.Data == nil {
		r.Data = []byte("{}")
	}
	if r.Strategy == nil {
		r.Strategy = []byte("{}")
	}
	err := ro.s.write(ctx, func(tx *sql.Tx) error {
		_, err := ro.s.execQ(ctx, tx, `INSERT INTO rollouts (`+rolloutCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Product, r.Version, r.Strategy, r.State, r.Wave, r.Summary, r.Error, r.Data, boolInt(r.PauseRequested), boolInt(r.AbortRequested),
			r.CreatedBy, r.ControlBy, r.Attempts, Micros(r.NextAt), r.LeaseOwner, Micros(r.LeaseUntil), Micros(r.CreatedAt), Micros(r.UpdatedAt), Micros(r.FinishedAt))
		return err
	})
	if err != nil {
		if ro.s.dialect.IsUniqueViolation(err) {
			return fmt.Errorf("create rollout %s of %s (another rollout of the product is active, or the id exists): %w", r.ID, r.Product, store.ErrConflict)
		}
		return fmt.Errorf("create rollout %s: %w", r.ID, err)
	}
	return nil
}

func (ro rollouts) Get(ctx context.Context, id string) (store.Rollout, error) {
	x, err := scanRollout(ro.s.queryRowQ(ctx, nil, `SELECT `+rolloutCols+` FROM rollouts WHERE id = ?`, id))
	if err != nil {
		return x, notFound(err, fmt.Sprintf("get rollout %q", id))
	}
	return x, nil
}

func (ro rollouts) List(ctx context.Context, f store.RolloutFilter) ([]store.Rollout, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := ro.s.queryQ(ctx, nil, `SELECT `+rolloutCols+` FROM rollouts WHERE (? = '' OR product = ?) AND (? = '' OR state = ?)
		ORDER BY created_at DESC, id DESC LIMIT ?`, f.Product, f.Product, f.State, f.State, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list rollouts: %w", err)
	}
	return collect(rows, "list rollouts", scanRollout)
}

func (ro rollouts) Steps(ctx context.Context, id string) ([]store.RolloutStep, error) {
	rows, err := ro.s.queryQ(ctx, nil, `SELECT rollout_id, seq, name, status, input, output, error, started_at, finished_at FROM rollout_steps WHERE rollout_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("list steps of rollout %s: %w", id, err)
	}
	return collect(rows, "list steps of rollout "+id, func(r scanner) (store.RolloutStep, error) {
		var st store.RolloutStep
		var a, b int64
		err := r.Scan(&st.RolloutID, &st.Seq, &st.Name, &st.Status, &st.Input, &st.Output, &st.Error, &a, &b)
		st.StartedAt, st.FinishedAt = Time(a), Time(b)
		return st, err
	})
}

func (ro rollouts) Claim(ctx context.Context, owner string, now, until time.Time, n int) ([]store.Rollout, error) {
	const due = `SELECT id FROM rollouts WHERE ((state IN (?, ?) AND next_at <= ?) OR (state IN (?, ?) AND abort_requested = 1)) AND lease_until < ? ORDER BY next_at, id LIMIT ?`
	args := []any{store.RolloutPending, store.RolloutRunning, Micros(now), store.RolloutPaused, store.RolloutWaiting, Micros(now), n}
	ids := func(tx *sql.Tx, q string) ([]string, error) {
		return ro.s.queryIDs(ctx, tx, q, args...)
	}
	if ro.s.dialect.SkipLocked() == "" {
		found, err := ids(nil, due)
		if err != nil {
			return nil, fmt.Errorf("claim rollouts: %w", err)
		}
		if len(found) == 0 {
			return nil, nil
		}
	}
	var out []store.Rollout
	err := ro.s.write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		found, err := ids(tx, due+ro.s.dialect.SkipLocked())
		if err != nil {
			return err
		}
		for _, id := range found {
			x, err := scanRollout(ro.s.queryRowQ(ctx, tx, `UPDATE rollouts SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ? RETURNING `+rolloutCols, owner, Micros(until), id))
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim rollouts: %w", err)
	}
	return out, nil
}

func (ro rollouts) Advance(ctx context.Context, owner string, x store.Rollout, steps ...store.RolloutStep) (store.RolloutControl, error) {
	var c store.RolloutControl
	err := ro.s.write(ctx, func(tx *sql.Tx) error {
		var pause, abort int
		err := ro.s.queryRowQ(ctx, tx, `UPDATE rollouts SET state = ?, wave = ?, summary = ?, error = ?, data = ?, next_at = ?, lease_owner = ?, lease_until = ?, updated_at = ?, finished_at = ?
			WHERE id = ? AND lease_owner = ? AND state IN (?, ?, ?, ?) RETURNING pause_requested, abort_requested`,
			x.State, x.Wave, x.Summary, x.Error, x.Data, Micros(x.NextAt), x.LeaseOwner, Micros(x.LeaseUntil), Micros(x.UpdatedAt), Micros(x.FinishedAt),
			x.ID, owner, store.RolloutPending, store.RolloutRunning, store.RolloutWaiting, store.RolloutPaused).Scan(&pause, &abort)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("rollout %s is no longer leased to %s, or has finished: %w", x.ID, owner, store.ErrConflict)
		}
		if err != nil {
			return err
		}
		c = store.RolloutControl{PauseRequested: pause != 0, AbortRequested: abort != 0}
		if len(steps) == 0 {
			return nil
		}
		q := `INSERT INTO rollout_steps (rollout_id, seq, name, status, input, output, error, started_at, finished_at) VALUES ` +
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
		_, err = ro.s.execQ(ctx, tx, q, args...)
		if err != nil && ro.s.dialect.IsUniqueViolation(err) {
			return fmt.Errorf("a step of rollout %s (seq %d–%d) is already recorded: %w", x.ID, steps[0].Seq, steps[len(steps)-1].Seq, store.ErrConflict)
		}
		return err
	})
	if err != nil {
		return c, fmt.Errorf("advance rollout %s: %w", x.ID, err)
	}
	return c, nil
}

// change applies an UPDATE to a rollout in one of the states from, and
// returns it; ErrConflict (with the rollout) when it is in another state.
func (ro rollouts) change(ctx context.Context, id, what, set string, from []string, args ...any) (store.Rollout, error) {
	n, err := ro.s.updateInState(ctx, "rollouts", id, set, from, args...)
	if err != nil {
		return store.Rollout{}, fmt.Errorf("%s rollout %s: %w", what, id, err)
	}
	x, err := ro.Get(ctx, id)
	if err != nil {
		return x, fmt.Errorf("%s rollout: %w", what, err)
	}
	if n == 0 {
		return x, fmt.Errorf("%s rollout %s: it is %s: %w", what, id, x.State, store.ErrConflict)
	}
	return x, nil
}

func (ro rollouts) Control(ctx context.Context, id, action, by string, at time.Time) (store.Rollout, error) {
	active := []string{store.RolloutPending, store.RolloutRunning, store.RolloutWaiting, store.RolloutPaused}
	switch action {
	case store.RolloutPause:
		return ro.change(ctx, id, "pause", `pause_requested = 1, control_by = ?, updated_at = ?`, active, by, Micros(at))
	case store.RolloutResume:
		x, err := ro.Get(ctx, id)
		if err != nil {
			return x, fmt.Errorf("resume rollout: %w", err)
		}
		if store.RolloutActive(x.State) && !x.PauseRequested && x.State != store.RolloutPaused {
			return x, fmt.Errorf("resume rollout %s: it is %s, not paused: %w", id, x.State, store.ErrConflict)
		}
		return ro.change(ctx, id, "resume", `pause_requested = 0, state = CASE WHEN state = ? THEN ? ELSE state END, next_at = ?, control_by = ?, updated_at = ?`,
			active, store.RolloutPaused, store.RolloutRunning, Micros(at), by, Micros(at))
	case store.RolloutAbort:
		// A pending rollout that no worker holds has done nothing yet: it
		// ends now. Any other active one is flagged for its worker.
		x, err := ro.Get(ctx, id)
		if err != nil {
			return x, fmt.Errorf("abort rollout: %w", err)
		}
		if x.State == store.RolloutPending && x.LeaseUntil.Before(at) {
			x, err = ro.change(ctx, id, "abort", `state = ?, summary = ?, abort_requested = 1, control_by = ?, updated_at = ?, finished_at = ?`,
				[]string{store.RolloutPending}, store.RolloutAborted, "aborted by "+by+" before it started", by, Micros(at), Micros(at))
			if err == nil || !errors.Is(err, store.ErrConflict) {
				return x, err
			}
		}
		return ro.change(ctx, id, "abort", `abort_requested = 1, next_at = ?, control_by = ?, updated_at = ?`, active, Micros(at), by, Micros(at))
	}
	return store.Rollout{}, fmt.Errorf("control rollout %s: unknown action %q (pause, resume or abort)", id, action)
}

func (ro rollouts) Approve(ctx context.Context, id, by string, at time.Time) (store.Rollout, error) {
	return ro.change(ctx, id, "approve", `state = ?, next_at = ?, control_by = ?, updated_at = ?`, []string{store.RolloutWaiting},
		store.RolloutRunning, Micros(at), by, Micros(at))
}
