// Package remotewrite decodes Prometheus remote_write 1.0 requests: a
// snappy block-compressed protobuf prometheus.WriteRequest (the prompb
// types of prometheus/prometheus), sent with Content-Encoding: snappy and
// X-Prometheus-Remote-Write-Version: 0.1.0.
package remotewrite

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/tendhq/tend/internal/ingest"
)

// Version is the remote_write protocol version tend speaks.
const Version = "0.1.0"

// DecodeError is a request tend cannot use; Field names the part that is
// wrong, for the 400 response.
type DecodeError struct {
	Field, Reason string
	// TooLarge marks a body whose decompressed size exceeds the limit (413).
	TooLarge bool
}

func (e *DecodeError) Error() string { return e.Field + ": " + e.Reason }

// Result is a decoded request.
type Result struct {
	Samples []ingest.Sample
	// Histograms counts native histogram samples, which tend does not
	// analyse (classic histograms arrive as ordinary series).
	Histograms int
	// Stale counts staleness markers and other non-finite values, which
	// carry no measurement and are not analysed.
	Stale int
}

// Decode decompresses and decodes a remote_write body. maxDecoded bounds
// the decompressed size: the snappy header states it, so an oversized
// body is refused before anything is allocated. Samples of one series
// share one sorted label slice.
func Decode(body []byte, maxDecoded int) (Result, error) {
	var b Buffers
	return b.Decode(body, maxDecoded)
}

// Buffers is the memory of one decode, kept to be reused: a server decodes
// with a Buffers from a pool and returns it once the samples are handed
// over, so a steady stream of requests allocates almost nothing. A Result
// from Buffers.Decode points into it: it is valid until the next Decode
// with the same Buffers. The zero value is ready to use.
type Buffers struct {
	raw     []byte
	samples []ingest.Sample
	arena   []ingest.Label
}

// Reusable reports whether b is small enough to keep for another request:
// one huge request should not pin its memory in a pool.
func (b *Buffers) Reusable() bool {
	return cap(b.raw) <= maxPooledBytes && cap(b.samples) <= maxPooledBytes/64 && cap(b.arena) <= maxPooledBytes/32
}

const maxPooledBytes = 4 << 20

// Decode is Decode reusing b's memory.
func (b *Buffers) Decode(body []byte, maxDecoded int) (Result, error) {
	n, err := snappy.DecodedLen(body)
	if err != nil {
		return Result{}, &DecodeError{Field: "body", Reason: "not snappy block-compressed data (remote_write needs Content-Encoding: snappy): " + err.Error()}
	}
	if n > maxDecoded {
		return Result{}, &DecodeError{Field: "body", Reason: fmt.Sprintf("decompresses to %d bytes, more than the limit of %d bytes (ingest.max_decoded_bytes); lower max_samples_per_send in Prometheus' queue_config", n, maxDecoded), TooLarge: true}
	}
	if cap(b.raw) < n {
		b.raw = make([]byte, n)
	}
	raw, err := snappy.Decode(b.raw[:cap(b.raw)], body)
	if err != nil {
		return Result{}, &DecodeError{Field: "body", Reason: "corrupt snappy data: " + err.Error()}
	}
	return b.decodeWriteRequest(raw)
}

// FromWriteRequest turns a WriteRequest decoded with prompb into samples,
// validating every series the same way Decode does. Decode itself reads
// the wire format directly (decode.go); this is its reference.
func FromWriteRequest(req *prompb.WriteRequest) (Result, error) {
	total := 0
	for i := range req.Timeseries {
		total += len(req.Timeseries[i].Samples)
	}
	res := Result{Samples: make([]ingest.Sample, 0, total)}
	for i := range req.Timeseries {
		ts := &req.Timeseries[i]
		res.Histograms += len(ts.Histograms)
		if len(ts.Samples) == 0 {
			continue
		}
		metric, labels, err := convertLabels(ts.Labels)
		if err != nil {
			return Result{}, &DecodeError{Field: fmt.Sprintf("timeseries[%d].labels", i), Reason: err.Error()}
		}
		counter := IsCounterName(metric)
		for _, s := range ts.Samples {
			if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
				res.Stale++
				continue
			}
			res.Samples = append(res.Samples, ingest.Sample{Metric: metric, Labels: labels, TimeMs: s.Timestamp, Value: s.Value, Counter: counter})
		}
	}
	return res, nil
}

// IsCounterName reports whether a Prometheus metric name is, by the naming
// conventions, a cumulative counter: it ends in _total, or is a histogram's
// or summary's _count, _sum or _bucket. Counters are analysed as rates.
func IsCounterName(name string) bool {
	for _, s := range []string{"_total", "_count", "_sum", "_bucket"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

func convertLabels(in []prompb.Label) (string, []ingest.Label, error) {
	var metric string
	out := make([]ingest.Label, 0, len(in))
	for _, l := range in {
		if l.Name == "" {
			return "", nil, errors.New("a label has an empty name")
		}
		if !utf8.ValidString(l.Name) || !utf8.ValidString(l.Value) {
			return "", nil, fmt.Errorf("label %q is not valid UTF-8", l.Name)
		}
		if l.Name == "__name__" {
			metric = l.Value
			continue
		}
		if l.Value == "" {
			continue // an empty label is the same as no label
		}
		out = append(out, ingest.Label{Name: l.Name, Value: l.Value})
	}
	if metric == "" {
		return "", nil, errors.New("no __name__ label: every series needs a metric name")
	}
	if !ingest.ValidMetricName(metric) {
		return "", nil, fmt.Errorf("metric name %q is not valid", metric)
	}
	if why := ingest.CheckLabels(out); why != "" {
		return "", nil, errors.New(why)
	}
	ingest.SortLabels(out)
	for i := 1; i < len(out); i++ {
		if out[i].Name == out[i-1].Name {
			return "", nil, fmt.Errorf("label %q appears twice", out[i].Name)
		}
	}
	return metric, out, nil
}

// Encode builds a remote_write body (snappy-compressed WriteRequest) from
// samples, grouping samples of the same series. Replay and tests use it.
func Encode(samples []ingest.Sample) ([]byte, error) {
	var req prompb.WriteRequest
	idx := map[string]int{}
	for _, s := range samples {
		key := s.Metric
		for _, l := range s.Labels {
			key += "\xff" + l.Name + "\xfe" + l.Value
		}
		i, ok := idx[key]
		if !ok {
			ls := []prompb.Label{{Name: "__name__", Value: s.Metric}}
			for _, l := range s.Labels {
				ls = append(ls, prompb.Label{Name: l.Name, Value: l.Value})
			}
			req.Timeseries = append(req.Timeseries, prompb.TimeSeries{Labels: ls})
			i = len(req.Timeseries) - 1
			idx[key] = i
		}
		req.Timeseries[i].Samples = append(req.Timeseries[i].Samples, prompb.Sample{Value: s.Value, Timestamp: s.TimeMs})
	}
	raw, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode remote_write request: %w", err)
	}
	return snappy.Encode(nil, raw), nil
}
