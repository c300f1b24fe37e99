package nab

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tendhq/tend/internal/detect"
)

// TestDefaultDetector runs tend's default detector over NAB and over
// ../shared/kpi and scores it, with NAB's threshold sweep and at
// detect.DefaultThreshold. It is the fast evaluation loop (seconds) and a
// regression guard: the floors are the scores of the shipped detector,
// rounded down. On ../shared/kpi the optimised floors are the best of NAB's
// own detectors run on it (Bayesian changepoint: 59.19 / 47.91 / 66.30,
// docs/detection.md), which the shipped detector must stay above.
func TestDefaultDetector(t *testing.T) {
	type floor struct{ optimised, fixed float64 }
	for _, tc := range []struct {
		name   string
		corpus *Corpus
		floors map[string]floor
	}{
		{"nab", testCorpus(t), map[string]floor{
			"standard":           {75.8, 74.7},
			"reward_low_FP_rate": {67.8, 65.5},
			"reward_low_FN_rate": {80.4, 79.7},
		}},
		{"kpi", kpiCorpus(t), map[string]floor{
			"standard":           {59.19, 42.5},
			"reward_low_FP_rate": {47.91, 40.5},
			"reward_low_FN_rate": {66.30, 44.1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.corpus
			if c == nil {
				t.Skip("corpus not found")
			}
			s, err := c.Run(t.Context(), Named(detect.DefaultName), 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, p := range c.Profiles {
				opt, err := c.Optimize(s, p)
				if err != nil {
					t.Fatal(err)
				}
				fixed, err := c.ScoreAt(s, p, detect.DefaultThreshold)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "\n%-20s optimised %.2f (t=%.4f, %d/%d windows, %d FP rows)  fixed %.2f (%d/%d windows, %d FP rows)",
					p.Name, opt.Score, opt.Threshold, opt.Detected, opt.Windows, opt.FP, fixed.Score, fixed.Detected, fixed.Windows, fixed.FP)
				if f := tc.floors[p.Name]; opt.Score < f.optimised || fixed.Score < f.fixed {
					t.Errorf("%s: optimised %.2f, fixed %.2f; the shipped detector scores at least %.2f and %.2f", p.Name, opt.Score, fixed.Score, f.optimised, f.fixed)
				}
			}
			t.Log(b.String())
		})
	}
}

// TestRunIsDeterministic checks that parallel runs give identical scores.
func TestRunIsDeterministic(t *testing.T) {
	c := testCorpus(t)
	a, err := c.Run(t.Context(), Named(detect.DefaultName), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	b, err := c.Run(t.Context(), Named(detect.DefaultName), 2, func(done, total int) { calls.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() == 0 {
		t.Error("progress never called")
	}
	for k, v := range a {
		for i := range v {
			if v[i] != b[k][i] {
				t.Fatalf("%s row %d: %v vs %v", k, i, v[i], b[k][i])
			}
		}
	}
}
