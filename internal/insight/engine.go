package insight

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tendhq/tend/internal/detect"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/store"
)

// Config tunes the anomaly lifecycle and the grouping into insights.
type Config struct {
	// Threshold is the detector score at or above which a sample is
	// anomalous (0 < Threshold <= 1).
	Threshold float64
	// An anomaly closes after CloseAfterSamples consecutive normal samples
	// or CloseAfter of normal time, whichever comes first.
	CloseAfterSamples int
	CloseAfter        time.Duration
	// ConfirmSamples is how many consecutive abnormal samples raise an
	// anomaly (1: the first alert-level score does). A sample after the
	// first is abnormal when its score is at the threshold or its value is
	// outside the band the series kept before; a single-sample blip is
	// dropped.
	ConfirmSamples int
	// SettleAfter closes an anomaly whose score has stayed below the
	// threshold this long even though its value has not returned to the
	// band it kept before (the series found a new normal).
	SettleAfter time.Duration
	// GroupGap: an anomaly that starts within GroupGap of the end of an
	// ongoing insight's last anomaly (same boundary) joins that insight.
	GroupGap time.Duration
	// Cooldown: an insight closes once all its anomalies have been closed
	// for Cooldown.
	Cooldown time.Duration
	// StaleAfter closes an open anomaly whose series stopped reporting.
	StaleAfter time.Duration
	// ExcerptBefore is how many samples before the start an anomaly keeps;
	// ExcerptMax caps the samples kept during it (downsampled beyond).
	ExcerptBefore int
	ExcerptMax    int
	// Instance names this tend process; it owns the anomalies it opens.
	// Empty means the hostname.
	Instance string
	// Tick is how often housekeeping runs (default 1s).
	Tick time.Duration
	// QueueSize bounds the transitions waiting for the grouper (default
	// 4096); Observe waits when it is full.
	QueueSize int
}

// DefaultConfig is the configuration tend starts with.
func DefaultConfig() Config {
	return Config{
		Threshold: detect.DefaultThreshold, CloseAfterSamples: 5, CloseAfter: 5 * time.Minute, SettleAfter: 30 * time.Minute, ConfirmSamples: 2,
		GroupGap: 5 * time.Minute, Cooldown: 10 * time.Minute, StaleAfter: 10 * time.Minute,
		ExcerptBefore: 30, ExcerptMax: 240, Tick: time.Second, QueueSize: 4096,
	}
}

// Store is the part of the store the engine uses.
type Store interface {
	Insights() store.Insights
	Anomalies() store.Anomalies
}

// Options are the engine's dependencies.
type Options struct {
	Store  Store
	Config Config
	// Sink receives each opened, materially updated and closed insight as
	// a problem (source "tend"). Nil: insights are not handed on.
	Sink       problem.Sink
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now is the clock (time.Now when nil). Anomaly times are the samples'
	// times; the cool-down and staleness run on this clock.
	Now func() time.Time
	// InsightURL, when set, links problems to the insight ("http://…/v1/insights/ID").
	InsightURL func(id string) string
	// Lookback is events.lookback: a NEW_INSIGHT lists the change events
	// related to the insight over it, when Store keeps events (an
	// Events() store.Events method). events.DefaultLookback when zero.
	Lookback time.Duration
}

const shardCount = 64

type shard struct {
	mu sync.Mutex
	m  map[string]*seriesState
	_  [40]byte // keep shards on separate cache lines
}

// Engine is tend's insight.Observer: it follows every series' score,
// opens and closes anomalies, and groups them into insights. Observe is
// the hot path: for a normal sample of a series without an open anomaly it
// takes one shard lock, touches one small struct and allocates nothing.
// Transitions (an anomaly opening, peaking, closing) go through a bounded
// queue to one grouper goroutine, owned by Run, which persists them and
// hands insights to the sink.
type Engine struct {
	cfg  Config
	st   Store
	sink problem.Sink
	log  *slog.Logger
	now  func() time.Time
	url  func(string) string
	// lookback is Options.Lookback.
	lookback time.Duration
	shards   [shardCount]shard
	queue    chan event
	// wall is a coarse wall clock (Unix seconds) the hot path reads
	// instead of calling the clock; Run refreshes it every tick.
	wall    atomic.Int64
	stopped chan struct{}
	runOnce sync.Once
	sweepAt int // next shard to sweep (Run goroutine only)
	g       grouper
	m       engineMetrics
}

var _ Observer = (*Engine)(nil)

type engineMetrics struct {
	observations prometheus.Counter
	opened       prometheus.Counter
	unconfirmed  prometheus.Counter
	anomaliesOpen,
	insightsOngoing prometheus.Gauge
	insightsOpened prometheus.Counter
	handoffs       *prometheus.CounterVec
	storeErrors    prometheus.Counter
}

// New builds an engine. It starts nothing: call Load, then Run.
func New(o Options) (*Engine, error) {
	c := o.Config
	d := DefaultConfig()
	if c.Tick <= 0 {
		c.Tick = d.Tick
	}
	if c.QueueSize <= 0 {
		c.QueueSize = d.QueueSize
	}
	if c.Instance == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "tend"
		}
		c.Instance = h
	}
	switch {
	case o.Store == nil:
		return nil, errors.New("insight engine: no store")
	case !(c.Threshold > 0 && c.Threshold <= 1):
		return nil, fmt.Errorf("insight engine: threshold must be in (0, 1], got %v", c.Threshold)
	case c.CloseAfterSamples < 1 || c.ConfirmSamples < 1 || c.CloseAfter <= 0 || c.SettleAfter <= 0:
		return nil, errors.New("insight engine: close_after_samples, confirm_samples, close_after and settle_after must be positive")
	case c.GroupGap < 0 || c.Cooldown <= 0 || c.StaleAfter <= 0:
		return nil, errors.New("insight engine: group_gap must not be negative; cooldown and stale_after must be positive")
	case c.ExcerptBefore < 0 || c.ExcerptMax < 2:
		return nil, errors.New("insight engine: excerpt_before must not be negative and excerpt_max must be at least 2")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	e := &Engine{cfg: c, st: o.Store, sink: o.Sink, log: o.Logger, now: o.Now, url: o.InsightURL, lookback: o.Lookback,
		queue: make(chan event, c.QueueSize), stopped: make(chan struct{})}
	for i := range e.shards {
		e.shards[i].m = map[string]*seriesState{}
	}
	e.wall.Store(e.now().Unix())
	e.g = newGrouper(e)
	e.m = engineMetrics{
		observations:    prometheus.NewCounter(prometheus.CounterOpts{Name: "tend_insight_observations_total", Help: "Scored samples the insight engine observed."}),
		opened:          prometheus.NewCounter(prometheus.CounterOpts{Name: "tend_insight_anomalies_opened_total", Help: "Anomalies opened."}),
		unconfirmed:     prometheus.NewCounter(prometheus.CounterOpts{Name: "tend_insight_anomalies_unconfirmed_total", Help: "Alerts dropped because the next samples were normal again (insight.confirm_samples)."}),
		anomaliesOpen:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "tend_insight_anomalies_open", Help: "Anomalies open now."}),
		insightsOngoing: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tend_insight_insights_ongoing", Help: "Insights ongoing now (this process's view)."}),
		insightsOpened:  prometheus.NewCounter(prometheus.CounterOpts{Name: "tend_insight_insights_opened_total", Help: "Insights this process opened."}),
		handoffs:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tend_insight_handoffs_total", Help: "Insights handed to remediation as problems, by result."}, []string{"result"}),
		storeErrors:     prometheus.NewCounter(prometheus.CounterOpts{Name: "tend_insight_store_errors_total", Help: "Failed writes of anomalies and insights (retried every tick)."}),
	}
	if o.Registerer != nil {
		for _, c := range []prometheus.Collector{e.m.observations, e.m.opened, e.m.unconfirmed, e.m.anomaliesOpen, e.m.insightsOngoing, e.m.insightsOpened, e.m.handoffs, e.m.storeErrors} {
			if err := o.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("insight engine: register metrics: %w", err)
			}
		}
	}
	return e, nil
}

// shardOf hashes a series ID (FNV-1a) to its shard without allocating.
func (e *Engine) shardOf(id string) *shard {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return &e.shards[h%shardCount]
}

// Observe follows one scored sample. A sample with a non-finite value is
// ignored; one of a series still baselining counts as normal.
func (e *Engine) Observe(ctx context.Context, obs Observation) error {
	id := obs.Series.ID
	if id == "" {
		return errors.New("observe: the observation's series has no ID")
	}
	e.m.observations.Inc()
	if math.IsNaN(obs.Value) || math.IsInf(obs.Value, 0) {
		return nil
	}
	score := obs.Score
	if math.IsNaN(score) {
		score = 0
	}
	anomalous := !obs.Baselining && score >= e.cfg.Threshold
	sh := e.shardOf(id)
	sh.mu.Lock()
	st := sh.m[id]
	if st == nil {
		st = &seriesState{}
		sh.m[id] = st
	}
	st.lastWall = e.wall.Load()
	if st.open == nil && !anomalous {
		us := obs.Time.UnixMicro()
		st.push(e.cfg.ExcerptBefore, us, obs.Value, score)
		if c := st.cool; c != nil && us >= c.until {
			st.cool = nil
			err := e.enqueue(ctx, event{kind: evCooled, anomaly: store.Anomaly{ID: c.anomaly}, at: obs.Time})
			sh.mu.Unlock()
			return err
		}
		sh.mu.Unlock()
		return nil
	}
	ev, send := e.transition(st, obs, score, anomalous)
	if !send {
		sh.mu.Unlock()
		return nil
	}
	// The event is sent with the shard lock held so that one series'
	// transitions reach the grouper in order. The grouper never waits for
	// a shard lock (it only tries), so this cannot deadlock.
	err := e.enqueue(ctx, ev)
	sh.mu.Unlock()
	return err
}

func (e *Engine) enqueue(ctx context.Context, ev event) error {
	select {
	case e.queue <- ev:
		return nil
	default:
	}
	select {
	case e.queue <- ev:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("observe: waiting for the insight grouper: %w", ctx.Err())
	case <-e.stopped:
		return errors.New("observe: the insight engine has stopped")
	}
}

// transition handles a sample of a series that is anomalous or has an
// open anomaly. It returns the event to hand to the grouper, if any.
func (e *Engine) transition(st *seriesState, obs Observation, score float64, anomalous bool) (event, bool) {
	p := store.Point{T: obs.Time.UTC(), V: obs.Value, S: round3(score)}
	o := st.open
	if o == nil {
		o = e.openFor(st, obs, score)
		st.open, st.cool = o, nil
		return e.confirm(o)
	}
	o.last = obs.Time
	o.add(e.cfg.ExcerptMax, p)
	if !o.confirmed {
		// Still a candidate: it stands while samples stay abnormal (an
		// alert-level score, or a value outside the band the series kept
		// before), and is dropped at the first normal one.
		if !anomalous && o.inBand(obs.Value) || !anomalous && !o.hasBand {
			st.open = nil
			e.m.unconfirmed.Inc()
			st.push(e.cfg.ExcerptBefore, obs.Time.UnixMicro(), obs.Value, score)
			return event{}, false
		}
		o.abnormalRun++
		if anomalous && score > o.rec.PeakScore {
			o.rec.PeakScore, o.rec.PeakValue, o.rec.PeakAt = score, obs.Value, obs.Time.UTC()
			if obs.Reason != "" {
				o.rec.Reason = obs.Reason
			}
		}
		return e.confirm(o)
	}
	if anomalous {
		o.normalRun = 0
		o.quietSince = time.Time{}
		if score > o.rec.PeakScore {
			o.rec.PeakScore, o.rec.PeakValue, o.rec.PeakAt = score, obs.Value, obs.Time.UTC()
			if obs.Reason != "" {
				o.rec.Reason = obs.Reason
			}
			// Only rises of 0.05 or more reach the grouper: at most 20
			// events per anomaly, however long it lasts.
			if score-o.sentPeak >= 0.05 {
				o.sentPeak = score
				return event{kind: evUpdate, anomaly: o.snapshot(), boundary: o.boundary}, true
			}
		}
		return event{}, false
	}
	// The score is below the threshold. That alone does not mean normal:
	// a detector may hold its score down for a while after an alert (a
	// refractory period) or adapt to the new level. A sample is normal when
	// its value is also back within the band the series kept before the
	// anomaly; a score that stays low for SettleAfter closes the anomaly
	// even if the value never returns (the series has a new normal).
	if o.quietSince.IsZero() {
		o.quietSince = obs.Time
	}
	if o.inBand(obs.Value) {
		if o.normalRun == 0 {
			o.normalSince = obs.Time
		}
		o.normalRun++
	} else {
		o.normalRun = 0
	}
	end := o.normalSince
	switch {
	case o.normalRun >= e.cfg.CloseAfterSamples, o.normalRun > 0 && obs.Time.Sub(o.normalSince) >= e.cfg.CloseAfter:
	case obs.Time.Sub(o.quietSince) >= e.cfg.SettleAfter:
		end = obs.Time
	default:
		return event{}, false
	}
	o.rec.Status, o.rec.EndedAt = store.AnomalyClosed, end.UTC()
	st.open = nil
	st.cool = &cooling{until: end.Add(e.cfg.Cooldown).UnixMicro(), anomaly: o.rec.ID}
	// The ring restarts from the recovery, so a next anomaly's excerpt
	// shows normal behaviour before it.
	st.n, st.head = 0, 0
	st.push(e.cfg.ExcerptBefore, obs.Time.UnixMicro(), obs.Value, score)
	return event{kind: evUpdate, anomaly: o.rec, boundary: o.boundary}, true
}

// confirm raises a candidate anomaly once ConfirmSamples consecutive
// samples were abnormal, handing it to the grouper.
func (e *Engine) confirm(o *openAnomaly) (event, bool) {
	if o.abnormalRun < e.cfg.ConfirmSamples {
		return event{}, false
	}
	o.confirmed, o.sentPeak = true, o.rec.PeakScore
	e.m.opened.Inc()
	return event{kind: evUpdate, anomaly: o.snapshot(), boundary: o.boundary}, true
}

func (e *Engine) openFor(st *seriesState, obs Observation, score float64) *openAnomaly {
	info := obs.Series
	f := Classify(info.Metric, info.Labels)
	labels := make(map[string]string, len(info.Labels))
	for k, v := range info.Labels {
		labels[k] = v
	}
	t := obs.Time.UTC()
	o := &openAnomaly{stride: 1, last: obs.Time, sentPeak: score, abnormalRun: 1}
	o.rec = store.Anomaly{
		ID: store.NewID("ano", t), Status: store.AnomalyOpen,
		SeriesID: info.ID, Metric: info.Metric, Labels: labels,
		Statistic: info.Statistic, Period: info.Period, Unit: info.Unit,
		Family: f.Name, ProblemType: f.ProblemType,
		Resource: store.InsightResource{ID: info.Resource.ID, Type: info.Resource.Type, Name: info.Resource.Name,
			InstanceID: info.Resource.InstanceID, InstanceType: info.Resource.InstanceType},
		BoundaryKey: info.Boundary.Key(),
		StartedAt:   t, PeakScore: score, PeakValue: obs.Value, PeakAt: t, Reason: obs.Reason,
		Owner: e.cfg.Instance,
	}
	o.rec.Excerpt = append(st.before(), store.Point{T: t, V: obs.Value, S: round3(score)})
	o.nBefore = len(o.rec.Excerpt) - 1
	o.setBand()
	o.boundary = info.Boundary
	return o
}
