// Package series gives metric samples their identity: a series is a metric
// name plus labels; from the labels tend derives the resource the series
// describes (a host, a pod, a function …) and the application boundary it
// belongs to (a stack, a tagged application, a Kubernetes namespace).
package series

import (
	"fmt"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/tendhq/tend/internal/ingest"
)

// Labels are a series' label set, metric name excluded.
type Labels map[string]string

// Boundary is the application boundary a resource belongs to. Insights
// group anomalies within one boundary.
type Boundary struct {
	// Kind is "stack", "app" (a devops-guru-* / tend-* tag), "namespace"
	// (Kubernetes cluster/namespace) or "account" (no finer boundary).
	Kind string `json:"kind"`
	// Name identifies the boundary within its kind: the stack name, the
	// tag value, "cluster/namespace", the account id.
	Name string `json:"name"`
	// TagKey is the tag key when Kind is "app".
	TagKey  string `json:"tag_key,omitempty"`
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
}

// Key returns a string that identifies the boundary.
func (b Boundary) Key() string { return b.Kind + ":" + b.TagKey + ":" + b.Name }

// Resource is the thing a series describes.
type Resource struct {
	// Type is host, container, pod, function, service, database, queue,
	// loadbalancer, node, …
	Type string `json:"type"`
	// ID is unique within tend (e.g. "host/web-1", "pod/shop/cart-7d9f").
	ID   string `json:"id"`
	Name string `json:"name"`
	// InstanceID and InstanceType are the cloud instance's, when known.
	InstanceID   string `json:"instance_id,omitempty"`
	InstanceType string `json:"instance_type,omitempty"`
}

// Info describes one series: its identity and what it belongs to.
type Info struct {
	// ID is a stable hash of Metric and Labels.
	ID       string   `json:"id"`
	Metric   string   `json:"metric"`
	Labels   Labels   `json:"labels"`
	Resource Resource `json:"resource"`
	Boundary Boundary `json:"boundary"`
	// Statistic (Average, p50, Sum …), Period and Unit, when known.
	Statistic string        `json:"statistic,omitempty"`
	Period    time.Duration `json:"period,omitempty"`
	Unit      string        `json:"unit,omitempty"`
}

// IDOf returns the ID of the series with this metric name and labels.
func IDOf(metric string, labels Labels) string {
	ls := make([]ingest.Label, 0, len(labels))
	for k, v := range labels {
		ls = append(ls, ingest.Label{Name: k, Value: v})
	}
	ingest.SortLabels(ls)
	return FormatID(Hash(metric, ls))
}

// Hash is the 64-bit identity of a series: xxhash of the metric name and
// the sorted labels. It does not allocate.
func Hash(metric string, sorted []ingest.Label) uint64 {
	var d xxhash.Digest
	d.Reset()
	_, _ = d.WriteString(metric)
	for _, l := range sorted {
		_, _ = d.Write(sep[:1])
		_, _ = d.WriteString(l.Name)
		_, _ = d.Write(sep[1:])
		_, _ = d.WriteString(l.Value)
	}
	return d.Sum64()
}

var sep = [2]byte{0xff, 0xfe}

// FormatID renders a Hash as the 16-hex-digit series ID.
func FormatID(h uint64) string { return fmt.Sprintf("%016x", h) }

// LabelsOf turns labels into a Labels map of copied strings, so that the
// map does not keep a decoder's buffer alive.
func LabelsOf(ls []ingest.Label) Labels {
	m := make(Labels, len(ls))
	for _, l := range ls {
		m[strings.Clone(l.Name)] = strings.Clone(l.Value)
	}
	return m
}
