package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/store"
)

type channels struct{ s *DB }

var _ store.Channels = channels{}

const channelCols = `name, type, spec, source, rate_limit, rate_window, created_at, updated_at, last_sent_at, last_error, last_error_at`

func scanChannel(r scanner) (store.Channel, error) {
	var c store.Channel
	var window, created, updated, sent, errAt int64
	err := r.Scan(&c.Name, &c.Type, &c.Spec, &c.Source, &c.RateLimit, &window, &created, &updated, &sent, &c.LastError, &errAt)
	c.RateWindow = time.Duration(window) * time.Microsecond
	c.CreatedAt, c.UpdatedAt, c.LastSentAt, c.LastErrorAt = Time(created), Time(updated), Time(sent), Time(errAt)
	return c, err
}

func (c channels) Put(ctx context.Context, ch store.Channel) error {
	if ch.Spec == nil {
		ch.Spec = []byte("{}")
	}
	err := c.s.write(ctx, func(tx *sql.Tx) error {
		_, err := c.s.execQ(ctx, tx, `INSERT INTO notify_channels (name, type, spec, source, rate_limit, rate_window, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET type = excluded.type, spec = excluded.spec, source = excluded.source,
			rate_limit = excluded.rate_limit, rate_window = excluded.rate_window, updated_at = excluded.updated_at`,
			ch.Name, ch.Type, ch.Spec, ch.Source, ch.RateLimit, ch.RateWindow.Microseconds(), Micros(ch.CreatedAt), Micros(ch.UpdatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("put channel %q: %w", ch.Name, err)
	}
	return nil
}

func (c channels) Get(ctx context.Context, name string) (store.Channel, error) {
	ch, err := scanChannel(c.s.queryRowQ(ctx, nil, `SELECT `+channelCols+` FROM notify_channels WHERE name = ?`, name))
	if err != nil {
		return ch, notFound(err, fmt.Sprintf("get channel %q", name))
	}
	return ch, nil
}

func (c channels) List(ctx context.Context) ([]store.Channel, error) {
	rows, err := c.s.queryQ(ctx, nil, `SELECT `+channelCols+` FROM notify_channels ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return collect(rows, "list channels", scanChannel)
}

func (c channels) Delete(ctx context.Context, name string) error {
	var n int64
	err := c.s.write(ctx, func(tx *sql.Tx) error {
		if _, err := c.s.execQ(ctx, tx, `DELETE FROM notify_deliveries WHERE channel = ? AND state <> 'sent'`, name); err != nil {
			return err
		}
		res, err := c.s.execQ(ctx, tx, `DELETE FROM notify_channels WHERE name = ?`, name)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete channel %q: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("delete channel %q: %w", name, store.ErrNotFound)
	}
	return nil
}
