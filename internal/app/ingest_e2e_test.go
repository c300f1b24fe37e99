package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
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
// stack on GET /v1/insights, which closes once the CPU is quiet again and
// the cool-down has passed.
func TestRemoteWriteToInsight(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.Ingest.Host.Enabled = false
	cfg.Series.Baseline = 5 * time.Minute
	cfg.Insight.Cooldown = time.Minute
	var mu sync.Mutex
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	setClock := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	a, err := app.New(ctx, cfg, app.Options{Logger: logging.Discard(), Now: clock})
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
	at := clock()
	send := func(n int, busy float64) {
		t.Helper()
		var samples []ingest.Sample
		for i := range n {
			v := busy
			if busy < 50 {
				v = busy + float64(i%5)
			}
			samples = append(samples, ingest.Sample{Metric: "host_cpu_utilization", Labels: labels, TimeMs: at.UnixMilli(), Value: v})
			at = at.Add(10 * time.Second)
		}
		post(t, base, key, samples)
		deadline := time.Now().Add(10 * time.Second)
		for a.Watcher().Pending() > 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		setClock(at)
		if err := a.Insights().Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	send(200, 18) // 33 minutes quiet at 18–22 %: baseline, and the detector learns
	send(6, 100)  // a minute of burn

	in := insightOf(t, base+"/v1/insights?stack=shop", key)
	if in.ProblemType != "CPU_SATURATION" || in.Status != "ONGOING" || in.BoundaryName != "shop" || len(in.Resources) == 0 {
		t.Fatalf("insight = %+v", in)
	}
	t.Logf("insight: %s [%s %s]", in.Name, in.Severity, in.Status)

	send(60, 18) // ten quiet minutes
	if in = insightOf(t, base+"/v1/insights?stack=shop", key); in.Status != "CLOSED" {
		t.Fatalf("after the load stopped: %+v", in)
	}
}

func insightOf(t *testing.T, url, key string) store.Insight {
	t.Helper()
	resp, err := authGet(url, key)
	if err != nil {
		t.Fatal(err)
	}
	var page store.InsightPage
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil || len(page.Insights) != 1 {
		t.Fatalf("GET %s = %+v, %v", url, page, err)
	}
	return page.Insights[0]
}

func post(t *testing.T, base, key string, samples []ingest.Sample) {
	t.Helper()
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
}
