// Package ingest defines what every metric source produces — samples of
// named, labelled series — and the Sink they hand them to. The sources
// live in its sub-packages: the host agent (hostagent), Prometheus
// remote_write (remotewrite), OTLP/HTTP metrics (otlp) and CSV replay
// (replay).
//
// The contract between a source and its Sink: Append either accepts the
// whole batch (it is queued for detection and will be processed) or
// refuses it all with an error; a source acknowledges its sender only
// after Append returned nil. An *OverloadedError means "try again later";
// the HTTP sources answer 429 with its RetryAfter.
package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Label is one label of a series.
type Label struct {
	Name, Value string
}

// Sample is one value of one series.
type Sample struct {
	// Metric is the metric name (Prometheus __name__).
	Metric string
	// Labels are the series' labels without the metric name, sorted by
	// Name. Samples of one series may share the slice: it is never modified.
	Labels []Label
	// TimeMs is the sample's time in Unix milliseconds.
	TimeMs int64
	Value  float64
	// Counter marks a monotonically increasing cumulative counter: the
	// detection stage analyses its per-second rate, not its raw value.
	Counter bool
}

// Time returns the sample's time.
func (s Sample) Time() time.Time { return time.UnixMilli(s.TimeMs) }

// Sink receives batches of samples. Append must not keep batch after it
// returns (it copies what it queues) and is safe for concurrent use.
type Sink interface {
	Append(ctx context.Context, batch []Sample) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, batch []Sample) error

// Append calls f.
func (f SinkFunc) Append(ctx context.Context, batch []Sample) error { return f(ctx, batch) }

// OverloadedError is returned by a Sink that cannot take a batch now; none
// of the batch was accepted.
type OverloadedError struct {
	// RetryAfter is how long the sender should wait.
	RetryAfter time.Duration
	// Reason says which limit was reached.
	Reason string
}

func (e *OverloadedError) Error() string {
	return fmt.Sprintf("tend is overloaded (%s); retry after %s", e.Reason, e.RetryAfter)
}

// Limits on one series' labels, so that a sender cannot make tend hold
// arbitrarily large series identities.
const (
	MaxLabels      = 64
	MaxLabelLength = 4096
)

// CheckLabels returns why a series' labels are over the limits, or "".
func CheckLabels(ls []Label) string {
	if len(ls) > MaxLabels {
		return fmt.Sprintf("%d labels, more than the limit of %d", len(ls), MaxLabels)
	}
	for _, l := range ls {
		if len(l.Name) > MaxLabelLength || len(l.Value) > MaxLabelLength {
			return fmt.Sprintf("label %.40q is longer than %d bytes", l.Name, MaxLabelLength)
		}
	}
	return ""
}

// SortLabels sorts labels by name in place.
func SortLabels(ls []Label) {
	if !slices.IsSortedFunc(ls, cmpLabel) {
		slices.SortFunc(ls, cmpLabel)
	}
}

func cmpLabel(a, b Label) int { return strings.Compare(a.Name, b.Name) }

// ValidMetricName reports whether name is usable as a metric name: not
// empty, at most 512 bytes, valid UTF-8 without control characters.
func ValidMetricName(name string) bool {
	if name == "" || len(name) > 512 {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}
