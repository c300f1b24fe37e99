package insight

import (
	"testing"

	"github.com/tendhq/tend/internal/series"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		metric string
		labels series.Labels
		family string
		want   string
	}{
		{"host_cpu_utilization", nil, "cpu", CPUSaturation},
		// the host agent's metrics (internal/ingest/hostagent)
		{"host_cpu_steal", nil, "cpu_steal", CPUSaturation},
		{"host_load5", nil, "load", CPUSaturation},
		{"host_memory_utilization", nil, "memory", MemorySaturation},
		{"host_swap_utilization", nil, "swap", MemorySaturation},
		{"host_disk_utilization", series.Labels{"mount": "/"}, "disk", DiskFull},
		{"host_disk_io_bytes_per_second", series.Labels{"direction": "read"}, "disk_io", ResourceAnomaly},
		{"host_network_bytes_per_second", series.Labels{"direction": "receive"}, "network", NetworkAnomaly},
		{"host_cpu_steal_percent", nil, "cpu_steal", CPUSaturation},
		{"host_load1", nil, "load", CPUSaturation},
		{"node_load15", nil, "load", CPUSaturation},
		{"pod_cpu_utilization", nil, "cpu", CPUSaturation},
		{"pod_cpu_utilization_over_pod_limit", nil, "cpu", CPUSaturation},
		{"node_cpu_utilization", nil, "cpu", CPUSaturation},
		{"process_cpu_seconds_total", nil, "cpu", CPUSaturation},
		{"system.cpu.utilization", nil, "cpu", CPUSaturation},
		{"host_memory_used_percent", nil, "memory", MemorySaturation},
		{"host_swap_used_percent", nil, "swap", MemorySaturation},
		{"pod_memory_utilization", nil, "memory", MemorySaturation},
		{"pod_memory_utilization_over_pod_limit", nil, "memory", MemorySaturation},
		{"node_memory_utilization", nil, "memory", MemorySaturation},
		{"host_disk_used_percent", series.Labels{"mount": "/"}, "disk", DiskFull},
		{"node_filesystem_utilization", nil, "disk", DiskFull},
		{"node_filesystem_avail_bytes", nil, "disk", DiskFull},
		{"host_disk_io_bytes", nil, "disk_io", ResourceAnomaly},
		{"http_server_request_duration_seconds", nil, "latency", LatencyDegraded},
		{"lambda_duration_p50", nil, "latency", LatencyDegraded},
		{"api_latency_ms", nil, "latency", LatencyDegraded},
		{"http_requests_errors_total", nil, "errors", ErrorRateIncrease},
		{"http_requests_total", series.Labels{"code": "503"}, "errors", ErrorRateIncrease},
		{"http_requests_total", series.Labels{"code": "200"}, "http_requests_total", ResourceAnomaly},
		{"http_server_request_duration_seconds_count", series.Labels{"http.response.status_code": "500"}, "errors", ErrorRateIncrease},
		{"elb_5xx_count", nil, "errors", ErrorRateIncrease},
		{"pod_number_of_container_restarts", nil, "restarts", ContainerRestarts},
		{"kube_pod_container_status_restarts_total", nil, "restarts", ContainerRestarts},
		{"node_network_total_bytes", nil, "network", NetworkAnomaly},
		{"host_network_receive_bytes", nil, "network", NetworkAnomaly},
		{"node_network_receive_errs_total", nil, "network", NetworkAnomaly},
		{"queue_depth", nil, "queue_depth", ResourceAnomaly},
		{"loadbalancer_active_connections", nil, "loadbalancer_active_connections", ResourceAnomaly},
	}
	for _, c := range cases {
		t.Run(c.metric, func(t *testing.T) {
			f := Classify(c.metric, c.labels)
			if f.Name != c.family || f.ProblemType != c.want {
				t.Fatalf("Classify(%q, %v) = %s/%s, want %s/%s", c.metric, c.labels, f.Name, f.ProblemType, c.family, c.want)
			}
		})
	}
}

func TestUtilisation(t *testing.T) {
	cases := []struct {
		metric, unit string
		v, want      float64
		ok           bool
	}{
		{"host_cpu_utilization", "percent", 97, 0.97, true},
		{"host_cpu_utilization", "", 97, 0.97, true},
		{"container_memory_ratio", "", 0.9, 0.9, true},
		{"pod_memory_utilization", "ratio", 0.5, 0.5, true},
		{"node_filesystem_avail_bytes", "bytes", 1e9, 0, false},
		{"host_load1", "", 8, 0, false},
	}
	for _, c := range cases {
		got, ok := utilisation(c.metric, c.unit, c.v)
		if ok != c.ok || got != c.want {
			t.Errorf("utilisation(%s, %q, %v) = %v, %v; want %v, %v", c.metric, c.unit, c.v, got, ok, c.want, c.ok)
		}
	}
}
