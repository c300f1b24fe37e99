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
	rec.Notify = []store.Notification{withRelatedEvents(ctx, g.e.st, g.e.log, n, rec, anoms, g.e.lookback, g.e.now())}
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
	es, ok := st.(interface{ Events() store.Events })
	if !ok {
		return n
	}
	rel, _, err := relatedEvents(ctx, es.Events(), in, anoms, lookback, now)
	if err != nil {
		log.Warn("list the events related to a new insight (for its NEW_INSIGHT)", "insight", in.ID, "err", err)
		return n
	}
	evs := make([]message.Event, 0, len(rel))
	for _, r := range rel {
		evs = append(evs, message.EventOf(r.Event, r.Relation))
	}
	return message.WithEvents(n, evs...)
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
