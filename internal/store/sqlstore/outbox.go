package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

type outbox struct{ s *DB }

var _ store.Outbox = outbox{}

// enqueueTx writes messages into the outbox inside tx. A message whose ID
// is stored already is skipped, so a retried write does not duplicate it.
// The dispatcher is woken once tx commits.
func (s *DB) enqueueTx(ctx context.Context, tx *sql.Tx, msgs []store.Notification) error {
	for len(msgs) > 0 {
		n := min(len(msgs), 50)
		q := `INSERT INTO notify_outbox (id, type, subject, severity, problem_type, boundary_kind, boundary_name, body, created_at) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ") + ` ON CONFLICT (id) DO NOTHING`
		args := make([]any, 0, 9*n)
		for _, m := range msgs[:n] {
			if m.ID == "" {
				return fmt.Errorf("enqueue a %s message about %q: it has no id", m.Type, m.Subject)
			}
			body := m.Body
			if body == nil {
				body = []byte("{}")
			}
			args = append(args, m.ID, m.Type, m.Subject, m.Severity, m.ProblemType, m.BoundaryKind, m.BoundaryName, body, Micros(m.CreatedAt))
		}
		if _, err := s.execQ(ctx, tx, q, args...); err != nil {
			return fmt.Errorf("enqueue %d messages: %w", n, err)
		}
		msgs = msgs[n:]
	}
	s.outboxWritten.Store(true)
	return nil
}

// OutboxWake receives a value after a transaction that wrote to the outbox
// commits, so that a dispatcher in this process need not wait for its poll.
func (s *DB) OutboxWake() <-chan struct{} { return s.outboxWake }

// afterCommit wakes the dispatcher if the transaction wrote messages.
func (s *DB) afterCommit() {
	if s.outboxWritten.Swap(false) {
		select {
		case s.outboxWake <- struct{}{}:
		default:
		}
	}
}

func (o outbox) Enqueue(ctx context.Context, msgs ...store.Notification) error {
	if len(msgs) == 0 {
		return nil
	}
	return o.s.write(ctx, func(tx *sql.Tx) error { return o.s.enqueueTx(ctx, tx, msgs) })
}

const noteCols = `seq, id, type, subject, severity, problem_type, boundary_kind, boundary_name, body, created_at`

func scanNote(r scanner) (store.Notification, error) {
	var m store.Notification
	var at int64
	err := r.Scan(&m.Seq, &m.ID, &m.Type, &m.Subject, &m.Severity, &m.ProblemType, &m.BoundaryKind, &m.BoundaryName, &m.Body, &at)
	m.CreatedAt = Time(at)
	return m, err
}

// fanOutLockKey is the PostgreSQL advisory lock fan-outs take ("tendfan").
const fanOutLockKey = 0x74656e6466616e

func (o outbox) FanOut(ctx context.Context, n int, route func(store.Notification) []store.Route) (int, error) {
	const pending = `SELECT ` + noteCols + ` FROM notify_outbox WHERE dispatched = 0 ORDER BY seq LIMIT ?`
	// Look first with a plain read, so that finding nothing (most rounds:
	// the dispatcher runs one per send finished) costs no write
	// transaction.
	var one int
	err := o.s.queryRowQ(ctx, nil, `SELECT 1 FROM notify_outbox WHERE dispatched = 0 LIMIT 1`).Scan(&one)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("fan out messages: %w", err)
	}
	var taken int
	err = o.s.write(ctx, func(tx *sql.Tx) error {
		if o.s.dialect.SkipLocked() != "" {
			// One fan-out at a time across processes: two at once (rows
			// skipped or taken while locked) could fan out an insight's
			// later message in a transaction that commits first, and a
			// channel would send it first. (SQLite has one writer.)
			if _, err := o.s.execQ(ctx, tx, `SELECT pg_advisory_xact_lock(?)`, int64(fanOutLockKey)); err != nil {
				return err
			}
		}
		rows, err := o.s.queryQ(ctx, tx, pending, n)
		if err != nil {
			return err
		}
		msgs, err := collect(rows, "read undispatched messages", scanNote)
		if err != nil {
			return err
		}
		taken = len(msgs)
		if taken == 0 {
			return nil
		}
		var vals []string
		var args []any
		seqs := make([]any, 0, len(msgs))
		for _, m := range msgs {
			seqs = append(seqs, m.Seq)
			for _, r := range route(m) {
				vals = append(vals, "(?, ?, ?, ?, ?, ?)")
				args = append(args, m.Seq, r.Channel, m.Subject, store.DeliveryPending, Micros(m.CreatedAt.Add(r.Delay)), Micros(m.CreatedAt))
			}
		}
		for len(vals) > 0 {
			k := min(len(vals), 100)
			if _, err := o.s.execQ(ctx, tx, `INSERT INTO notify_deliveries (message_seq, channel, subject, state, next_at, created_at) VALUES `+
				strings.Join(vals[:k], ", ")+` ON CONFLICT (message_seq, channel) DO NOTHING`, args[:6*k]...); err != nil {
				return fmt.Errorf("create deliveries: %w", err)
			}
			vals, args = vals[k:], args[6*k:]
		}
		_, err = o.s.execQ(ctx, tx, `UPDATE notify_outbox SET dispatched = 1 WHERE seq IN (`+marks(len(seqs))+`)`, seqs...)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fan out messages: %w", err)
	}
	return taken, nil
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

const deliveryCols = `d.id, d.channel, d.state, d.attempts, d.next_at, d.last_error, d.created_at, d.sent_at,
	m.seq, m.id, m.type, m.subject, m.severity, m.problem_type, m.boundary_kind, m.boundary_name, m.body, m.created_at`

func scanDelivery(r scanner) (store.Delivery, error) {
	var d store.Delivery
	var next, created, sent, mat int64
	m := &d.Message
	err := r.Scan(&d.ID, &d.Channel, &d.State, &d.Attempts, &next, &d.LastError, &created, &sent,
		&m.Seq, &m.ID, &m.Type, &m.Subject, &m.Severity, &m.ProblemType, &m.BoundaryKind, &m.BoundaryName, &m.Body, &mat)
	d.NextAt, d.CreatedAt, d.SentAt, m.CreatedAt = Time(next), Time(created), Time(sent), Time(mat)
	return d, err
}

// dueChannels lists the channels with a due subject head.
const dueChannels = `SELECT c.name, c.rate_limit, c.rate_window, c.window_start, c.window_sent FROM notify_channels c
	WHERE EXISTS (SELECT 1 FROM notify_deliveries d WHERE d.channel = c.name AND d.state = 'pending' AND d.next_at <= ? AND d.lease_until < ?)
	ORDER BY c.name`

// dueHeads lists a channel's subjects whose oldest pending delivery is due
// and not leased, oldest first.
const dueHeads = `SELECT d.subject FROM notify_deliveries d
	WHERE d.channel = ? AND d.state = 'pending' AND d.next_at <= ? AND d.lease_until < ?
	AND NOT EXISTS (SELECT 1 FROM notify_deliveries e WHERE e.channel = d.channel AND e.subject = d.subject
		AND e.state = 'pending' AND e.message_seq < d.message_seq)
	ORDER BY d.message_seq LIMIT ?`

func (o outbox) Claim(ctx context.Context, r store.ClaimRequest) ([]store.DeliveryBatch, error) {
	if r.MaxBatches <= 0 {
		r.MaxBatches = 16
	}
	if r.MaxMessages <= 0 {
		r.MaxMessages = 100
	}
	now := Micros(r.Now)
	if o.s.dialect.SkipLocked() == "" {
		// SQLite: look first with a plain read, so that finding nothing
		// (the common case when idle) costs no write transaction.
		var one int
		err := o.s.queryRowQ(ctx, nil, `SELECT 1 FROM notify_deliveries WHERE state = 'pending' AND next_at <= ? AND lease_until < ? LIMIT 1`, now, now).Scan(&one)
		if err == sql.ErrNoRows {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
	}
	var out []store.DeliveryBatch
	err := o.s.write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		type chState struct {
			name          string
			limit         int
			window, start int64
			sent          int
		}
		rows, err := o.s.queryQ(ctx, tx, dueChannels+o.s.dialect.SkipLocked(), now, now)
		if err != nil {
			return err
		}
		chans, err := collect(rows, "due channels", func(r scanner) (chState, error) {
			var c chState
			return c, r.Scan(&c.name, &c.limit, &c.window, &c.start, &c.sent)
		})
		if err != nil {
			return err
		}
		for _, c := range chans {
			budget := r.MaxBatches
			if c.limit > 0 {
				if now-c.start >= c.window {
					c.start, c.sent = now, 0
				}
				budget = min(budget, c.limit-c.sent)
				if budget <= 0 {
					continue // held back until the window ends
				}
			}
			rows, err := o.s.queryQ(ctx, tx, dueHeads, c.name, now, now, r.MaxBatches+1)
			if err != nil {
				return err
			}
			subjects, err := collect(rows, "due subjects", func(r scanner) (string, error) {
				var s string
				return s, r.Scan(&s)
			})
			if err != nil {
				return err
			}
			summary := c.limit > 0 && len(subjects) > budget
			if summary {
				// More is due than the budget allows: the last send is
				// a summary of everything due (up to MaxMessages).
				rows, err := o.s.queryQ(ctx, tx, dueHeads, c.name, now, now, r.MaxMessages)
				if err != nil {
					return err
				}
				if subjects, err = collect(rows, "due subjects", func(r scanner) (string, error) {
					var s string
					return s, r.Scan(&s)
				}); err != nil {
					return err
				}
			}
			batches := 0
			var held store.DeliveryBatch
			for i, subj := range subjects {
				if !summary && i >= budget {
					break
				}
				limit := r.MaxMessages
				if summary && i >= budget-1 {
					limit = r.MaxMessages - len(held.Deliveries)
					if limit <= 0 {
						break
					}
				}
				ds, err := o.leaseSubject(ctx, tx, r, c.name, subj, limit)
				if err != nil {
					return err
				}
				if len(ds) == 0 {
					continue
				}
				if summary && i >= budget-1 {
					held.Deliveries = append(held.Deliveries, ds...)
					continue
				}
				out = append(out, store.DeliveryBatch{Channel: c.name, Deliveries: ds})
				batches++
			}
			if len(held.Deliveries) > 0 {
				held.Channel, held.Summary = c.name, true
				out = append(out, held)
				batches++
			}
			if c.limit > 0 && batches > 0 {
				if _, err := o.s.execQ(ctx, tx, `UPDATE notify_channels SET window_start = ?, window_sent = ? WHERE name = ?`,
					c.start, c.sent+batches, c.name); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return out, nil
}

// leaseSubject leases a subject's pending deliveries on a channel, oldest
// first, and returns them with their messages.
func (o outbox) leaseSubject(ctx context.Context, tx *sql.Tx, r store.ClaimRequest, channel, subject string, limit int) ([]store.Delivery, error) {
	rows, err := o.s.queryQ(ctx, tx, `SELECT `+deliveryCols+` FROM notify_deliveries d JOIN notify_outbox m ON m.seq = d.message_seq
		WHERE d.channel = ? AND d.subject = ? AND d.state = 'pending' ORDER BY d.message_seq LIMIT ?`, channel, subject, limit)
	if err != nil {
		return nil, err
	}
	ds, err := collect(rows, "read deliveries", scanDelivery)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	ids := make([]any, 0, len(ds)+2)
	ids = append(ids, r.Owner, Micros(r.Until))
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	if _, err := o.s.execQ(ctx, tx, `UPDATE notify_deliveries SET lease_owner = ?, lease_until = ? WHERE id IN (`+marks(len(ds))+`)`, ids...); err != nil {
		return nil, err
	}
	return ds, nil
}

func (o outbox) Complete(ctx context.Context, owner string, updates ...store.DeliveryUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	err := o.s.write(ctx, func(tx *sql.Tx) error {
		for _, u := range updates {
			if len(u.IDs) == 0 {
				continue
			}
			args := []any{u.State, Micros(u.NextAt), u.Error}
			set := `state = ?, next_at = ?, last_error = ?, lease_owner = '', lease_until = 0`
			if u.Attempted {
				set += `, attempts = attempts + 1`
			}
			if u.State == store.DeliverySent {
				set += `, sent_at = ?`
				args = append(args, Micros(u.At))
			}
			args = append(args, owner)
			for _, id := range u.IDs {
				args = append(args, id)
			}
			res, err := o.s.execQ(ctx, tx, `UPDATE notify_deliveries SET `+set+` WHERE lease_owner = ? AND state = 'pending' AND id IN (`+marks(len(u.IDs))+`)`, args...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if u.State == store.DeliverySent {
				_, err = o.s.execQ(ctx, tx, `UPDATE notify_channels SET last_sent_at = ? WHERE name = ? AND last_sent_at < ?`, Micros(u.At), u.Channel, Micros(u.At))
			} else if u.Error != "" {
				_, err = o.s.execQ(ctx, tx, `UPDATE notify_channels SET last_error = ?, last_error_at = ? WHERE name = ?`, u.Error, Micros(u.At), u.Channel)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record deliveries: %w", err)
	}
	return nil
}

func (o outbox) Deliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := o.s.queryQ(ctx, nil, `SELECT `+deliveryCols+` FROM notify_deliveries d JOIN notify_outbox m ON m.seq = d.message_seq
		WHERE (? = '' OR d.channel = ?) AND (? = '' OR d.state = ?) ORDER BY d.id DESC LIMIT ?`,
		f.Channel, f.Channel, f.State, f.State, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return collect(rows, "list deliveries", scanDelivery)
}

func (o outbox) Retry(ctx context.Context, channel string, now time.Time, ids ...int64) (int, error) {
	var n int64
	err := o.s.write(ctx, func(tx *sql.Tx) error {
		q := `UPDATE notify_deliveries SET state = 'pending', attempts = 0, next_at = ?, lease_owner = '', lease_until = 0 WHERE channel = ? AND state = 'dead'`
		args := []any{Micros(now), channel}
		if len(ids) > 0 {
			q += ` AND id IN (` + marks(len(ids)) + `)`
			for _, id := range ids {
				args = append(args, id)
			}
		}
		res, err := o.s.execQ(ctx, tx, q, args...)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("retry dead deliveries of %s: %w", channel, err)
	}
	if n > 0 {
		o.s.outboxWritten.Store(true)
		o.s.afterCommit()
	}
	return int(n), nil
}

func (o outbox) Stats(ctx context.Context) (store.OutboxStats, error) {
	st := store.OutboxStats{Channels: map[string]store.ChannelQueue{}}
	var oldest sql.NullInt64
	if err := o.s.queryRowQ(ctx, nil, `SELECT COUNT(*), MIN(created_at) FROM notify_outbox WHERE dispatched = 0`).Scan(&st.Undispatched, &oldest); err != nil {
		return st, fmt.Errorf("outbox stats: %w", err)
	}
	st.OldestUndispatched = Time(oldest.Int64)
	rows, err := o.s.queryQ(ctx, nil, `SELECT channel, state, COUNT(*), MIN(created_at) FROM notify_deliveries WHERE state <> 'sent' GROUP BY channel, state`)
	if err != nil {
		return st, fmt.Errorf("outbox stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ch, state string
		var n int
		var at int64
		if err := rows.Scan(&ch, &state, &n, &at); err != nil {
			return st, fmt.Errorf("outbox stats: %w", err)
		}
		q := st.Channels[ch]
		if state == store.DeliveryDead {
			q.Dead = n
		} else {
			q.Pending, q.OldestPending = n, Time(at)
		}
		st.Channels[ch] = q
	}
	return st, rows.Err()
}

func (o outbox) Prune(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := o.s.write(ctx, func(tx *sql.Tx) error {
		if _, err := o.s.execQ(ctx, tx, `DELETE FROM notify_deliveries WHERE state = 'sent' AND created_at < ?`, Micros(before)); err != nil {
			return err
		}
		res, err := o.s.execQ(ctx, tx, `DELETE FROM notify_outbox WHERE dispatched = 1 AND created_at < ?
			AND NOT EXISTS (SELECT 1 FROM notify_deliveries d WHERE d.message_seq = notify_outbox.seq)`, Micros(before))
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune the outbox: %w", err)
	}
	return int(n), nil
}
