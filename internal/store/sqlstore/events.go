package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/store"
)

type events struct{ s *DB }

var _ store.Events = events{}

// Events returns the change-event store.
func (s *DB) Events() store.Events { return events{s} }

const eventCols = `id, dedupe_key, time, source, event_source, event_class, name, actor, resources,
	stack, app, namespace, account, region, links, details, received_at`

func (x events) Add(ctx context.Context, list []store.Event) ([]store.Event, []bool, error) {
	out := make([]store.Event, len(list))
	dup := make([]bool, len(list))
	if len(list) == 0 {
		return out, dup, nil
	}
	err := x.s.Tx(ctx, func(tx *sql.Tx) error {
		var msgs []store.Notification
		for i, ev := range list {
			if ev.ID == "" || ev.Source == "" || ev.Key == "" {
				return fmt.Errorf("add event: id, source and key are required")
			}
			prev, err := scanEvent(tx.QueryRowContext(ctx, x.s.Q(`SELECT `+eventCols+` FROM events WHERE source = ? AND dedupe_key = ?`), ev.Source, ev.Key))
			if err == nil {
				out[i], dup[i] = prev, true
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("add event %q: %w", ev.ID, err)
			}
			res, err := marshalJSON(ev.Resources, "[]")
			if err != nil {
				return fmt.Errorf("add event %q: encode resources: %w", ev.ID, err)
			}
			links, err := marshalJSON(ev.Links, "[]")
			if err != nil {
				return fmt.Errorf("add event %q: encode links: %w", ev.ID, err)
			}
			details, err := marshalJSON(ev.Details, "{}")
			if err != nil {
				return fmt.Errorf("add event %q: encode details: %w", ev.ID, err)
			}
			if _, err := tx.ExecContext(ctx, x.s.Q(`INSERT INTO events (`+eventCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				ev.ID, ev.Key, Micros(ev.Time), ev.Source, ev.EventSource, ev.Class, ev.Name, ev.Actor, res,
				ev.Stack, ev.App, ev.Namespace, ev.Account, ev.Region, links, details, Micros(ev.ReceivedAt)); err != nil {
				if x.s.dialect.IsUniqueViolation(err) {
					return fmt.Errorf("add event %q: %w", ev.ID, store.ErrConflict)
				}
				return fmt.Errorf("add event %q: %w", ev.ID, err)
			}
			msgs = append(msgs, ev.Notify...)
			ev.Notify = nil
			out[i] = ev
		}
		if len(msgs) == 0 {
			return nil
		}
		return x.s.enqueueTx(ctx, tx, msgs)
	})
	if err != nil {
		return nil, nil, err
	}
	return out, dup, nil
}

func scanEvent(r scanner) (store.Event, error) {
	var ev store.Event
	var res, links, details string
	var at, received int64
	if err := r.Scan(&ev.ID, &ev.Key, &at, &ev.Source, &ev.EventSource, &ev.Class, &ev.Name, &ev.Actor, &res,
		&ev.Stack, &ev.App, &ev.Namespace, &ev.Account, &ev.Region, &links, &details, &received); err != nil {
		return ev, err
	}
	if err := json.Unmarshal([]byte(res), &ev.Resources); err != nil {
		return ev, fmt.Errorf("decode resources of event %q: %w", ev.ID, err)
	}
	if err := json.Unmarshal([]byte(links), &ev.Links); err != nil {
		return ev, fmt.Errorf("decode links of event %q: %w", ev.ID, err)
	}
	if err := json.Unmarshal([]byte(details), &ev.Details); err != nil {
		return ev, fmt.Errorf("decode details of event %q: %w", ev.ID, err)
	}
	if len(ev.Details) == 0 {
		ev.Details = nil
	}
	if len(ev.Links) == 0 {
		ev.Links = nil
	}
	ev.Time, ev.ReceivedAt = Time(at), Time(received)
	return ev, nil
}

func (x events) Get(ctx context.Context, id string) (store.Event, error) {
	ev, err := scanEvent(x.s.db.QueryRowContext(ctx, x.s.Q(`SELECT `+eventCols+` FROM events WHERE id = ?`), id))
	if err != nil {
		return ev, notFound(err, fmt.Sprintf("get event %q", id))
	}
	return ev, nil
}

func (x events) List(ctx context.Context, f store.EventFilter) (store.EventPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
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
	eq := func(col, v string) {
		if v != "" {
			where, args = append(where, col+" = ?"), append(args, v)
		}
	}
	if f.Accounts != nil && len(f.Accounts) == 0 {
		return store.EventPage{Events: []store.Event{}}, nil
	}
	in("source", f.Sources)
	in("event_class", f.Classes)
	in("account", f.Accounts)
	eq("stack", f.Stack)
	eq("app", f.App)
	eq("namespace", f.Namespace)
	eq("account", f.Account)
	if f.Resource != "" {
		// Resources are JSON text: a coarse LIKE narrows, the exact match
		// is checked on the decoded rows below.
		where, args = append(where, `resources LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(f.Resource)+"%")
	}
	if !f.From.IsZero() {
		where, args = append(where, "time >= ?"), append(args, Micros(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "time < ?"), append(args, Micros(f.To))
	}
	if f.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		ts, id, ok := strings.Cut(string(raw), ":")
		n, perr := strconv.ParseInt(ts, 10, 64)
		if err != nil || !ok || perr != nil || id == "" {
			return store.EventPage{}, fmt.Errorf("list events: %w", store.ErrInvalidCursor)
		}
		where = append(where, "(time < ? OR (time = ? AND id < ?))")
		args = append(args, n, n, id)
	}
	q := `SELECT ` + eventCols + ` FROM events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY time DESC, id DESC LIMIT " + strconv.Itoa(limit+1)
	rows, err := x.s.db.QueryContext(ctx, x.s.Q(q), args...)
	if err != nil {
		return store.EventPage{}, fmt.Errorf("list events: %w", err)
	}
	list, err := collect(rows, "list events", scanEvent)
	if err != nil {
		return store.EventPage{}, err
	}
	page := store.EventPage{Events: []store.Event{}}
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	for _, ev := range list {
		if f.Resource == "" || touches(ev, f.Resource) {
			page.Events = append(page.Events, ev)
		}
	}
	if more {
		last := list[len(list)-1]
		page.Next = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(Micros(last.Time), 10) + ":" + last.ID))
	}
	return page, nil
}

func touches(ev store.Event, resource string) bool {
	for _, r := range ev.Resources {
		if r.ID == resource || r.Name == resource {
			return true
		}
	}
	return false
}

// likeEscape keeps a LIKE pattern literal: LIKE's wildcards match only
// themselves (the escape character is the backslash in both backends).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
