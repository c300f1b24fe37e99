package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

func testEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	ev := s.Events()
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	a := store.Event{ID: "evt-a", Key: "ct-1", Time: t0, Source: "cloudtrail", EventSource: "lambda.amazonaws.com",
		Class: store.EventDeployment, Name: "UpdateFunctionCode", Actor: "alice",
		Resources: []store.EventResource{{Type: "function", Name: "checkout", ID: "arn:aws:lambda:eu-west-1:1:function:checkout"}},
		Stack:     "shop", Account: "111122223333", Region: "eu-west-1",
		Links: []store.Link{{Title: "trail", URL: "https://example.test/e/1"}}, Details: map[string]string{"requestID": "r1"}, ReceivedAt: t0}
	b := store.Event{ID: "evt-b", Key: "gh-9", Time: t0.Add(time.Minute), Source: "github", Class: store.EventDeployment, Name: "deployment",
		Resources: []store.EventResource{{Type: "service", Name: "web_1%"}}, Namespace: "prod/shop", ReceivedAt: t0}
	got, dup, err := ev.Add(ctx, []store.Event{a, b})
	if err != nil || dup[0] || dup[1] || got[0].ID != "evt-a" {
		t.Fatalf("Add = %v, %v, %v", got, dup, err)
	}
	again := a
	again.ID = "evt-c"
	got, dup, err = ev.Add(ctx, []store.Event{again})
	if err != nil || !dup[0] || got[0].ID != "evt-a" {
		t.Fatalf("Add(re-delivery) = %v, %v, %v; want the stored evt-a as a duplicate", got, dup, err)
	}
	one, err := ev.Get(ctx, "evt-a")
	if err != nil || !reflect.DeepEqual(one, a) {
		t.Fatalf("Get = %+v, %v; want %+v", one, err, a)
	}
	if _, err := ev.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	for _, tt := range []struct {
		name string
		f    store.EventFilter
		want []string
	}{
		{"all, newest first", store.EventFilter{}, []string{"evt-b", "evt-a"}},
		{"source", store.EventFilter{Sources: []string{"cloudtrail"}}, []string{"evt-a"}},
		{"class", store.EventFilter{Classes: []string{store.EventConfigChange}}, nil},
		{"resource by arn", store.EventFilter{Resource: "arn:aws:lambda:eu-west-1:1:function:checkout"}, []string{"evt-a"}},
		{"resource with LIKE wildcards is literal", store.EventFilter{Resource: "web_1%"}, []string{"evt-b"}},
		{"resource prefix does not match", store.EventFilter{Resource: "web"}, nil},
		{"stack", store.EventFilter{Stack: "shop"}, []string{"evt-a"}},
		{"namespace", store.EventFilter{Namespace: "prod/shop"}, []string{"evt-b"}},
		{"time range", store.EventFilter{From: t0.Add(30 * time.Second), To: t0.Add(time.Hour)}, []string{"evt-b"}},
		{"accounts", store.EventFilter{Accounts: []string{"999", "111122223333"}}, []string{"evt-a"}},
		{"no account", store.EventFilter{Accounts: []string{}}, nil},
	} {
		page, err := ev.List(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var ids []string
		for _, e := range page.Events {
			ids = append(ids, e.ID)
		}
		if !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("List(%s) = %v, want %v", tt.name, ids, tt.want)
		}
	}
	page, err := ev.List(ctx, store.EventFilter{Limit: 1})
	if err != nil || len(page.Events) != 1 || page.Next == "" {
		t.Fatalf("List(limit 1) = %v, %v", page, err)
	}
	page, err = ev.List(ctx, store.EventFilter{Limit: 1, Cursor: page.Next})
	if err != nil || len(page.Events) != 1 || page.Events[0].ID != "evt-a" || page.Next != "" {
		t.Fatalf("List(page 2) = %v, %v", page, err)
	}
	if _, err := ev.List(ctx, store.EventFilter{Cursor: "bogus!"}); !errors.Is(err, store.ErrInvalidCursor) {
		t.Fatalf("List(bad cursor) = %v, want ErrInvalidCursor", err)
	}
}

// testProactiveInsights checks that proactive insights do not take the
// one-ongoing-per-boundary place of reactive ones, and keep their
// prediction and forecast.
func testProactiveInsights(t *testing.T, s store.Store) {
	ctx := context.Background()
	ins := s.Insights()
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	base := store.Insight{Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityLow, ProblemType: "MEMORY_SATURATION",
		Name: "n", BoundaryKey: "namespace::prod/shop", BoundaryKind: "namespace", BoundaryName: "prod/shop", StartedAt: t0, CreatedAt: t0, UpdatedAt: t0}
	r := base
	r.ID = "ins-r"
	p := base
	p.ID, p.Type, p.Subject = "ins-p", store.InsightProactive, "series-1"
	p.PredictionTimeRange = &store.TimeRange{Start: t0.Add(20 * time.Hour), End: t0.Add(30 * time.Hour)}
	p2 := p
	p2.ID, p2.Subject = "ins-p2", "series-2"
	for _, in := range []store.Insight{r, p, p2} {
		if err := ins.Create(ctx, in); err != nil {
			t.Fatalf("Create(%s): %v", in.ID, err)
		}
	}
	dupe := p
	dupe.ID = "ins-p3"
	if err := ins.Create(ctx, dupe); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Create(second ongoing proactive insight of one subject) = %v, want ErrConflict", err)
	}
	on, err := ins.Ongoing(ctx, base.BoundaryKey)
	if err != nil || on.ID != "ins-r" {
		t.Fatalf("Ongoing = %v, %v; want the reactive ins-r", on.ID, err)
	}
	got, err := ins.Get(ctx, "ins-p")
	if err != nil || got.Subject != "series-1" || got.PredictionTimeRange == nil || !got.PredictionTimeRange.Start.Equal(p.PredictionTimeRange.Start) ||
		!got.PredictionTimeRange.End.Equal(p.PredictionTimeRange.End) {
		t.Fatalf("Get(proactive) = %+v, %v", got, err)
	}
	got.PredictionTimeRange.End = t0.Add(40 * time.Hour)
	upd, err := ins.Update(ctx, got)
	if err != nil || !upd.PredictionTimeRange.End.Equal(t0.Add(40*time.Hour)) {
		t.Fatalf("Update(prediction) = %+v, %v", upd.PredictionTimeRange, err)
	}
	page, err := ins.List(ctx, store.InsightFilter{Type: store.InsightProactive})
	if err != nil || len(page.Insights) != 2 {
		t.Fatalf("List(proactive) = %d insights, %v; want 2", len(page.Insights), err)
	}
	f := &store.Forecast{Limit: 100, Direction: "up", FitAt: t0, Level: 70, Slope: 1.5, SlopeLow: 1.2, SlopeHigh: 1.8, Spread: 0.4,
		ExhaustAt: t0.Add(20 * time.Hour), Earliest: t0.Add(16 * time.Hour), Latest: t0.Add(25 * time.Hour), WindowSeconds: 3600, HorizonSeconds: 86400}
	a := store.Anomaly{ID: "ano-p", InsightID: "ins-p", Status: store.AnomalyOpen, SeriesID: "series-1", Metric: "pod_memory_utilization",
		BoundaryKey: base.BoundaryKey, StartedAt: t0, PeakAt: t0, UpdatedAt: t0, Forecast: f}
	if err := s.Anomalies().Upsert(ctx, []store.Anomaly{a}); err != nil {
		t.Fatal(err)
	}
	ga, err := s.Anomalies().Get(ctx, "ano-p")
	if err != nil || ga.Forecast == nil || !reflect.DeepEqual(*ga.Forecast, *f) {
		t.Fatalf("Get(proactive anomaly).Forecast = %+v, %v; want %+v", ga.Forecast, err, f)
	}
}
