package insight

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

type proEventKind uint8

const (
	proOpenEv proEventKind = iota + 1
	proUpdateEv
	proCloseEv
	proFlushEv
)

// proEvent is a proactive insight's transition, from Observe to Run.
type proEvent struct {
	kind     proEventKind
	seriesID string
	info     series.Info
	sat      saturation
	forecast store.Forecast
	points   []store.Point
	reason   string // why it closes
	done     chan struct{}
}

// proOpen is an ongoing proactive insight this process tracks.
type proOpen struct {
	in    store.Insight
	an    store.Anomaly
	saved bool // in and an are stored as they are
	// stored is the insight as last written: its next write's messages
	// (SEVERITY_UPGRADED, NEW_RECOMMENDATION, CLOSED_INSIGHT) are the
	// changes from it.
	stored store.Insight
	// lastWall is when (engine clock) its series last moved it.
	lastWall time.Time
}

// Run writes the proactive insights until ctx is cancelled, then writes
// what is still queued and returns.
func (p *Proactive) Run(ctx context.Context) error {
	started := false
	p.runOnce.Do(func() { started = true })
	if !started {
		return errors.New("proactive insights: Run called twice")
	}
	defer close(p.stopped)
	tick := time.NewTicker(p.cfg.Tick)
	defer tick.Stop()
	bg := context.WithoutCancel(ctx)
	for {
		select {
		case ev := <-p.queue:
			p.handle(bg, ev)
		case <-tick.C:
			p.tick(bg)
		case <-ctx.Done():
			for {
				select {
				case ev := <-p.queue:
					p.handle(bg, ev)
				default:
					p.retry(bg)
					return nil
				}
			}
		}
	}
}

// Flush waits until every transition queued so far is written.
func (p *Proactive) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case p.queue <- proEvent{kind: proFlushEv, done: done}:
	case <-ctx.Done():
		return ctx.Err()
	case <-p.stopped:
		return errors.New("flush: the proactive insight engine has stopped")
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.stopped:
		return errors.New("flush: the proactive insight engine has stopped")
	}
}

func (p *Proactive) tick(ctx context.Context) {
	now := p.now()
	p.wall.Store(now.Unix())
	for id, o := range p.open {
		if o.in.Status == store.InsightClosed {
			continue // retried below
		}
		if now.Sub(o.lastWall) < p.cfg.StaleAfter || p.reporting(id, now) {
			continue
		}
		p.closeOne(ctx, o, now, "its series stopped reporting")
	}
	p.retry(ctx)
}

// reporting tells whether the series reported within StaleAfter.
func (p *Proactive) reporting(id string, now time.Time) bool {
	sh := p.shardOf(id)
	if !sh.mu.TryLock() {
		return true // busy: it is reporting
	}
	defer sh.mu.Unlock()
	st := sh.m[id]
	return st != nil && now.Unix()-st.lastWall < int64(p.cfg.StaleAfter/time.Second)
}

func (p *Proactive) retry(ctx context.Context) {
	for _, o := range p.open {
		if !o.saved {
			p.save(ctx, o)
		}
	}
}

func (p *Proactive) handle(ctx context.Context, ev proEvent) {
	now := p.now()
	switch ev.kind {
	case proFlushEv:
		p.retry(ctx)
		close(ev.done)
		return
	case proOpenEv:
		if o := p.open[ev.seriesID]; o != nil {
			p.move(ctx, o, ev, now) // restored after a restart
			return
		}
		o := p.start(ev, now)
		p.open[ev.seriesID] = o
		p.m.opened.Inc()
		p.m.ongoing.Inc()
		p.save(ctx, o)
		if o.saved {
			p.notify("NEW_INSIGHT", o)
		}
	case proUpdateEv:
		if o := p.open[ev.seriesID]; o != nil {
			p.move(ctx, o, ev, now)
		}
	case proCloseEv:
		if o := p.open[ev.seriesID]; o != nil {
			o.an.Excerpt = ev.points
			p.closeOne(ctx, o, now, ev.reason)
		}
	}
}

// start builds a new proactive insight and its anomaly.
func (p *Proactive) start(ev proEvent, now time.Time) *proOpen {
	info, fc := ev.info, ev.forecast
	f := Classify(info.Metric, info.Labels)
	b := info.Boundary
	at := fc.FitAt
	in := store.Insight{
		ID: store.NewID("ins", at), Type: store.InsightProactive, Status: store.InsightOngoing,
		ProblemType: f.ProblemType, BoundaryKey: b.Key(), BoundaryKind: b.Kind, BoundaryName: b.Name, BoundaryTagKey: b.TagKey,
		Account: b.Account, Region: b.Region, Subject: info.ID, StartedAt: at, CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
		Resources: []store.InsightResource{{ID: info.Resource.ID, Type: info.Resource.Type, Name: info.Resource.Name,
			InstanceID: info.Resource.InstanceID, InstanceType: info.Resource.InstanceType}},
	}
	an := store.Anomaly{
		ID: store.NewID("ano", at), InsightID: in.ID, Status: store.AnomalyOpen, SeriesID: info.ID, Metric: info.Metric,
		Labels: copyLabels(info.Labels), Statistic: info.Statistic, Period: info.Period, Unit: info.Unit,
		Family: f.Name, ProblemType: f.ProblemType, Resource: in.Resources[0], BoundaryKey: in.BoundaryKey,
		StartedAt: at, Owner: p.cfg.Instance,
	}
	o := &proOpen{in: in, an: an, lastWall: now}
	p.apply(o, ev, now)
	return o
}

// apply puts the latest forecast on the insight; it reports whether the
// change is worth a write (the prediction moved by a tenth of the time
// left, or the severity changed).
func (p *Proactive) apply(o *proOpen, ev proEvent, now time.Time) bool {
	fc := ev.forecast
	prev := o.an.Forecast
	sev := proSeverity(fc, fc.HorizonSeconds)
	material := prev == nil || sev != o.in.Severity ||
		math.Abs(fc.ExhaustAt.Sub(prev.ExhaustAt).Seconds()) > 0.1*math.Max(prev.ExhaustAt.Sub(prev.FitAt).Seconds(), 60)
	o.an.Forecast = &fc
	o.an.Excerpt = ev.points
	o.an.PeakValue, o.an.PeakAt = fc.Level, fc.FitAt
	o.an.PeakScore = round3(math.Max(0, math.Min(1, 1-fc.ExhaustAt.Sub(fc.FitAt).Seconds()/fc.HorizonSeconds)))
	o.an.Reason = proReason(ev.info, ev.sat, fc)
	o.an.UpdatedAt = now.UTC()
	o.in.Severity = sev
	o.in.Name = proName(ev.info, ev.sat, o.in)
	o.in.Description = o.an.Reason
	o.in.PredictionTimeRange = &store.TimeRange{Start: fc.Earliest, End: fc.Latest}
	o.in.Recommendations = recommendations(o.in, o.in.ProblemType, []store.Anomaly{o.an})
	o.in.UpdatedAt = now.UTC()
	o.lastWall = now
	return material
}

func (p *Proactive) move(ctx context.Context, o *proOpen, ev proEvent, now time.Time) {
	if p.apply(o, ev, now) {
		o.saved = false
		p.save(ctx, o)
	}
}

func (p *Proactive) closeOne(ctx context.Context, o *proOpen, now time.Time, reason string) {
	end := now.UTC()
	if o.an.Forecast != nil && !o.an.Forecast.FitAt.IsZero() {
		end = o.an.Forecast.FitAt
	}
	o.in.Status, o.in.EndedAt = store.InsightClosed, end
	o.an.Status, o.an.EndedAt = store.AnomalyClosed, end
	o.in.Description = strings.TrimSpace(o.in.Description + " Closed: " + reason + ".")
	o.in.UpdatedAt, o.an.UpdatedAt = now.UTC(), now.UTC()
	o.saved = false
	p.save(ctx, o)
	delete(p.open, o.an.SeriesID)
	p.m.closed.Inc()
	p.m.ongoing.Dec()
	p.log.Info("proactive insight closed", "insight", o.in.ID, "reason", reason)
	p.notify("CLOSED_INSIGHT", o)
	if !o.saved {
		// Keep retrying under a key that a new insight of the series
		// cannot take.
		p.open["closed:"+o.in.ID] = o
	}
}

// save writes the insight and its anomaly; on failure it is retried at
// every tick.
func (p *Proactive) save(ctx context.Context, o *proOpen) {
	ins := p.st.Insights()
	url := ""
	if p.url != nil {
		url = p.url(o.in.ID)
	}
	anoms := []store.Anomaly{o.an}
	if o.in.Version == 0 {
		// The insight commits with its NEW_INSIGHT message (the outbox).
		rec := o.in
		n := message.ForInsight(message.NewInsight, rec, store.Insight{}, anoms, url, p.now())
		rec.Notify = []store.Notification{withRelatedEvents(ctx, p.st, p.log, n, rec, anoms, p.lookback, p.now())}
		// With its anomaly, in one transaction.
		err := ins.Open(ctx, rec, anoms)
		if errors.Is(err, store.ErrConflict) {
			p.log.Warn("another proactive insight is ongoing for this series (another tend process observes it?)", "series", o.an.SeriesID, "boundary", o.in.BoundaryKey)
			o.saved = true
			return
		}
		if err != nil {
			p.storeFailed(o, err)
			return
		}
		o.in.Version = 1
		o.stored = o.in
	} else {
		rec := o.in
		rec.Notify = message.InsightChanges(o.stored, rec, anoms, url, p.now())
		stored, err := ins.Update(ctx, rec)
		if errors.Is(err, store.ErrConflict) {
			if fresh, gerr := ins.Get(ctx, o.in.ID); gerr == nil {
				o.in.Version = fresh.Version
				rec = o.in
				rec.Notify = message.InsightChanges(o.stored, rec, anoms, url, p.now())
				stored, err = ins.Update(ctx, rec)
			}
		}
		if err != nil {
			p.storeFailed(o, err)
			return
		}
		o.in.Version = stored.Version
		o.stored = o.in
		if err := p.st.Anomalies().Upsert(ctx, anoms); err != nil {
			p.storeFailed(o, err)
			return
		}
	}
	o.saved = true
	if o.in.Status == store.InsightClosed {
		delete(p.open, "closed:"+o.in.ID)
	}
}

func (p *Proactive) storeFailed(o *proOpen, err error) {
	p.m.storeErrors.Inc()
	p.log.Error("store proactive insight (retrying every tick)", "insight", o.in.ID, "err", err)
}

// Load restores the ongoing proactive insights this process owns, so a
// restart neither loses nor duplicates them; they continue when their
// series report again (their trend refills over the window meanwhile).
func (p *Proactive) Load(ctx context.Context) error {
	ongoing, err := p.st.Insights().ListOngoing(ctx)
	if err != nil {
		return fmt.Errorf("load proactive insights: %w", err)
	}
	now := p.now()
	for _, in := range ongoing {
		if in.Type != store.InsightProactive {
			continue
		}
		anoms, err := p.st.Anomalies().ListByInsight(ctx, in.ID)
		if err != nil {
			return fmt.Errorf("load proactive insights: %w", err)
		}
		if len(anoms) == 0 || anoms[0].Owner != p.cfg.Instance {
			continue
		}
		a := anoms[0]
		p.open[a.SeriesID] = &proOpen{in: in, an: a, saved: true, stored: in, lastWall: now}
		sh := p.shardOf(a.SeriesID)
		sh.mu.Lock()
		if st := sh.m[a.SeriesID]; st != nil && st != ineligible {
			st.open = true
		} else {
			p.pendingOpen(sh, a.SeriesID)
		}
		sh.mu.Unlock()
		p.m.ongoing.Inc()
	}
	return nil
}

// pendingOpen marks a restored series open once it is first observed.
func (p *Proactive) pendingOpen(sh *proShard, id string) {
	sh.m[id] = &proSeries{open: true, pending: true, lastWall: p.wall.Load()}
}

// proSeverity rates a prediction by how soon the limit comes: within a
// quarter of the horizon HIGH, within half MEDIUM, else LOW.
func proSeverity(fc store.Forecast, horizon float64) string {
	left := fc.ExhaustAt.Sub(fc.FitAt).Seconds()
	switch {
	case left <= horizon/4:
		return store.SeverityHigh
	case left <= horizon/2:
		return store.SeverityMedium
	}
	return store.SeverityLow
}

func proName(info series.Info, sat saturation, in store.Insight) string {
	f := Classify(info.Metric, info.Labels)
	what := f.Human
	if f.Name == info.Metric {
		what = info.Metric
	}
	verb := "approaching its limit"
	if !sat.up {
		verb = "running out"
	}
	return fmt.Sprintf("%s %s on %s (%s)", capitalise(what), verb, resourcesPhrase(in.Resources), boundaryPhrase(in))
}

func proReason(info series.Info, sat saturation, fc store.Forecast) string {
	dir := "rises"
	if !sat.up {
		dir = "falls"
	}
	left := fc.ExhaustAt.Sub(fc.FitAt)
	var b strings.Builder
	limit := formatValue(fc.Limit, info.Unit)
	if src := fc.LimitSource; src != "" && !strings.Contains(src, " ") {
		// A companion series (container_spec_memory_limit_bytes), not a
		// fixed ceiling ("100 %", "a ratio of 1") that would say it twice.
		limit += " (" + src + ")"
	}
	// ExhaustAt is when the series' upper edge (its trend plus the
	// excess of its highs, forecast.Exhaustion) gets there, not the trend line.
	edge := "highs"
	if !sat.up {
		edge = "lows"
	}
	fmt.Fprintf(&b, "%s on %s %s by %s per hour (95 %%: %s to %s) and is at %s; the limit is %s. At this rate its %s reach the limit at %s",
		info.Metric, resourcesPhrase([]store.InsightResource{{Type: info.Resource.Type, Name: info.Resource.Name, ID: info.Resource.ID}}), dir,
		formatValue(math.Abs(fc.Slope), info.Unit), formatValue(math.Abs(fc.SlopeLow), ""), formatValue(math.Abs(fc.SlopeHigh), ""),
		formatValue(fc.Level, info.Unit), limit, edge, fc.ExhaustAt.UTC().Format("2006-01-02 15:04 UTC"))
	if !fc.Latest.IsZero() {
		fmt.Fprintf(&b, " (between %s and %s)", fc.Earliest.UTC().Format("2006-01-02 15:04"), fc.Latest.UTC().Format("2006-01-02 15:04"))
	} else {
		fmt.Fprintf(&b, " (at the earliest %s)", fc.Earliest.UTC().Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(&b, ", in %s.", roundDuration(left))
	return b.String()
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	case d >= time.Hour:
		return fmt.Sprintf("%.1f hours", d.Hours())
	case d >= time.Minute:
		return fmt.Sprintf("%.0f minutes", d.Minutes())
	}
	return d.Round(time.Second).String()
}

// notify writes the DevOps Guru–style notification of a proactive
// insight as one structured log line, as the reactive engine does.
func (p *Proactive) notify(kind string, o *proOpen) {
	in, a := o.in, o.an
	attrs := []slog.Attr{
		slog.String("MessageType", kind),
		slog.String("AccountId", in.Account),
		slog.String("Region", in.Region),
		slog.String("InsightId", in.ID),
		slog.String("InsightType", in.Type),
		slog.String("InsightDescription", in.Name),
		slog.String("InsightSeverity", strings.ToLower(in.Severity)),
		slog.String("ProblemType", in.ProblemType),
		slog.Int64("StartTime", in.StartedAt.UnixMilli()),
		slog.Any("Anomalies", []any{map[string]any{
			"Id": a.ID, "StartTime": a.StartedAt.UnixMilli(),
			"SourceDetails": []map[string]any{{"DataSource": "TEND_METRICS", "DataIdentifiers": map[string]any{
				"name": a.Metric, "namespace": a.Labels["job"], "stat": a.Statistic, "period": int64(a.Period.Seconds()), "unit": a.Unit, "dimensions": a.Labels}}},
		}}),
	}
	if r := in.PredictionTimeRange; r != nil {
		attrs = append(attrs, slog.Int64("PredictionStartTime", r.Start.UnixMilli()))
		if !r.End.IsZero() {
			attrs = append(attrs, slog.Int64("PredictionEndTime", r.End.UnixMilli()))
		}
	}
	if p.url != nil {
		attrs = append(attrs, slog.String("InsightUrl", p.url(in.ID)))
	}
	if kind == "CLOSED_INSIGHT" {
		attrs = append(attrs, slog.Int64("EndTime", in.EndedAt.UnixMilli()))
	}
	p.log.LogAttrs(context.Background(), slog.LevelInfo, "insight "+strings.ToLower(strings.TrimSuffix(kind, "_INSIGHT")), attrs...)
}
