package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/events"
	"github.com/tendhq/tend/internal/store"
)

func TestPrintInsightWithForecastEventsAndPolicy(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	in := store.Insight{ID: "ins-p", Type: store.InsightProactive, Status: store.InsightOngoing, Severity: store.SeverityMedium,
		ProblemType: "MEMORY_SATURATION", Name: "Memory utilisation approaching its limit on pod cart-1 (namespace prod/shop)",
		BoundaryKind: "namespace", BoundaryName: "prod/shop", StartedAt: now.Add(-time.Hour),
		PredictionTimeRange: &store.TimeRange{Start: now.Add(10 * time.Hour), End: now.Add(16 * time.Hour)},
		Recommendations: []store.Recommendation{{Title: "Raise the memory limit", Description: "Raise it.", Reason: "it climbs",
			Link: "https://kubernetes.io/", Policy: "name: x\nmode: approve\n"}}}
	d := api.InsightDetail{Insight: in, Lookback: 3 * 3600,
		Anomalies: []store.Anomaly{{ID: "ano-1", Metric: "pod_memory_utilization", Unit: "percent", Resource: store.InsightResource{Name: "cart-1"},
			StartedAt: in.StartedAt, Forecast: &store.Forecast{Limit: 100, LimitSource: "100 %", Slope: 2.5, SlopeLow: 2, SlopeHigh: 3,
				ExhaustAt: now.Add(12 * time.Hour), Earliest: now.Add(10 * time.Hour), Latest: now.Add(16 * time.Hour)}}},
		Events: []events.Related{{Event: store.Event{ID: "evt-1", Time: now.Add(-90 * time.Minute), Source: "kubernetes", EventSource: "kubernetes/deployment-controller",
			Class: store.EventDeployment, Name: "ScalingReplicaSet: Scaled up replica set cart-7d9f6 to 3"}, Relation: "boundary", BeforeSeconds: 1800}},
	}
	var b strings.Builder
	if err := printInsight(&b, d, now); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Limit reached", "Forecast of pod_memory_utilization: 2.5 per hour (95 %: 2 to 3) towards 100%;",
		"Related events (up to 3h", "DEPLOYMENT", "ScalingReplicaSet", "boundary", "1. Raise the memory limit", "Why: it climbs", "Policy:", "mode: approve"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
