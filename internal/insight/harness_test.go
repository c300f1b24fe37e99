package insight

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

// recordingSink records every problem handed to it.
type recordingSink struct {
	mu   sync.Mutex
	got  []problem.Problem
	fail bool
}

func (s *recordingSink) Submit(_ context.Context, p problem.Problem) (problem.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return problem.Receipt{}, context.DeadlineExceeded
	}
	s.got = append(s.got, p)
	return problem.Receipt{ProblemID: "prb-" + p.ExternalID}, nil
}

func (s *recordingSink) problems() []problem.Problem {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]problem.Problem(nil), s.got...)
}

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// harness is an engine on a store, with a test clock and a recording sink,
// its Run goroutine started.
type harness struct {
	t     *testing.T
	e     *Engine
	st    Store
	clock *clock
	sink  *recordingSink
	stop  func()
}

func testConfig() Config {
	c := DefaultConfig()
	c.CloseAfterSamples, c.CloseAfter = 5, 5*time.Minute
	c.GroupGap, c.Cooldown, c.StaleAfter = 2*time.Minute, 3*time.Minute, 5*time.Minute
	c.Instance = "node-a"
	c.ConfirmSamples = 1 // most tests look at single alerts; confirmation has its own
	c.Tick = time.Hour   // housekeeping runs on Flush
	return c
}

func newHarness(t *testing.T, st Store, cfg Config) *harness {
	t.Helper()
	if st == nil {
		st = storetest.OpenSQLite(t)
	}
	h := &harness{t: t, st: st, clock: &clock{t: t0}, sink: &recordingSink{}}
	h.start(cfg)
	return h
}

func (h *harness) start(cfg Config) {
	h.t.Helper()
	e, err := New(Options{Store: h.st, Logger: slog.New(slog.NewTextHandler(testWriter{h.t}, nil)), Config: cfg, Sink: h.sink, Now: h.clock.Now,
		InsightURL: func(id string) string { return "http://tend.test/v1/insights/" + id }})
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
	if err := e.Load(context.Background()); err != nil {
		h.t.Fatalf("Load: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	h.e = e
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("Run: %v", err)
			}
		})
	}
	h.t.Cleanup(h.stop)
}

// restart stops the engine and starts a new one on the same store.
func (h *harness) restart(cfg Config) {
	h.stop()
	h.start(cfg)
}

func hostSeries(metric, host, stack string) series.Info {
	return series.Info{
		ID: metric + "{" + host + "}", Metric: metric, Labels: series.Labels{"instance": host, "job": "node"},
		Resource: series.Resource{Type: "host", ID: "host/" + host, Name: host, InstanceID: "i-" + host, InstanceType: "t3.small"},
		Boundary: series.Boundary{Kind: "stack", Name: stack, Account: "111122223333", Region: "eu-west-1"},
		Unit:     "percent", Statistic: "Average", Period: 10 * time.Second,
	}
}

// observe feeds one sample and moves the clock to its time.
func (h *harness) observe(info series.Info, at time.Time, v, score float64, reason string) {
	h.t.Helper()
	h.clock.Set(at)
	if err := h.e.Observe(context.Background(), Observation{Series: info, Time: at, Value: v, Score: score, Reason: reason}); err != nil {
		h.t.Fatalf("Observe: %v", err)
	}
}

func (h *harness) flush() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.e.Flush(ctx); err != nil {
		h.t.Fatalf("Flush: %v", err)
	}
}

// advance moves the clock and runs housekeeping.
func (h *harness) advance(d time.Duration) {
	h.clock.Set(h.clock.Now().Add(d))
	h.flush()
}

func (h *harness) insights() []store.Insight {
	h.t.Helper()
	p, err := h.st.Insights().List(context.Background(), store.InsightFilter{Limit: 1000})
	if err != nil {
		h.t.Fatalf("List insights: %v", err)
	}
	// oldest first reads better in tests
	out := make([]store.Insight, len(p.Insights))
	for i, in := range p.Insights {
		out[len(out)-1-i] = in
	}
	return out
}

func (h *harness) anomalies(insightID string) []store.Anomaly {
	h.t.Helper()
	a, err := h.st.Anomalies().ListByInsight(context.Background(), insightID)
	if err != nil {
		h.t.Fatalf("ListByInsight: %v", err)
	}
	return a
}

func (h *harness) allAnomalies() []store.Anomaly {
	var out []store.Anomaly
	for _, in := range h.insights() {
		out = append(out, h.anomalies(in.ID)...)
	}
	return out
}

// testWriter sends log lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
