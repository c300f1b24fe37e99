package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
	"github.com/tendhq/tend/internal/web"
)

func TestPages(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	now := time.Now().UTC().Truncate(time.Second)
	in := store.Insight{ID: "ins-1", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityHigh,
		ProblemType: "CPU_SATURATION", Name: "CPU utilisation and load anomalous on host web-1 (stack shop)",
		Description: "Two metrics of host web-1 left their normal range.", BoundaryKey: "stack::shop", BoundaryKind: "stack", BoundaryName: "shop",
		Resources:       []store.InsightResource{{ID: "host/web-1", Type: "host", Name: "web-1"}},
		Recommendations: []store.Recommendation{{Title: "Move to a larger instance type", Reason: "CPU has been saturated"}},
		StartedAt:       now.Add(-10 * time.Minute), CreatedAt: now, UpdatedAt: now}
	if err := s.Insights().Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	var pts []store.Point
	for i := range 40 {
		v, sc := 20.0, 0.0
		if i > 30 {
			v, sc = 98, 0.9
		}
		pts = append(pts, store.Point{T: now.Add(time.Duration(i-40) * 10 * time.Second), V: v, S: sc})
	}
	if err := s.Anomalies().Create(ctx, store.Anomaly{ID: "an-1", InsightID: "ins-1", Status: "OPEN", SeriesID: "abc", Metric: "host_cpu_utilization",
		Family: "cpu", ProblemType: "CPU_SATURATION", Resource: in.Resources[0], BoundaryKey: in.BoundaryKey, StartedAt: now.Add(-90 * time.Second),
		PeakScore: 0.9, PeakValue: 98, PeakAt: now, Reason: "value 9.1σ above the baseline", Excerpt: pts, Owner: "t", UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.Runs().Create(ctx, store.Run{ID: "run-1", Policy: "upsize-on-cpu-saturation", ProblemID: "p1", OccurrenceID: "o1", Mode: "auto",
		State: store.RunDone, Outcome: "acted", Summary: "published web-server v2: InstanceType t3.small → t3.medium", Target: "web-server",
		CreatedAt: now, UpdatedAt: now, NextAt: now}); err != nil {
		t.Fatal(err)
	}
	ui, err := web.New(web.Options{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, r := range ui.Routes() {
		mux.HandleFunc(r.Pattern, r.Handler)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, tt := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{"CPU utilisation and load anomalous on host web-1", "HIGH", "upsize-on-cpu-saturation", "t3.small → t3.medium", "ongoing insights"}},
		{"/ui/insights/ins-1", 200, []string{"Find what is using the CPU", "<svg", "<circle", "value 9.1σ above the baseline"}},
		{"/ui/runs/run-1", 200, []string{"upsize-on-cpu-saturation", "acted", "No steps yet"}},
		{"/ui/insights/nope", 404, []string{"no such record"}},
	} {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s = %d %s, want %d HTML", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.status)
		}
		for _, w := range tt.want {
			if !strings.Contains(strings.ToLower(string(body)), strings.ToLower(w)) {
				t.Errorf("GET %s: page lacks %q", tt.path, w)
			}
		}
	}
}
