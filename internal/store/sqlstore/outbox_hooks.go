package sqlstore

import (
	"context"
	"database/sql"

	"github.com/tendhq/tend/internal/store"
)

// Writes that carry messages (the Notify fields of insights, anomalies and
// runs) put them in the outbox in their own transaction, so a message
// exists exactly when the change that caused it committed.

// txKey carries the transaction an insight write joins (notifyingInsights).
type txKey struct{}

func withTx(ctx context.Context, tx *sql.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

func txFrom(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{}).(*sql.Tx)
	return tx
}

// execIn runs a write in the transaction ctx carries, if any, else on the
// writer.
func (s *DB) execIn(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if tx := txFrom(ctx); tx != nil {
		return tx.ExecContext(ctx, q, args...)
	}
	return s.wdb.ExecContext(ctx, q, args...)
}

// queryRowIn reads in the transaction ctx carries, if any (to see its own
// writes), else from the readers.
func (s *DB) queryRowIn(ctx context.Context, q string, args ...any) *sql.Row {
	if tx := txFrom(ctx); tx != nil {
		return tx.QueryRowContext(ctx, q, args...)
	}
	return s.db.QueryRowContext(ctx, q, args...)
}

// notifyingInsights writes an insight and its messages in one transaction.
type notifyingInsights struct{ insights }

var _ store.Insights = notifyingInsights{}

func (n notifyingInsights) Create(ctx context.Context, in store.Insight) error {
	if len(in.Notify) == 0 {
		return n.insights.Create(ctx, in)
	}
	return n.s.write(ctx, func(tx *sql.Tx) error {
		if err := n.insights.Create(withTx(ctx, tx), in); err != nil {
			return err
		}
		return n.s.enqueueTx(ctx, tx, in.Notify)
	})
}

func (n notifyingInsights) Open(ctx context.Context, in store.Insight, list []store.Anomaly) error {
	return n.s.write(ctx, func(tx *sql.Tx) error {
		if err := n.insights.Create(withTx(ctx, tx), in); err != nil {
			return err
		}
		if len(in.Notify) > 0 {
			if err := n.s.enqueueTx(ctx, tx, in.Notify); err != nil {
				return err
			}
		}
		if len(list) == 0 {
			return nil
		}
		return anomalies{n.s}.upsertTx(ctx, tx, list)
	})
}

func (n notifyingInsights) Update(ctx context.Context, in store.Insight) (store.Insight, error) {
	if len(in.Notify) == 0 {
		return n.insights.Update(ctx, in)
	}
	var out store.Insight
	err := n.s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if out, err = n.insights.Update(withTx(ctx, tx), in); err != nil {
			return err
		}
		return n.s.enqueueTx(ctx, tx, in.Notify)
	})
	if err != nil {
		return in, err
	}
	return out, nil
}

// anomalyNotes writes the messages of a list of anomalies.
func (s *DB) anomalyNotes(ctx context.Context, tx *sql.Tx, list []store.Anomaly) error {
	var msgs []store.Notification
	for _, a := range list {
		msgs = append(msgs, a.Notify...)
	}
	if len(msgs) == 0 {
		return nil
	}
	return s.enqueueTx(ctx, tx, msgs)
}
