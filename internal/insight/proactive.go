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

	"github.com/tendhq/tend/internal/forecast"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// ProactiveConfig tunes proactive insights: predictions that a saturating
// resource (memory, disk, a pool) reaches its limit.
type ProactiveConfig struct {
	// Horizon is how far ahead tend warns, per kind of resource: a
	// proactive insight opens when the predicted time to the limit is
	// within it (memory 24h, disk 7d, others 24h).
	HorizonMemory, HorizonDisk, HorizonOther time.Duration
	// Window is how much history the trend is fitted on, per kind (memory
	// 2 days, disk 4 days, others 2 days). From two days on the slope
	// compares each hour of the day with the same hour a day or more
	// later (the seasonal Kendall–Sen slope), so a daily cycle is not
	// taken for a trend; a shorter window fits a plain Theil–Sen slope.
	WindowMemory, WindowDisk, WindowOther time.Duration
	// MinRise: the trend's rise over the window must be at least this many
	// times the spread of the values around it (default 4): a trend that
	// noise or a daily cycle could draw raises nothing.
	MinRise float64
	// Confirm is how many evaluations in a row (one per completed bucket,
	// a 48th of the window) must agree before an insight opens or closes
	// (default 2).
	Confirm int
	// StaleAfter closes a proactive insight whose series stopped
	// reporting (default 1h).
	StaleAfter time.Duration
	// Instance names this tend process (empty: the hostname).
	Instance string
	// Tick is how often staleness is checked (default 1s).
	Tick time.Duration
}

// DefaultProactiveConfig is what tend starts with.
func DefaultProactiveConfig() ProactiveConfig {
	return ProactiveConfig{
		HorizonMemory: 24 * time.Hour, HorizonDisk: 7 * 24 * time.Hour, HorizonOther: 24 * time.Hour,
		WindowMemory: 2 * day, WindowDisk: 4 * day, WindowOther: 2 * day,
		MinRise: 4, Confirm: 2, StaleAfter: time.Hour, Tick: time.Second,
	}
}

func (c ProactiveConfig) horizon(kind string) time.Duration {
	switch kind {
	case KindMemory:
		return c.HorizonMemory
	case KindDisk:
		return c.HorizonDisk
	}
	return c.HorizonOther
}

func (c ProactiveConfig) window(kind string) time.Duration {
	switch kind {
	case KindMemory:
		return c.WindowMemory
	case KindDisk:
		return c.WindowDisk
	}
	return c.WindowOther
}

const day = 24 * time.Hour

// buckets per window: a bucket completes every window/48.
const proBuckets = forecast.MaxBuckets

// ProactiveOptions are the proactive engine's dependencies.
type ProactiveOptions struct {
	Store      Store
	Config     ProactiveConfig
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
	// InsightURL links notifications to the insight.
	InsightURL func(id string) string
	// Lookback is events.lookback, as for the reactive engine's Options
	// (the forecast's window when longer).
	Lookback time.Duration
}

// Proactive is the insight.Observer that raises PROACTIVE insights. For
// each saturating series (the limits table) it keeps a forecast.Trend
// over the kind's window; every time a bucket completes it fits the
// trend and predicts when the series reaches its limit. An insight opens
// when the prediction is within the horizon with enough confidence
// (Confirm evaluations in a row whose whole-window slope is positive at
// 95 % and rises by MinRise spreads), updates as the prediction moves,
// and closes when the trend no longer leads to the limit within 1.5
// horizons, when the limit is reached (the reactive insight takes over),
// or when the series goes silent. Observe allocates nothing for a sample
// that completes no bucket.
type Proactive struct {
	cfg ProactiveConfig
	st  Store
	log *slog.Logger
	now func() time.Time
	url func(string) string
	// lookback is ProactiveOptions.Lookback.
	lookback time.Duration
	shards   [shardCount]proShard
	// limits holds the latest value of every companion series (a memory
	// limit, max_connections), by companion key.
	limitsMu sync.RWMutex
	limits   map[string]float64
	queue    chan proEvent
	wall     atomic.Int64
	stopped  chan struct{}
	runOnce  sync.Once
	open     map[string]*proOpen // by series ID; Run goroutine only
	m        proMetrics
}

var _ Observer = (*Proactive)(nil)

type proShard struct {
	mu      sync.Mutex
	m       map[string]*proSeries
	scratch *forecast.Scratch
	_       [40]byte
}

// proSeries is what the engine keeps per series. Series that do not
// saturate share the ineligible sentinel.
type proSeries struct {
	sat      saturation
	info     series.Info
	trend    *forecast.Trend
	ownKey   string // for a companion series: the key its value is kept under
	lastWall int64
	// agree counts consecutive evaluations that say open (positive) or
	// close (negative); open tells which side the series is on.
	agree int
	open  bool
	// pending: restored open after a restart, not observed yet.
	pending bool
}

var ineligible = &proSeries{}

type proMetrics struct {
	opened, closed prometheus.Counter
	ongoing        prometheus.Gauge
	evaluations    prometheus.Counter
	storeErrors    prometheus.Counter
}

// NewProactive builds the proactive engine. It starts nothing: call Load,
// then Run.
func NewProactive(o ProactiveOptions) (*Proactive, error) {
	c := o.Config
	d := DefaultProactiveConfig()
	for _, p := range []struct {
		v *time.Duration
		d time.Duration
	}{
		{&c.HorizonMemory, d.HorizonMemory}, {&c.HorizonDisk, d.HorizonDisk}, {&c.HorizonOther, d.HorizonOther},
		{&c.WindowMemory, d.WindowMemory}, {&c.WindowDisk, d.WindowDisk}, {&c.WindowOther, d.WindowOther},
		{&c.StaleAfter, d.StaleAfter}, {&c.Tick, d.Tick},
	} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	if c.MinRise <= 0 {
		c.MinRise = d.MinRise
	}
	if c.Confirm <= 0 {
		c.Confirm = d.Confirm
	}
	if c.Instance == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "tend"
		}
		c.Instance = h
	}
	if o.Store == nil {
		return nil, errors.New("proactive insights: no store")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	p := &Proactive{cfg: c, st: o.Store, log: o.Logger, now: o.Now, url: o.InsightURL, lookback: o.Lookback, limits: map[string]float64{},
		queue: make(chan proEvent, 1024), stopped: make(chan struct{}), open: map[string]*proOpen{}}
	for i := range p.shards {
		p.shards[i].m = map[string]*proSeries{}
		p.shards[i].scratch = forecast.NewScratch()
	}
	p.wall.Store(p.now().Unix())
	p.m = proMetrics{
		opened:      prometheus.NewCounter(prometheus.CounterOpts{Name: "tend_insight_proactive_opened_total", Help: "Proactive insights opened."}),
		closed:      prometheus.NewCounter(prometheus.CounterOpts{Name: "tend_insight_proactive_closed_total", Help: "Proactive insights closed."}),
		ongoing:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "tend_insight_proactive_ongoing", Help: "Proactive insights ongoing (this process's)."}),
		evaluations: prometheus.NewCounter(prometheus.CounterOpts{Name: "tend_insight_proactive_evaluations_total", Help: "Trend fits of saturating series."}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "tend_insight_proactive_store_errors_total", Help: "Failed writes of proactive insights (retried)."}),
	}
	if o.Registerer != nil {
		for _, m := range []prometheus.Collector{p.m.opened, p.m.closed, p.m.ongoing, p.m.evaluations, p.m.storeErrors} {
			if err := o.Registerer.Register(m); err != nil {
				return nil, fmt.Errorf("proactive insights: register metrics: %w", err)
			}
		}
	}
	return p, nil
}

func (p *Proactive) shardOf(id string) *proShard {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return &p.shards[h%shardCount]
}

// Observe follows one sample.
func (p *Proactive) Observe(ctx context.Context, obs Observation) error {
	id := obs.Series.ID
	if id == "" {
		return errors.New("observe: the observation's series has no ID")
	}
	if math.IsNaN(obs.Value) || math.IsInf(obs.Value, 0) {
		return nil
	}
	sh := p.shardOf(id)
	sh.mu.Lock()
	st := sh.m[id]
	if st == nil || st.pending {
		ns := p.classify(obs.Series)
		if st != nil && ns != ineligible && ns.ownKey == "" {
			ns.open = true
		}
		st = ns
		sh.m[id] = st
	}
	if st == ineligible {
		sh.mu.Unlock()
		return nil
	}
	st.lastWall = p.wall.Load()
	if st.ownKey != "" {
		sh.mu.Unlock()
		p.limitsMu.Lock()
		p.limits[st.ownKey] = obs.Value
		p.limitsMu.Unlock()
		return nil
	}
	if !st.trend.Add(obs.Time, obs.Value) {
		sh.mu.Unlock()
		return nil
	}
	ev, send := p.evaluate(st, sh.scratch, obs)
	sh.mu.Unlock()
	if !send {
		return nil
	}
	select {
	case p.queue <- ev:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("observe: waiting for the proactive insight writer: %w", ctx.Err())
	case <-p.stopped:
		return errors.New("observe: the proactive insight engine has stopped")
	}
}

// classify decides, once per series, whether it saturates or is a limit.
func (p *Proactive) classify(info series.Info) *proSeries {
	if key, ok := companionOf(info); ok {
		return &proSeries{ownKey: key}
	}
	sat, ok := saturationOf(info)
	if !ok {
		return ineligible
	}
	window := p.cfg.window(sat.kind)
	tr, err := forecast.New(window, proBuckets)
	if window >= 2*day {
		tr, err = forecast.NewSeasonal(window, proBuckets, day)
	}
	if err != nil {
		return ineligible
	}
	info.Labels = copyLabels(info.Labels)
	return &proSeries{sat: sat, info: info, trend: tr}
}

func copyLabels(l series.Labels) series.Labels {
	out := make(series.Labels, len(l))
	for k, v := range l {
		out[k] = v
	}
	return out
}

// limit returns the series' limit now, and what it is.
func (p *Proactive) limit(st *proSeries) (float64, string, bool) {
	if len(st.sat.keys) == 0 {
		return st.sat.limit, st.sat.sources[0], true
	}
	p.limitsMu.RLock()
	defer p.limitsMu.RUnlock()
	for i, k := range st.sat.keys {
		if v, ok := p.limits[k]; ok && v > 0 && !math.IsInf(v, 0) {
			return v, st.sat.sources[i], true
		}
	}
	return 0, "", false
}

// verdict of one evaluation.
type verdict uint8

const (
	vNone  verdict = iota // nothing to say (not enough history, no limit)
	vOpen                 // heading to the limit within the horizon
	vClose                // not heading there (any more)
	vHit                  // at the limit already
	vHold                 // beyond the horizon but within 1.5 of it: stay as it is
)

// evaluate fits the trend and decides; it returns an event for the
// writer when an insight opens, moves or closes.
func (p *Proactive) evaluate(st *proSeries, s *forecast.Scratch, obs Observation) (proEvent, bool) {
	limit, source, ok := p.limit(st)
	if !ok {
		return proEvent{}, false
	}
	v, fc := judge(p.cfg, st.sat, st.trend, s, limit)
	fc.LimitSource = source
	switch v {
	case vNone:
		return proEvent{}, false
	case vHold:
		if !st.open {
			return proEvent{}, false
		}
	case vOpen:
		if st.agree < 0 {
			st.agree = 0
		}
		st.agree++
	case vClose, vHit:
		if st.agree > 0 {
			st.agree = 0
		}
		st.agree--
	}
	ev := proEvent{seriesID: st.info.ID, info: st.info, sat: st.sat, forecast: fc, points: trendPoints(st.trend, obs)}
	switch {
	case !st.open && v == vOpen && st.agree >= p.cfg.Confirm:
		st.open, ev.kind = true, proOpenEv
	case st.open && v == vHit:
		st.open, ev.kind, ev.reason = false, proCloseEv, "the limit was reached"
	case st.open && v == vClose && -st.agree >= p.cfg.Confirm:
		st.open, ev.kind, ev.reason = false, proCloseEv, "the trend no longer reaches the limit within the horizon"
	case st.open && (v == vOpen || v == vHold):
		ev.kind = proUpdateEv
	default:
		return proEvent{}, false
	}
	return ev, true
}

// judge is the open/close rule on one fit (see Proactive).
func judge(c ProactiveConfig, sat saturation, tr *forecast.Trend, s *forecast.Scratch, limit float64) (verdict, store.Forecast) {
	v, fc, _ := judgeWhy(c, sat, tr, s, limit)
	return v, fc
}

// judgeWhy is judge with the rule that decided.
func judgeWhy(c ProactiveConfig, sat saturation, tr *forecast.Trend, s *forecast.Scratch, limit float64) (verdict, store.Forecast, string) {
	window, horizon := c.window(sat.kind), c.horizon(sat.kind)
	// A full window; under two days, of a series seen for a quarter
	// window more: what only ever filled up so far (a disk on its first
	// day, before its first rotation) has not shown that it does not reset.
	long, ok := tr.Fit(0, s)
	if !ok || long.Span < window*15/16 || window < 2*day && tr.Age() < window*5/4 {
		return vNone, store.Forecast{}, "history"
	}
	sign := 1.0
	if !sat.up {
		sign = -1
	}
	fc := store.Forecast{Limit: limit, Direction: "up", FitAt: long.At, Level: long.Level,
		Slope: long.Slope * 3600, SlopeLow: long.SlopeLow * 3600, SlopeHigh: long.SlopeHigh * 3600, Spread: long.Spread,
		WindowSeconds: window.Seconds(), HorizonSeconds: horizon.Seconds()}
	if !sat.up {
		fc.Direction = "down"
	}
	if sign*(long.Level-limit) >= 0 {
		return vHit, fc, "at limit"
	}
	// The whole window must rise (fall) at 95 % and by MinRise spreads:
	// over a full daily cycle a seasonal series does neither.
	lowSlope := long.SlopeLow
	if !sat.up {
		lowSlope = -long.SlopeHigh
	}
	rise := sign * long.Slope * long.Span.Seconds()
	if lowSlope <= 0 {
		return vClose, fc, "slope"
	}
	if rise < c.MinRise*math.Max(long.Spread, 1e-9*math.Abs(limit)) {
		return vClose, fc, "rise"
	}
	// Predict from the recent half when it is itself a significant trend,
	// steeper than the whole window: a leak that began inside the window
	// is steeper there than the whole window says. (For a seasonal trend
	// the half must hold two seasons itself, or Fit declines.)
	use := long
	if recent, ok := tr.Fit(tr.Buckets()/2, s); ok {
		rlow, steeper := recent.SlopeLow, recent.Slope > long.Slope
		if !sat.up {
			rlow, steeper = -recent.SlopeHigh, recent.Slope < long.Slope
		}
		if rlow > 0 && steeper {
			use = recent
		}
	}
	e, ok := use.Reach(limit, sat.up)
	if !ok {
		return vClose, fc, "no reach"
	}
	if e.At.Sub(use.At) <= window/proBuckets {
		// Its upper edge reaches the limit before the next evaluation:
		// this is for the reactive insight now.
		return vHit, fc, "edge at limit"
	}
	fc.Level, fc.Slope, fc.SlopeLow, fc.SlopeHigh, fc.Spread = use.Level, use.Slope*3600, use.SlopeLow*3600, use.SlopeHigh*3600, use.Spread
	fc.ExhaustAt, fc.Earliest, fc.Latest = e.At, e.Earliest, e.Latest
	ttl := e.At.Sub(use.At)
	switch {
	case ttl <= horizon:
		return vOpen, fc, "open"
	case ttl > horizon*3/2:
		return vClose, fc, "beyond horizon"
	}
	return vHold, fc, "hold"
}

// trendPoints is the series as the trend sees it (bucket means), and the
// latest sample, for the insight's chart.
func trendPoints(tr *forecast.Trend, obs Observation) []store.Point {
	pts := tr.Points(nil)
	out := make([]store.Point, 0, len(pts)+1)
	for _, pt := range pts {
		out = append(out, store.Point{T: pt.T.UTC(), V: pt.V})
	}
	return append(out, store.Point{T: obs.Time.UTC(), V: obs.Value})
}
