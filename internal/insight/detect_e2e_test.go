package insight

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/detect"
	"github.com/tendhq/tend/internal/store"
)

// TestCPUBurnWithTheDefaultDetector drives the engine with tend's own
// detector (internal/detect), which alerts once per incident and then
// holds its score down for a refractory period: the anomaly must still
// last as long as the burn, because the values stay outside the band the
// series kept before it.
func TestCPUBurnWithTheDefaultDetector(t *testing.T) {
	cfg := testConfig()
	cfg.Cooldown = 2 * time.Minute
	cfg.ConfirmSamples = DefaultConfig().ConfirmSamples
	h := newHarness(t, nil, cfg)
	rng := rand.New(rand.NewPCG(7, 8))
	cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
	d, err := detect.NewContinuous(detect.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	at := t0
	baselineEnds := t0.Add(time.Hour) // as the ingest side would mark it
	feed := func(n int, v func() float64) {
		for i := 0; i < n; i++ {
			x := v()
			r := d.Observe(at, x)
			h.clock.Set(at)
			if err := h.e.Observe(t.Context(), Observation{Series: cpu, Time: at, Value: x, Score: r.Score, Reason: r.Reason, Baselining: at.Before(baselineEnds)}); err != nil {
				t.Fatal(err)
			}
			at = at.Add(10 * time.Second)
		}
		h.flush()
	}
	normal := func() float64 { return 12 + rng.NormFloat64()*3 }
	feed(720, normal) // an hour of baseline, an hour of normal
	if n := len(h.insights()); n != 0 {
		for _, in := range h.insights() {
			t.Logf("%s: %s", in.Name, in.Description)
		}
		t.Fatalf("%d insights from noise after the baseline", n)
	}
	burnStart := at
	feed(90, func() float64 { return math.Min(100, 98+rng.NormFloat64()) }) // 15 minutes of burn
	ins := h.insights()
	if len(ins) != 1 || ins[0].ProblemType != CPUSaturation || ins[0].Status != store.InsightOngoing {
		t.Fatalf("during the burn: %+v", ins)
	}
	an := h.anomalies(ins[0].ID)
	if len(an) != 1 || an[0].Status != store.AnomalyOpen || an[0].StartedAt.Sub(burnStart) > time.Minute {
		t.Fatalf("anomaly during the burn (began %v): %+v", burnStart, an)
	}
	burnEnd := at
	feed(30, normal)
	h.advance(3 * time.Minute)
	in := h.insights()[0]
	a := h.anomalies(in.ID)[0]
	if a.Status != store.AnomalyClosed || a.EndedAt.Before(burnEnd) || a.EndedAt.After(burnEnd.Add(time.Minute)) {
		t.Fatalf("anomaly after the burn (ended %v): %s, end %v", burnEnd, a.Status, a.EndedAt)
	}
	if in.Status != store.InsightClosed {
		t.Fatalf("insight after the burn and cool-down: %s", in.Status)
	}
}

// TestQuietOnNoiseWithTheDefaultDetector backs the claims in
// docs/insights.md: 22 hours of Gaussian noise at 10 s (after a one-hour
// baseline) raise no anomaly, with or without confirmation; noise with
// heavy tails (Student's t, 3 degrees of freedom: lone outliers every so
// often) raises a few single-sample alerts, which the default
// confirm_samples drops. The detector is built as tend serve builds it
// (detect.NewContinuous).
func TestQuietOnNoiseWithTheDefaultDetector(t *testing.T) {
	run := func(confirm int, noise func(*rand.Rand) float64) int {
		cfg := testConfig()
		cfg.ConfirmSamples = confirm
		h := newHarness(t, nil, cfg)
		rng := rand.New(rand.NewPCG(7, 8))
		cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
		d, err := detect.NewContinuous(detect.DefaultName)
		if err != nil {
			t.Fatal(err)
		}
		at := t0
		for i := 0; i < 8640; i++ {
			x := 12 + 3*noise(rng)
			r := d.Observe(at, x)
			h.clock.Set(at)
			if err := h.e.Observe(t.Context(), Observation{Series: cpu, Time: at, Value: x, Score: r.Score, Reason: r.Reason, Baselining: i < 360}); err != nil {
				t.Fatal(err)
			}
			at = at.Add(10 * time.Second)
		}
		h.flush()
		return len(h.allAnomalies())
	}
	gauss := func(r *rand.Rand) float64 { return r.NormFloat64() }
	student := func(r *rand.Rand) float64 { // t with 3 degrees of freedom
		a, b, c := r.NormFloat64(), r.NormFloat64(), r.NormFloat64()
		return r.NormFloat64() / math.Sqrt((a*a+b*b+c*c)/3)
	}
	def := DefaultConfig().ConfirmSamples
	g1, g2, s1, s2 := run(1, gauss), run(def, gauss), run(1, student), run(def, student)
	t.Logf("anomalies over 23 h: Gaussian noise %d (confirm_samples 1), %d (%d); t(3) noise %d, %d", g1, g2, def, s1, s2)
	if g1 != 0 || g2 != 0 {
		t.Errorf("Gaussian noise raised %d and %d anomalies; want none", g1, g2)
	}
	if s2 != 0 || s1 == 0 {
		t.Errorf("heavy-tailed noise raised %d anomalies with confirm_samples 1 and %d with %d; want some, then none", s1, s2, def)
	}
}
