package rollout

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/store"
)

// KeySeries names the ingested series that carry deployments' key
// metrics, for deployments whose provider does not measure them itself
// (CloudFormation stacks): a series named in Metrics whose Label (default
// "stack") is a deployment's stack is that deployment's key metric.
type KeySeries struct {
	// Metrics maps a key metric (error_rate, latency, saturation) to the
	// names of the series that carry it: gauges in the metric's unit
	// (error_rate a share 0–1, latency seconds, saturation cores or a
	// share), e.g. Prometheus recording rules.
	Metrics map[string][]string
	// Label is the label naming the deployment's stack (default "stack").
	Label string
}

// DefaultKeySeries is tend's default: recording-rule names a Prometheus
// (or any sender) computes per stack.
func DefaultKeySeries() KeySeries {
	return KeySeries{Label: "stack", Metrics: map[string][]string{
		MetricErrorRate:  {"tend:error_rate"},
		MetricLatency:    {"tend:latency_seconds"},
		MetricSaturation: {"tend:saturation"},
	}}
}

// ProviderMeasuresItself is the provider whose deployments' key metrics
// reach the Recorder from the provider itself (the process provider's
// scrapes): the tap leaves them alone, so that no sample counts twice.
const ProviderMeasuresItself = "process"

// KeyTapOptions configure a KeyTap.
type KeyTapOptions struct {
	Series      KeySeries
	Recorder    *Recorder
	Deployments store.Deployments
	// Refresh is how often the deployments and their versions are read
	// again (default 1s).
	Refresh time.Duration
	Logger  *slog.Logger
}

// KeyTap feeds the comparison gate from ingest: it sees every batch the
// ingest sink accepted and records the samples of key-metric series of
// known deployments in the Recorder, under the version the deployment
// runs. A sample is attributed only while its deployment is ACTIVE and
// idle (not being updated) and only if it is not older than the moment
// the deployment was seen at that version, so that no value measured
// during or before an update counts for the new version.
//
// Samples are kept in this process's memory: in a set-up of several tend
// processes on one PostgreSQL, send the key series to the process that
// runs rollouts (see docs/rollouts.md).
type KeyTap struct {
	o     KeyTapOptions
	names map[string]string // series name → key metric
	// lens has bit n set when a key series' name is n bytes long (names
	// of 64 bytes or more set bit 63): most samples are of other series,
	// and most of those are turned away by their name's length alone.
	lens  uint64
	known atomic.Pointer[map[string]tapped]
	// recorded counts the samples attributed (for tests and metrics).
	recorded atomic.Int64
}

// tapped is a deployment as the tap attributes samples to it.
type tapped struct {
	id      string
	version int
	since   int64 // Unix ms from which samples count for version
}

// NewKeyTap checks the series' names and returns a tap; Run keeps its
// view of the deployments current.
func NewKeyTap(o KeyTapOptions) (*KeyTap, error) {
	if o.Recorder == nil || o.Deployments == nil {
		return nil, fmt.Errorf("key tap: a recorder and the deployments store are required")
	}
	if o.Series.Label == "" {
		o.Series.Label = "stack"
	}
	if o.Refresh <= 0 {
		o.Refresh = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	t := &KeyTap{o: o, names: map[string]string{}}
	for key, names := range o.Series.Metrics {
		if _, ok := defaultIncrease[key]; !ok {
			return nil, fmt.Errorf("key tap: %q is not a key metric (error_rate, latency, saturation)", key)
		}
		for _, n := range names {
			if other, dup := t.names[n]; dup && other != key {
				return nil, fmt.Errorf("key tap: series %q is named for both %s and %s", n, other, key)
			}
			t.names[n] = key
			t.lens |= 1 << min(len(n), 63)
		}
	}
	empty := map[string]tapped{}
	t.known.Store(&empty)
	return t, nil
}

// Observe records the key-metric samples of a batch the ingest sink
// accepted. It does not keep batch; it is safe for concurrent use and
// costs a few nanoseconds a sample of other series.
func (t *KeyTap) Observe(batch []ingest.Sample) {
	known := *t.known.Load()
	if len(known) == 0 || len(t.names) == 0 {
		return
	}
	for i := range batch {
		s := &batch[i]
		if t.lens&(1<<min(len(s.Metric), 63)) == 0 {
			continue
		}
		key, ok := t.names[s.Metric]
		if !ok || s.Counter || math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
			continue
		}
		stack, ok := labelValue(s.Labels, t.o.Series.Label)
		if !ok {
			continue
		}
		d, ok := known[stack]
		if !ok || s.TimeMs < d.since {
			continue
		}
		t.o.Recorder.Add(d.id, d.version, s.Time(), map[string]float64{key: s.Value})
		t.recorded.Add(1)
	}
}

// Recorded returns how many samples the tap has attributed.
func (t *KeyTap) Recorded() int64 { return t.recorded.Load() }

func labelValue(ls []ingest.Label, name string) (string, bool) {
	for _, l := range ls {
		if l.Name == name {
			return l.Value, true
		}
	}
	return "", false
}

// Refresh reads the deployments again: an ACTIVE, idle deployment is
// attributed samples for the version it runs from the moment it became
// ACTIVE at it (its record's last update: an ACTIVE, idle deployment is
// written only to refresh its outputs, which makes the tap stricter, never
// laxer).
func (t *KeyTap) Refresh(ctx context.Context) error {
	ds, err := t.o.Deployments.List(ctx, store.DeploymentFilter{State: store.DeploymentActive, Limit: 1 << 20})
	if err != nil {
		return fmt.Errorf("key tap: read deployments: %w", err)
	}
	next := make(map[string]tapped, len(ds))
	for _, d := range ds {
		if d.Target != 0 || d.Stack == "" || d.Version == 0 || d.Provider == ProviderMeasuresItself {
			continue
		}
		next[d.Stack] = tapped{id: d.ID, version: d.Version, since: d.UpdatedAt.UnixMilli()}
	}
	t.known.Store(&next)
	return nil
}

// Run refreshes the view of the deployments until ctx ends.
func (t *KeyTap) Run(ctx context.Context) error {
	tick := time.NewTicker(t.o.Refresh)
	defer tick.Stop()
	for {
		if err := t.Refresh(ctx); err != nil && ctx.Err() == nil {
			t.o.Logger.Warn("key metrics: deployments not refreshed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
