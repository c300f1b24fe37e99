package insight

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// zscorer stands in for the detection stage in this test: a per-series
// mean and variance learnt during a baseline of n samples, frozen while a
// sample is anomalous, scoring |z| beyond 3 on a 0–1 scale.
type zscorer struct {
	n        int
	seen     int
	mean, m2 float64
}

func (z *zscorer) score(x float64) (score float64, reason string, baselining bool) {
	if z.seen < z.n {
		z.seen++
		d := x - z.mean
		z.mean += d / float64(z.seen)
		z.m2 += d * (x - z.mean)
		return 0, "", true
	}
	sd := math.Sqrt(z.m2/float64(z.seen-1)) + 1e-9
	zz := math.Abs(x-z.mean) / sd
	score = math.Min(1, math.Max(0, (zz-3)/5))
	return score, fmt.Sprintf("value %.1f is %.1fσ from the baseline mean %.1f", x, zz, z.mean), false
}

// TestEndToEndCPUBurn drives the engine as the host agent and detector
// would during `stress --cpu`: 10 minutes of normal readings (the
// baseline), 10 minutes of CPU burn, 10 minutes of calm. One CPU
// saturation insight must open, be handed to remediation, and close after
// the load stops.
func TestEndToEndCPUBurn(t *testing.T) {
	cfg := testConfig()
	cfg.Cooldown = 2 * time.Minute
	cfg.ConfirmSamples = DefaultConfig().ConfirmSamples
	h := newHarness(t, nil, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	type host struct {
		info   series.Info
		z      *zscorer
		normal func() float64
		burn   func() float64
	}
	mk := func(metric, unit string) series.Info {
		s := hostSeries(metric, "web-1", "shop")
		s.Unit = unit
		return s
	}
	metrics := []host{
		{mk("host_cpu_utilization", "percent"), &zscorer{n: 60}, func() float64 { return 12 + rng.NormFloat64()*3 }, func() float64 { return math.Min(100, 98+rng.NormFloat64()) }},
		{mk("host_load1", ""), &zscorer{n: 60}, func() float64 { return 0.5 + rng.NormFloat64()*0.15 }, func() float64 { return 4 + rng.NormFloat64()*0.3 }},
		{mk("host_memory_used_percent", "percent"), &zscorer{n: 60}, func() float64 { return 41 + rng.NormFloat64() }, func() float64 { return 41.5 + rng.NormFloat64() }},
		{mk("host_disk_used_percent", "percent"), &zscorer{n: 60}, func() float64 { return 63 + rng.NormFloat64()*0.1 }, func() float64 { return 63 + rng.NormFloat64()*0.1 }},
	}
	at := t0
	phase := func(n int, burning bool) {
		for i := 0; i < n; i++ {
			for _, m := range metrics {
				v := m.normal()
				if burning {
					v = m.burn()
				}
				s, reason, base := m.z.score(v)
				h.clock.Set(at)
				if err := h.e.Observe(t.Context(), Observation{Series: m.info, Time: at, Value: v, Score: s, Reason: reason, Baselining: base}); err != nil {
					t.Fatal(err)
				}
			}
			at = at.Add(10 * time.Second)
		}
		h.flush()
	}
	phase(60, false) // baseline
	phase(12, false) // normal after baseline: nothing raised
	if n := len(h.insights()); n != 0 {
		t.Fatalf("%d insights from normal noise, want 0", n)
	}
	burnStart := at
	phase(60, true)
	ins := h.insights()
	if len(ins) != 1 {
		t.Fatalf("%d insights during the burn, want 1", len(ins))
	}
	in := ins[0]
	if in.ProblemType != CPUSaturation || in.Severity != store.SeverityHigh || in.Status != store.InsightOngoing ||
		in.Name != "CPU utilisation and load anomalous on host web-1 (stack shop)" || !in.StartedAt.Equal(burnStart) {
		t.Fatalf("insight during the burn: %s %s %s %q start %v (burn began %v)", in.ProblemType, in.Severity, in.Status, in.Name, in.StartedAt, burnStart)
	}
	ps := h.sink.problems()
	if len(ps) == 0 || ps[0].State != problem.StateOpen || ps[0].EventType != CPUSaturation ||
		ps[0].Entities[0].Properties["awsInstanceType"] != "t3.small" {
		t.Fatalf("hand-off during the burn: %+v", ps)
	}
	phase(60, false) // the load stops
	h.advance(3 * time.Minute)
	in = h.insights()[0]
	for _, a := range h.anomalies(in.ID) {
		t.Logf("%s %s %v–%v peak %v", a.ID, a.Metric, a.StartedAt, a.EndedAt, a.PeakScore)
	}
	if in.Status != store.InsightClosed || in.EndedAt.Before(burnStart.Add(10*time.Minute)) {
		t.Fatalf("after the load stopped: %s, end %v", in.Status, in.EndedAt)
	}
	ps = h.sink.problems()
	if last := ps[len(ps)-1]; last.State != problem.StateResolved || last.ExternalID != in.ID {
		t.Fatalf("last hand-off %+v, want RESOLVED for %s", last, in.ID)
	}
	if len(ps) > 4 {
		t.Fatalf("%d hand-offs for one insight: flooding", len(ps))
	}
	anoms := h.anomalies(in.ID)
	got := map[string]bool{}
	for _, a := range anoms {
		got[a.Metric] = true
		if a.Status != store.AnomalyClosed || len(a.Excerpt) < 40 || a.Reason == "" || a.PeakScore < 0.9 {
			t.Errorf("anomaly %s: status %s, %d excerpt points, reason %q, peak %v", a.Metric, a.Status, len(a.Excerpt), a.Reason, a.PeakScore)
		}
	}
	if !got["host_cpu_utilization"] || !got["host_load1"] || got["host_memory_used_percent"] || got["host_disk_used_percent"] {
		t.Fatalf("anomalous metrics %v, want CPU and load only", got)
	}
}
