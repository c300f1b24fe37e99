// Package rollout moves a product's deployments to a new catalog version
// progressively and safely: a rollout is a persisted state machine (like a
// remediation run — it resumes after a restart, is leased on PostgreSQL,
// and records every step) that updates the deployments wave by wave as its
// strategy says, watches each wave for its bake time through gates —
// reactive insights on the updated deployments' boundaries, and a
// canary-versus-baseline Mann-Whitney comparison of their key metrics
// against deployments still on the old version — and rolls the wave back
// when a gate fails. Missing data never promotes a wave.
package rollout

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tendhq/tend/internal/review"
)

// Strategy kinds.
const (
	OneAtATime = "one-at-a-time" // waves of max_concurrent deployments (1 by default), the seed's release
	Canary     = "canary"        // a canary wave first, then the rest
	Waves      = "waves"         // the waves listed, optionally after a canary
)

// Strategy is how a rollout proceeds: data, from a YAML file (or JSON) or
// the command's flags. The zero value (after Normalise) is the default:
// one deployment at a time, stop at the first failure, roll it back.
type Strategy struct {
	// Strategy is one-at-a-time (default), canary or waves.
	Strategy string `yaml:"strategy" json:"strategy"`
	// MaxConcurrent is how many deployments of a wave are updated at once
	// (default 1); for one-at-a-time it is also the size of each wave.
	MaxConcurrent int `yaml:"max_concurrent" json:"max_concurrent"`
	// FailureTolerance is how many deployments of a wave may fail to
	// update before the wave fails: a count ("2") or a share ("10%");
	// default 0, stop at the first failure. Failed ones are rolled back.
	FailureTolerance string `yaml:"failure_tolerance" json:"failure_tolerance,omitempty"`
	// Bake is how long each wave is watched after it is deployed (default
	// 10m); the gates judge it throughout.
	Bake Duration `yaml:"bake" json:"bake"`
	// AnalysisInterval is how often the gates judge a baking wave
	// (default 1m, at most bake).
	AnalysisInterval Duration `yaml:"analysis_interval" json:"analysis_interval"`
	// Approval makes every wave after the first wait for a person (tend
	// rollout resume / approve).
	Approval bool `yaml:"approval" json:"approval,omitempty"`
	// Rollback is what a failed gate rolls back: wave (default: the
	// failing wave) or all (every deployment this rollout updated).
	Rollback string `yaml:"rollback" json:"rollback"`
	// BlockOnReview holds the rollout while the product's latest security
	// review has findings at or above this severity (tend review): low,
	// medium, high or critical; empty for no review gate.
	BlockOnReview string `yaml:"block_on_review" json:"block_on_review,omitempty"`
	// Canary is the first wave of the canary strategy (and of waves, if
	// set).
	Canary *Selector `yaml:"canary" json:"canary,omitempty"`
	// Waves are the waves, in order, for the waves strategy. A wave
	// without a selector takes every deployment no earlier wave took.
	Waves []Wave `yaml:"waves" json:"waves,omitempty"`
	// Gates tune the judgement.
	Gates Gates `yaml:"gates" json:"gates"`
}

// Wave is one named group of deployments.
type Wave struct {
	Name   string    `yaml:"name" json:"name"`
	Select *Selector `yaml:"select" json:"select,omitempty"`
	// Bake overrides the strategy's bake for this wave.
	Bake Duration `yaml:"bake" json:"bake,omitempty"`
}

// Selector picks deployments: every listed field must match (a list
// matches any of its values). Count or Percent then limit the matches to
// the first ones by ID.
type Selector struct {
	IDs      []string `yaml:"ids" json:"ids,omitempty"`
	Types    []string `yaml:"type" json:"type,omitempty"`
	Accounts []string `yaml:"account" json:"account,omitempty"`
	Regions  []string `yaml:"region" json:"region,omitempty"`
	Tenants  []string `yaml:"tenant" json:"tenant,omitempty"`
	Count    int      `yaml:"count" json:"count,omitempty"`
	Percent  float64  `yaml:"percent" json:"percent,omitempty"`
}

// Gates tune the gates a baking wave must pass.
type Gates struct {
	// Insights fails the wave on any new reactive insight on an updated
	// deployment's boundary (default true).
	Insights *bool `yaml:"insights" json:"insights,omitempty"`
	// Compare is the canary-versus-baseline comparison.
	Compare Compare `yaml:"compare" json:"compare"`
}

// Compare configures the Mann-Whitney comparison of key metrics.
type Compare struct {
	// Enabled turns the comparison off when false (default on): for
	// deployments whose key metrics do not reach tend (the cfn provider's
	// stacks, judged by their CloudFormation rollback alarms and tend's
	// insights instead).
	Enabled *bool `yaml:"enabled" json:"enabled,omitempty"`
	// Metrics compared (default error_rate, latency, saturation).
	Metrics []string `yaml:"metrics" json:"metrics"`
	// Alpha is the significance level of the one-sided test (default
	// 0.01) at the end of the bake; the analyses before it fail a wave
	// only at a tenth of it (overwhelming evidence).
	Alpha float64 `yaml:"alpha" json:"alpha"`
	// MinSamples is the fewest samples of each side the comparison needs
	// (default 10); with fewer by the end of the bake the gate waits, up
	// to another bake, then fails: missing data never promotes.
	MinSamples int `yaml:"min_samples" json:"min_samples"`
	// Warmup is how long after a wave is deployed its samples (and its
	// peers') are left out of the comparison: a process starting, caches
	// filling (default 0). Kayenta calls it the warm-up period.
	Warmup Duration `yaml:"warmup" json:"warmup,omitempty"`
	// MaxIncrease is, per metric, how much worse the canary may be before
	// a significant difference fails it: a ratio of the baseline's median
	// (latency 1.5 = 50 % slower, saturation 2), or for error_rate an
	// absolute increase of the share (0.01 = one percentage point).
	MaxIncrease map[string]float64 `yaml:"max_increase" json:"max_increase,omitempty"`
}

// Duration is a time.Duration written as "10m" in YAML and JSON.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "10m" (or a number of nanoseconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("a duration must be a string such as \"10m\"")
		}
		*d = Duration(n)
		return nil
	}
	return d.parse(s)
}

// UnmarshalYAML reads "10m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a duration must be a string such as 10m", n.Line)
	}
	if err := d.parse(n.Value); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

func (d *Duration) parse(s string) error {
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 30s, 10m or 1h", s)
	}
	if v < 0 {
		return fmt.Errorf("%q is negative", s)
	}
	*d = Duration(v)
	return nil
}

// Key metrics the comparison knows.
const (
	MetricErrorRate  = "error_rate"
	MetricLatency    = "latency"
	MetricSaturation = "saturation"
)

// defaultIncrease is how much worse each metric may get.
var defaultIncrease = map[string]float64{MetricErrorRate: 0.01, MetricLatency: 1.5, MetricSaturation: 2}

// StrategyError is a strategy field that is wrong, and why.
type StrategyError struct {
	Field  string
	Reason string
}

func (e *StrategyError) Error() string { return e.Field + ": " + e.Reason }

// ParseStrategy reads a strategy from YAML (JSON is YAML too), rejecting
// unknown keys, and validates and normalises it.
func ParseStrategy(data []byte) (Strategy, error) {
	var s Strategy
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
			return s, fmt.Errorf("strategy: %w", err)
		}
		var extra any
		if err := dec.Decode(&extra); err == nil {
			return s, errors.New("strategy: the file holds more than one YAML document")
		}
	}
	if err := s.Normalise(); err != nil {
		return s, err
	}
	return s, nil
}

// Normalise fills the defaults and validates; it returns a
// *StrategyError naming the first wrong field.
func (s *Strategy) Normalise() error {
	bad := func(field, format string, a ...any) error {
		return &StrategyError{Field: field, Reason: fmt.Sprintf(format, a...)}
	}
	if s.Strategy == "" {
		s.Strategy = OneAtATime
		if len(s.Waves) > 0 {
			s.Strategy = Waves
		} else if s.Canary != nil {
			s.Strategy = Canary
		}
	}
	switch s.Strategy {
	case OneAtATime, Canary, Waves:
	default:
		return bad("strategy", "must be one-at-a-time, canary or waves (got %q)", s.Strategy)
	}
	if s.MaxConcurrent == 0 {
		s.MaxConcurrent = 1
	}
	if s.MaxConcurrent < 1 || s.MaxConcurrent > 1000 {
		return bad("max_concurrent", "must be from 1 to 1000 (got %d)", s.MaxConcurrent)
	}
	if _, _, err := s.tolerance(); err != nil {
		return bad("failure_tolerance", "%v", err)
	}
	if s.Bake == 0 {
		s.Bake = Duration(10 * time.Minute)
	}
	if time.Duration(s.Bake) > 7*24*time.Hour {
		return bad("bake", "must be at most 7 days (got %s)", s.Bake)
	}
	if s.AnalysisInterval == 0 {
		s.AnalysisInterval = Duration(min(time.Minute, time.Duration(s.Bake)))
	}
	if s.AnalysisInterval < Duration(10*time.Millisecond) || s.AnalysisInterval > s.Bake {
		return bad("analysis_interval", "must be from 10ms to the bake time %s (got %s)", s.Bake, s.AnalysisInterval)
	}
	switch s.Rollback {
	case "":
		s.Rollback = "wave"
	case "wave", "all":
	default:
		return bad("rollback", "must be wave or all (got %q)", s.Rollback)
	}
	if s.BlockOnReview != "" {
		if _, _, err := review.ParseBlockOnReview(s.BlockOnReview); err != nil {
			return bad("block_on_review", "%s", strings.TrimPrefix(err.Error(), "block_on_review: "))
		}
	}
	if s.Strategy == Canary && s.Canary == nil {
		s.Canary = &Selector{Count: 1}
	}
	if s.Strategy != Waves && len(s.Waves) > 0 {
		return bad("waves", "are only for strategy waves (got strategy %s)", s.Strategy)
	}
	if s.Strategy == Waves && len(s.Waves) == 0 {
		return bad("waves", "strategy waves needs at least one wave")
	}
	if s.Canary != nil {
		if err := s.Canary.validate("canary"); err != nil {
			return err
		}
	}
	names := map[string]bool{}
	for i := range s.Waves {
		w := &s.Waves[i]
		f := fmt.Sprintf("waves[%d]", i)
		if w.Name == "" {
			w.Name = fmt.Sprintf("wave-%d", i+1)
		}
		if names[w.Name] {
			return bad(f+".name", "%q is used by an earlier wave", w.Name)
		}
		names[w.Name] = true
		if w.Select == nil && i != len(s.Waves)-1 {
			return bad(f+".select", "only the last wave may omit select (it takes the rest)")
		}
		if w.Select != nil {
			if err := w.Select.validate(f + ".select"); err != nil {
				return err
			}
		}
		if time.Duration(w.Bake) > 7*24*time.Hour {
			return bad(f+".bake", "must be at most 7 days")
		}
	}
	c := &s.Gates.Compare
	if len(c.Metrics) == 0 {
		c.Metrics = []string{MetricErrorRate, MetricLatency, MetricSaturation}
	}
	for i, m := range c.Metrics {
		if _, ok := defaultIncrease[m]; !ok {
			return bad(fmt.Sprintf("gates.compare.metrics[%d]", i), "must be error_rate, latency or saturation (got %q)", m)
		}
	}
	if c.Alpha == 0 {
		c.Alpha = 0.01
	}
	if c.Alpha <= 0 || c.Alpha >= 0.5 {
		return bad("gates.compare.alpha", "must be between 0 and 0.5 (got %g)", c.Alpha)
	}
	if c.MinSamples == 0 {
		c.MinSamples = 10
	}
	if c.Warmup < 0 || c.Warmup >= s.Bake {
		return bad("gates.compare.warmup", "must be from 0 to less than the bake time %s (got %s)", s.Bake, c.Warmup)
	}
	if c.MinSamples < 3 || c.MinSamples > 100000 {
		return bad("gates.compare.min_samples", "must be from 3 to 100000 (got %d)", c.MinSamples)
	}
	for k, v := range c.MaxIncrease {
		if _, ok := defaultIncrease[k]; !ok {
			return bad("gates.compare.max_increase."+k, "is not a key metric (error_rate, latency, saturation)")
		}
		if v < 0 || (k != MetricErrorRate && v < 1) {
			return bad("gates.compare.max_increase."+k, "must be a ratio of at least 1 (error_rate: an increase of at least 0) (got %g)", v)
		}
	}
	if s.Gates.Insights == nil {
		t := true
		s.Gates.Insights = &t
	}
	if !*s.Gates.Insights && !c.on() {
		return bad("gates", "the insights gate and the comparison are both off: a wave would be promoted on its bake time alone")
	}
	return nil
}

func (c Compare) on() bool { return c.Enabled == nil || *c.Enabled }

func (sel *Selector) validate(field string) error {
	if sel.Count < 0 {
		return &StrategyError{Field: field + ".count", Reason: "must not be negative"}
	}
	if sel.Percent < 0 || sel.Percent > 100 {
		return &StrategyError{Field: field + ".percent", Reason: fmt.Sprintf("must be from 0 to 100 (got %g)", sel.Percent)}
	}
	if sel.Count > 0 && sel.Percent > 0 {
		return &StrategyError{Field: field, Reason: "give count or percent, not both"}
	}
	for _, t := range sel.Types {
		if t != "silo" && t != "pool" {
			return &StrategyError{Field: field + ".type", Reason: fmt.Sprintf("must be silo or pool (got %q)", t)}
		}
	}
	return nil
}

// tolerance parses FailureTolerance: a count, or a share with %.
func (s *Strategy) tolerance() (n int, share float64, err error) {
	t := strings.TrimSpace(s.FailureTolerance)
	if t == "" {
		return 0, 0, nil
	}
	if p, ok := strings.CutSuffix(t, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 0 || f > 100 {
			return 0, 0, fmt.Errorf("must be a count such as 2 or a share such as 10%% (got %q)", s.FailureTolerance)
		}
		return 0, f / 100, nil
	}
	n, err = strconv.Atoi(t)
	if err != nil || n < 0 {
		return 0, 0, fmt.Errorf("must be a count such as 2 or a share such as 10%% (got %q)", s.FailureTolerance)
	}
	return n, 0, nil
}

// Tolerated is how many of a wave of size n may fail.
func (s *Strategy) Tolerated(n int) int {
	c, share, _ := s.tolerance()
	if share > 0 {
		return int(share * float64(n))
	}
	return c
}

// MaxIncrease returns the allowed worsening of a metric.
func (c Compare) maxIncrease(m string) float64 {
	if v, ok := c.MaxIncrease[m]; ok {
		return v
	}
	return defaultIncrease[m]
}
