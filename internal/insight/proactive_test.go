package insight

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// proHarness runs a proactive engine on SQLite with a test clock.
type proHarness struct {
	t    *testing.T
	p    *Proactive
	st   store.Store
	clk  *clock
	stop func()
}

func newProHarness(t *testing.T, cfg ProactiveConfig) *proHarness {
	t.Helper()
	st := storetest.OpenSQLite(t)
	clk := &clock{t: t0}
	cfg.Instance, cfg.Tick = "test", time.Hour
	p, err := NewProactive(ProactiveOptions{Store: st, Config: cfg, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	h := &proHarness{t: t, p: p, st: st, clk: clk, stop: func() { cancel(); <-done }}
	t.Cleanup(h.stop)
	return h
}

var podInfo = series.Info{ID: "s-mem", Metric: "pod_memory_utilization", Labels: series.Labels{"namespace": "prod", "pod": "cart-1"},
	Unit: "percent", Resource: series.Resource{Type: "pod", ID: "pod/prod/cart-1", Name: "cart-1"},
	Boundary: series.Boundary{Kind: "namespace", Name: "prod/shop"}}

// run feeds f(hours) every step for d and returns what was stored.
func (h *proHarness) run(info series.Info, d, step time.Duration, f func(hours float64) float64) []store.Insight {
	h.t.Helper()
	ctx := context.Background()
	for at := t0; at.Sub(t0) < d; at = at.Add(step) {
		h.clk.Set(at)
		if err := h.p.Observe(ctx, Observation{Series: info, Time: at, Value: f(at.Sub(t0).Hours())}); err != nil {
			h.t.Fatal(err)
		}
	}
	if err := h.p.Flush(ctx); err != nil {
		h.t.Fatal(err)
	}
	page, err := h.st.Insights().List(ctx, store.InsightFilter{Type: store.InsightProactive})
	if err != nil {
		h.t.Fatal(err)
	}
	return page.Insights
}

func TestProactiveMemoryLeak(t *testing.T) {
	h := newProHarness(t, DefaultProactiveConfig())
	rng := rand.New(rand.NewPCG(7, 7))
	// Two days of a daily cycle around 40 %, then a leak of 1.5 %/h: the
	// trend line reaches 100 % at hour 88.
	leak := func(hr float64) float64 {
		v := 40 + 5*math.Sin(2*math.Pi*hr/24) + rng.NormFloat64()
		if hr > 48 {
			v += 1.5 * (hr - 48)
		}
		return math.Min(v, 100)
	}
	var opened store.Insight
	var hit time.Time
	ctx := context.Background()
	for at := t0; at.Sub(t0) < 100*time.Hour; at = at.Add(5 * time.Minute) {
		h.clk.Set(at)
		v := leak(at.Sub(t0).Hours())
		if v >= 100 && hit.IsZero() {
			hit = at
		}
		if err := h.p.Observe(ctx, Observation{Series: podInfo, Time: at, Value: v}); err != nil {
			t.Fatal(err)
		}
		if opened.ID == "" && at.Minute() == 0 {
			_ = h.p.Flush(ctx)
			page, _ := h.st.Insights().List(ctx, store.InsightFilter{Type: store.InsightProactive})
			if len(page.Insights) > 0 {
				opened = page.Insights[0]
				opened.StartedAt = at // when it became visible
			}
		}
	}
	if opened.ID == "" {
		t.Fatal("no proactive insight opened for a steady leak")
	}
	if hit.IsZero() {
		t.Fatal("the leak never hit the limit")
	}
	if err := h.p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	lead := hit.Sub(opened.StartedAt)
	if lead < 12*time.Hour {
		t.Errorf("opened %s before the limit, want at least half the 24h horizon", lead)
	}
	got, err := h.st.Insights().Get(ctx, opened.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != store.InsightProactive || got.ProblemType != MemorySaturation || got.PredictionTimeRange == nil {
		t.Fatalf("insight = %+v", got)
	}
	if want := "Memory utilisation approaching its limit on pod cart-1 (namespace prod/shop)"; got.Name != want {
		t.Errorf("name = %q, want %q", got.Name, want)
	}
	anoms, err := h.st.Anomalies().ListByInsight(ctx, got.ID)
	if err != nil || len(anoms) != 1 || anoms[0].Forecast == nil {
		t.Fatalf("anomalies = %+v, %v", anoms, err)
	}
	t.Logf("opened %s before the limit; %s: %s", lead, got.Severity, got.Description)
	if got.Status != store.InsightClosed || !strings.Contains(got.Description, "Closed: the limit was reached.") {
		t.Errorf("status = %s after the limit was reached, want CLOSED because the limit was reached (%s)", got.Status, got.Description)
	}
}

func TestProactiveQuietOnFlatSeasonalAndSawtooth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tt := range []struct {
		name string
		f    func(h float64) float64
	}{
		{"flat", func(h float64) float64 { return 55 + rng.NormFloat64()*2 }},
		{"daily cycle", func(h float64) float64 { return 50 + 25*math.Sin(2*math.Pi*h/24) + rng.NormFloat64() }},
		{"weekday peaks", func(h float64) float64 {
			return 45 + 30*math.Max(0, math.Sin(2*math.Pi*(h-8)/24)) + rng.NormFloat64()
		}},
		{"sawtooth (log rotation every 6h)", func(h float64) float64 { return 40 + 40*math.Mod(h, 6)/6 + rng.NormFloat64()*0.5 }},
		{"sawtooth (GC every 10 minutes)", func(h float64) float64 { return 50 + 30*math.Mod(h*6, 1) + rng.NormFloat64() }},
		{"daily rotation", func(h float64) float64 { return 60 + 30*math.Mod(h, 24)/24 + rng.NormFloat64() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newProHarness(t, DefaultProactiveConfig())
			if got := h.run(podInfo, 6*24*time.Hour, 5*time.Minute, tt.f); len(got) != 0 {
				t.Errorf("raised %d proactive insights: %s", len(got), got[0].Description)
			}
		})
	}
}

func TestProactiveFreeBytesFallToZeroWithALimitFromNoWhere(t *testing.T) {
	h := newProHarness(t, DefaultProactiveConfig())
	info := series.Info{ID: "s-fs", Metric: "node_filesystem_avail_bytes", Labels: series.Labels{"instance": "web-1", "mountpoint": "/"},
		Unit: "bytes", Resource: series.Resource{Type: "host", ID: "host/web-1", Name: "web-1"}, Boundary: series.Boundary{Kind: "stack", Name: "shop"}}
	// 100 GB free, losing 0.5 GB an hour: empty after 200 hours, within
	// the 7-day horizon after hour 32.
	got := h.run(info, 5*24*time.Hour, 10*time.Minute, func(hr float64) float64 { return 100e9 - 0.5e9*hr })
	if len(got) != 1 || got[0].ProblemType != DiskFull || got[0].Status != store.InsightOngoing {
		t.Fatalf("insights = %+v", got)
	}
	if want := "Disk space running out on host web-1 (stack shop)"; got[0].Name != want {
		t.Errorf("name = %q, want %q", got[0].Name, want)
	}
	r := got[0].PredictionTimeRange
	if r == nil || math.Abs(r.Start.Sub(t0).Hours()-200) > 10 {
		t.Errorf("prediction = %+v, want about hour 200", r)
	}
}

func TestProactiveContainerMemoryAgainstItsLimitSeries(t *testing.T) {
	h := newProHarness(t, ProactiveConfig{WindowMemory: 2 * time.Hour, HorizonMemory: 24 * time.Hour})
	labels := series.Labels{"namespace": "prod", "pod": "cart-1", "container": "app"}
	ws := series.Info{ID: "s-ws", Metric: "container_memory_working_set_bytes", Labels: labels, Resource: podInfo.Resource, Boundary: podInfo.Boundary}
	lim := series.Info{ID: "s-lim", Metric: "kube_pod_container_resource_limits",
		Labels: series.Labels{"namespace": "prod", "pod": "cart-1", "container": "app", "resource": "memory", "unit": "byte"}, Resource: podInfo.Resource, Boundary: podInfo.Boundary}
	ctx := context.Background()
	for at := t0; at.Sub(t0) < 4*time.Hour; at = at.Add(time.Minute) {
		h.clk.Set(at)
		hr := at.Sub(t0).Hours()
		_ = h.p.Observe(ctx, Observation{Series: lim, Time: at, Value: 1 << 30})
		_ = h.p.Observe(ctx, Observation{Series: ws, Time: at, Value: 300e6 + 50e6*hr})
	}
	_ = h.p.Flush(ctx)
	page, _ := h.st.Insights().List(ctx, store.InsightFilter{Type: store.InsightProactive})
	if len(page.Insights) != 1 {
		t.Fatalf("%d proactive insights, want 1", len(page.Insights))
	}
	anoms, _ := h.st.Anomalies().ListByInsight(ctx, page.Insights[0].ID)
	fc := anoms[0].Forecast
	if fc.Limit != 1<<30 || fc.LimitSource != "kube_pod_container_resource_limits" {
		t.Errorf("limit %v from %q", fc.Limit, fc.LimitSource)
	}
	// 1 GiB = 1073.7 MB is reached at hour (1073.7-300)/50 = 15.5.
	if got := fc.ExhaustAt.Sub(t0).Hours(); math.Abs(got-15.5) > 0.5 {
		t.Errorf("exhausted at hour %.2f, want 15.5", got)
	}
}

func TestProactiveObserveDoesNotAllocate(t *testing.T) {
	h := newProHarness(t, DefaultProactiveConfig())
	ctx := context.Background()
	other := series.Info{ID: "s-lat", Metric: "http_request_duration_seconds"}
	at := t0
	_ = h.p.Observe(ctx, Observation{Series: podInfo, Time: at, Value: 1})
	_ = h.p.Observe(ctx, Observation{Series: other, Time: at, Value: 1})
	allocs := testing.AllocsPerRun(1000, func() {
		at = at.Add(time.Second) // a bucket is 30 minutes: none completes
		_ = h.p.Observe(ctx, Observation{Series: podInfo, Time: at, Value: 50})
		_ = h.p.Observe(ctx, Observation{Series: other, Time: at, Value: 0.2})
	})
	if allocs != 0 {
		t.Errorf("Observe allocates %.1f times per sample, want 0", allocs)
	}
}
