package insight

import (
	"testing"

	"github.com/tendhq/tend/internal/store"
)

func anom(series, resource, metric, unit string, score, value float64) store.Anomaly {
	f := Classify(metric, nil)
	return store.Anomaly{SeriesID: series, Metric: metric, Unit: unit, PeakScore: score, PeakValue: value,
		Resource: store.InsightResource{ID: resource}, Family: f.Name, ProblemType: f.ProblemType}
}

func TestSeverity(t *testing.T) {
	cases := []struct {
		name  string
		anoms []store.Anomaly
		want  string
	}{
		{"none", nil, store.SeverityLow},
		{"one mild load anomaly", []store.Anomaly{anom("s1", "h1", "host_load1", "", 0.6, 3)}, store.SeverityLow},
		{"one strong score", []store.Anomaly{anom("s1", "h1", "host_load1", "", 0.8, 9)}, store.SeverityMedium},
		{"cpu at 99 percent", []store.Anomaly{anom("s1", "h1", "host_cpu_utilization", "percent", 0.6, 99)}, store.SeverityHigh},
		{"cpu at 88 percent", []store.Anomaly{anom("s1", "h1", "host_cpu_utilization", "percent", 0.6, 88)}, store.SeverityMedium},
		{"memory ratio 0.97", []store.Anomaly{anom("s1", "p1", "pod_memory_utilization", "ratio", 0.55, 0.97)}, store.SeverityHigh},
		{"two series", []store.Anomaly{anom("s1", "h1", "host_load1", "", 0.6, 3), anom("s2", "h1", "host_load5", "", 0.6, 3)}, store.SeverityMedium},
		{"two resources strongly", []store.Anomaly{anom("s1", "h1", "api_latency_ms", "", 0.95, 300), anom("s2", "h2", "api_latency_ms", "", 0.6, 200)}, store.SeverityHigh},
		{"restarts strongly", []store.Anomaly{anom("s1", "p1", "pod_number_of_container_restarts", "", 0.92, 4)}, store.SeverityHigh},
		{"restarts mildly", []store.Anomaly{anom("s1", "p1", "pod_number_of_container_restarts", "", 0.55, 1)}, store.SeverityLow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Severity(c.anoms); got != c.want {
				t.Fatalf("Severity = %s, want %s", got, c.want)
			}
		})
	}
}

func TestProblemType(t *testing.T) {
	cases := []struct {
		name  string
		anoms []store.Anomaly
		want  string
	}{
		{"none", nil, ResourceAnomaly},
		{"latency only", []store.Anomaly{anom("s1", "h", "api_latency_ms", "", 0.6, 1)}, LatencyDegraded},
		{"cpu and latency", []store.Anomaly{anom("s1", "h", "api_latency_ms", "", 0.6, 1), anom("s2", "h", "host_cpu_utilization", "", 0.6, 1)}, CPUSaturation},
		{"restarts and memory", []store.Anomaly{anom("s1", "p", "pod_number_of_container_restarts", "", 0.6, 1), anom("s2", "p", "pod_memory_utilization_over_pod_limit", "", 0.6, 1)}, MemorySaturation},
		{"network and unknown", []store.Anomaly{anom("s1", "n", "queue_depth", "", 0.6, 1), anom("s2", "n", "node_network_total_bytes", "", 0.6, 1)}, NetworkAnomaly},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ProblemType(c.anoms); got != c.want {
				t.Fatalf("ProblemType = %s, want %s", got, c.want)
			}
		})
	}
}
