package app_test

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/cloud/process/processtest"
	"github.com/tendhq/tend/internal/store"
)

// TestRolloutBenchmark measures what docs/benchmarks.md reports: 100
// process deployments provisioned at once, a rollout to all of them with
// max_concurrent 10 (wall time against ⌈100/10⌉ × (deploy + bake)), and
// false rollbacks over 20 rollouts of good versions on 12 deployments.
// It takes minutes: run it with TEND_BENCH_ROLLOUT=1.
func TestRolloutBenchmark(t *testing.T) {
	if os.Getenv("TEND_BENCH_ROLLOUT") == "" {
		t.Skip("set TEND_BENCH_ROLLOUT=1 to run the rollout benchmark")
	}
	good := processtest.Behaviour{Latency: 20 * time.Millisecond, Load: 10}
	t.Run("100 deployments", func(t *testing.T) {
		cfg := fleetConfig(t, t.TempDir())
		cfg.Fleet.Workers = 100
		cfg.Fleet.ScrapeInterval = 250 * time.Millisecond
		p := startTend(t, cfg)
		publish(t, p.a.Store(), good)
		t0 := time.Now()
		addFleet(t, p, 100)
		t.Logf("provisioned 100 deployments in %s", time.Since(t0).Round(time.Millisecond))
		publish(t, p.a.Store(), good)
		// Ten processes starting at once on a busy machine answer slower
		// for their first few hundred milliseconds: the comparison skips
		// that warm-up (without it a good version was rolled back).
		bake := 2 * time.Second
		strat := map[string]any{"strategy": "one-at-a-time", "max_concurrent": 10, "bake": bake.String(), "analysis_interval": "250ms",
			"gates": map[string]any{"compare": map[string]any{"min_samples": 3, "warmup": "500ms"}}}
		var v api.RolloutView
		t1 := time.Now()
		if code := p.call("POST", "/v1/rollouts", map[string]any{"product": "shop", "version": 2, "strategy": strat}, &v); code != http.StatusCreated {
			t.Fatalf("start: %d", code)
		}
		v = p.waitRollout(v.ID, done)
		wall := time.Since(t1)
		if v.State != store.RolloutSucceeded {
			t.Fatalf("%s: %s", v.State, v.Summary)
		}
		// deploy time per batch: from the steps.
		var deploy time.Duration
		var n int
		for _, s := range v.Steps {
			if s.Name == "deploy" {
				deploy += s.FinishedAt.Sub(s.StartedAt)
				n++
			}
		}
		per := deploy / time.Duration(max(n, 1))
		ideal := time.Duration(math.Ceil(100.0/10)) * (per + bake)
		t.Logf("rollout of 100 deployments, max_concurrent 10, bake %s: wall %s; mean deploy %s; ⌈100/10⌉ × (deploy + bake) = %s (ratio %.2f)",
			bake, wall.Round(time.Millisecond), per.Round(time.Millisecond), ideal.Round(time.Millisecond), float64(wall)/float64(ideal))
		fmt.Fprintf(os.Stderr, "100 deployments: wall %s, mean deploy %s, ideal %s, ratio %.2f\n", wall.Round(time.Millisecond), per.Round(time.Millisecond), ideal.Round(time.Millisecond), float64(wall)/float64(ideal))
	})
	t.Run("false rollbacks", func(t *testing.T) {
		good := processtest.Behaviour{Latency: 20 * time.Millisecond, Load: 100} // as the proof's
		cfg := fleetConfig(t, t.TempDir())
		p := startTend(t, cfg)
		publish(t, p.a.Store(), good)
		addFleet(t, p, 12)
		falses := 0
		t0 := time.Now()
		for i := range 20 {
			publish(t, p.a.Store(), good)
			var v api.RolloutView
			if code := p.call("POST", "/v1/rollouts", map[string]any{"product": "shop", "version": i + 2, "strategy": proofStrategy}, &v); code != http.StatusCreated {
				t.Fatalf("start %d: %d", i, code)
			}
			v = p.waitRollout(v.ID, done)
			if v.State != store.RolloutSucceeded {
				falses++
				t.Logf("rollout %d of a good version: %s: %s", i+1, v.State, v.Summary)
			}
		}
		t.Logf("false rollbacks: %d of 20 (%.0f %%); 20 rollouts of 4 waves took %s", falses, 5.0*float64(falses), time.Since(t0).Round(time.Second))
		fmt.Fprintf(os.Stderr, "false rollbacks: %d of 20\n", falses)
		if falses > 1 {
			t.Errorf("%d false rollbacks of 20 good rollouts: more than 5 %%", falses)
		}
	})
}
