package nab

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tendhq/tend/internal/detect"
)

// TestDefaultDetector runs tend's default detector over the whole corpus and
// scores it, with NAB's threshold sweep and at detect.DefaultThreshold. It is
// the fast evaluation loop (about a second) and a regression guard: the
// floors are the scores of the shipped detector, rounded down.
func TestDefaultDetector(t *testing.T) {
	c := testCorpus(t)
	s, err := c.Run(t.Context(), Named(detect.DefaultName), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	floors := map[string][2]float64{ // optimised, fixed threshold
		"standard":           {72.4, 72.2},
		"reward_low_FP_rate": {65.4, 64.9},
		"reward_low_FN_rate": {76.7, 76.6},
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
		if f := floors[p.Name]; opt.Score < f[0] || fixed.Score < f[1] {
			t.Errorf("%s: optimised %.2f, fixed %.2f; the shipped detector scores at least %.1f and %.1f", p.Name, opt.Score, fixed.Score, f[0], f[1])
		}
	}
	t.Log(b.String())
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
