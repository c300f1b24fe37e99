package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tendhq/tend/internal/store"
)

type problems struct{ s *DB }

var _ store.Problems = problems{}

// errRetry asks Record to run its transaction again (a concurrent writer
// created the same problem or occurrence first).
var errRetry = errors.New("retry")

func (p problems) Record(ctx context.Context, rec store.ProblemRecord, occ store.Occurrence, newRuns []store.Run) (store.RecordResult, error) {
	var res store.RecordResult
	for attempt := 0; ; attempt++ {
		err := p.s.write(ctx, func(tx *sql.Tx) error {
			var err error
			res, err = p.record(ctx, tx, rec, occ, newRuns)
			return err
		})
		if errors.Is(err, errRetry) && attempt < 3 {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("record problem %s/%s: %w", rec.Source, rec.ExternalID, err)
		}
		return res, nil
	}
}

func (p problems) record(ctx context.Context, tx *sql.Tx, rec store.ProblemRecord, occ store.Occurrence, newRuns []store.Run) (store.RecordResult, error) {
	s := p.s
	var res store.RecordResult
	var pid string
	err := s.queryRowQ(ctx, tx, `SELECT id FROM problems WHERE source = ? AND external_id = ?`, rec.Source, rec.ExternalID).Scan(&pid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		pid = rec.ID
		if _, err := s.execQ(ctx, tx, `INSERT INTO problems (id, source, external_id, title, state, event_type, body, occurrences, first_seen, last_seen)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			pid, rec.Source, rec.ExternalID, rec.Title, rec.State, rec.EventType, rec.Body, Micros(occ.ReceivedAt), Micros(occ.ReceivedAt)); err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return res, errRetry
			}
			return res, err
		}
	case err != nil:
		return res, err
	default:
		var oid string
		err := s.queryRowQ(ctx, tx, `SELECT id FROM problem_occurrences WHERE problem_id = ? AND digest = ?`, pid, occ.Digest).Scan(&oid)
		if err == nil {
			ids, err := runIDsFor(ctx, s, tx, oid)
			return store.RecordResult{ProblemID: pid, OccurrenceID: oid, Duplicate: true, RunIDs: ids}, err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return res, err
		}
		if _, err := s.execQ(ctx, tx, `UPDATE problems SET title = ?, state = ?, event_type = ?, body = ?, occurrences = occurrences + 1, last_seen = ? WHERE id = ?`,
			rec.Title, rec.State, rec.EventType, rec.Body, Micros(occ.ReceivedAt), pid); err != nil {
			return res, err
		}
	}
	occ.ProblemID = pid
	if _, err := s.execQ(ctx, tx, `INSERT INTO problem_occurrences (id, problem_id, digest, state, event_type, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		occ.ID, pid, occ.Digest, occ.State, occ.EventType, occ.Body, Micros(occ.ReceivedAt)); err != nil {
		if s.dialect.IsUniqueViolation(err) {
			return res, errRetry
		}
		return res, err
	}
	res = store.RecordResult{ProblemID: pid, OccurrenceID: occ.ID}
	for _, r := range newRuns {
		r.ProblemID, r.OccurrenceID = pid, occ.ID
		if err := insertRun(ctx, s, tx, r); err != nil {
			return res, err
		}
		res.RunIDs = append(res.RunIDs, r.ID)
	}
	return res, nil
}

func runIDsFor(ctx context.Context, s *DB, tx *sql.Tx, occurrenceID string) ([]string, error) {
	return s.queryIDs(ctx, tx, `SELECT id FROM remediation_runs WHERE occurrence_id = ? ORDER BY id`, occurrenceID)
}

const problemCols = `id, source, external_id, title, state, event_type, body, occurrences, first_seen, last_seen`

func scanProblem(r scanner) (store.ProblemRecord, error) {
	var p store.ProblemRecord
	var first, last int64
	err := r.Scan(&p.ID, &p.Source, &p.ExternalID, &p.Title, &p.State, &p.EventType, &p.Body, &p.Occurrences, &first, &last)
	p.FirstSeen, p.LastSeen = Time(first), Time(last)
	return p, err
}

func (p problems) Get(ctx context.Context, id string) (store.ProblemRecord, error) {
	rec, err := scanProblem(p.s.queryRowQ(ctx, nil, `SELECT `+problemCols+` FROM problems WHERE id = ?`, id))
	if err != nil {
		return rec, notFound(err, fmt.Sprintf("get problem %q", id))
	}
	return rec, nil
}

func (p problems) Find(ctx context.Context, source, externalID string) (store.ProblemRecord, error) {
	rec, err := scanProblem(p.s.queryRowQ(ctx, nil, `SELECT `+problemCols+` FROM problems WHERE source = ? AND external_id = ?`, source, externalID))
	if err != nil {
		return rec, notFound(err, fmt.Sprintf("find problem %s/%s", source, externalID))
	}
	return rec, nil
}

func (p problems) List(ctx context.Context, f store.ProblemFilter) ([]store.ProblemRecord, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT ` + problemCols + ` FROM problems WHERE (? = '' OR source = ?) ORDER BY last_seen DESC, id DESC LIMIT ?`
	rows, err := p.s.queryQ(ctx, nil, q, f.Source, f.Source, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list problems: %w", err)
	}
	return collect(rows, "list problems", scanProblem)
}

func (p problems) Occurrences(ctx context.Context, problemID string) ([]store.Occurrence, error) {
	rows, err := p.s.queryQ(ctx, nil, `SELECT id, problem_id, digest, state, event_type, body, received_at FROM problem_occurrences WHERE problem_id = ? ORDER BY received_at, id`, problemID)
	if err != nil {
		return nil, fmt.Errorf("list occurrences of %s: %w", problemID, err)
	}
	defer rows.Close()
	var out []store.Occurrence
	for rows.Next() {
		var o store.Occurrence
		var at int64
		if err := rows.Scan(&o.ID, &o.ProblemID, &o.Digest, &o.State, &o.EventType, &o.Body, &at); err != nil {
			return nil, fmt.Errorf("list occurrences of %s: %w", problemID, err)
		}
		o.ReceivedAt = Time(at)
		out = append(out, o)
	}
	return out, rows.Err()
}

func (p problems) AddComment(ctx context.Context, c store.Comment) error {
	err := p.s.write(ctx, func(tx *sql.Tx) error {
		_, err := p.s.execQ(ctx, tx, `INSERT INTO problem_comments (id, source, external_id, author, content, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, c.Source, c.ExternalID, c.Author, c.Content, Micros(c.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("add comment to %s/%s: %w", c.Source, c.ExternalID, err)
	}
	return nil
}

func (p problems) Comments(ctx context.Context, source, externalID string) ([]store.Comment, error) {
	rows, err := p.s.queryQ(ctx, nil, `SELECT id, source, external_id, author, content, created_at FROM problem_comments WHERE source = ? AND external_id = ? ORDER BY created_at DESC, id DESC`, source, externalID)
	if err != nil {
		return nil, fmt.Errorf("list comments of %s/%s: %w", source, externalID, err)
	}
	defer rows.Close()
	var out []store.Comment
	for rows.Next() {
		var c store.Comment
		var at int64
		if err := rows.Scan(&c.ID, &c.Source, &c.ExternalID, &c.Author, &c.Content, &at); err != nil {
			return nil, fmt.Errorf("list comments of %s/%s: %w", source, externalID, err)
		}
		c.CreatedAt = Time(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
