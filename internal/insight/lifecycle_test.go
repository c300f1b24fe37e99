package insight

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// step is one sample: a score and its value (0 means 10 for a score below
// 0.5, else 10 + 80*score).
type step struct {
	score      float64
	baselining bool
	value      float64
}

func (s step) v() float64 {
	switch {
	case s.value != 0:
		return s.value
	case s.score < 0.5:
		return 10
	}
	return 10 + 80*s.score
}

func valued(v float64, parts []step) []step {
	for i := range parts {
		parts[i].value = v
	}
	return parts
}

func steps(score float64, n int) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = step{score: score}
	}
	return out
}

func seq(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestAnomalyLifecycle(t *testing.T) {
	type want struct {
		status     string
		start, end int // sample indices; end -1 = open
		peak       float64
		reason     string
	}
	cases := []struct {
		name     string
		cfg      func(*Config)
		interval time.Duration
		samples  []step
		want     []want
	}{
		{name: "baselining raises nothing", samples: []step{{score: 0.9, baselining: true}, {score: 0.99, baselining: true}, {score: 0.95, baselining: true}}},
		{name: "below threshold raises nothing", samples: steps(0.49, 20)},
		{name: "opens at threshold, closes after 5 normal samples",
			samples: seq(steps(0.1, 5), steps(0.9, 3), steps(0.1, 5)),
			want:    []want{{store.AnomalyClosed, 5, 8, 0.9, "r5"}}},
		{name: "stays open with fewer normal samples",
			samples: seq(steps(0.1, 5), steps(0.9, 3), steps(0.1, 4)),
			want:    []want{{store.AnomalyOpen, 5, -1, 0.9, "r5"}}},
		{name: "a short dip does not close it",
			samples: seq(steps(0.1, 2), steps(0.8, 2), steps(0.2, 2), []step{{score: 0.95}}, steps(0.1, 5)),
			want:    []want{{store.AnomalyClosed, 2, 7, 0.95, "r6"}}},
		{name: "closes after close_after of normal time with sparse samples",
			cfg:      func(c *Config) { c.CloseAfterSamples, c.CloseAfter = 100, time.Minute },
			interval: 40 * time.Second,
			samples:  seq(steps(0.1, 2), steps(0.7, 1), steps(0.1, 3)),
			want:     []want{{store.AnomalyClosed, 2, 3, 0.7, "r2"}}},
		{name: "two separate anomalies",
			samples: seq(steps(0.1, 2), steps(0.6, 2), steps(0.1, 5), steps(0.99, 1), steps(0.1, 5)),
			want:    []want{{store.AnomalyClosed, 2, 4, 0.6, "r2"}, {store.AnomalyClosed, 9, 10, 0.99, "r9"}}},
		{name: "a refractory detector (score held at 0 while the value stays high) keeps it open",
			samples: seq(steps(0.1, 10), steps(0.9, 1), valued(95, steps(0, 20)), steps(0, 5)),
			want:    []want{{store.AnomalyClosed, 10, 31, 0.9, "r10"}}},
		{name: "a new normal (low score, value never back) closes after settle_after",
			cfg:     func(c *Config) { c.SettleAfter = 2 * time.Minute },
			samples: seq(steps(0.1, 10), steps(0.9, 1), valued(95, steps(0, 13))),
			want:    []want{{store.AnomalyClosed, 10, 23, 0.9, "r10"}}},
		{name: "without enough history the score alone decides",
			samples: seq(steps(0.1, 2), steps(0.9, 1), valued(95, steps(0, 5))),
			want:    []want{{store.AnomalyClosed, 2, 3, 0.9, "r2"}}},
		{name: "a one-sample blip is not raised (confirm_samples 2)",
			cfg:     func(c *Config) { c.ConfirmSamples = 2 },
			samples: seq(steps(0.1, 10), steps(0.9, 1), steps(0.1, 5), steps(0.95, 1), steps(0.1, 1))},
		{name: "an alert confirmed by the value staying out of band (confirm_samples 2)",
			cfg:     func(c *Config) { c.ConfirmSamples = 2 },
			samples: seq(steps(0.1, 10), steps(0.9, 1), valued(95, steps(0, 3)), steps(0.1, 5)),
			want:    []want{{store.AnomalyClosed, 10, 14, 0.9, "r10"}}},
		{name: "two alerts in a row confirm without history (confirm_samples 2)",
			cfg:     func(c *Config) { c.ConfirmSamples = 2 },
			samples: seq(steps(0.1, 1), steps(0.7, 1), steps(0.8, 1), steps(0.1, 5)),
			want:    []want{{store.AnomalyClosed, 1, 3, 0.8, "r2"}}},
		{name: "threshold from config",
			cfg:     func(c *Config) { c.Threshold = 0.8 },
			samples: seq(valued(10, steps(0.7, 5)), steps(0.85, 1), steps(0.1, 5)),
			want:    []want{{store.AnomalyClosed, 5, 6, 0.85, "r5"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig()
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			h := newHarness(t, nil, cfg)
			info := hostSeries("host_load1", "web-1", "shop")
			interval := c.interval
			if interval == 0 {
				interval = 10 * time.Second
			}
			at := func(i int) time.Time { return t0.Add(time.Duration(i) * interval) }
			for i, s := range c.samples {
				h.clock.Set(at(i))
				if err := h.e.Observe(t.Context(), Observation{Series: info, Time: at(i), Value: s.v(), Score: s.score,
					Reason: fmt.Sprintf("r%d", i), Baselining: s.baselining}); err != nil {
					t.Fatal(err)
				}
			}
			h.flush()
			got := h.allAnomalies()
			if len(got) != len(c.want) {
				t.Fatalf("%d anomalies, want %d: %+v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				a := got[i]
				if a.Status != w.status || !a.StartedAt.Equal(at(w.start)) || a.PeakScore != w.peak || a.Reason != w.reason {
					t.Errorf("anomaly %d: status %s start %v peak %v reason %q; want %s %v %v %q", i, a.Status, a.StartedAt, a.PeakScore, a.Reason, w.status, at(w.start), w.peak, w.reason)
				}
				if w.end >= 0 && !a.EndedAt.Equal(at(w.end)) || w.end < 0 && !a.EndedAt.IsZero() {
					t.Errorf("anomaly %d: end %v, want index %d", i, a.EndedAt, w.end)
				}
				if a.Metric != "host_load1" || a.Resource.ID != "host/web-1" || a.Labels["instance"] != "web-1" || a.Unit != "percent" ||
					a.Statistic != "Average" || a.Period != 10*time.Second || a.Family != "load" || a.ProblemType != CPUSaturation || a.Owner != "node-a" {
					t.Errorf("anomaly %d identity: %+v", i, a)
				}
			}
		})
	}
}

func TestExcerptBounded(t *testing.T) {
	cfg := testConfig()
	cfg.ExcerptBefore, cfg.ExcerptMax = 30, 50
	h := newHarness(t, nil, cfg)
	info := hostSeries("host_cpu_utilization", "web-1", "shop")
	i := 0
	next := func(v, s float64) {
		h.observe(info, t0.Add(time.Duration(i)*10*time.Second), v, s, "")
		i++
	}
	for ; i < 100; i++ {
		h.observe(info, t0.Add(time.Duration(i)*10*time.Second), 10+float64(i%3), 0.05, "")
	}
	next(math.NaN(), 0.9) // ignored
	for k := 0; k < 1000; k++ {
		s := 0.7
		if k == 613 {
			s = 0.99
		}
		next(95, s)
	}
	for k := 0; k < 5; k++ {
		next(10, 0.1)
	}
	h.flush()
	an := h.allAnomalies()
	if len(an) != 1 {
		t.Fatalf("%d anomalies, want 1", len(an))
	}
	a := an[0]
	before, during := 0, 0
	for _, p := range a.Excerpt {
		if p.T.Before(a.StartedAt) {
			before++
		} else {
			during++
		}
	}
	if before != 30 || during > 50 || during < 20 {
		t.Fatalf("excerpt has %d points before (want 30) and %d during (want 20–50)", before, during)
	}
	peak := false
	for i, p := range a.Excerpt {
		if p.S == 0.99 {
			peak = true
		}
		if i > 0 && !p.T.After(a.Excerpt[i-1].T) {
			t.Fatalf("excerpt not in time order at %d", i)
		}
	}
	if !peak || a.PeakScore != 0.99 {
		t.Fatalf("the peak (score 0.99) is not kept in the excerpt: peak %v", a.PeakScore)
	}
}

func TestPackPoint(t *testing.T) {
	for _, c := range []struct {
		us    int64
		score float64
		wantS float64
	}{
		{time.Date(2026, 11, 21, 12, 0, 0, 123456000, time.UTC).UnixMicro(), 0.4996, 0.5},
		{time.Date(2200, 1, 1, 0, 0, 0, 1000, time.UTC).UnixMicro(), 1, 1},
		{0, -3, 0},
		{time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(), 7, 1},
	} {
		p := packPoint(c.us, 42.5, c.score)
		if p.micros() != c.us || p.score() != c.wantS || p.v != 42.5 {
			t.Errorf("packPoint(%d, %v) → %d, %v, %v", c.us, c.score, p.micros(), p.score(), p.v)
		}
	}
}
