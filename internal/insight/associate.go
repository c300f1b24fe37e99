package insight

import (
	"context"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/events"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/store"
)

// AssociateStore is what Associate reads.
type AssociateStore interface {
	Insights() store.Insights
	Anomalies() store.Anomalies
}

// AssociateOptions tune Associate.
type AssociateOptions struct {
	// Lookback is how long before an insight's start an event may be to
	// relate to it (events.DefaultLookback when zero), as for Detail.
	Lookback time.Duration
	// InsightURL links a message to its insight (none when nil).
	InsightURL func(id string) string
	Now        func() time.Time
}

// maxOngoing bounds the ongoing insights Associate looks at.
const maxOngoing = 10000

// Associate returns the events with, on each, a NEW_ASSOCIATION message
// for every ongoing insight it relates to — by the rule of the insight's
// read path (Detail): within the look-back window before the insight's
// start or while it is ongoing, and touching one of its resources or its
// boundary (events.Link). Events.Add writes the messages in the
// transaction that stores the event, and none for a duplicate. The
// message id is the insight's and the event's, so a receiver dedupes it.
func Associate(ctx context.Context, st AssociateStore, evs []store.Event, o AssociateOptions) ([]store.Event, error) {
	if len(evs) == 0 {
		return evs, nil
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lookback <= 0 {
		o.Lookback = events.DefaultLookback
	}
	now := o.Now()
	var ongoing []store.Insight
	for cursor := ""; len(ongoing) < maxOngoing; {
		page, err := st.Insights().List(ctx, store.InsightFilter{Statuses: []string{store.InsightOngoing}, Limit: 1000, Cursor: cursor})
		if err != nil {
			return evs, fmt.Errorf("relate events to ongoing insights: %w", err)
		}
		ongoing = append(ongoing, page.Insights...)
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	out := append([]store.Event(nil), evs...)
	for _, in := range ongoing {
		if in.Type != store.InsightProactive && !anyIn(out, in, o.Lookback, now) {
			continue // no event in its window: no need to read its anomalies
		}
		anoms, err := st.Anomalies().ListByInsight(ctx, in.ID)
		if err != nil {
			return evs, fmt.Errorf("relate events to insight %s: %w", in.ID, err)
		}
		lookback := relatedLookback(in, anoms, o.Lookback)
		url := ""
		if o.InsightURL != nil {
			url = o.InsightURL(in.ID)
		}
		for i, ev := range out {
			rel := events.Link(in, anoms, []store.Event{ev}, lookback, now)
			if len(rel) == 0 {
				continue
			}
			out[i].Notify = append(append([]store.Notification(nil), out[i].Notify...), message.ForEvent(in, ev, rel[0].Relation, url, now))
		}
	}
	return out, nil
}

// anyIn reports whether one of evs happened in the insight's window.
func anyIn(evs []store.Event, in store.Insight, lookback time.Duration, now time.Time) bool {
	from, to := events.Window(in, lookback, now)
	for _, ev := range evs {
		if !ev.Time.Before(from) && ev.Time.Before(to) {
			return true
		}
	}
	return false
}
