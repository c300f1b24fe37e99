package insight

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// insightState is the grouper's view of one insight it is working on.
type insightState struct {
	rec     store.Insight
	created bool // stored (by this process or adopted from another)
	anoms   map[string]store.Anomaly
	unsaved map[string]bool // anomalies whose latest state is not stored yet
	open    int             // this process's open anomalies in it
	// quietSince is when (engine clock) open last dropped to zero; lastEnd
	// the latest end of its anomalies (sample time).
	quietSince time.Time
	lastEnd    time.Time
	// dataAt is the latest sample time of its series reported after
	// their anomalies closed (evCooled).
	dataAt  time.Time
	dirty   bool   // the summary must be recomputed and stored
	closing bool   // closing once stored and handed on
	closed  bool   // stored as CLOSED
	handed  string // handoffKey last accepted by the sink
	// shared is set once another tend process is known to write to the
	// insight; only then are its anomalies re-read from the store.
	shared bool
	// announced maps anomalies to the insight a message announced them in
	// (outbox.go).
	announced map[string]string
	// toldEvents are the change events this process told the insight's
	// receivers of (its NEW_INSIGHT, the catch-up); catchUntil is when the
	// catch-up for events stored while it opened ends (zero: none).
	toldEvents map[string]bool
	catchUntil time.Time
}

// grouper turns anomaly transitions into insights. Only the engine's Run
// goroutine (or Load, before Run) touches it.
type grouper struct {
	e         *Engine
	ongoing   map[string]*insightState // by boundary key
	byAnomaly map[string]*insightState
	// retry holds insights with a failed store write or hand-off.
	retry map[*insightState]bool
	// pending holds insights changed since the last flushDirty.
	pending map[*insightState]bool
}

// flushDirty stores and hands on every insight changed since the last call.
func (g *grouper) flushDirty(ctx context.Context) {
	for is := range g.pending {
		delete(g.pending, is)
		g.persist(ctx, is)
	}
}

func newGrouper(e *Engine) grouper {
	return grouper{e: e, ongoing: map[string]*insightState{}, byAnomaly: map[string]*insightState{}, retry: map[*insightState]bool{}, pending: map[*insightState]bool{}}
}

type anomalyRef struct{ seriesID, anomalyID string }

// openAnomalies lists this process's open anomalies.
func (g *grouper) openAnomalies() []anomalyRef {
	var out []anomalyRef
	for _, is := range g.ongoing {
		if is.open == 0 {
			continue
		}
		for _, a := range is.anoms {
			if a.Status == store.AnomalyOpen && a.Owner == g.e.cfg.Instance {
				out = append(out, anomalyRef{a.SeriesID, a.ID})
			}
		}
	}
	return out
}

// anomaly takes an anomaly's latest state: it joins the ongoing insight of
// its boundary (or starts one) and the insight is stored and handed on.
func (g *grouper) anomaly(ctx context.Context, a store.Anomaly, b series.Boundary) {
	now := g.e.now()
	a.UpdatedAt = now.UTC()
	if is := g.byAnomaly[a.ID]; is != nil {
		prev := is.anoms[a.ID]
		if prev.Status == store.AnomalyClosed {
			return // a late event for an anomaly already closed
		}
		a.InsightID = is.rec.ID
		is.anoms[a.ID] = a
		is.unsaved[a.ID] = true
		if a.Status == store.AnomalyClosed {
			g.closedOne(is, a, now)
		}
		is.dirty = true
		g.pending[is] = true
		return
	}
	is := g.ongoing[a.BoundaryKey]
	if is != nil && is.open == 0 && a.StartedAt.Sub(is.lastEnd) > g.e.cfg.GroupGap {
		// A new episode in the same boundary: the old insight ends here.
		if g.close(ctx, is, now) {
			is = nil
		}
	}
	if is == nil {
		is = g.start(a, b, now)
	}
	a.InsightID = is.rec.ID
	is.anoms[a.ID] = a
	is.unsaved[a.ID] = true
	g.byAnomaly[a.ID] = is
	g.e.m.anomaliesOpen.Inc()
	is.open++
	if a.Status == store.AnomalyClosed {
		g.closedOne(is, a, now)
	}
	is.dirty = true
	g.pending[is] = true
}

func (g *grouper) closedOne(is *insightState, a store.Anomaly, now time.Time) {
	g.e.m.anomaliesOpen.Dec()
	is.open--
	if a.EndedAt.After(is.lastEnd) {
		is.lastEnd = a.EndedAt
	}
	if is.open == 0 {
		is.quietSince = now
	}
}

// start begins a new insight for the anomaly's boundary (stored by persist).
func (g *grouper) start(a store.Anomaly, b series.Boundary, now time.Time) *insightState {
	is := &insightState{
		rec: store.Insight{
			ID: store.NewID("ins", a.StartedAt), Type: store.InsightReactive, Status: store.InsightOngoing,
			BoundaryKey: a.BoundaryKey, BoundaryKind: b.Kind, BoundaryName: b.Name, BoundaryTagKey: b.TagKey,
			Account: b.Account, Region: b.Region, StartedAt: a.StartedAt, CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
		},
		anoms: map[string]store.Anomaly{}, unsaved: map[string]bool{},
	}
	g.ongoing[a.BoundaryKey] = is
	g.e.m.insightsOngoing.Inc()
	return is
}

func (g *grouper) list(is *insightState) []store.Anomaly {
	out := make([]store.Anomaly, 0, len(is.anoms))
	for _, a := range is.anoms {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].StartedAt.Equal(out[j].StartedAt) {
			return out[i].StartedAt.Before(out[j].StartedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// withStored adds anomalies other tend processes attached to the insight.
func (g *grouper) withStored(ctx context.Context, is *insightState) ([]store.Anomaly, error) {
	stored, err := g.e.st.Anomalies().ListByInsight(ctx, is.rec.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range stored {
		if _, known := is.anoms[a.ID]; !known || a.Owner != g.e.cfg.Instance {
			is.anoms[a.ID] = a
			g.byAnomaly[a.ID] = is
		}
	}
	return g.list(is), nil
}

func (g *grouper) apply(is *insightState, anoms []store.Anomaly, now time.Time) store.Insight {
	next := is.rec
	var s summary
	if len(anoms) > 0 {
		s = summarize(is.rec, anoms)
		next.ProblemType, next.Severity, next.Name, next.Description = s.ProblemType, s.Severity, s.Name, s.Description
		next.Resources, next.Recommendations = s.Resources, s.Recommendations
	}
	// else: an insight stored without its anomalies (tend died between
	// the two writes) keeps what it says; it can still close.
	if !s.Start.IsZero() {
		next.StartedAt = s.Start
	}
	next.EndedAt = time.Time{}
	if is.closing {
		next.Status, next.EndedAt = store.InsightClosed, s.End
		if next.EndedAt.IsZero() {
			next.EndedAt = is.lastEnd
		}
		if next.EndedAt.IsZero() { // nothing says when it ended
			next.EndedAt = now.UTC()
		}
	}
	next.UpdatedAt = now.UTC()
	return next
}

// persist stores what changed and hands the insight on. On failure the
// insight is retried every tick; nothing is dropped.
func (g *grouper) persist(ctx context.Context, is *insightState) {
	if err := g.save(ctx, is); err != nil {
		g.e.m.storeErrors.Inc()
		g.e.log.Error("store insight (retrying every tick)", "insight", is.rec.ID, "err", err)
		g.retry[is] = true
		return
	}
	if !g.handoff(ctx, is) {
		g.retry[is] = true
		return
	}
	delete(g.retry, is)
	if is.closed {
		g.forget(is)
	}
}

func (g *grouper) save(ctx context.Context, is *insightState) error {
	now := g.e.now()
	ins, ans := g.e.st.Insights(), g.e.st.Anomalies()
	if !is.created {
		is.rec = g.apply(is, g.list(is), now)
		rec := g.withNewInsight(ctx, is)
		// The insight and the anomalies that open it are stored in one
		// transaction: never one without the other.
		first := make([]store.Anomaly, 0, len(is.unsaved))
		for id := range is.unsaved {
			a := is.anoms[id]
			a.InsightID = rec.ID
			is.anoms[id] = a
			first = append(first, g.withAssociation(ctx, is, a))
		}
		err := ins.Open(ctx, rec, first)
		switch {
		case errors.Is(err, store.ErrConflict):
			// Another tend process opened an insight for this boundary
			// first: join it.
			other, gerr := ins.Ongoing(ctx, is.rec.BoundaryKey)
			if gerr != nil {
				return errors.Join(err, gerr)
			}
			g.e.log.Info("joining the insight another tend process opened for this boundary", "insight", other.ID, "boundary", other.BoundaryKey)
			other.Status = store.InsightOngoing
			is.rec, is.created, is.dirty, is.shared = other, true, true, true
			for id, a := range is.anoms {
				a.InsightID = other.ID
				is.anoms[id] = a
				is.unsaved[id] = true
			}
		case err != nil:
			return err
		default:
			clear(is.unsaved)
			is.created, is.rec.Version = true, 1
			is.catchUntil = now.Add(catchUpFor)
			g.e.m.insightsOpened.Inc()
			g.notify("NEW_INSIGHT", is)
		}
	}
	if len(is.unsaved) > 0 {
		batch := make([]store.Anomaly, 0, len(is.unsaved))
		for id := range is.unsaved {
			a := is.anoms[id]
			a.InsightID = is.rec.ID
			is.anoms[id] = a
			batch = append(batch, g.withAssociation(ctx, is, a))
		}
		if err := ans.Upsert(ctx, batch); err != nil {
			return err
		}
		clear(is.unsaved)
	}
	if !is.dirty {
		return nil
	}
	for attempt := 0; ; attempt++ {
		all := g.list(is)
		if is.shared {
			var err error
			if all, err = g.withStored(ctx, is); err != nil {
				return err
			}
		}
		next := g.apply(is, all, now)
		if sameSummary(next, is.rec) {
			break
		}
		stored, err := ins.Update(ctx, g.withChanges(is, next, all))
		if errors.Is(err, store.ErrConflict) && attempt == 0 {
			// Another process updated it: start again from its version.
			fresh, gerr := ins.Get(ctx, is.rec.ID)
			if gerr != nil {
				return errors.Join(err, gerr)
			}
			is.shared = true
			if fresh.Status == store.InsightClosed && !is.closing {
				// It closed it; ours is a new episode of the boundary.
				return g.restartAfterForeignClose(ctx, is)
			}
			is.rec = fresh
			continue
		}
		if err != nil {
			return err
		}
		is.rec = stored
		break
	}
	is.dirty = false
	if is.closing && is.rec.Status == store.InsightClosed && !is.closed {
		is.closed = true
		g.notify("CLOSED_INSIGHT", is)
	}
	return nil
}

// restartAfterForeignClose moves this process's anomalies to a new insight
// when another process closed the one they were in.
func (g *grouper) restartAfterForeignClose(ctx context.Context, is *insightState) error {
	is.rec.ID = store.NewID("ins", g.e.now())
	is.rec.Status, is.rec.EndedAt, is.rec.Version = store.InsightOngoing, time.Time{}, 0
	is.created, is.dirty, is.handed = false, true, ""
	for id, a := range is.anoms {
		if a.Owner != g.e.cfg.Instance {
			delete(is.anoms, id)
			delete(g.byAnomaly, id)
			continue
		}
		is.unsaved[id] = true
	}
	return g.save(ctx, is)
}

func sameSummary(a, b store.Insight) bool {
	return a.Status == b.Status && a.Severity == b.Severity && a.ProblemType == b.ProblemType &&
		a.Name == b.Name && a.Description == b.Description && a.StartedAt.Equal(b.StartedAt) &&
		a.EndedAt.Equal(b.EndedAt) && reflect.DeepEqual(a.Resources, b.Resources) &&
		reflect.DeepEqual(a.Recommendations, b.Recommendations)
}

// close ends an insight whose anomalies have all closed. It reports false
// (and leaves the insight ongoing) when another tend process still has an
// open anomaly in it or the store cannot tell.
func (g *grouper) close(ctx context.Context, is *insightState, now time.Time) bool {
	if is.created {
		stored, err := g.e.st.Anomalies().ListByInsight(ctx, is.rec.ID)
		if err != nil {
			g.e.log.Warn("check an insight's anomalies before closing it (retrying)", "insight", is.rec.ID, "err", err)
			return false
		}
		for _, a := range stored {
			mine, known := is.anoms[a.ID]
			if a.Status != store.AnomalyOpen || (known && mine.Status == store.AnomalyClosed) {
				continue
			}
			if a.Owner != g.e.cfg.Instance {
				is.quietSince = now // another process is still on it
				return false
			}
			// Ours but no longer tracked (a crash between writes): it
			// ended when it was last written.
			a.Status, a.EndedAt = store.AnomalyClosed, a.UpdatedAt
			is.anoms[a.ID], is.unsaved[a.ID] = a, true
		}
	}
	is.closing, is.dirty = true, true
	delete(g.ongoing, is.rec.BoundaryKey)
	g.e.m.insightsOngoing.Dec()
	g.persist(ctx, is)
	return true
}

// closeOrphan closes an open anomaly no series tracks any more, once the
// grouper has heard nothing of it for StaleAfter (so that a closing event
// still queued is not overtaken). Its end is its last known sample.
func (g *grouper) closeOrphan(ctx context.Context, id string, now time.Time) {
	is := g.byAnomaly[id]
	if is == nil {
		return
	}
	a := is.anoms[id]
	if a.Status != store.AnomalyOpen || now.Sub(a.UpdatedAt) < g.e.cfg.StaleAfter {
		return
	}
	a.Status, a.EndedAt = store.AnomalyClosed, a.PeakAt
	for _, p := range a.Excerpt {
		if p.T.After(a.EndedAt) {
			a.EndedAt = p.T
		}
	}
	g.e.log.Warn("anomaly closed: its series stopped tracking it", "anomaly", id, "metric", a.Metric, "resource", a.Resource.ID)
	g.anomaly(ctx, a, boundaryOf(is.rec))
}

// forget drops a closed, stored and handed-on insight from memory.
func (g *grouper) forget(is *insightState) {
	for id := range is.anoms {
		if g.byAnomaly[id] == is {
			delete(g.byAnomaly, id)
		}
	}
	delete(g.retry, is)
}

// cooledDown reports whether every anomaly of is has been closed for the
// cool-down: on the engine's clock, or in the time of its series' data
// (they kept reporting normal samples for the cool-down after the last
// anomaly's end).
func (g *grouper) cooledDown(is *insightState, now time.Time) bool {
	if is.open != 0 || is.closing {
		return false
	}
	cd := g.e.cfg.Cooldown
	return now.Sub(is.quietSince) >= cd || !is.dataAt.IsZero() && is.dataAt.Sub(is.lastEnd) >= cd
}

// cooled records that the series of a closed anomaly reported a sample at
// at, a cool-down after the anomaly's end, and closes its insight if that
// was the last thing it waited for.
func (g *grouper) cooled(ctx context.Context, anomalyID string, at, now time.Time) {
	is := g.byAnomaly[anomalyID]
	if is == nil || g.ongoing[is.rec.BoundaryKey] != is {
		return
	}
	if at.After(is.dataAt) {
		is.dataAt = at
	}
	if g.cooledDown(is, now) {
		g.flushDirty(ctx)
		g.close(ctx, is, now)
	}
}

// housekeeping closes cooled-down insights and retries failed writes.
func (g *grouper) housekeeping(ctx context.Context, now time.Time) {
	for _, is := range g.ongoing {
		if !is.catchUntil.IsZero() && is.created && !is.closed {
			g.catchUpEvents(ctx, is, now)
		}
		if g.cooledDown(is, now) {
			g.close(ctx, is, now)
		}
	}
	for is := range g.retry {
		g.persist(ctx, is)
	}
}

// handoffKey changes exactly when the insight changes materially: status,
// severity, problem type or the set of resources.
func handoffKey(in store.Insight) string {
	ids := make([]string, 0, len(in.Resources))
	for _, r := range in.Resources {
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	return in.Status + "|" + in.Severity + "|" + in.ProblemType + "|" + strings.Join(ids, ",")
}

// boundaryFromKey rebuilds a boundary from its key (kind:tagkey:name).
func boundaryFromKey(key string) series.Boundary {
	parts := strings.SplitN(key, ":", 3)
	if len(parts) != 3 {
		return series.Boundary{Name: key}
	}
	return series.Boundary{Kind: parts[0], TagKey: parts[1], Name: parts[2]}
}
