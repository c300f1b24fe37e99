package insight

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/store"
)

// The hand-off to notifications: every insight event becomes a message
// (package notify/message) written into the outbox by the same store
// write as the change — NEW_INSIGHT with the insight's Create, an
// anomaly's NEW_ASSOCIATION with its Upsert, CLOSED_INSIGHT,
// SEVERITY_UPGRADED and NEW_RECOMMENDATION with the Update — so a message
// exists exactly when its change committed.

func (g *grouper) insightURL(id string) string {
	if g.e.url == nil {
		return ""
	}
	return g.e.url(id)
}

// withNewInsight is the insight record to Create, carrying its NEW_INSIGHT
// message; the anomalies it lists need no NEW_ASSOCIATION.
func (g *grouper) withNewInsight(ctx context.Context, is *insightState) store.Insight {
	anoms := g.list(is)
	rec := is.rec
	n := message.ForInsight(message.NewInsight, rec, store.Insight{}, anoms, g.insightURL(rec.ID), g.e.now())
	n, told := relatedEventsOf(ctx, g.e.st, g.e.log, n, rec, anoms, g.e.lookback, g.e.now())
	rec.Notify = []store.Notification{n}
	is.toldEvents = told
	if is.announced == nil {
		is.announced = map[string]string{}
	}
	for _, a := range anoms {
		is.announced[a.ID] = rec.ID
	}
	return rec
}

// withRelatedEvents adds to an insight's NEW_INSIGHT message the change
// events already related to it (as its Detail lists them), when the store
// keeps events; a failure to read them is logged, and the message goes
// without them.
func withRelatedEvents(ctx context.Context, st Store, log *slog.Logger, n store.Notification, in store.Insight, anoms []store.Anomaly, lookback time.Duration, now time.Time) store.Notification {
	n, _ = relatedEventsOf(ctx, st, log, n, in, anoms, lookback, now)
	return n
}

// relatedEventsOf is withRelatedEvents, also returning the ids of the
// events the message lists.
func relatedEventsOf(ctx context.Context, st Store, log *slog.Logger, n store.Notification, in store.Insight, anoms []store.Anomaly, lookback time.Duration, now time.Time) (store.Notification, map[string]bool) {
	told := map[string]bool{}
	es, ok := st.(interface{ Events() store.Events })
	if !ok {
		return n, told
	}
	rel, _, err := relatedEvents(ctx, es.Events(), in, anoms, lookback, now)
	if err != nil {
		log.Warn("list the events related to a new insight (for its NEW_INSIGHT)", "insight", in.ID, "err", err)
		return n, told
	}
	evs := make([]message.Event, 0, len(rel))
	for _, r := range rel {
		evs = append(evs, message.EventOf(r.Event, r.Relation))
		told[r.Event.ID] = true
	}
	return message.WithEvents(n, evs...), told
}

// catchUpFor is how long after opening an insight this process looks for
// events that neither its NEW_INSIGHT listed nor a NEW_ASSOCIATION of
// theirs announced: an event stored while the insight was being opened is
// related to it by neither (its own write did not see the insight yet, the
// insight's message was written before it). Longer than any event write.
const catchUpFor = 30 * time.Second

// catchUpEvents announces, as NEW_ASSOCIATION, the events related to a
// newly opened insight that it has not told of yet. The message ids are
// those an event's own write gives them (insight.event.NEW_ASSOCIATION),
// and the outbox keeps the first of an id: an event that did see the
// insight is not announced twice. Failures are retried at the next tick
// while the catch-up lasts.
func (g *grouper) catchUpEvents(ctx context.Context, is *insightState, now time.Time) {
	es, ok1 := g.e.st.(interface{ Events() store.Events })
	ob, ok2 := g.e.st.(interface{ Outbox() store.Outbox })
	if !ok1 || !ok2 {
		is.catchUntil = time.Time{}
		return
	}
	anoms := g.list(is)
	rel, _, err := relatedEvents(ctx, es.Events(), is.rec, anoms, g.e.lookback, now)
	if err != nil {
		g.e.log.Warn("look for events stored while an insight opened (retrying)", "insight", is.rec.ID, "err", err)
		return
	}
	var msgs []store.Notification
	var ids []string
	for _, r := range rel {
		if is.toldEvents[r.Event.ID] {
			continue
		}
		msgs = append(msgs, message.ForEvent(is.rec, r.Event, r.Relation, g.insightURL(is.rec.ID), now))
		ids = append(ids, r.Event.ID)
	}
	if len(msgs) > 0 {
		if err := ob.Outbox().Enqueue(ctx, msgs...); err != nil {
			g.e.log.Warn("announce events stored while an insight opened (retrying)", "insight", is.rec.ID, "err", err)
			return
		}
	}
	if is.toldEvents == nil {
		is.toldEvents = map[string]bool{}
	}
	for _, id := range ids {
		is.toldEvents[id] = true
	}
	if !now.Before(is.catchUntil) {
		is.catchUntil = time.Time{}
	}
}

// withAssociation is the anomaly to store, carrying a NEW_ASSOCIATION
// message when it has not been announced in this insight before: neither
// by its NEW_INSIGHT nor stored in it (by an earlier write, or before a
// restart).
func (g *grouper) withAssociation(ctx context.Context, is *insightState, a store.Anomaly) store.Anomaly {
	if is.announced == nil {
		is.announced = map[string]string{}
	}
	if is.announced[a.ID] == is.rec.ID {
		return a
	}
	stored, err := g.e.st.Anomalies().Get(ctx, a.ID)
	if err == nil && stored.InsightID == is.rec.ID {
		is.announced[a.ID] = is.rec.ID
		return a
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		g.e.log.Warn("check whether an anomaly is new to its insight (announcing it)", "anomaly", a.ID, "err", err)
	}
	a.Notify = []store.Notification{message.ForInsight(message.NewAssociation, is.rec, is.rec, []store.Anomaly{a}, g.insightURL(is.rec.ID), g.e.now())}
	return a
}

// withChanges is the insight update to store, carrying the messages the
// change from the stored record causes.
func (g *grouper) withChanges(is *insightState, next store.Insight, anoms []store.Anomaly) store.Insight {
	next.Notify = message.InsightChanges(is.rec, next, anoms, g.insightURL(next.ID), g.e.now())
	return next
}
