package rollout_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/rollout"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// The key tap attributes an ingested key-metric sample to the deployment
// whose stack its label names, under the version that deployment runs —
// and to nothing when the deployment is being updated, unknown, or the
// sample is older than the version's start, or is not a usable gauge.
func TestKeyTapAttributesSamples(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for _, d := range []store.Deployment{
		{ID: "acme", Product: "shop", Type: "silo", Provider: "cfn", State: store.DeploymentActive, Version: 2, Stack: "tend-shop-acme", UpdatedAt: t0},
		{ID: "globex", Product: "shop", Type: "silo", Provider: "cfn", State: store.DeploymentUpdating, Version: 1, Target: 2, Stack: "tend-shop-globex", UpdatedAt: t0},
		{ID: "pool-1", Product: "shop", Type: "pool", Provider: "cfn", State: store.DeploymentActive, Version: 1, Stack: "tend-shop-pool-1", UpdatedAt: t0},
		{ID: "local", Product: "shop", Type: "pool", Provider: "process", State: store.DeploymentActive, Version: 1, Stack: "tend-shop-local", UpdatedAt: t0},
	} {
		d.CreatedAt = t0
		if err := st.Deployments().Create(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	rec := rollout.NewRecorder(time.Hour, 0)
	tap, err := rollout.NewKeyTap(rollout.KeyTapOptions{Series: rollout.DefaultKeySeries(), Recorder: rec, Deployments: st.Deployments()})
	if err != nil {
		t.Fatal(err)
	}
	stack := func(s string) []ingest.Label {
		return []ingest.Label{{Name: "region", Value: "eu"}, {Name: "stack", Value: s}}
	}
	at := func(d time.Duration) int64 { return t0.Add(d).UnixMilli() }
	batch := []ingest.Sample{
		{Metric: "tend:error_rate", Labels: stack("tend-shop-acme"), TimeMs: at(time.Second), Value: 0.02},
		{Metric: "tend:latency_seconds", Labels: stack("tend-shop-acme"), TimeMs: at(time.Second), Value: 0.150},
		{Metric: "tend:saturation", Labels: stack("tend-shop-pool-1"), TimeMs: at(2 * time.Second), Value: 0.4},
		{Metric: "tend:error_rate", Labels: stack("tend-shop-acme"), TimeMs: at(-time.Second), Value: 0.9},          // before v2 became active
		{Metric: "tend:error_rate", Labels: stack("tend-shop-globex"), TimeMs: at(time.Second), Value: 0.9},         // being updated
		{Metric: "tend:error_rate", Labels: stack("tend-shop-nobody"), TimeMs: at(time.Second), Value: 0.9},         // no such deployment
		{Metric: "tend:error_rate", Labels: []ingest.Label{{Name: "region", Value: "eu"}}, TimeMs: at(time.Second)}, // no stack label
		{Metric: "tend:error_rate", Labels: stack("tend-shop-acme"), TimeMs: at(time.Second), Value: math.NaN()},    // staleness marker
		{Metric: "tend:error_rate", Labels: stack("tend-shop-acme"), TimeMs: at(time.Second), Value: 7, Counter: true},
		{Metric: "http_requests_total", Labels: stack("tend-shop-acme"), TimeMs: at(time.Second), Value: 5},
		{Metric: "tend:error_rate", Labels: stack("tend-shop-local"), TimeMs: at(time.Second), Value: 0.9}, // the process provider measures its own
	}
	tap.Observe(batch) // before the first refresh: nothing is known yet
	if n := tap.Recorded(); n != 0 {
		t.Fatalf("recorded %d samples before knowing any deployment", n)
	}
	if err := tap.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	tap.Observe(batch)
	if n := tap.Recorded(); n != 3 {
		t.Fatalf("recorded %d samples, want 3", n)
	}
	all := func(id string, v int, m string) []float64 {
		return rec.Samples(id, v, m, t0.Add(-time.Hour), t0.Add(time.Hour))
	}
	tests := []struct {
		id     string
		v      int
		metric string
		want   []float64
	}{
		{"acme", 2, rollout.MetricErrorRate, []float64{0.02}},
		{"acme", 2, rollout.MetricLatency, []float64{0.150}},
		{"acme", 1, rollout.MetricErrorRate, nil},
		{"pool-1", 1, rollout.MetricSaturation, []float64{0.4}},
		{"globex", 0, rollout.MetricErrorRate, nil},
	}
	for _, tt := range tests {
		if got := all(tt.id, tt.v, tt.metric); len(got) != len(tt.want) || (len(got) == 1 && got[0] != tt.want[0]) {
			t.Errorf("%s v%d %s: %v, want %v", tt.id, tt.v, tt.metric, got, tt.want)
		}
	}

	// globex finishes its update: from then on its samples are v2's.
	d, _ := st.Deployments().Get(ctx, "globex")
	d.State, d.Version, d.Target, d.UpdatedAt = store.DeploymentActive, 2, 0, t0.Add(time.Minute)
	if _, err := st.Deployments().Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := tap.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	tap.Observe([]ingest.Sample{
		{Metric: "tend:error_rate", Labels: stack("tend-shop-globex"), TimeMs: at(30 * time.Second), Value: 0.5}, // measured during the update
		{Metric: "tend:error_rate", Labels: stack("tend-shop-globex"), TimeMs: at(61 * time.Second), Value: 0.01},
	})
	if got := all("globex", 2, rollout.MetricErrorRate); len(got) != 1 || got[0] != 0.01 {
		t.Errorf("globex v2 after its update: %v, want [0.01]", got)
	}
}

func TestKeyTapRefusesBadSeries(t *testing.T) {
	st := storetest.OpenSQLite(t)
	rec := rollout.NewRecorder(0, 0)
	for name, ks := range map[string]rollout.KeySeries{
		"unknown key metric": {Metrics: map[string][]string{"throughput": {"x"}}},
		"one series twice":   {Metrics: map[string][]string{rollout.MetricLatency: {"x"}, rollout.MetricErrorRate: {"x"}}},
	} {
		if _, err := rollout.NewKeyTap(rollout.KeyTapOptions{Series: ks, Recorder: rec, Deployments: st.Deployments()}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The tap's cost on the ingest path, for a batch of series none of which
// is a key metric (the common case) and for one of key metrics.
func BenchmarkKeyTap(b *testing.B) {
	ctx := context.Background()
	st := storetest.OpenSQLite(b)
	for i := range 100 {
		id := "d" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		if err := st.Deployments().Create(ctx, store.Deployment{ID: id, Product: "p", Type: "pool", Provider: "cfn", State: store.DeploymentActive, Version: 1, Stack: "s-" + id}); err != nil {
			b.Fatal(err)
		}
	}
	tap, err := rollout.NewKeyTap(rollout.KeyTapOptions{Series: rollout.DefaultKeySeries(), Recorder: rollout.NewRecorder(0, 0), Deployments: st.Deployments()})
	if err != nil {
		b.Fatal(err)
	}
	if err := tap.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	other := make([]ingest.Sample, 1000)
	for i := range other {
		other[i] = ingest.Sample{Metric: "node_cpu_seconds_total", Labels: []ingest.Label{{Name: "stack", Value: "s-daa"}}, TimeMs: 1, Value: 1}
	}
	same := make([]ingest.Sample, len(other)) // other series whose names are as long as a key series'
	for i := range same {
		same[i] = other[i]
		same[i].Metric = "node_load15_seco"[:len("tend:error_rate")]
	}
	for _, bb := range []struct {
		name  string
		batch []ingest.Sample
	}{{"other-series", other}, {"other-series-same-length", same}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tap.Observe(bb.batch)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bb.batch)), "ns/sample")
		})
	}
}
