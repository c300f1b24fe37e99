package insight

import (
	"context"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/events"
	"github.com/tendhq/tend/internal/recommend"
	"github.com/tendhq/tend/internal/store"
)

// DetailStore is what Detail reads.
type DetailStore interface {
	Insights() store.Insights
	Anomalies() store.Anomalies
	Events() store.Events
}

// DetailOptions tune Detail.
type DetailOptions struct {
	// Lookback is how long before an insight's start an event may be to
	// be related (events.DefaultLookback when zero).
	Lookback time.Duration
	// Policies are the problem types remediation policies act on (nil:
	// unknown).
	Policies func() map[string]bool
	Now      func() time.Time
}

// Detail is an insight with everything a person needs to act on it: its
// anomalies, the related events, and the recommendations of the rule
// table made with those events (GET /v1/insights/{id}, the page, the CLI).
type Detail struct {
	store.Insight
	Anomalies []store.Anomaly  `json:"anomalies"`
	Events    []events.Related `json:"events"`
	// Lookback is the look-back window the events were linked with.
	Lookback float64 `json:"events_lookback_seconds"`
}

// LoadDetail reads an insight, its anomalies and the events related to it.
// store.ErrNotFound (wrapped) when there is no such insight.
func LoadDetail(ctx context.Context, st DetailStore, id string, o DetailOptions) (Detail, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lookback <= 0 {
		o.Lookback = events.DefaultLookback
	}
	in, err := st.Insights().Get(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	anoms, err := st.Anomalies().ListByInsight(ctx, id)
	if err != nil {
		return Detail{}, fmt.Errorf("insight %s: %w", id, err)
	}
	if anoms == nil {
		anoms = []store.Anomaly{}
	}
	rel, lookback, err := relatedEvents(ctx, st.Events(), in, anoms, o.Lookback, o.Now())
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Insight: in, Anomalies: anoms, Lookback: lookback.Seconds(), Events: rel}
	var pol map[string]bool
	if o.Policies != nil {
		pol = o.Policies()
	}
	d.Recommendations = recommend.For(recommend.Input{Insight: in, Anomalies: anoms, Events: d.Events, Policies: pol})
	if d.Recommendations == nil {
		d.Recommendations = []store.Recommendation{}
	}
	return d, nil
}

// relatedEvents reads the events related to the insight (events.Link over
// its window) and returns them with the look-back they were linked with.
func relatedEvents(ctx context.Context, es store.Events, in store.Insight, anoms []store.Anomaly, lookback time.Duration, now time.Time) ([]events.Related, time.Duration, error) {
	if lookback <= 0 {
		lookback = events.DefaultLookback
	}
	lookback = relatedLookback(in, anoms, lookback)
	from, to := events.Window(in, lookback, now)
	page, err := es.List(ctx, store.EventFilter{From: from, To: to, Limit: 1000})
	if err != nil {
		return nil, lookback, fmt.Errorf("insight %s: related events: %w", in.ID, err)
	}
	return events.Link(in, anoms, page.Events, lookback, now), lookback, nil
}

// relatedLookback is how long before the insight's start an event may be
// to relate to it: lookback, or for a proactive insight the window its
// forecast was fitted on when longer — what set a trend going happened
// when it began.
func relatedLookback(in store.Insight, anoms []store.Anomaly, lookback time.Duration) time.Duration {
	if in.Type == store.InsightProactive {
		for _, a := range anoms {
			if f := a.Forecast; f != nil {
				lookback = max(lookback, time.Duration(f.WindowSeconds*float64(time.Second)))
			}
		}
	}
	return lookback
}
