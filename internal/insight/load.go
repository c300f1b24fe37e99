package insight

import (
	"context"
	"fmt"

	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// Load restores the state a previous run left in the store: ongoing
// insights with their anomalies, and this instance's open anomalies on
// their series, so a restart neither loses nor duplicates them. Ongoing
// insights are handed to the sink again once Run starts (the sink
// recognises an identical re-delivery). Call it once, before Run and
// before the first Observe.
func (e *Engine) Load(ctx context.Context) error {
	g := &e.g
	now := e.now()
	ongoing, err := e.st.Insights().ListOngoing(ctx)
	if err != nil {
		return fmt.Errorf("load insights: %w", err)
	}
	for _, in := range ongoing {
		if in.Type == store.InsightProactive {
			continue // the proactive engine's (proactive_run.go)
		}
		anoms, err := e.st.Anomalies().ListByInsight(ctx, in.ID)
		if err != nil {
			return fmt.Errorf("load insights: %w", err)
		}
		is := &insightState{rec: in, created: true, shared: true, anoms: map[string]store.Anomaly{}, unsaved: map[string]bool{}, quietSince: now}
		for _, a := range anoms {
			is.anoms[a.ID] = a
			g.byAnomaly[a.ID] = is
			if a.EndedAt.After(is.lastEnd) {
				is.lastEnd = a.EndedAt
			}
			if a.Status == store.AnomalyOpen && a.Owner == e.cfg.Instance {
				is.open++
				e.m.anomaliesOpen.Inc()
				e.restoreSeries(a, boundaryOf(in))
			}
		}
		g.ongoing[in.BoundaryKey] = is
		e.m.insightsOngoing.Inc()
		g.retry[is] = true // hand on again at the first tick
	}
	// Open anomalies of ours whose insight is no longer ongoing (another
	// process closed it) start over in a new insight.
	open, err := e.st.Anomalies().ListOpen(ctx, e.cfg.Instance)
	if err != nil {
		return fmt.Errorf("load open anomalies: %w", err)
	}
	for _, a := range open {
		if g.byAnomaly[a.ID] != nil {
			continue
		}
		b := boundaryFromKey(a.BoundaryKey)
		e.restoreSeries(a, b)
		g.anomaly(ctx, a, b)
	}
	if n := len(ongoing); n > 0 {
		e.log.Info("restored ongoing insights", "insights", n, "open_anomalies", len(open))
	}
	return nil
}

func boundaryOf(in store.Insight) series.Boundary {
	return series.Boundary{Kind: in.BoundaryKind, Name: in.BoundaryName, TagKey: in.BoundaryTagKey, Account: in.Account, Region: in.Region}
}

// restoreSeries puts an open anomaly back on its series.
func (e *Engine) restoreSeries(a store.Anomaly, b series.Boundary) {
	o := &openAnomaly{rec: a, boundary: b, stride: 1, sentPeak: a.PeakScore, last: a.PeakAt, confirmed: true}
	for _, p := range a.Excerpt {
		if p.T.Before(a.StartedAt) {
			o.nBefore++
		}
		if p.T.After(o.last) {
			o.last = p.T
		}
	}
	o.setBand()
	sh := e.shardOf(a.SeriesID)
	sh.mu.Lock()
	sh.m[a.SeriesID] = &seriesState{open: o, lastWall: e.wall.Load()}
	sh.mu.Unlock()
}
