// Package watch is the detection stage between ingest and insight: it
// keeps one detector per series, scores every sample, and hands the scored
// observations to an insight.Observer.
//
// Samples reach it through Append (it is an ingest.Sink). Append admits a
// batch whole or not at all against a budget of queued bytes, so memory
// stays bounded: a batch that does not fit waits briefly for room (the
// backpressure a sender feels), and only when none comes in time is the
// sender told to retry (429) — never are its samples dropped later. Series are sharded by their hash over N
// workers: one series always lands on one worker, whose state it alone
// touches while processing, so the hot path takes no per-sample locks.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/series"
)

// Options configure a Watcher. Zero values take the defaults noted.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Observer receives every scored observation of a covered series.
	Observer insight.Observer
	// Mapper maps labels to resources and boundaries and decides coverage;
	// a zero-config Mapper when nil.
	Mapper *series.Mapper
	// NewScorer makes each series' detector; NewZScore when nil.
	NewScorer NewScorer
	// Workers is the number of detection workers; GOMAXPROCS when 0.
	Workers int
	// QueueBytes bounds the memory of what was admitted and not yet
	// processed (default 32 MiB): a sample costs 16 bytes, a series in a
	// batch 24 bytes and its metric name and labels.
	QueueBytes int64
	// QueueWait is the longest a batch waits for room in the queue before
	// Append refuses it with *OverloadedError (default 5s; 0 takes the
	// default, a negative value refuses at once). Keep it shorter than the
	// senders' timeout (Prometheus' remote_timeout is 30s).
	QueueWait time.Duration
	// MaxSeries bounds the series tracked (default 1,000,000).
	MaxSeries int
	// Baseline is how long after its first sample a series only learns
	// (default 2h).
	Baseline time.Duration
	// RetryAfter is what overloaded senders are told (default 5s).
	RetryAfter time.Duration
	// SnapshotPath, when set, is where Run saves the detectors' state every
	// SnapshotInterval (default 5m) and when it stops.
	SnapshotPath     string
	SnapshotInterval time.Duration
	// SeriesTTL is how long a series that sends nothing is kept (default
	// 24h); then it is forgotten with what its detector learned.
	SeriesTTL time.Duration
	// Now is the wall clock (time.Now when nil).
	Now func() time.Time
}

// ErrStopped is returned by Append after Run has returned.
var ErrStopped = errors.New("the detection stage has stopped")

// BatchTooLargeError is returned for a batch larger than the whole queue:
// it can never be admitted, so retrying does not help.
type BatchTooLargeError struct {
	Samples      int
	Bytes, Limit int64
}

func (e *BatchTooLargeError) Error() string {
	return fmt.Sprintf("a batch of %d samples needs %d bytes of the detection queue, more than all of it (%d bytes, ingest.queue_bytes); send smaller batches", e.Samples, e.Bytes, e.Limit)
}

// Watcher is the detection stage.
type Watcher struct {
	o       Options
	shards  []*shard
	budget  *budget
	strs    *interner
	runs    sync.Pool    // *[]uint64: split's per-run hashes
	pending atomic.Int64 // samples admitted and not yet processed
	nSeries atomic.Int64
	// admit is held shared by Append while it admits a batch and exclusively
	// by Run to stop admission, so no batch is queued after the workers'
	// final drain.
	admit   sync.RWMutex
	stopped bool
	running atomic.Bool
	// coverGen counts coverage changes (SetCoverage): a series whose
	// coverGen differs decides again whether it is covered.
	coverGen atomic.Uint32
	m        metrics
}

type shard struct {
	qmu   sync.Mutex
	queue []*part
	wake  chan struct{}

	smu    sync.Mutex // held by the worker per batch, and by List
	series map[uint64]*state
}

type state struct {
	info    series.Info
	scorer  Scorer // nil when not covered
	firstMs int64
	lastMs  int64
	n       uint64
	last    float64
	score   float64
	prevMs  int64
	seen    int64 // wall-clock Unix milliseconds of the last sample's arrival
	covered bool
	counter bool
	// coverGen is the Watcher's coverGen when covered was decided (it
	// fits in the padding after the bools).
	coverGen uint32
}

type metrics struct {
	samples       *prometheus.CounterVec
	waited        prometheus.Counter
	observeErrors prometheus.Counter
	seriesDropped prometheus.Counter
	expired       prometheus.Counter
}

// New builds a Watcher. It starts nothing: call Run.
func New(o Options) (*Watcher, error) {
	if o.Observer == nil {
		return nil, errors.New("watch: an Observer is required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Mapper == nil {
		o.Mapper = series.NewMapper(series.MapperConfig{})
	}
	if o.NewScorer == nil {
		o.NewScorer = NewZScore
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = 32 << 20
	}
	if o.QueueWait == 0 {
		o.QueueWait = 5 * time.Second
	}
	if o.MaxSeries <= 0 {
		o.MaxSeries = 1_000_000
	}
	if o.Baseline <= 0 {
		o.Baseline = 2 * time.Hour
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 5 * time.Second
	}
	if o.SnapshotInterval <= 0 {
		o.SnapshotInterval = 5 * time.Minute
	}
	if o.SeriesTTL <= 0 {
		o.SeriesTTL = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &Watcher{o: o, budget: newBudget(o.QueueBytes), strs: newInterner()}
	for range o.Workers {
		w.shards = append(w.shards, &shard{wake: make(chan struct{}, 1), series: map[uint64]*state{}})
	}
	w.m = metrics{
		samples: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tend_ingest_samples_total", Help: "Samples offered to the detection stage, by result: accepted, overloaded (refused with 429), too_large, series_limit.",
		}, []string{"result"}),
		waited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tend_ingest_queue_waits_total", Help: "Batches that waited for room in the detection queue before they were admitted or refused.",
		}),
		observeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tend_watch_observer_errors_total", Help: "Scored observations the insight stage returned an error for.",
		}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tend_watch_series_expired_total", Help: "Series forgotten after sending nothing for ingest.series_ttl.",
		}),
		seriesDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tend_watch_series_limit_samples_total", Help: "Samples of new series not tracked because ingest.max_series was reached.",
		}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(w.m.samples, w.m.waited, w.m.observeErrors, w.m.seriesDropped, w.m.expired,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tend_watch_queue_samples", Help: "Samples admitted and waiting for detection."},
				func() float64 { return float64(w.pending.Load()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tend_watch_queue_bytes", Help: "Memory held by what was admitted and waits for detection."},
				func() float64 { return float64(w.budget.inUse()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tend_watch_queue_capacity_bytes", Help: "Most memory what waits for detection may hold (ingest.queue_bytes)."},
				func() float64 { return float64(o.QueueBytes) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tend_watch_series", Help: "Series tracked by the detection stage."},
				func() float64 { return float64(w.nSeries.Load()) }),
		)
	}
	return w, nil
}

var _ ingest.Sink = (*Watcher)(nil)

// Append admits the whole batch for detection or none of it. When the
// queue has no room it waits up to QueueWait for the workers to make some,
// then returns *ingest.OverloadedError. It returns *BatchTooLargeError
// when the batch can never fit, *SeriesLimitError when it has new series
// and MaxSeries are tracked, ErrStopped after shutdown, ctx's error when
// the sender went away while waiting. Samples must carry sorted labels;
// Append copies what it keeps.
func (w *Watcher) Append(ctx context.Context, batch []ingest.Sample) error {
	n := len(batch)
	if n == 0 {
		return nil
	}
	parts, cost, err := w.split(batch)
	if err == nil && cost > w.o.QueueBytes {
		err = &BatchTooLargeError{Samples: n, Bytes: cost, Limit: w.o.QueueBytes}
	}
	if err != nil {
		w.m.samples.WithLabelValues("too_large").Add(float64(n))
		return err
	}
	if w.nSeries.Load() >= int64(w.o.MaxSeries) {
		if err := w.checkKnown(parts); err != nil {
			w.m.samples.WithLabelValues("series_limit").Add(float64(n))
			return err
		}
	}
	waited, err := w.budget.acquire(ctx, cost, w.o.QueueWait)
	if waited {
		w.m.waited.Inc()
	}
	switch {
	case errors.Is(err, errQueueFull):
		w.m.samples.WithLabelValues("overloaded").Add(float64(n))
		return &ingest.OverloadedError{RetryAfter: w.o.RetryAfter, Reason: fmt.Sprintf("the detection queue (%d bytes) had no room for this batch within %s", w.o.QueueBytes, max(w.o.QueueWait, 0))}
	case err != nil:
		return err
	}
	w.admit.RLock()
	defer w.admit.RUnlock()
	if w.stopped {
		w.budget.release(cost)
		return ErrStopped
	}
	w.pending.Add(int64(n))
	for k, p := range parts {
		if p == nil {
			continue
		}
		sh := w.shards[k]
		sh.qmu.Lock()
		sh.queue = append(sh.queue, p)
		sh.qmu.Unlock()
		select {
		case sh.wake <- struct{}{}:
		default:
		}
	}
	w.m.samples.WithLabelValues("accepted").Add(float64(n))
	return nil
}

// SeriesLimitError refuses a batch with new series once ingest.max_series
// series are tracked. Retrying does not help.
type SeriesLimitError struct {
	Limit  int
	Metric string
}

func (e *SeriesLimitError) Error() string {
	return fmt.Sprintf("tend already tracks its limit of %d series (ingest.max_series) and this request has new ones (e.g. %q); raise the limit or drop series before sending", e.Limit, e.Metric)
}

// checkKnown refuses the batch if it has a series not tracked yet. It runs
// only at the series limit, so the shard locks it takes are off the usual
// path.
func (w *Watcher) checkKnown(parts []*part) error {
	for k, p := range parts {
		if p == nil {
			continue
		}
		sh := w.shards[k]
		sh.smu.Lock()
		for i := range p.series {
			if sh.series[p.series[i].h] == nil {
				sh.smu.Unlock()
				metric, _ := readIdentity(p.ids[p.series[i].off:p.series[i].end])
				return &SeriesLimitError{Limit: w.o.MaxSeries, Metric: strings.Clone(metric)}
			}
		}
		sh.smu.Unlock()
	}
	return nil
}

// Run starts the workers and returns when ctx is cancelled and every
// admitted sample has been processed.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("watch: Run called twice")
	}
	var wg sync.WaitGroup
	quit := make(chan struct{})
	// Observations are handed on even while shutting down, so that what
	// was admitted is processed: the observer gets a context that is not
	// cancelled with ctx.
	octx := context.WithoutCancel(ctx)
	for _, sh := range w.shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.work(octx, quit, sh)
		}()
	}
	var snap <-chan time.Time
	if w.o.SnapshotPath != "" {
		t := time.NewTicker(w.o.SnapshotInterval)
		defer t.Stop()
		snap = t.C
	}
	sweep := time.NewTicker(min(w.o.SeriesTTL/10, time.Minute))
	defer sweep.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-snap:
			w.save()
		case <-sweep.C:
			w.expire()
		}
	}
	// Stop admitting (and waiting), then let the workers drain what was
	// admitted.
	w.budget.close()
	w.admit.Lock()
	w.stopped = true
	w.admit.Unlock()
	close(quit)
	wg.Wait()
	if w.o.SnapshotPath != "" {
		w.save()
	}
	return nil
}

func (w *Watcher) save() {
	start := time.Now()
	n, err := w.SaveSnapshot(w.o.SnapshotPath)
	if err != nil {
		w.o.Logger.Error("detection state not saved; a restart would baseline again", "err", err)
		return
	}
	w.o.Logger.Debug("detection state saved", "series", n, "path", w.o.SnapshotPath, "took", time.Since(start).String())
}

func (w *Watcher) work(ctx context.Context, quit <-chan struct{}, sh *shard) {
	for {
		select {
		case <-sh.wake:
			w.drain(ctx, sh)
		case <-quit:
			w.drain(ctx, sh)
			return
		}
	}
}

func (w *Watcher) drain(ctx context.Context, sh *shard) {
	for {
		sh.qmu.Lock()
		q := sh.queue
		sh.queue = nil
		sh.qmu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, p := range q {
			now := w.o.Now().UnixMilli()
			sh.smu.Lock()
			rest := p.samples
			for i := range p.series {
				qs := &p.series[i]
				w.processSeries(ctx, sh, p, qs, rest[:qs.n], now)
				rest = rest[qs.n:]
			}
			sh.smu.Unlock()
			w.pending.Add(-int64(len(p.samples)))
			w.budget.release(p.cost)
		}
	}
}

// expire forgets series that have sent nothing for SeriesTTL, so that
// series which come and go (pods, short-lived jobs) do not fill MaxSeries.
func (w *Watcher) expire() {
	cutoff := w.o.Now().Add(-w.o.SeriesTTL).UnixMilli()
	removed := 0
	for _, sh := range w.shards {
		sh.smu.Lock()
		for h, st := range sh.series {
			if st.seen < cutoff {
				delete(sh.series, h)
				removed++
			}
		}
		sh.smu.Unlock()
	}
	if removed > 0 {
		w.nSeries.Add(-int64(removed))
		w.rebuildStrings()
		w.m.expired.Add(float64(removed))
		w.o.Logger.Debug("forgot series that stopped sending", "series", removed, "ttl", w.o.SeriesTTL.String())
	}
}

// processSeries scores one run of samples of one series.
// rebuildStrings drops the interned strings no series uses any more.
func (w *Watcher) rebuildStrings() {
	w.strs.rebuild(func(add func(string)) {
		for _, sh := range w.shards {
			sh.smu.Lock()
			for _, st := range sh.series {
				i := &st.info
				add(i.Metric)
				for k, v := range i.Labels {
					add(k)
					add(v)
				}
				for _, s := range [...]string{i.Resource.Type, i.Resource.ID, i.Resource.Name, i.Resource.InstanceID, i.Resource.InstanceType,
					i.Boundary.Kind, i.Boundary.Name, i.Boundary.TagKey, i.Boundary.Account, i.Boundary.Region, i.Statistic, i.Unit} {
					add(s)
				}
			}
			sh.smu.Unlock()
		}
	})
}

func (w *Watcher) processSeries(ctx context.Context, sh *shard, p *part, qs *qseries, samples []qsample, now int64) {
	st := sh.series[qs.h]
	if st == nil {
		if w.nSeries.Load() >= int64(w.o.MaxSeries) {
			w.m.seriesDropped.Add(float64(len(samples)))
			return
		}
		metric, labels := readIdentity(p.ids[qs.off:qs.end])
		st = w.newState(qs.h, metric, labels, qs.counter, samples[0].t)
		sh.series[qs.h] = st
		w.nSeries.Add(1)
	}
	st.seen = now
	for _, s := range samples {
		w.process(ctx, st, s.t, s.v)
	}
}

func (w *Watcher) process(ctx context.Context, st *state, timeMs int64, value float64) {
	if timeMs < st.firstMs {
		st.firstMs = timeMs
	}
	if timeMs > st.lastMs {
		st.lastMs = timeMs
	}
	st.n++
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return // Prometheus staleness markers and other non-values are counted, not scored
	}
	v, prev, prevMs := value, st.last, st.prevMs
	st.last, st.prevMs = value, timeMs
	if st.info.Period == 0 && st.n > 1 && timeMs > prevMs {
		// The sampling period, from the first two samples.
		st.info.Period = time.Duration(timeMs-prevMs) * time.Millisecond
	}
	if st.counter {
		// Score the per-second rate; a drop is a counter reset.
		if st.n == 1 || timeMs <= prevMs {
			return
		}
		if v >= prev {
			v -= prev
		}
		v /= float64(timeMs-prevMs) / 1000
	}
	if g := w.coverGen.Load(); g != st.coverGen {
		st.coverGen = g
		st.covered = w.o.Mapper.Covered(st.info)
		if st.covered && st.scorer == nil {
			st.scorer = w.o.NewScorer()
			st.firstMs = timeMs // its baseline starts now
		}
	}
	if !st.covered {
		return
	}
	t := time.UnixMilli(timeMs)
	score, reason := st.scorer.Observe(t, v)
	st.score = score
	obs := insight.Observation{
		Series: st.info, Time: t, Value: v, Score: score, Reason: reason,
		Baselining: timeMs-st.firstMs < w.o.Baseline.Milliseconds(),
	}
	if err := w.o.Observer.Observe(ctx, obs); err != nil {
		w.m.observeErrors.Inc()
		w.o.Logger.Warn("insight stage refused an observation", "series", st.info.ID, "metric", st.info.Metric, "err", err)
	}
}

// newState describes a new series. metric and labels may point into a
// queued part: what the state keeps is copied (and shared with the other
// series through the interner).
func (w *Watcher) newState(h uint64, metric string, labels []ingest.Label, counter bool, firstMs int64) *state {
	metric, ls := w.strs.labels(metric, labels)
	info := w.o.Mapper.Describe(metric, ls)
	info.ID = series.FormatID(h)
	st := &state{info: info, firstMs: firstMs, lastMs: firstMs, covered: w.o.Mapper.Covered(info), counter: counter, coverGen: w.coverGen.Load()}
	if st.counter {
		// Counters are analysed as their per-second rate.
		st.info.Statistic = "rate"
		if st.info.Unit == "1" || st.info.Unit == "" {
			st.info.Unit = "1/s"
		} else {
			st.info.Unit += "/s"
		}
	}
	w.strs.info(&st.info)
	if st.covered {
		st.scorer = w.o.NewScorer()
	}
	return st
}

// SetCoverage changes what is analysed (series.coverage; the DevOps Guru
// API's UpdateResourceCollection): new series follow it at once, known ones
// at their next sample. A series that becomes covered starts its baseline
// then; one that stops being covered keeps its detector but is not scored.
func (w *Watcher) SetCoverage(c series.Coverage) {
	w.o.Mapper.SetCoverage(c)
	w.coverGen.Add(1)
}

// Coverage returns the coverage in force.
func (w *Watcher) Coverage() series.Coverage { return w.o.Mapper.Coverage() }
