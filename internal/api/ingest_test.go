package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/remotewrite"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store/storetest"
	"github.com/tendhq/tend/internal/watch"
)

type recorder struct {
	mu  sync.Mutex
	obs []insight.Observation
}

func (r *recorder) Observe(_ context.Context, o insight.Observation) error {
	r.mu.Lock()
	r.obs = append(r.obs, o)
	r.mu.Unlock()
	return nil
}

func (r *recorder) metrics() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[string]int{}
	for _, o := range r.obs {
		m[o.Series.Metric]++
	}
	return m
}

type ingestEnv struct {
	srv  *httptest.Server
	key  string
	rec  *recorder
	w    *watch.Watcher
	sink ingest.Sink
}

// newIngestAPI serves the ingest endpoints over a watcher feeding a
// recording observer. sink, when not nil, replaces the watcher as the sink.
func newIngestAPI(t *testing.T, sink ingest.Sink) *ingestEnv {
	t.Helper()
	s := storetest.OpenSQLite(t)
	keys := apikey.New(s.APIKeys(), nil)
	_, key, err := keys.Create(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	w, err := watch.New(watch.Options{Observer: rec, Workers: 2, Baseline: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	if sink == nil {
		sink = w
	}
	reg := prometheus.NewRegistry()
	a := api.New(api.Options{Logger: logging.Discard(), Store: s, Keys: keys, Registerer: reg, Gatherer: reg, MaxBodyBytes: 1 << 20})
	api.RegisterIngest(a, api.IngestOptions{Sink: sink, Series: w, MaxDecodedBytes: 4 << 20})
	srv := httptest.NewServer(keyedReads(a.Handler(), key))
	t.Cleanup(srv.Close)
	return &ingestEnv{srv: srv, key: key, rec: rec, w: w, sink: sink}
}

func (e *ingestEnv) post(t *testing.T, path, ctype, encoding string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	req.Header.Set("X-API-Key", e.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (e *ingestEnv) waitFor(t *testing.T, metric string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for e.rec.metrics()[metric] < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d observations, want %d", metric, e.rec.metrics()[metric], n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func cpuSamples(n int) []ingest.Sample {
	var s []ingest.Sample
	t0 := time.Now().Add(-time.Hour).UnixMilli()
	for i := range n {
		s = append(s, ingest.Sample{Metric: "host_cpu_utilization", Labels: []ingest.Label{{Name: "host", Value: "web-1"}}, TimeMs: t0 + int64(i)*10_000, Value: float64(20 + i%3)})
	}
	return s
}

func TestRemoteWriteEndpoint(t *testing.T) {
	e := newIngestAPI(t, nil)
	body, err := remotewrite.Encode(cpuSamples(20))
	if err != nil {
		t.Fatal(err)
	}
	resp, b := e.post(t, "/api/v1/write", "application/x-protobuf", "snappy", body)
	if resp.StatusCode != 204 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	e.waitFor(t, "host_cpu_utilization", 20)

	tests := []struct {
		name, ctype, enc string
		body             []byte
		status           int
		inMsg            string
	}{
		{"gzip", "application/x-protobuf", "gzip", body, 415, "snappy"},
		{"remote write 2.0", "application/x-protobuf;proto=io.prometheus.write.v2.Request", "snappy", body, 415, "remote_write 1.0"},
		{"not snappy", "application/x-protobuf", "snappy", []byte("\xff\xff\xff\xff\xff\xff"), 400, "snappy"},
		{"not protobuf", "application/x-protobuf", "snappy", snappy.Encode(nil, []byte("hello")), 400, "WriteRequest"},
		{"decompression bomb", "application/x-protobuf", "snappy", snappy.Encode(nil, make([]byte, 5<<20)), 413, "decompresses to"},
		{"body too large", "application/x-protobuf", "snappy", make([]byte, 2<<20), 413, "max_body_bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.post(t, "/api/v1/write", tt.ctype, tt.enc, tt.body)
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.inMsg) {
				t.Fatalf("status %d %s, want %d containing %q", resp.StatusCode, b, tt.status, tt.inMsg)
			}
		})
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/write", bytes.NewReader(body))
	req.Header.Set("X-API-Key", e.key)
	req.Header.Set("X-Prometheus-Remote-Write-Version", "2.0.0")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Fatalf("version 2.0.0: %d, want 415", resp.StatusCode)
	}
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/write", bytes.NewReader(body))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("without a key: %d, want 401", resp.StatusCode)
	}
}

func TestOverloadAnswers429(t *testing.T) {
	full := ingest.SinkFunc(func(context.Context, []ingest.Sample) error {
		return &ingest.OverloadedError{RetryAfter: 7 * time.Second, Reason: "test"}
	})
	e := newIngestAPI(t, full)
	body, _ := remotewrite.Encode(cpuSamples(3))
	resp, b := e.post(t, "/api/v1/write", "application/x-protobuf", "snappy", body)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || !strings.Contains(string(b), "nothing from this request was accepted") {
		t.Fatalf("remote_write overloaded: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	req := pmetricotlp.NewExportRequestFromMetrics(gauge("x", 1))
	pb, _ := req.MarshalProto()
	resp, b = e.post(t, "/v1/metrics", "application/x-protobuf", "", pb)
	var st status.Status
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || proto.Unmarshal(b, &st) != nil || !strings.Contains(st.Message, "overloaded") {
		t.Fatalf("otlp overloaded: %d %q %+v", resp.StatusCode, resp.Header.Get("Retry-After"), &st)
	}
}

func gauge(name string, v float64) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("host.name", "web-2")
	rm.Resource().Attributes().PutStr("service.name", "shop")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName(name)
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetTimestamp(1_700_000_000_000_000_000)
	dp.SetDoubleValue(v)
	return md
}

func TestOTLPEndpoint(t *testing.T) {
	e := newIngestAPI(t, nil)
	md := gauge("system.cpu.utilization", 0.5)
	bad := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().AppendEmpty()
	bad.SetName("bad")
	bad.SetEmptyGauge().DataPoints().AppendEmpty().SetDoubleValue(1) // no timestamp
	req := pmetricotlp.NewExportRequestFromMetrics(md)

	pb, _ := req.MarshalProto()
	resp, b := e.post(t, "/v1/metrics", "application/x-protobuf", "", pb)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-protobuf" {
		t.Fatalf("protobuf: %d %s", resp.StatusCode, b)
	}
	out := pmetricotlp.NewExportResponse()
	if err := out.UnmarshalProto(b); err != nil || out.PartialSuccess().RejectedDataPoints() != 1 || !strings.Contains(out.PartialSuccess().ErrorMessage(), "timestamp") {
		t.Fatalf("partial success = %d %q (%v)", out.PartialSuccess().RejectedDataPoints(), out.PartialSuccess().ErrorMessage(), err)
	}

	js, _ := req.MarshalJSON()
	resp, b = e.post(t, "/v1/metrics", "application/json", "", js)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "rejectedDataPoints") {
		t.Fatalf("json: %d %s", resp.StatusCode, b)
	}
	e.waitFor(t, "system.cpu.utilization", 2)

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(pb)
	_ = zw.Close()
	resp, b = e.post(t, "/v1/metrics", "application/x-protobuf", "gzip", gz.Bytes())
	if resp.StatusCode != 200 {
		t.Fatalf("gzip: %d %s", resp.StatusCode, b)
	}
	gz.Reset()
	zw = gzip.NewWriter(&gz)
	_, _ = zw.Write(make([]byte, 5<<20))
	_ = zw.Close()
	if resp, b = e.post(t, "/v1/metrics", "application/x-protobuf", "gzip", gz.Bytes()); resp.StatusCode != 413 {
		t.Fatalf("gzip bomb: %d %s", resp.StatusCode, b)
	}
	if resp, b = e.post(t, "/v1/metrics", "application/x-protobuf", "br", pb); resp.StatusCode != 415 {
		t.Fatalf("brotli: %d %s", resp.StatusCode, b)
	}
	e.waitFor(t, "system.cpu.utilization", 3)

	resp, b = e.post(t, "/v1/metrics", "application/json", "", []byte(`{"resourceMetrics":`))
	if resp.StatusCode != 400 || !strings.Contains(string(b), "JSON") {
		t.Fatalf("bad json: %d %s", resp.StatusCode, b)
	}
	resp, b = e.post(t, "/v1/metrics", "text/plain", "", []byte(`x`))
	if resp.StatusCode != 415 {
		t.Fatalf("text/plain: %d %s", resp.StatusCode, b)
	}

	// GET /v1/series sees both sources' series with their resources.
	body, _ := remotewrite.Encode(cpuSamples(2))
	e.post(t, "/api/v1/write", "application/x-protobuf", "snappy", body)
	e.waitFor(t, "host_cpu_utilization", 2)
	var page api.SeriesPage
	getJSON(t, e.srv.URL+`/v1/series?match=`+urlq(`{host.name="web-2"}`), 200, &page)
	if page.Total != 1 || page.Series[0].Metric != "system.cpu.utilization" || page.Series[0].Resource.ID != "host/web-2" || !page.Series[0].Baselining {
		t.Fatalf("series = %+v", page)
	}
	getJSON(t, e.srv.URL+"/v1/series?limit=1", 200, &page)
	if page.Total != 2 || len(page.Series) != 1 {
		t.Fatalf("paged series = %+v", page)
	}
	var eb errBody
	getJSON(t, e.srv.URL+"/v1/series?match="+urlq(`{host=web}`), 400, &eb)
	if eb.Error.Field != "match" {
		t.Fatalf("bad selector error = %+v", eb)
	}
}

func urlq(s string) string {
	return strings.NewReplacer("{", "%7B", "}", "%7D", "\"", "%22", "=", "%3D", " ", "%20").Replace(s)
}

func getJSON(t *testing.T, url string, want int, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s = %d %s, want %d", url, resp.StatusCode, b, want)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, b)
	}
}
