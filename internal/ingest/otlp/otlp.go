// Package otlp converts OpenTelemetry OTLP/HTTP metric export requests
// (protobuf or JSON, decoded with the collector's pdata) into samples.
//
// Gauges and sums become one series per data point attribute set; a
// monotonic cumulative sum is marked as a counter (analysed as a rate).
// Histograms become <name>_count and <name>_sum plus <name> with a
// quantile label (0.5, 0.9, 0.99) estimated from the buckets by linear
// interpolation, as Prometheus' histogram_quantile does; exponential
// histograms contribute _count and _sum; summaries their _count, _sum and
// reported quantiles. Resource attributes (service.name, host.name, k8s.*,
// cloud.* …) and data point attributes become labels; the metric's unit
// becomes the "unit" label.
package otlp

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/tendhq/tend/internal/ingest"
)

// Quantiles are the quantiles estimated from histogram buckets.
var Quantiles = []float64{0.5, 0.9, 0.99}

// DecodeError is a body that is not an OTLP metrics export request.
type DecodeError struct{ Reason string }

func (e *DecodeError) Error() string { return e.Reason }

// Decode parses a body as protobuf (json false) or JSON (json true).
func Decode(body []byte, json bool) (pmetricotlp.ExportRequest, error) {
	req := pmetricotlp.NewExportRequest()
	var err error
	if json {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		kind := "protobuf"
		if json {
			kind = "JSON"
		}
		return req, &DecodeError{Reason: fmt.Sprintf("not an OTLP %s ExportMetricsServiceRequest: %v", kind, err)}
	}
	return req, nil
}

// Result is a converted request.
type Result struct {
	Samples []ingest.Sample
	// Rejected counts data points that could not be used, and Reasons
	// says why (first few), for the partial-success response.
	Rejected int64
	Reasons  []string
}

func (r *Result) reject(n int64, format string, a ...any) {
	r.Rejected += n
	if len(r.Reasons) < 5 {
		r.Reasons = append(r.Reasons, fmt.Sprintf(format, a...))
	}
}

// Convert turns the request's metrics into samples.
func Convert(md pmetric.Metrics) Result {
	var res Result
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		base := attrLabels(rm.Resource().Attributes(), nil)
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				convertMetric(&res, ms.At(k), base)
			}
		}
	}
	return res
}

func convertMetric(res *Result, m pmetric.Metric, base []ingest.Label) {
	name := m.Name()
	if !ingest.ValidMetricName(name) {
		res.reject(int64(dataPoints(m)), "metric name %q is empty or not valid UTF-8", name)
		return
	}
	if u := m.Unit(); u != "" && utf8.ValidString(u) {
		base = append(base[:len(base):len(base)], ingest.Label{Name: "unit", Value: u})
	}
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		numbers(res, name, m.Gauge().DataPoints(), base, false)
	case pmetric.MetricTypeSum:
		s := m.Sum()
		counter := s.IsMonotonic() && s.AggregationTemporality() == pmetric.AggregationTemporalityCumulative
		numbers(res, name, s.DataPoints(), base, counter)
	case pmetric.MetricTypeHistogram:
		h := m.Histogram()
		cum := h.AggregationTemporality() == pmetric.AggregationTemporalityCumulative
		dps := h.DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			ls := attrLabels(dp.Attributes(), base)
			t := millis(dp.Timestamp())
			res.add(name+"_count", ls, t, float64(dp.Count()), cum)
			if dp.HasSum() {
				res.add(name+"_sum", ls, t, dp.Sum(), cum)
			}
			bounds, counts := dp.ExplicitBounds(), dp.BucketCounts()
			if counts.Len() == 0 {
				continue
			}
			if counts.Len() != bounds.Len()+1 {
				res.reject(1, "histogram %q: %d bucket counts for %d bounds (want bounds+1)", name, counts.Len(), bounds.Len())
				continue
			}
			for _, q := range Quantiles {
				v := quantile(q, bounds, counts)
				if math.IsNaN(v) {
					continue
				}
				res.add(name, withLabel(ls, "quantile", strconv.FormatFloat(q, 'g', -1, 64)), t, v, false)
			}
		}
	case pmetric.MetricTypeExponentialHistogram:
		h := m.ExponentialHistogram()
		cum := h.AggregationTemporality() == pmetric.AggregationTemporalityCumulative
		dps := h.DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			ls := attrLabels(dp.Attributes(), base)
			res.add(name+"_count", ls, millis(dp.Timestamp()), float64(dp.Count()), cum)
			if dp.HasSum() {
				res.add(name+"_sum", ls, millis(dp.Timestamp()), dp.Sum(), cum)
			}
		}
	case pmetric.MetricTypeSummary:
		dps := m.Summary().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			ls := attrLabels(dp.Attributes(), base)
			t := millis(dp.Timestamp())
			res.add(name+"_count", ls, t, float64(dp.Count()), true)
			res.add(name+"_sum", ls, t, dp.Sum(), true)
			qs := dp.QuantileValues()
			for j := 0; j < qs.Len(); j++ {
				q := qs.At(j)
				res.add(name, withLabel(ls, "quantile", strconv.FormatFloat(q.Quantile(), 'g', -1, 64)), t, q.Value(), false)
			}
		}
	default:
		res.reject(0, "metric %q has no data", name)
	}
}

func numbers(res *Result, name string, dps pmetric.NumberDataPointSlice, base []ingest.Label, counter bool) {
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		var v float64
		switch dp.ValueType() {
		case pmetric.NumberDataPointValueTypeDouble:
			v = dp.DoubleValue()
		case pmetric.NumberDataPointValueTypeInt:
			v = float64(dp.IntValue())
		default:
			res.reject(1, "metric %q: a data point has no value", name)
			continue
		}
		res.add(name, attrLabels(dp.Attributes(), base), millis(dp.Timestamp()), v, counter)
	}
}

func (r *Result) add(name string, ls []ingest.Label, t int64, v float64, counter bool) {
	if why := ingest.CheckLabels(ls); why != "" {
		r.reject(1, "metric %q: %s", name, why)
		return
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		r.reject(1, "metric %q: value %v is not a finite number", name, v)
		return
	}
	if t <= 0 {
		r.reject(1, "metric %q: a data point has no timestamp", name)
		return
	}
	r.Samples = append(r.Samples, ingest.Sample{Metric: name, Labels: ls, TimeMs: t, Value: v, Counter: counter})
}

func millis(ts pcommon.Timestamp) int64 { return int64(ts) / 1e6 }

// attrLabels appends attributes to a copy of base, sorted; a data point
// attribute overrides a resource attribute of the same name.
func attrLabels(attrs pcommon.Map, base []ingest.Label) []ingest.Label {
	out := make([]ingest.Label, 0, len(base)+attrs.Len())
	out = append(out, base...)
	attrs.Range(func(k string, v pcommon.Value) bool {
		s := v.AsString()
		if k == "" || s == "" || !utf8.ValidString(k) || !utf8.ValidString(s) {
			return true
		}
		// Once over the limit the series is refused (CheckLabels) whatever
		// overrides follow: stop looking for them (quadratic in 100,000).
		for i := range out[:min(len(out), ingest.MaxLabels+1)] {
			if out[i].Name == k {
				out[i].Value = s
				return true
			}
		}
		out = append(out, ingest.Label{Name: k, Value: s})
		return true
	})
	ingest.SortLabels(out)
	return out
}

func withLabel(ls []ingest.Label, name, value string) []ingest.Label {
	out := make([]ingest.Label, 0, len(ls)+1)
	out = append(out, ls...)
	out = append(out, ingest.Label{Name: name, Value: value})
	ingest.SortLabels(out)
	return out
}

func dataPoints(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}

// quantile estimates the q-quantile from explicit-bucket counts (counts
// has one more element than bounds; the last bucket is +Inf), assuming
// values spread evenly within a bucket. It returns NaN for no data.
func quantile(q float64, bounds pcommon.Float64Slice, counts pcommon.UInt64Slice) float64 {
	var total uint64
	for i := 0; i < counts.Len(); i++ {
		total += counts.At(i)
	}
	if total == 0 {
		return math.NaN()
	}
	rank := q * float64(total)
	var cum float64
	for i := 0; i < counts.Len(); i++ {
		c := float64(counts.At(i))
		if cum+c >= rank && c > 0 {
			if i == bounds.Len() { // +Inf bucket: the highest finite bound is all we know
				if i == 0 {
					return math.NaN()
				}
				return bounds.At(i - 1)
			}
			lower := 0.0
			if i > 0 {
				lower = bounds.At(i - 1)
			} else if bounds.At(0) < 0 {
				return bounds.At(0)
			}
			upper := bounds.At(i)
			return lower + (upper-lower)*(rank-cum)/c
		}
		cum += c
	}
	return bounds.At(bounds.Len() - 1)
}
