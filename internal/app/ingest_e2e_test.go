package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/remotewrite"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store"
)

// TestRemoteWriteToInsight is the whole metrics path in one process: a
// host's CPU series arrives over remote_write, baselines, is scored by the
// default detector, and a burn becomes a CPU_SATURATION insight for its
// stack on GET /v1/insights.
func TestRemoteWriteToInsight(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.Ingest.Host.Enabled = false
	cfg.Series.Baseline = 5 * time.Minute
	a, err := app.New(ctx, cfg, app.Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := a.Keys().Create(ctx, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	base := "http://" + a.Addr()

	labels := []ingest.Label{{Name: "host", Value: "web-1"}, {Name: "stack", Value: "shop"}}
	start := time.Now().Add(-210 * 10 * time.Second)
	var samples []ingest.Sample
	for i := range 206 { // 200 quiet readings (18–22 %), then a minute at 100 %
		v := 18 + float64(i%5)
		if i >= 200 {
			v = 100
		}
		samples = append(samples, ingest.Sample{Metric: "host_cpu_utilization", Labels: labels, TimeMs: start.Add(time.Duration(i) * 10 * time.Second).UnixMilli(), Value: v})
	}
	for i := 0; i < len(samples); i += 50 {
		body, err := remotewrite.Encode(samples[i:min(i+50, len(samples))])
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", base+"/api/v1/write", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("Content-Encoding", "snappy")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("remote_write: %d", resp.StatusCode)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for a.Watcher().Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := a.Insights().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(base + "/v1/insights?stack=shop")
	if err != nil {
		t.Fatal(err)
	}
	var page store.InsightPage
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil || len(page.Insights) != 1 {
		t.Fatalf("GET /v1/insights = %+v, %v", page, err)
	}
	in := page.Insights[0]
	if in.ProblemType != "CPU_SATURATION" || in.BoundaryName != "shop" || len(in.Resources) == 0 {
		t.Fatalf("insight = %+v", in)
	}
	t.Logf("insight: %s [%s %s]", in.Name, in.Severity, in.Status)
}
