package insight

import (
	"context"
	"errors"
	"time"

	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// Flush waits until every transition queued so far has been handled and
// housekeeping (closing stale anomalies and cooled-down insights, retrying
// failed writes) has run once. Run must be running.
func (e *Engine) Flush(ctx context.Context) error {
	done := make(chan struct{})
	if err := e.enqueue(ctx, event{kind: evFlush, done: done}); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-e.stopped:
		return errors.New("flush: the insight engine has stopped")
	}
}

// Run runs the grouper until ctx is cancelled, then handles what is still
// queued (bounded by the queue size) and returns.
func (e *Engine) Run(ctx context.Context) error {
	started := false
	e.runOnce.Do(func() { started = true })
	if !started {
		return errors.New("insight engine: Run called twice")
	}
	defer close(e.stopped)
	tick := time.NewTicker(e.cfg.Tick)
	defer tick.Stop()
	bg := context.WithoutCancel(ctx)
	for {
		select {
		case ev := <-e.queue:
			// Changed insights are summarised, stored and handed on at
			// the next tick (or Flush): an insight whose anomalies change
			// in a burst is written once, whatever the burst's size.
			e.handle(bg, ev)
		case <-tick.C:
			e.tick(bg)
		case <-ctx.Done():
			for {
				select {
				case ev := <-e.queue:
					e.handle(bg, ev)
				default:
					e.g.flushDirty(bg)
					return nil
				}
			}
		}
	}
}

func (e *Engine) handle(ctx context.Context, ev event) {
	switch ev.kind {
	case evUpdate:
		e.g.anomaly(ctx, ev.anomaly, ev.boundary)
	case evCooled:
		e.g.cooled(ctx, ev.anomaly.ID, ev.at, e.now())
	case evFlush:
		e.g.flushDirty(ctx)
		e.tick(ctx)
		close(ev.done)
	}
}

func (e *Engine) tick(ctx context.Context) {
	now := e.now()
	// Silence is measured against the coarse clock the hot path has been
	// reading, not against now: if this goroutine was held up, series that
	// kept reporting meanwhile still carry the old coarse time and must not
	// look silent.
	prev := e.wall.Swap(now.Unix())
	e.closeStale(ctx, prev, now)
	e.g.flushDirty(ctx)
	e.g.housekeeping(ctx, now)
	e.sweep(ctx, prev)
	e.g.flushDirty(ctx)
}

// closeStale closes open anomalies whose series have not reported for
// StaleAfter. It only tries shard locks: a busy shard is retried next tick.
func (e *Engine) closeStale(ctx context.Context, wall int64, now time.Time) {
	limit := wall - int64(e.cfg.StaleAfter/time.Second)
	for _, ref := range e.g.openAnomalies() {
		sh := e.shardOf(ref.seriesID)
		if !sh.mu.TryLock() {
			continue
		}
		st := sh.m[ref.seriesID]
		if st == nil || st.open == nil || st.open.rec.ID != ref.anomalyID {
			// The series no longer tracks it: its closing event was lost
			// (Observe's context ended while the queue was full).
			sh.mu.Unlock()
			e.g.closeOrphan(ctx, ref.anomalyID, now)
			continue
		}
		if st.lastWall > limit {
			sh.mu.Unlock()
			continue
		}
		o := st.open
		st.open = nil
		sh.mu.Unlock()
		o.rec.Status, o.rec.EndedAt = store.AnomalyClosed, o.last.UTC()
		e.log.Info("anomaly closed: its series stopped reporting", "anomaly", o.rec.ID, "metric", o.rec.Metric, "resource", o.rec.Resource.ID, "silent_for", e.cfg.StaleAfter.String())
		e.g.anomaly(ctx, o.rec, o.boundary)
	}
}

// sweep forgets series that have not reported for an hour (or twice
// stale_after), one shard per tick, so memory follows the active series.
// An anomaly still open on a series silent for an hour is one the grouper
// never heard of (its opening event was lost and closeStale cannot see
// it): it is handed on closed, so it is recorded all the same.
func (e *Engine) sweep(ctx context.Context, wall int64) {
	e.sweepAt = (e.sweepAt + 1) % shardCount
	sh := &e.shards[e.sweepAt]
	if !sh.mu.TryLock() {
		return
	}
	idle := max(time.Hour, 2*e.cfg.StaleAfter) // closeStale goes first
	limit := wall - int64(idle/time.Second)
	var lost []*openAnomaly
	for id, st := range sh.m {
		if st.lastWall >= limit {
			continue
		}
		if st.open != nil && st.open.confirmed {
			lost = append(lost, st.open)
		}
		delete(sh.m, id)
	}
	sh.mu.Unlock()
	for _, o := range lost {
		o.rec.Status, o.rec.EndedAt = store.AnomalyClosed, o.last.UTC()
		e.g.anomaly(ctx, o.rec, o.boundary)
	}
}

type eventKind uint8

const (
	evUpdate eventKind = iota + 1 // an anomaly opened, peaked or closed
	evFlush                       // a barrier: reply on done
	evCooled                      // a closed anomaly's series reported a sample a cool-down after its end
)

type event struct {
	kind     eventKind
	anomaly  store.Anomaly
	boundary series.Boundary
	at       time.Time // evCooled: the sample's time
	done     chan struct{}
}
