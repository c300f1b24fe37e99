package insight

import (
	"strings"

	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// Problem types an insight can have. They use the names Dynatrace uses
// where one exists, so a remediation policy written for a Dynatrace
// CPU_SATURATION also acts on tend's own.
const (
	CPUSaturation     = "CPU_SATURATION"
	MemorySaturation  = "MEMORY_SATURATION"
	DiskFull          = "DISK_FULL"
	LatencyDegraded   = "LATENCY_DEGRADATION"
	ErrorRateIncrease = "ERROR_RATE_INCREASE"
	ContainerRestarts = "CONTAINER_RESTARTS"
	NetworkAnomaly    = "NETWORK_ANOMALY"
	ResourceAnomaly   = "RESOURCE_ANOMALY"
)

// problemPriority orders problem types when an insight's anomalies point to
// several: the most cause-like type present names the insight (a CPU
// saturation that slows requests is a CPU_SATURATION, not a latency one).
var problemPriority = []string{
	CPUSaturation, MemorySaturation, DiskFull, ContainerRestarts,
	ErrorRateIncrease, LatencyDegraded, NetworkAnomaly, ResourceAnomaly,
}

// Family is a metric family: what a metric measures, in words, and the
// problem an anomaly in it points to.
type Family struct {
	// Name is a short key ("cpu", "load", "memory" …); for metrics no rule
	// knows, the metric name itself.
	Name string
	// Human is how a person says it: "CPU utilisation", "load".
	Human string
	// ProblemType is what an anomaly in the family points to.
	ProblemType string
	// Saturation is true when the metric is a utilisation whose value near
	// 100 % means the resource is exhausted.
	Saturation bool
}

// familyRule matches a metric by exact name or by tokens of its name (the
// name split at '_', '.', '-', ':'; a rule matches when every token of one
// of its groups is present).
type familyRule struct {
	family Family
	exact  []string
	tokens [][]string
}

// familyRules are tried in order; the first that matches wins. Network
// rules come before error rules so interface errors stay network problems,
// disk I/O before disk space so throughput is not mistaken for fullness.
var familyRules = []familyRule{
	{Family{"restarts", "container restarts", ContainerRestarts, false},
		[]string{"pod_number_of_container_restarts", "kube_pod_container_status_restarts_total"},
		[][]string{{"restarts"}, {"restart", "count"}}},
	{Family{"network", "network traffic", NetworkAnomaly, false},
		[]string{"node_network_total_bytes"},
		[][]string{{"network"}, {"net", "bytes"}, {"net", "packets"}, {"net", "errs"}, {"net", "drop"}}},
	{Family{"cpu_steal", "CPU steal", CPUSaturation, false},
		nil, [][]string{{"steal"}}},
	{Family{"cpu", "CPU utilisation", CPUSaturation, true},
		[]string{"pod_cpu_utilization", "pod_cpu_utilization_over_pod_limit", "node_cpu_utilization"},
		[][]string{{"cpu"}, {"cpuutilization"}, {"processor"}}},
	{Family{"load", "load", CPUSaturation, false},
		nil, [][]string{{"load"}, {"load1"}, {"load5"}, {"load15"}, {"loadavg"}}},
	{Family{"swap", "swap", MemorySaturation, true},
		nil, [][]string{{"swap"}}},
	{Family{"memory", "memory utilisation", MemorySaturation, true},
		[]string{"pod_memory_utilization", "pod_memory_utilization_over_pod_limit", "node_memory_utilization"},
		[][]string{{"memory"}, {"mem"}, {"memoryutilization"}, {"oom"}}},
	{Family{"disk_io", "disk I/O", ResourceAnomaly, false},
		nil, [][]string{{"disk", "io"}, {"diskio"}, {"disk", "read"}, {"disk", "write"}, {"disk", "reads"}, {"disk", "writes"}, {"disk", "ops"}, {"iops"}}},
	{Family{"disk", "disk space", DiskFull, true},
		[]string{"node_filesystem_utilization"},
		[][]string{{"filesystem"}, {"disk"}, {"fs", "used"}, {"fs", "usage"}, {"volume", "used"}, {"inodes"}}},
	{Family{"errors", "errors", ErrorRateIncrease, false},
		nil, [][]string{{"error"}, {"errors"}, {"errs"}, {"5xx"}, {"failed"}, {"failures"}, {"faults"}, {"exceptions"}}},
	{Family{"latency", "latency", LatencyDegraded, false},
		nil, [][]string{{"duration"}, {"latency"}, {"response", "time"}, {"rtt"}, {"elapsed"}}},
}

// familyOf returns the family an anomaly was classified into when it
// opened (store.Anomaly.Family), without classifying again.
func familyOf(a store.Anomaly) Family {
	for _, r := range familyRules {
		if r.family.Name == a.Family {
			return r.family
		}
	}
	if a.Family == "errors" {
		return Family{Name: "errors", Human: "errors", ProblemType: ErrorRateIncrease}
	}
	if a.Family == "" {
		return Classify(a.Metric, a.Labels)
	}
	return Family{Name: a.Family, Human: a.Family, ProblemType: ResourceAnomaly}
}

// statusLabels carry an HTTP/RPC status code; a 5xx value turns a request
// counter into an error metric.
var statusLabels = []string{"code", "status", "status_code", "http_status_code", "http_response_status_code", "http.response.status_code", "response_code"}

// Classify returns the family of a metric, from its name and labels.
func Classify(metric string, labels series.Labels) Family {
	name := strings.ToLower(metric)
	toks := tokens(name)
	for _, r := range familyRules {
		for _, e := range r.exact {
			if name == e {
				return r.family
			}
		}
		for _, group := range r.tokens {
			if hasAll(toks, group) {
				if r.family.ProblemType == LatencyDegraded && server5xx(labels) {
					break
				}
				return r.family
			}
		}
	}
	if server5xx(labels) {
		return Family{Name: "errors", Human: "errors", ProblemType: ErrorRateIncrease}
	}
	return Family{Name: metric, Human: metric, ProblemType: ResourceAnomaly}
}

func server5xx(labels series.Labels) bool {
	for _, k := range statusLabels {
		if v := labels[k]; len(v) == 3 && v[0] == '5' || strings.EqualFold(v, "5xx") {
			return true
		}
	}
	return false
}

func tokens(name string) []string {
	return strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '.' || r == '-' || r == ':' || r == '/' })
}

func hasAll(toks, want []string) bool {
	for _, w := range want {
		found := false
		for _, t := range toks {
			if t == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// utilisation returns a saturation metric's value as a fraction of full
// (0–1) and whether it could tell: from the unit when known, else from the
// name ("ratio" → 0–1, otherwise percent).
func utilisation(metric, unit string, v float64) (float64, bool) {
	switch strings.ToLower(unit) {
	case "percent", "%", "pct":
		return v / 100, true
	case "ratio", "1", "fraction":
		return v, true
	case "bytes", "by", "seconds", "s", "count":
		return 0, false
	}
	name := strings.ToLower(metric)
	switch {
	case strings.Contains(name, "ratio") || strings.Contains(name, "fraction"):
		return v, true
	case strings.Contains(name, "percent") || strings.Contains(name, "pct") || strings.Contains(name, "utili"):
		return v / 100, true
	}
	return 0, false
}
