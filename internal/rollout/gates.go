package rollout

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// Verdicts of one analysis of a baking wave.
const (
	VerdictPass   = "pass"    // every gate holds so far
	VerdictFail   = "fail"    // a gate failed: roll back
	VerdictNoData = "no-data" // not enough data to judge: wait, never promote
)

// Verdict is the outcome of one analysis.
type Verdict struct {
	Result  string          `json:"result"`
	Reason  string          `json:"reason,omitempty"`
	Insight string          `json:"insight,omitempty"`
	Metrics []MetricVerdict `json:"metrics,omitempty"`
	At      time.Time       `json:"at"`
}

// MetricVerdict is one key metric's comparison.
type MetricVerdict struct {
	Metric         string  `json:"metric"`
	Canary         int     `json:"canary_samples"`
	Baseline       int     `json:"baseline_samples"`
	CanaryMedian   float64 `json:"canary_median"`
	BaselineMedian float64 `json:"baseline_median"`
	CanaryMean     float64 `json:"canary_mean"`
	BaselineMean   float64 `json:"baseline_mean"`
	P              float64 `json:"p"`
	Result         string  `json:"result"`
	// BaselineFrom says where the baseline came from: "peers" (deployments
	// still on the old version) or "before" (the same deployments before
	// the update, when no peer is left).
	BaselineFrom string `json:"baseline_from"`
}

// Absolute floors below which a difference never fails a canary: noise
// around tiny values (a process idling at 0.2 % of a core) must not.
var minDifference = map[string]float64{MetricErrorRate: 0, MetricLatency: 0.001, MetricSaturation: 0.05}

// analysis is the input of one judgement.
type analysis struct {
	canary      []store.Deployment // the wave's updated deployments
	baseline    []store.Deployment // deployments still on the old version
	version     int                // the new version
	previous    map[string]int     // each canary's version before
	deployedAt  time.Time          // the wave finished deploying
	now         time.Time
	bake        time.Duration
	final       bool // the bake is over: this judgement promotes or fails
	insightGate bool
	compare     Compare
}

// judge runs the gates over a baking wave.
func (e *Engine) judge(ctx context.Context, a analysis) (Verdict, error) {
	v := Verdict{Result: VerdictPass, At: a.now}
	if a.insightGate {
		for _, d := range a.canary {
			page, err := e.o.Store.Insights().List(ctx, store.InsightFilter{Stack: d.Stack, Type: store.InsightReactive, From: a.deployedAt, Limit: 1})
			if err != nil {
				return v, fmt.Errorf("insights of %s: %w", d.ID, err)
			}
			if len(page.Insights) > 0 {
				in := page.Insights[0]
				v.Result, v.Insight = VerdictFail, in.ID
				v.Reason = fmt.Sprintf("insight %s on deployment %s after the update: %s (%s, %s)", in.ID, d.ID, in.Name, in.ProblemType, in.Severity)
				return v, nil
			}
		}
	}
	var noData []string
	var metrics []string
	if a.compare.on() {
		metrics = a.compare.Metrics
	}
	for _, m := range metrics {
		mv := MetricVerdict{Metric: m, BaselineFrom: "peers"}
		var cs, bs []float64
		from := a.deployedAt.Add(time.Duration(a.compare.Warmup))
		for _, d := range a.canary {
			cs = append(cs, e.o.Metrics.Samples(d.ID, a.version, m, from, a.now)...)
		}
		for _, d := range a.baseline {
			bs = append(bs, e.o.Metrics.Samples(d.ID, d.Version, m, from, a.now)...)
		}
		if len(a.baseline) == 0 {
			// No peer is left on the old version: compare with the same
			// deployments before they were updated.
			mv.BaselineFrom = "before"
			for _, d := range a.canary {
				bs = append(bs, e.o.Metrics.Samples(d.ID, a.previous[d.ID], m, a.deployedAt.Add(-max(a.bake, time.Minute)), a.deployedAt)...)
			}
		}
		mv.Canary, mv.Baseline = len(cs), len(bs)
		mv.CanaryMedian, mv.BaselineMedian, mv.CanaryMean, mv.BaselineMean = nanZero(median(cs)), nanZero(median(bs)), nanZero(mean(cs)), nanZero(mean(bs))
		if len(cs) < a.compare.MinSamples || len(bs) < a.compare.MinSamples {
			mv.Result, mv.P = VerdictNoData, 1
			noData = append(noData, fmt.Sprintf("%s (%d canary, %d baseline samples; %d needed)", m, len(cs), len(bs), a.compare.MinSamples))
			v.Metrics = append(v.Metrics, mv)
			continue
		}
		_, mv.P = MannWhitney(cs, bs)
		mv.Result = VerdictPass
		// Every analysis of the bake is another look at the same wave:
		// before the bake is over only ten times stronger evidence fails
		// it early, so that the repeated looks do not multiply false
		// rollbacks of good versions.
		alpha := a.compare.Alpha
		if !a.final {
			alpha /= 10
		}
		if mv.P < alpha && worse(m, a.compare.maxIncrease(m), cs, bs) {
			mv.Result = VerdictFail
			if v.Result != VerdictFail {
				v.Result = VerdictFail
				v.Reason = fmt.Sprintf("%s of the canary is worse than the baseline's: %s against %s (Mann-Whitney p = %.2g < %g)",
					m, show(m, cs), show(m, bs), mv.P, alpha)
			}
		}
		v.Metrics = append(v.Metrics, mv)
	}
	if v.Result == VerdictPass && len(noData) > 0 {
		v.Result = VerdictNoData
		v.Reason = "not enough data to judge: " + strings.Join(noData, "; ")
	}
	return v, nil
}

// worse reports whether the canary's values are worse than the baseline's
// by more than the allowed increase (and the absolute floor).
func worse(metric string, allowed float64, cs, bs []float64) bool {
	if metric == MetricErrorRate {
		return mean(cs)-mean(bs) > allowed
	}
	c, b := median(cs), median(bs)
	return c-b > minDifference[metric] && c > b*allowed
}

func show(metric string, v []float64) string {
	switch metric {
	case MetricErrorRate:
		return fmt.Sprintf("%.2f %% errors", 100*mean(v))
	case MetricLatency:
		return fmt.Sprintf("median %.1f ms", 1000*median(v))
	}
	return fmt.Sprintf("median %.3f cores", median(v))
}

func nanZero(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return f
}
