package remotewrite_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/remotewrite"
)

func body(t testing.TB, req *prompb.WriteRequest) []byte {
	t.Helper()
	raw, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

func TestDecode(t *testing.T) {
	req := &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
		{Labels: []prompb.Label{{Name: "__name__", Value: "http_requests_total"}, {Name: "job", Value: "api"}, {Name: "code", Value: "200"}, {Name: "empty", Value: ""}},
			Samples: []prompb.Sample{{Value: 1, Timestamp: 1000}, {Value: 3, Timestamp: 2000}, {Value: math.Float64frombits(0x7ff0000000000002), Timestamp: 3000}}},
		{Labels: []prompb.Label{{Name: "__name__", Value: "node_load1"}}, Samples: []prompb.Sample{{Value: 0.5, Timestamp: 1000}}},
		{Labels: []prompb.Label{{Name: "__name__", Value: "native"}}, Histograms: []prompb.Histogram{{Timestamp: 1}}},
	}}
	res, err := remotewrite.Decode(body(t, req), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Samples) != 3 || res.Stale != 1 || res.Histograms != 1 {
		t.Fatalf("result = %+v", res)
	}
	s := res.Samples[0]
	want := []ingest.Label{{Name: "code", Value: "200"}, {Name: "job", Value: "api"}}
	if s.Metric != "http_requests_total" || len(s.Labels) != 2 || s.Labels[0] != want[0] || s.Labels[1] != want[1] || !s.Counter || s.TimeMs != 1000 {
		t.Fatalf("sample = %+v", s)
	}
	if res.Samples[2].Counter {
		t.Fatal("node_load1 marked as a counter")
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := body(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "__name__", Value: "m"}}, Samples: []prompb.Sample{{Value: 1, Timestamp: 1}}}}})
	tests := []struct {
		name, field, reason string
		body                []byte
		limit               int
		tooLarge            bool
	}{
		{"not snappy", "body", "snappy", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 1 << 20, false},
		{"not protobuf", "body", "WriteRequest", snappy.Encode(nil, []byte("hello, world")), 1 << 20, false},
		{"too large", "body", "max_samples_per_send", valid, 3, true},
		{"no name", "timeseries[0].labels", "__name__", body(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "job", Value: "x"}}, Samples: []prompb.Sample{{Value: 1}}}}}), 1 << 20, false},
		{"duplicate", "timeseries[0].labels", "twice", body(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "__name__", Value: "m"}, {Name: "a", Value: "1"}, {Name: "a", Value: "2"}}, Samples: []prompb.Sample{{Value: 1}}}}}), 1 << 20, false},
		{"bad utf8", "timeseries[0].labels", "UTF-8", body(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "__name__", Value: "m"}, {Name: "a", Value: "\xff"}}, Samples: []prompb.Sample{{Value: 1}}}}}), 1 << 20, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := remotewrite.Decode(tt.body, tt.limit)
			var de *remotewrite.DecodeError
			if !errors.As(err, &de) || de.Field != tt.field || !strings.Contains(de.Reason, tt.reason) || de.TooLarge != tt.tooLarge {
				t.Fatalf("err = %#v, want field %q reason containing %q", err, tt.field, tt.reason)
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	in := []ingest.Sample{
		{Metric: "a", Labels: []ingest.Label{{Name: "x", Value: "1"}}, TimeMs: 1, Value: 1},
		{Metric: "a", Labels: []ingest.Label{{Name: "x", Value: "1"}}, TimeMs: 2, Value: 2},
		{Metric: "b", TimeMs: 1, Value: 3},
	}
	b, err := remotewrite.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := remotewrite.Decode(b, 1<<20)
	if err != nil || len(res.Samples) != 3 || res.Samples[1].Value != 2 || res.Samples[2].Metric != "b" {
		t.Fatalf("round trip = %+v, %v", res.Samples, err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(body(f, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "__name__", Value: "m"}, {Name: "a", Value: "b"}}, Samples: []prompb.Sample{{Value: 1, Timestamp: 1}}}}}))
	f.Add([]byte{})
	f.Add(snappy.Encode(nil, []byte{0x0a, 0x02, 0x0a, 0x00}))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := remotewrite.Decode(data, 1<<20)
		if err != nil {
			var de *remotewrite.DecodeError
			if !errors.As(err, &de) || de.Reason == "" {
				t.Fatalf("error %v is not a DecodeError", err)
			}
			return
		}
		for _, s := range res.Samples {
			if s.Metric == "" || math.IsNaN(s.Value) {
				t.Fatalf("invalid sample accepted: %+v", s)
			}
		}
	})
}

// FuzzDecodeMatchesPrompb checks the wire decoder against prompb: whatever
// prompb decodes, Decode must decode to the same samples.
func FuzzDecodeMatchesPrompb(f *testing.F) {
	f.Add(mustMarshal(f, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "__name__", Value: "m"}, {Name: "b", Value: "2"}, {Name: "a", Value: "1"}}, Samples: []prompb.Sample{{Value: 1, Timestamp: 5}, {Value: 2, Timestamp: -1}}}}}))
	f.Add(mustMarshal(f, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "__name__", Value: "x_total"}}, Samples: []prompb.Sample{{Value: math.NaN()}}, Histograms: []prompb.Histogram{{Count: &prompb.Histogram_CountInt{CountInt: 1}}}}}, Metadata: []prompb.MetricMetadata{{MetricFamilyName: "x"}}}))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var req prompb.WriteRequest
		if req.Unmarshal(raw) != nil {
			return
		}
		// Compare on prompb's own encoding of what it decoded: where the
		// input is malformed wire data (stray group markers) that prompb
		// tolerates, the wire decoder may refuse it.
		req.XXX_unrecognized = nil
		for i := range req.Timeseries {
			ts := &req.Timeseries[i]
			ts.XXX_unrecognized = nil
			for j := range ts.Labels {
				ts.Labels[j].XXX_unrecognized = nil
			}
			for j := range ts.Samples {
				ts.Samples[j].XXX_unrecognized = nil
			}
			ts.Exemplars, ts.Histograms = nil, make([]prompb.Histogram, len(ts.Histograms))
		}
		req.Metadata = nil
		canon, err := req.Marshal()
		if err != nil {
			return
		}
		want, werr := remotewrite.FromWriteRequest(&req)
		got, gerr := remotewrite.Decode(snappy.Encode(nil, canon), 1<<30)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("prompb: %v; wire decoder: %v", werr, gerr)
		}
		if werr != nil {
			return
		}
		if len(got.Samples) != len(want.Samples) || got.Stale != want.Stale || got.Histograms != want.Histograms {
			t.Fatalf("wire decoder %d samples (%d stale, %d histograms), prompb %d (%d, %d)", len(got.Samples), got.Stale, got.Histograms, len(want.Samples), want.Stale, want.Histograms)
		}
		for i := range got.Samples {
			g, w := got.Samples[i], want.Samples[i]
			if g.Metric != w.Metric || g.TimeMs != w.TimeMs || g.Value != w.Value || g.Counter != w.Counter || len(g.Labels) != len(w.Labels) {
				t.Fatalf("sample %d: %+v vs %+v", i, g, w)
			}
			for j := range g.Labels {
				if g.Labels[j] != w.Labels[j] {
					t.Fatalf("sample %d label %d: %+v vs %+v", i, j, g.Labels[j], w.Labels[j])
				}
			}
		}
	})
}

func mustMarshal(f *testing.F, req *prompb.WriteRequest) []byte {
	b, err := req.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func TestLabelLimits(t *testing.T) {
	many := []prompb.Label{{Name: "__name__", Value: "m"}}
	for i := range 65 {
		many = append(many, prompb.Label{Name: fmt.Sprintf("l%03d", i), Value: "v"})
	}
	long := []prompb.Label{{Name: "__name__", Value: "m"}, {Name: "a", Value: strings.Repeat("x", 5000)}}
	for name, ls := range map[string][]prompb.Label{"65 labels": many, "long value": long} {
		_, err := remotewrite.Decode(body(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: ls, Samples: []prompb.Sample{{Value: 1}}}}}), 1<<20)
		var de *remotewrite.DecodeError
		if !errors.As(err, &de) || de.Field != "timeseries[0].labels" || !strings.Contains(de.Reason, "limit") && !strings.Contains(de.Reason, "longer") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
