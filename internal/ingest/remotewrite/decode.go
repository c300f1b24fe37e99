package remotewrite

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tendhq/tend/internal/ingest"
)

// decodeWriteRequest decodes a prometheus.WriteRequest straight from the
// protobuf wire format into samples. It is the hot path of remote_write
// ingest, so instead of building prompb values (a slice and two strings
// per label, a slice per series) it walks the bytes once: label strings
// point into raw (which must never be modified afterwards: the caller
// hands over a freshly decompressed buffer), and the labels of all series
// share one backing array. The prompb types remain the reference: a
// differential fuzz test checks this decoder against prompb's Unmarshal.
//
// Field numbers, from prompb/remote.proto and types.proto:
//
//	WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
//	TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
//	               repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
//	Label        { string name = 1; string value = 2; }
//	Sample       { double value = 1; int64 timestamp = 2; }
func (bufs *Buffers) decodeWriteRequest(raw []byte) (res Result, err error) {
	if bufs.samples == nil {
		bufs.samples = make([]ingest.Sample, 0, len(raw)/48+1)
	}
	if bufs.arena == nil {
		bufs.arena = make([]ingest.Label, 0, len(raw)/24+1)
	}
	res.Samples = bufs.samples[:0]
	arena := bufs.arena[:0]
	defer func() {
		// keep what grew for the next request
		bufs.samples, bufs.arena = res.Samples[:0], arena[:0]
		if err != nil {
			res = Result{}
		}
	}()
	b := raw
	idx := 0
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return Result{}, wireError("WriteRequest", protowire.ParseError(n))
		}
		b = b[n:]
		if num == 1 && typ == protowire.BytesType {
			ts, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return Result{}, wireError("timeseries", protowire.ParseError(n))
			}
			b = b[n:]
			var err error
			if arena, err = decodeSeries(ts, idx, &res, arena); err != nil {
				return Result{}, err
			}
			idx++
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return Result{}, wireError("WriteRequest", protowire.ParseError(n))
		}
		b = b[n:]
	}
	return res, nil
}

func decodeSeries(b []byte, idx int, res *Result, arena []ingest.Label) ([]ingest.Label, error) {
	start := len(arena)
	metric := ""
	hasName := false
	field := func() string { return fmt.Sprintf("timeseries[%d].labels", idx) }
	first := len(res.Samples)
	seen := 0
	var labelErr error
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return arena, wireError(fmt.Sprintf("timeseries[%d]", idx), protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.BytesType:
			lb, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return arena, wireError(field(), protowire.ParseError(n))
			}
			b = b[n:]
			name, value, err := decodeLabel(lb)
			if err == nil && name == "" {
				err = errors.New("a label has an empty name")
			}
			if err != nil {
				// Reported only if the series has samples, as prompb's path does.
				if labelErr == nil {
					labelErr = &DecodeError{Field: field(), Reason: err.Error()}
				}
				continue
			}
			if name == "__name__" {
				metric, hasName = value, true
				continue
			}
			if value == "" {
				continue // an empty label is the same as no label
			}
			arena = append(arena, ingest.Label{Name: name, Value: value})
		case num == 2 && typ == protowire.BytesType:
			sb, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return arena, wireError(fmt.Sprintf("timeseries[%d].samples", idx), protowire.ParseError(n))
			}
			b = b[n:]
			seen++
			v, t, err := decodeSample(sb)
			if err != nil {
				return arena, &DecodeError{Field: fmt.Sprintf("timeseries[%d].samples", idx), Reason: err.Error()}
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				res.Stale++
				continue
			}
			res.Samples = append(res.Samples, ingest.Sample{TimeMs: t, Value: v})
		case num == 4 && typ == protowire.BytesType:
			_, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return arena, wireError(fmt.Sprintf("timeseries[%d].histograms", idx), protowire.ParseError(n))
			}
			b = b[n:]
			res.Histograms++
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return arena, wireError(fmt.Sprintf("timeseries[%d]", idx), protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	if seen == 0 {
		return arena[:start], nil // no float samples (native histograms only)
	}
	if labelErr != nil {
		return arena, labelErr // before the name: a bad __name__ is reported as what it is
	}
	if !hasName || metric == "" {
		return arena, &DecodeError{Field: field(), Reason: "no __name__ label: every series needs a metric name"}
	}
	if !ingest.ValidMetricName(metric) {
		return arena, &DecodeError{Field: field(), Reason: fmt.Sprintf("metric name %q is not valid", metric)}
	}
	if len(res.Samples) == first {
		return arena[:start], nil // only staleness markers
	}
	labels := arena[start:len(arena):len(arena)]
	if why := ingest.CheckLabels(labels); why != "" {
		return arena, &DecodeError{Field: field(), Reason: why}
	}
	ingest.SortLabels(labels)
	for i := 1; i < len(labels); i++ {
		if labels[i].Name == labels[i-1].Name {
			return arena, &DecodeError{Field: field(), Reason: fmt.Sprintf("label %q appears twice", labels[i].Name)}
		}
	}
	counter := IsCounterName(metric)
	for i := first; i < len(res.Samples); i++ {
		s := &res.Samples[i]
		s.Metric, s.Labels, s.Counter = metric, labels, counter
	}
	return arena, nil
}

func decodeLabel(b []byte) (name, value string, err error) {
	// Fast path: the canonical encoding every sender produces, tag 0x0a,
	// short name, tag 0x12, short value.
	if len(b) >= 2 && b[0] == 0x0a && b[1] < 0x80 && len(b) >= 2+int(b[1])+2 {
		n := int(b[1])
		rest := b[2+n:]
		if rest[0] == 0x12 && rest[1] < 0x80 && len(rest) == 2+int(rest[1]) {
			nb, vb := b[2:2+n], rest[2:]
			if !utf8.Valid(nb) || !utf8.Valid(vb) {
				return "", "", errors.New("a label is not valid UTF-8")
			}
			return bytesString(nb), bytesString(vb), nil
		}
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return "", "", protowire.ParseError(n)
		}
		b = b[n:]
		if (num == 1 || num == 2) && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return "", "", protowire.ParseError(n)
			}
			b = b[n:]
			if !validUTF8(v) {
				return "", "", errors.New("a label is not valid UTF-8")
			}
			if num == 1 {
				name = bytesString(v)
			} else {
				value = bytesString(v)
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return "", "", protowire.ParseError(n)
		}
		b = b[n:]
	}
	return name, value, nil
}

func decodeSample(b []byte) (v float64, t int64, err error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, 0, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.Fixed64Type:
			x, n := protowire.ConsumeFixed64(b)
			if n < 0 {
				return 0, 0, protowire.ParseError(n)
			}
			b, v = b[n:], math.Float64frombits(x)
		case num == 2 && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return 0, 0, protowire.ParseError(n)
			}
			b, t = b[n:], int64(x)
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return 0, 0, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return v, t, nil
}

// bytesString views b as a string without copying; b is never modified.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func validUTF8(b []byte) bool { return utf8.Valid(b) }

func wireError(field string, err error) error {
	return &DecodeError{Field: "body", Reason: fmt.Sprintf("not a protobuf prometheus.WriteRequest (%s: %v)", field, err)}
}
