package app

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// TestInsightWiring runs a whole tend in-process: scored samples go in
// through App.Observer, the insight shows on GET /v1/insights and reaches
// the problem sink the remediation wiring sets, and closes when the
// metrics are normal again.
func TestInsightWiring(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir, cfg.Server.Listen = t.TempDir(), "127.0.0.1:0"
	cfg.Insight.Cooldown = time.Minute
	var mu sync.Mutex
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a, err := New(ctx, &cfg, Options{Logger: logging.Discard(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	var got []problem.Problem
	a.problems = problem.SinkFunc(func(_ context.Context, p problem.Problem) (problem.Receipt, error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, p)
		return problem.Receipt{ProblemID: "p"}, nil
	})
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)

	info := series.Info{ID: "cpu-web-1", Metric: "host_cpu_utilization", Unit: "percent",
		Resource: series.Resource{Type: "host", ID: "host/web-1", Name: "web-1"},
		Boundary: series.Boundary{Kind: "stack", Name: "shop"}}
	at := now
	feed := func(score, v float64, n int) {
		for i := 0; i < n; i++ {
			mu.Lock()
			now = at
			mu.Unlock()
			if err := a.Observer().Observe(ctx, insight.Observation{Series: info, Time: at, Value: v, Score: score}); err != nil {
				t.Fatal(err)
			}
			at = at.Add(10 * time.Second)
		}
		if err := a.Insights().Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	feed(0.05, 12, 10)
	feed(0.95, 99, 6)

	resp, err := authGet("http://"+a.Addr()+"/v1/insights?status=ongoing", readKey(t, a))
	if err != nil {
		t.Fatal(err)
	}
	var page store.InsightPage
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil || len(page.Insights) != 1 || page.Insights[0].ProblemType != "CPU_SATURATION" {
		t.Fatalf("GET /v1/insights = %+v, %v", page, err)
	}
	feed(0.05, 12, 6)
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if err := a.Insights().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0].State != problem.StateOpen || got[1].State != problem.StateResolved ||
		got[0].URL != "http://"+a.Addr()+"/v1/insights/"+page.Insights[0].ID {
		t.Fatalf("problems handed on: %+v", got)
	}
}
