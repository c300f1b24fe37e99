package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/store"
)

type anomalies struct{ s *DB }

var _ store.Anomalies = anomalies{}

const anomalyCols = `id, insight_id, status, series_id, metric, labels, statistic, period_ms, unit,
	family, problem_type, resource_id, resource_type, resource_name, instance_id, instance_type,
	boundary_key, started_at, ended_at, peak_score, peak_value, peak_at, reason, excerpt, owner, updated_at, forecast`

func (x anomalies) Create(ctx context.Context, a store.Anomaly) error {
	labels, err := marshalJSON(a.Labels, "{}")
	if err != nil {
		return fmt.Errorf("create anomaly %q: encode labels: %w", a.ID, err)
	}
	excerpt, err := marshalJSON(a.Excerpt, "[]")
	if err != nil {
		return fmt.Errorf("create anomaly %q: encode excerpt: %w", a.ID, err)
	}
	_, err = x.s.wdb.ExecContext(ctx, x.s.Q(`INSERT INTO anomalies (`+anomalyCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.ID, a.InsightID, a.Status, a.SeriesID, a.Metric, labels, a.Statistic, a.Period.Milliseconds(), a.Unit,
		a.Family, a.ProblemType, a.Resource.ID, a.Resource.Type, a.Resource.Name, a.Resource.InstanceID, a.Resource.InstanceType,
		a.BoundaryKey, Micros(a.StartedAt), Micros(a.EndedAt), a.PeakScore, a.PeakValue, Micros(a.PeakAt), a.Reason, excerpt,
		a.Owner, Micros(a.UpdatedAt), forecastJSON(a))
	if err != nil {
		if x.s.dialect.IsUniqueViolation(err) {
			return fmt.Errorf("create anomaly %q: %w", a.ID, store.ErrConflict)
		}
		return fmt.Errorf("create anomaly %q: %w", a.ID, err)
	}
	return nil
}

// forecastJSON is a proactive anomaly's forecast as JSON ("" for none).
func forecastJSON(a store.Anomaly) string {
	if a.Forecast == nil {
		return ""
	}
	b, err := json.Marshal(a.Forecast)
	if err != nil {
		return "" // a Forecast holds only numbers, strings and times
	}
	return string(b)
}

func scanAnomaly(r scanner) (store.Anomaly, error) {
	var a store.Anomaly
	var labels, excerpt, forecast string
	var periodMS, started, ended, peakAt, updated int64
	if err := r.Scan(&a.ID, &a.InsightID, &a.Status, &a.SeriesID, &a.Metric, &labels, &a.Statistic, &periodMS, &a.Unit,
		&a.Family, &a.ProblemType, &a.Resource.ID, &a.Resource.Type, &a.Resource.Name, &a.Resource.InstanceID, &a.Resource.InstanceType,
		&a.BoundaryKey, &started, &ended, &a.PeakScore, &a.PeakValue, &peakAt, &a.Reason, &excerpt, &a.Owner, &updated, &forecast); err != nil {
		return a, err
	}
	if forecast != "" {
		a.Forecast = new(store.Forecast)
		if err := json.Unmarshal([]byte(forecast), a.Forecast); err != nil {
			return a, fmt.Errorf("decode forecast of anomaly %q: %w", a.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
		return a, fmt.Errorf("decode labels of anomaly %q: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(excerpt), &a.Excerpt); err != nil {
		return a, fmt.Errorf("decode excerpt of anomaly %q: %w", a.ID, err)
	}
	for i := range a.Excerpt {
		a.Excerpt[i].T = a.Excerpt[i].T.UTC()
	}
	a.Period = time.Duration(periodMS) * time.Millisecond
	a.StartedAt, a.EndedAt, a.PeakAt, a.UpdatedAt = Time(started), Time(ended), Time(peakAt), Time(updated)
	return a, nil
}

func (x anomalies) Update(ctx context.Context, a store.Anomaly) error {
	excerpt, err := marshalJSON(a.Excerpt, "[]")
	if err != nil {
		return fmt.Errorf("update anomaly %q: encode excerpt: %w", a.ID, err)
	}
	r, err := x.s.wdb.ExecContext(ctx, x.s.Q(`UPDATE anomalies SET insight_id = ?, status = ?, ended_at = ?, peak_score = ?,
		peak_value = ?, peak_at = ?, reason = ?, excerpt = ?, owner = ?, updated_at = ?, forecast = ? WHERE id = ?`),
		a.InsightID, a.Status, Micros(a.EndedAt), a.PeakScore, a.PeakValue, Micros(a.PeakAt), a.Reason, excerpt,
		a.Owner, Micros(a.UpdatedAt), forecastJSON(a), a.ID)
	if err != nil {
		return fmt.Errorf("update anomaly %q: %w", a.ID, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("update anomaly %q: %w", a.ID, store.ErrNotFound)
	}
	return nil
}

func (x anomalies) Upsert(ctx context.Context, list []store.Anomaly) error {
	if len(list) == 0 {
		return nil
	}
	return x.s.Tx(ctx, func(tx *sql.Tx) error { return x.upsertTx(ctx, tx, list) })
}

// upsertTx is Upsert in tx.
func (x anomalies) upsertTx(ctx context.Context, tx *sql.Tx, list []store.Anomaly) error {
	stmt, err := tx.PrepareContext(ctx, x.s.Q(`INSERT INTO anomalies (`+anomalyCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET insight_id = excluded.insight_id, status = excluded.status,
		ended_at = excluded.ended_at, peak_score = excluded.peak_score, peak_value = excluded.peak_value,
		peak_at = excluded.peak_at, reason = excluded.reason, excerpt = excluded.excerpt,
		owner = excluded.owner, updated_at = excluded.updated_at, forecast = excluded.forecast`))
	if err != nil {
		return fmt.Errorf("upsert anomalies: %w", err)
	}
	defer stmt.Close()
	for _, a := range list {
		labels, err := marshalJSON(a.Labels, "{}")
		if err != nil {
			return fmt.Errorf("upsert anomaly %q: encode labels: %w", a.ID, err)
		}
		excerpt, err := marshalJSON(a.Excerpt, "[]")
		if err != nil {
			return fmt.Errorf("upsert anomaly %q: encode excerpt: %w", a.ID, err)
		}
		if _, err := stmt.ExecContext(ctx,
			a.ID, a.InsightID, a.Status, a.SeriesID, a.Metric, labels, a.Statistic, a.Period.Milliseconds(), a.Unit,
			a.Family, a.ProblemType, a.Resource.ID, a.Resource.Type, a.Resource.Name, a.Resource.InstanceID, a.Resource.InstanceType,
			a.BoundaryKey, Micros(a.StartedAt), Micros(a.EndedAt), a.PeakScore, a.PeakValue, Micros(a.PeakAt), a.Reason, excerpt,
			a.Owner, Micros(a.UpdatedAt), forecastJSON(a)); err != nil {
			return fmt.Errorf("upsert anomaly %q: %w", a.ID, err)
		}
	}
	return x.s.anomalyNotes(ctx, tx, list)
}

func (x anomalies) Get(ctx context.Context, id string) (store.Anomaly, error) {
	a, err := scanAnomaly(x.s.db.QueryRowContext(ctx, x.s.Q(`SELECT `+anomalyCols+` FROM anomalies WHERE id = ?`), id))
	if err != nil {
		return a, notFound(err, fmt.Sprintf("get anomaly %q", id))
	}
	return a, nil
}

func (x anomalies) ListByInsight(ctx context.Context, insightID string) ([]store.Anomaly, error) {
	return x.query(ctx, fmt.Sprintf("list anomalies of insight %q", insightID),
		`SELECT `+anomalyCols+` FROM anomalies WHERE insight_id = ? ORDER BY started_at, id`, insightID)
}

func (x anomalies) ListOpen(ctx context.Context, owner string) ([]store.Anomaly, error) {
	return x.query(ctx, "list open anomalies",
		`SELECT `+anomalyCols+` FROM anomalies WHERE status = ? AND owner = ? ORDER BY started_at, id`, store.AnomalyOpen, owner)
}

func (x anomalies) query(ctx context.Context, what, q string, args ...any) ([]store.Anomaly, error) {
	rows, err := x.s.db.QueryContext(ctx, x.s.Q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return collect(rows, what, scanAnomaly)
}
