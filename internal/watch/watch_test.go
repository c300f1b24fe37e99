package watch_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/watch"
)

// recorder is an insight.Observer that keeps every observation.
type recorder struct {
	mu  sync.Mutex
	obs []insight.Observation
}

func (r *recorder) Observe(_ context.Context, o insight.Observation) error {
	r.mu.Lock()
	r.obs = append(r.obs, o)
	r.mu.Unlock()
	return nil
}

func (r *recorder) all() []insight.Observation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]insight.Observation(nil), r.obs...)
}

func start(t *testing.T, w *watch.Watcher) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func waitProcessed(t *testing.T, w *watch.Watcher) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for w.Pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d samples still pending", w.Pending())
		}
		time.Sleep(time.Millisecond)
	}
}

func host(h string) []ingest.Label { return []ingest.Label{{Name: "host", Value: h}} }

func TestScoresBaselinesAndRates(t *testing.T) {
	rec := &recorder{}
	w, err := watch.New(watch.Options{Observer: rec, Workers: 2, Baseline: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, w)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var batch []ingest.Sample
	for i := range 200 {
		v := 20 + float64(i%3)
		if i == 150 {
			v = 95 // a spike after the 1-minute baseline (10 s steps)
		}
		batch = append(batch, ingest.Sample{Metric: "host_cpu_utilization", Labels: host("web-1"), TimeMs: t0 + int64(i)*10_000, Value: v})
		batch = append(batch, ingest.Sample{Metric: "requests_total", Labels: host("web-1"), TimeMs: t0 + int64(i)*10_000, Value: float64(i * 50), Counter: true})
	}
	if err := w.Append(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	waitProcessed(t, w)
	stop()

	var cpu, reqs []insight.Observation
	for _, o := range rec.all() {
		switch o.Series.Metric {
		case "host_cpu_utilization":
			cpu = append(cpu, o)
		case "requests_total":
			reqs = append(reqs, o)
		}
	}
	if len(cpu) != 200 || len(reqs) != 199 {
		t.Fatalf("observations: cpu %d (want 200), requests %d (want 199: a counter's first sample has no rate)", len(cpu), len(reqs))
	}
	if !cpu[5].Baselining || cpu[6].Baselining {
		t.Errorf("baselining: sample 5 %v (want true), 6 %v (want false) with a 1m baseline and 10s steps", cpu[5].Baselining, cpu[6].Baselining)
	}
	if cpu[150].Score < 0.5 || cpu[150].Reason == "" {
		t.Errorf("spike score = %v reason %q, want ≥ 0.5 with a reason", cpu[150].Score, cpu[150].Reason)
	}
	if cpu[100].Score >= 0.5 {
		t.Errorf("normal point scored %v", cpu[100].Score)
	}
	if reqs[10].Value != 5 || reqs[10].Series.Statistic != "rate" {
		t.Errorf("counter observation = %v %q, want rate 5/s", reqs[10].Value, reqs[10].Series.Statistic)
	}
	if cpu[0].Series.Period != 0 || cpu[5].Series.Period != 10*time.Second {
		t.Errorf("period = %v then %v, want 0 then 10s", cpu[0].Series.Period, cpu[5].Series.Period)
	}
	if cpu[0].Series.Resource.ID != "host/web-1" || cpu[0].Series.ID == "" {
		t.Errorf("series info = %+v", cpu[0].Series)
	}

	all, total := w.List(series.Selector{}, 0, 0)
	if total != 2 || len(all) != 2 || all[0].Samples != 200 || all[0].Baselining {
		t.Fatalf("List = %d %+v", total, all)
	}
	sel, _ := series.ParseSelector(`host_cpu_utilization{host="web-1"}`)
	if got, n := w.List(sel, 0, 10); n != 1 || got[0].Metric != "host_cpu_utilization" {
		t.Fatalf("List(selector) = %d %+v", n, got)
	}
	if err := w.Append(context.Background(), batch[:1]); !errors.Is(err, watch.ErrStopped) {
		t.Fatalf("Append after stop = %v, want ErrStopped", err)
	}
}

// blocker holds the worker inside Observe until released.
type blocker struct {
	release chan struct{}
	n       int
	mu      sync.Mutex
}

func (b *blocker) Observe(context.Context, insight.Observation) error {
	<-b.release
	b.mu.Lock()
	b.n++
	b.mu.Unlock()
	return nil
}

func TestOverloadRefusesWholeBatchAndLosesNothing(t *testing.T) {
	mk := func(n int) []ingest.Sample {
		var s []ingest.Sample
		for i := range n {
			s = append(s, ingest.Sample{Metric: "m", Labels: host(fmt.Sprint(i)), TimeMs: 1, Value: 1})
		}
		return s
	}
	probe, _ := watch.New(watch.Options{Observer: &counter{}, Workers: 1})
	six, four := probe.Cost(mk(6)), probe.Cost(mk(4))
	b := &blocker{release: make(chan struct{})}
	// room for a batch of 6 and one of 4, not two of 6; no waiting
	w, err := watch.New(watch.Options{Observer: b, Workers: 1, QueueBytes: six + four, QueueWait: -1, RetryAfter: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, w)
	if err := w.Append(context.Background(), mk(6)); err != nil {
		t.Fatal(err)
	}
	err = w.Append(context.Background(), mk(6))
	var oe *ingest.OverloadedError
	if !errors.As(err, &oe) || oe.RetryAfter != 3*time.Second {
		t.Fatalf("second batch: %v, want OverloadedError with RetryAfter 3s", err)
	}
	var tl *watch.BatchTooLargeError
	if err := w.Append(context.Background(), mk(40)); !errors.As(err, &tl) {
		t.Fatalf("batch larger than the queue: %v", err)
	}
	if err := w.Append(context.Background(), mk(4)); err != nil {
		t.Fatalf("a batch that fits: %v", err)
	}
	close(b.release)
	waitProcessed(t, w)
	stop()
	if b.n != 10 {
		t.Fatalf("observed %d samples, want the 10 accepted", b.n)
	}
}

// TestOverloadWaitsBeforeRefusing: a batch that finds the queue full waits
// for the workers to make room and is admitted; one that waits longer than
// QueueWait is refused; the wait ends with the sender's context.
func TestOverloadWaitsBeforeRefusing(t *testing.T) {
	mk := func(n int, at int64) []ingest.Sample {
		var s []ingest.Sample
		for i := range n {
			s = append(s, ingest.Sample{Metric: "m", Labels: host(fmt.Sprint(i)), TimeMs: at, Value: 1})
		}
		return s
	}
	probe, _ := watch.New(watch.Options{Observer: &counter{}, Workers: 1})
	b := &blocker{release: make(chan struct{})}
	w, err := watch.New(watch.Options{Observer: b, Workers: 1, QueueBytes: probe.Cost(mk(5, 1)), QueueWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, w)
	defer stop()
	if err := w.Append(context.Background(), mk(5, 1)); err != nil {
		t.Fatal(err)
	}
	// The queue is full. A sender that gives up stops waiting, and nothing
	// of its batch is taken.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := w.Append(ctx, mk(5, 3)); !errors.Is(err, context.DeadlineExceeded) {
		close(b.release)
		t.Fatalf("cancelled wait: %v", err)
	}
	// The next batch waits until the worker is let go.
	got := make(chan error, 1)
	go func() { got <- w.Append(context.Background(), mk(5, 2)) }()
	select {
	case err := <-got:
		close(b.release)
		t.Fatalf("admitted without room: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(b.release)
	if err := <-got; err != nil {
		t.Fatalf("the waiting batch: %v", err)
	}
	waitProcessed(t, w)
	if b.n != 10 {
		t.Fatalf("observed %d samples, want the 10 admitted", b.n)
	}
	// With a short wait and no room, the answer is 429's error.
	b2 := &blocker{release: make(chan struct{})}
	w2, _ := watch.New(watch.Options{Observer: b2, Workers: 1, QueueBytes: probe.Cost(mk(5, 1)), QueueWait: 30 * time.Millisecond})
	stop2 := start(t, w2)
	defer stop2()
	if err := w2.Append(context.Background(), mk(5, 1)); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	var oe *ingest.OverloadedError
	if err := w2.Append(context.Background(), mk(5, 2)); !errors.As(err, &oe) || time.Since(t0) < 30*time.Millisecond {
		t.Fatalf("after %s: %v, want OverloadedError after the 30ms wait", time.Since(t0), err)
	}
	close(b2.release)
}

func TestCoverageAndSeriesLimit(t *testing.T) {
	rec := &recorder{}
	m := series.NewMapper(series.MapperConfig{Coverage: series.Coverage{Mode: "stacks", Stacks: []string{"shop"}}})
	w, _ := watch.New(watch.Options{Observer: rec, Mapper: m, MaxSeries: 2})
	stop := start(t, w)
	shop := []ingest.Label{{Name: "host", Value: "a"}, {Name: "stack", Value: "shop"}}
	err := w.Append(context.Background(), []ingest.Sample{
		{Metric: "cpu", Labels: shop, TimeMs: 1, Value: 1},
		{Metric: "cpu", Labels: host("b"), TimeMs: 1, Value: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitProcessed(t, w)
	// At the limit: a batch with a new series is refused whole; known
	// series still get in.
	err = w.Append(context.Background(), []ingest.Sample{
		{Metric: "cpu", Labels: host("b"), TimeMs: 2, Value: 1},
		{Metric: "cpu", Labels: host("c"), TimeMs: 2, Value: 1},
	})
	var sl *watch.SeriesLimitError
	if !errors.As(err, &sl) || sl.Limit != 2 {
		t.Fatalf("new series at the limit: %v", err)
	}
	if err := w.Append(context.Background(), []ingest.Sample{{Metric: "cpu", Labels: host("b"), TimeMs: 3, Value: 1}}); err != nil {
		t.Fatalf("known series at the limit: %v", err)
	}
	waitProcessed(t, w)
	stop()
	if obs := rec.all(); len(obs) != 1 || obs[0].Series.Boundary.Name != "shop" {
		t.Fatalf("observations = %+v, want only the covered series", obs)
	}
	list, _ := w.List(series.Selector{}, 0, 0)
	b, _ := w.List(mustSelector(t, `{host="b"}`), 0, 0)
	if len(list) != 2 || w.SeriesCount() != 2 || len(b) != 1 || b[0].Samples != 2 {
		t.Fatalf("tracked %d series, want the limit of 2", len(list))
	}
}

func TestZScoreSnapshot(t *testing.T) {
	a := watch.NewZScore()
	for i := range 100 {
		a.Observe(time.Time{}, float64(i%5))
	}
	data, err := a.(*watch.ZScore).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var b watch.ZScore
	if err := b.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	s1, _ := a.Observe(time.Time{}, 50)
	s2, _ := b.Observe(time.Time{}, 50)
	if s1 != s2 || s1 < 0.5 {
		t.Fatalf("restored scorer differs: %v vs %v", s1, s2)
	}
	if err := b.UnmarshalBinary([]byte{1}); err == nil {
		t.Fatal("short snapshot accepted")
	}
}

func mustSelector(t *testing.T, s string) series.Selector {
	t.Helper()
	sel, err := series.ParseSelector(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

// TestConcurrentAppendListStop appends from several goroutines while
// listing and stopping: every accepted sample is observed, none after stop.
func TestConcurrentAppendListStop(t *testing.T) {
	obs := &counter{}
	w, _ := watch.New(watch.Options{Observer: obs, Workers: 3, QueueBytes: 64 << 10})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				batch := []ingest.Sample{
					{Metric: "m", Labels: host(fmt.Sprint(g, "-", i%50)), TimeMs: int64(i), Value: float64(i)},
					{Metric: "n", Labels: host(fmt.Sprint(g)), TimeMs: int64(i), Value: 1},
				}
				if err := w.Append(context.Background(), batch); err == nil {
					accepted.Add(2)
				}
				if i == 150 && g == 0 {
					cancel()
				}
				if i%50 == 0 {
					w.List(series.Selector{}, 0, 10)
				}
			}
		}()
	}
	wg.Wait()
	<-done
	if got := obs.n.Load(); got != accepted.Load() {
		t.Fatalf("observed %d samples, accepted %d", got, accepted.Load())
	}
	if w.Pending() != 0 {
		t.Fatalf("%d samples left pending", w.Pending())
	}
}

func TestSeriesExpire(t *testing.T) {
	w, _ := watch.New(watch.Options{Observer: &recorder{}, SeriesTTL: 100 * time.Millisecond})
	stop := start(t, w)
	defer stop()
	send := func(h string, ms int64) {
		if err := w.Append(context.Background(), []ingest.Sample{{Metric: "m", Labels: host(h), TimeMs: ms, Value: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	send("gone", 1)
	for i := range 40 {
		send("alive", int64(i))
		time.Sleep(10 * time.Millisecond)
	}
	waitProcessed(t, w)
	list, _ := w.List(series.Selector{}, 0, 0)
	if len(list) != 1 || list[0].Labels["host"] != "alive" || w.SeriesCount() != 1 {
		t.Fatalf("after the TTL: %d series (%+v), want only the one still sending", w.SeriesCount(), list)
	}
}
