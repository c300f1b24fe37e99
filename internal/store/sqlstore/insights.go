package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/store"
)

type insights struct{ s *DB }

var _ store.Insights = insights{}

const insightCols = `id, type, status, severity, problem_type, name, description,
	boundary_key, boundary_kind, boundary_name, boundary_tag_key, account, region,
	resources, recommendations, started_at, ended_at, created_at, updated_at, version,
	subject, prediction_start, prediction_end`

func marshalJSON(v any, empty string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if string(b) == "null" {
		return empty, nil
	}
	return string(b), nil
}

func (i insights) Create(ctx context.Context, in store.Insight) error {
	res, err := marshalJSON(in.Resources, "[]")
	if err != nil {
		return fmt.Errorf("create insight %q: encode resources: %w", in.ID, err)
	}
	recs, err := marshalJSON(in.Recommendations, "[]")
	if err != nil {
		return fmt.Errorf("create insight %q: encode recommendations: %w", in.ID, err)
	}
	_, err = i.s.execIn(ctx, i.s.Q(`INSERT INTO insights (`+insightCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`),
		in.ID, in.Type, in.Status, in.Severity, in.ProblemType, in.Name, in.Description,
		in.BoundaryKey, in.BoundaryKind, in.BoundaryName, in.BoundaryTagKey, in.Account, in.Region,
		res, recs, Micros(in.StartedAt), Micros(in.EndedAt), Micros(in.CreatedAt), Micros(in.UpdatedAt),
		in.Subject, predStart(in), predEnd(in))
	if err != nil {
		if i.s.dialect.IsUniqueViolation(err) {
			return fmt.Errorf("create insight %q for boundary %q: %w", in.ID, in.BoundaryKey, store.ErrConflict)
		}
		return fmt.Errorf("create insight %q: %w", in.ID, err)
	}
	return nil
}

// Open implements store.Insights (without messages: notifyingInsights
// writes those).
func (i insights) Open(ctx context.Context, in store.Insight, list []store.Anomaly) error {
	return i.s.write(ctx, func(tx *sql.Tx) error {
		if err := i.Create(withTx(ctx, tx), in); err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		return anomalies(i).upsertTx(ctx, tx, list)
	})
}

func predStart(in store.Insight) int64 {
	if in.PredictionTimeRange == nil {
		return 0
	}
	return Micros(in.PredictionTimeRange.Start)
}

func predEnd(in store.Insight) int64 {
	if in.PredictionTimeRange == nil {
		return 0
	}
	return Micros(in.PredictionTimeRange.End)
}

func scanInsight(r scanner) (store.Insight, error) {
	var in store.Insight
	var res, recs string
	var started, ended, created, updated, pstart, pend int64
	if err := r.Scan(&in.ID, &in.Type, &in.Status, &in.Severity, &in.ProblemType, &in.Name, &in.Description,
		&in.BoundaryKey, &in.BoundaryKind, &in.BoundaryName, &in.BoundaryTagKey, &in.Account, &in.Region,
		&res, &recs, &started, &ended, &created, &updated, &in.Version, &in.Subject, &pstart, &pend); err != nil {
		return in, err
	}
	if pstart != 0 || pend != 0 {
		in.PredictionTimeRange = &store.TimeRange{Start: Time(pstart), End: Time(pend)}
	}
	if err := json.Unmarshal([]byte(res), &in.Resources); err != nil {
		return in, fmt.Errorf("decode resources of insight %q: %w", in.ID, err)
	}
	if err := json.Unmarshal([]byte(recs), &in.Recommendations); err != nil {
		return in, fmt.Errorf("decode recommendations of insight %q: %w", in.ID, err)
	}
	in.StartedAt, in.EndedAt, in.CreatedAt, in.UpdatedAt = Time(started), Time(ended), Time(created), Time(updated)
	return in, nil
}

func (i insights) Get(ctx context.Context, id string) (store.Insight, error) {
	in, err := scanInsight(i.s.queryRowIn(ctx, i.s.Q(`SELECT `+insightCols+` FROM insights WHERE id = ?`), id))
	if err != nil {
		return in, notFound(err, fmt.Sprintf("get insight %q", id))
	}
	return in, nil
}

func (i insights) Update(ctx context.Context, in store.Insight) (store.Insight, error) {
	res, err := marshalJSON(in.Resources, "[]")
	if err != nil {
		return in, fmt.Errorf("update insight %q: encode resources: %w", in.ID, err)
	}
	recs, err := marshalJSON(in.Recommendations, "[]")
	if err != nil {
		return in, fmt.Errorf("update insight %q: encode recommendations: %w", in.ID, err)
	}
	r, err := i.s.execIn(ctx, i.s.Q(`UPDATE insights SET type = ?, status = ?, severity = ?, problem_type = ?,
		name = ?, description = ?, boundary_kind = ?, boundary_name = ?, boundary_tag_key = ?, account = ?, region = ?,
		resources = ?, recommendations = ?, started_at = ?, ended_at = ?, updated_at = ?, version = version + 1,
		subject = ?, prediction_start = ?, prediction_end = ?
		WHERE id = ? AND version = ?`),
		in.Type, in.Status, in.Severity, in.ProblemType, in.Name, in.Description,
		in.BoundaryKind, in.BoundaryName, in.BoundaryTagKey, in.Account, in.Region,
		res, recs, Micros(in.StartedAt), Micros(in.EndedAt), Micros(in.UpdatedAt),
		in.Subject, predStart(in), predEnd(in), in.ID, in.Version)
	if err != nil {
		if i.s.dialect.IsUniqueViolation(err) {
			return in, fmt.Errorf("update insight %q: %w", in.ID, store.ErrConflict)
		}
		return in, fmt.Errorf("update insight %q: %w", in.ID, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		if _, err := i.Get(ctx, in.ID); err != nil {
			return in, fmt.Errorf("update insight %q: %w", in.ID, err)
		}
		return in, fmt.Errorf("update insight %q: version %d is stale: %w", in.ID, in.Version, store.ErrConflict)
	}
	out, err := i.Get(ctx, in.ID)
	if err != nil {
		return in, fmt.Errorf("update insight %q: read back: %w", in.ID, err)
	}
	return out, nil
}

func (i insights) Ongoing(ctx context.Context, boundaryKey string) (store.Insight, error) {
	in, err := scanInsight(i.s.db.QueryRowContext(ctx, i.s.Q(`SELECT `+insightCols+` FROM insights WHERE boundary_key = ? AND status = ? AND type = ?`),
		boundaryKey, store.InsightOngoing, store.InsightReactive))
	if err != nil {
		return in, notFound(err, fmt.Sprintf("ongoing insight of boundary %q", boundaryKey))
	}
	return in, nil
}

func (i insights) ListOngoing(ctx context.Context) ([]store.Insight, error) {
	return i.query(ctx, "list ongoing insights", `SELECT `+insightCols+` FROM insights WHERE status = ? ORDER BY started_at, id`, store.InsightOngoing)
}

func (i insights) query(ctx context.Context, what, q string, args ...any) ([]store.Insight, error) {
	rows, err := i.s.db.QueryContext(ctx, i.s.Q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []store.Insight
	for rows.Next() {
		in, err := scanInsight(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func encodeCursor(in store.Insight) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(Micros(in.StartedAt), 10) + ":" + in.ID))
}

func decodeCursor(c string) (int64, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", store.ErrInvalidCursor
	}
	ts, id, ok := strings.Cut(string(raw), ":")
	n, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", store.ErrInvalidCursor
	}
	return n, id, nil
}

func (i insights) List(ctx context.Context, f store.InsightFilter) (store.InsightPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	var where []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN (?"+strings.Repeat(", ?", len(vals)-1)+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	if f.Type != "" {
		where, args = append(where, "type = ?"), append(args, f.Type)
	}
	in("status", f.Statuses)
	in("severity", f.Severities)
	in("account", f.Accounts)
	if f.Region != "" {
		where, args = append(where, "region = ?"), append(args, f.Region)
	}
	if v := f.Visible; v != nil {
		var or []string
		if len(v.Accounts) > 0 {
			or = append(or, "account IN (?"+strings.Repeat(", ?", len(v.Accounts)-1)+")")
			for _, a := range v.Accounts {
				args = append(args, a)
			}
		}
		if len(v.OrgAccounts) > 0 {
			or = append(or, "(account IN (?"+strings.Repeat(", ?", len(v.OrgAccounts)-1)+") AND created_at >= ?)")
			for _, a := range v.OrgAccounts {
				args = append(args, a)
			}
			args = append(args, Micros(v.OrgSince))
		}
		if len(or) == 0 {
			or = append(or, "1 = 0")
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if !f.CreatedFrom.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, Micros(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, Micros(f.CreatedTo))
	}
	if f.Stack != "" {
		where, args = append(where, "boundary_kind = 'stack' AND boundary_name = ?"), append(args, f.Stack)
	}
	if f.App != "" {
		where, args = append(where, "boundary_kind = 'app' AND boundary_name = ?"), append(args, f.App)
	}
	if f.Resource != "" {
		where = append(where, "EXISTS (SELECT 1 FROM anomalies a WHERE a.insight_id = insights.id AND (a.resource_id = ? OR a.resource_name = ?))")
		args = append(args, f.Resource, f.Resource)
	}
	if !f.From.IsZero() {
		where, args = append(where, "started_at >= ?"), append(args, Micros(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "started_at < ?"), append(args, Micros(f.To))
	}
	if f.Cursor != "" {
		ts, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return store.InsightPage{}, fmt.Errorf("list insights: %w", err)
		}
		where = append(where, "(started_at < ? OR (started_at = ? AND id < ?))")
		args = append(args, ts, ts, id)
	}
	q := `SELECT ` + insightCols + ` FROM insights`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY started_at DESC, id DESC LIMIT " + strconv.Itoa(limit+1)
	list, err := i.query(ctx, "list insights", q, args...)
	if err != nil {
		return store.InsightPage{}, err
	}
	page := store.InsightPage{Insights: list}
	if page.Insights == nil {
		page.Insights = []store.Insight{}
	}
	if len(list) > limit {
		page.Insights = list[:limit]
		page.Next = encodeCursor(list[limit-1])
	}
	return page, nil
}
