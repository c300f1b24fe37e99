package otlp_test

import (
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/otlp"
)

var ts = pcommon.NewTimestampFromTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

// Payload builds a request with every metric type, as an SDK would.
func Payload() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	ra := rm.Resource().Attributes()
	ra.PutStr("service.name", "checkout")
	ra.PutStr("host.name", "web-1")
	ra.PutStr("k8s.namespace.name", "shop")
	ra.PutStr("cloud.region", "eu-west-1")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()

	g := ms.AppendEmpty()
	g.SetName("system.memory.utilization")
	g.SetUnit("1")
	dp := g.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetTimestamp(ts)
	dp.SetDoubleValue(0.42)
	dp.Attributes().PutStr("state", "used")

	s := ms.AppendEmpty()
	s.SetName("http.server.requests")
	sum := s.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	sdp := sum.DataPoints().AppendEmpty()
	sdp.SetTimestamp(ts)
	sdp.SetIntValue(1234)

	h := ms.AppendEmpty()
	h.SetName("http.server.duration")
	h.SetUnit("ms")
	hist := h.SetEmptyHistogram()
	hist.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	hdp := hist.DataPoints().AppendEmpty()
	hdp.SetTimestamp(ts)
	hdp.SetCount(100)
	hdp.SetSum(2500)
	hdp.ExplicitBounds().FromRaw([]float64{10, 20, 50, 100})
	hdp.BucketCounts().FromRaw([]uint64{40, 40, 10, 10, 0})

	sm := ms.AppendEmpty()
	sm.SetName("rpc.latency")
	sdps := sm.SetEmptySummary().DataPoints().AppendEmpty()
	sdps.SetTimestamp(ts)
	sdps.SetCount(10)
	sdps.SetSum(5)
	q := sdps.QuantileValues().AppendEmpty()
	q.SetQuantile(0.99)
	q.SetValue(0.9)

	bad := ms.AppendEmpty()
	bad.SetName("bad.gauge")
	bdp := bad.SetEmptyGauge().DataPoints().AppendEmpty()
	bdp.SetTimestamp(ts)
	bdp.SetDoubleValue(math.NaN())
	return md
}

func find(t *testing.T, res otlp.Result, metric string, label ...string) ingest.Sample {
	t.Helper()
next:
	for _, s := range res.Samples {
		if s.Metric != metric {
			continue
		}
		for i := 0; i+1 < len(label); i += 2 {
			found := false
			for _, l := range s.Labels {
				if l.Name == label[i] && l.Value == label[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		return s
	}
	t.Fatalf("no sample %s %v in %+v", metric, label, res.Samples)
	return ingest.Sample{}
}

func TestConvert(t *testing.T) {
	for _, enc := range []string{"protobuf", "json"} {
		t.Run(enc, func(t *testing.T) {
			req := pmetricotlp.NewExportRequestFromMetrics(Payload())
			var data []byte
			var err error
			if enc == "json" {
				data, err = req.MarshalJSON()
			} else {
				data, err = req.MarshalProto()
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := otlp.Decode(data, enc == "json")
			if err != nil {
				t.Fatal(err)
			}
			res := otlp.Convert(got.Metrics())
			mem := find(t, res, "system.memory.utilization", "state", "used", "service.name", "checkout", "host.name", "web-1", "unit", "1")
			if mem.Value != 0.42 || mem.TimeMs != ts.AsTime().UnixMilli() || mem.Counter {
				t.Errorf("gauge = %+v", mem)
			}
			if r := find(t, res, "http.server.requests"); r.Value != 1234 || !r.Counter {
				t.Errorf("sum = %+v", r)
			}
			if c := find(t, res, "http.server.duration_count"); c.Value != 100 || c.Counter {
				t.Errorf("histogram count = %+v (delta temporality is not a counter)", c)
			}
			if s := find(t, res, "http.server.duration_sum"); s.Value != 2500 {
				t.Errorf("histogram sum = %+v", s)
			}
			if p := find(t, res, "http.server.duration", "quantile", "0.5"); p.Value != 12.5 {
				t.Errorf("p50 = %v, want 12.5 (rank 50 of 100: a quarter into the 10–20 bucket)", p.Value)
			}
			if p := find(t, res, "http.server.duration", "quantile", "0.99"); p.Value != 95 {
				t.Errorf("p99 = %v, want 95", p.Value)
			}
			if q := find(t, res, "rpc.latency", "quantile", "0.99"); q.Value != 0.9 {
				t.Errorf("summary quantile = %+v", q)
			}
			find(t, res, "rpc.latency_count")
			if res.Rejected != 1 || len(res.Reasons) != 1 {
				t.Errorf("rejected = %d %v, want the NaN point", res.Rejected, res.Reasons)
			}
			for _, s := range res.Samples {
				for i := 1; i < len(s.Labels); i++ {
					if s.Labels[i-1].Name >= s.Labels[i].Name {
						t.Fatalf("labels not sorted: %+v", s.Labels)
					}
				}
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	if _, err := otlp.Decode([]byte("{not json"), true); err == nil {
		t.Fatal("bad JSON accepted")
	}
	if _, err := otlp.Decode([]byte{0xff, 0xff, 0xff}, false); err == nil {
		t.Fatal("bad protobuf accepted")
	}
}

func FuzzDecode(f *testing.F) {
	req := pmetricotlp.NewExportRequestFromMetrics(Payload())
	p, _ := req.MarshalProto()
	j, _ := req.MarshalJSON()
	f.Add(p, false)
	f.Add(j, true)
	f.Add([]byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","histogram":{"dataPoints":[{"bucketCounts":["1"],"explicitBounds":[1,2]}]}}]}]}]}`), true)
	f.Fuzz(func(t *testing.T, data []byte, json bool) {
		req, err := otlp.Decode(data, json)
		if err != nil {
			return
		}
		res := otlp.Convert(req.Metrics())
		for _, s := range res.Samples {
			if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || s.Metric == "" {
				t.Fatalf("invalid sample: %+v", s)
			}
		}
	})
}
