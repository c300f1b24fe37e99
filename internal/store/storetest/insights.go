package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

func sampleInsight(id, boundary string, start time.Time) store.Insight {
	return store.Insight{
		ID: id, Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityMedium,
		ProblemType: "CPU_SATURATION", Name: "CPU utilisation anomalous on host web-1 (stack shop)",
		Description: "host_cpu_utilization peaked at 99", BoundaryKey: "stack::" + boundary,
		BoundaryKind: "stack", BoundaryName: boundary, Account: "111122223333", Region: "eu-west-1",
		Resources:       []store.InsightResource{{ID: "host/web-1", Type: "host", Name: "web-1", InstanceID: "i-0abc", InstanceType: "t3.small"}},
		Recommendations: []store.Recommendation{{Title: "Find what uses the CPU", Reason: "host_cpu_utilization is anomalous"}},
		StartedAt:       start, CreatedAt: start, UpdatedAt: start,
	}
}

func sampleAnomaly(id, insightID string, start time.Time) store.Anomaly {
	return store.Anomaly{
		ID: id, InsightID: insightID, Status: store.AnomalyOpen, SeriesID: "s-" + id, Metric: "host_cpu_utilization",
		Labels: map[string]string{"instance": "web-1", "job": "node"}, Statistic: "Average", Period: 10 * time.Second, Unit: "percent",
		Family: "cpu", ProblemType: "CPU_SATURATION",
		Resource:    store.InsightResource{ID: "host/web-1", Type: "host", Name: "web-1"},
		BoundaryKey: "stack::shop", StartedAt: start, PeakScore: 0.91, PeakValue: 98.5, PeakAt: start.Add(time.Second),
		Reason: "value 6.1σ above baseline", Owner: "node-a", UpdatedAt: start,
		Excerpt: []store.Point{{T: start.Add(-time.Second), V: 12.25, S: 0.1}, {T: start, V: 98.5, S: 0.91}},
	}
}

func testInsights(t *testing.T, s store.Store) {
	ctx := context.Background()
	ins := s.Insights()
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

	if _, err := ins.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	a := sampleInsight("ins-a", "shop", t0)
	if err := ins.Create(ctx, a); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := ins.Create(ctx, a); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Create(same id) = %v, want ErrConflict", err)
	}
	if err := ins.Create(ctx, sampleInsight("ins-b", "shop", t0)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Create(second ongoing for boundary) = %v, want ErrConflict", err)
	}
	got, err := ins.Get(ctx, "ins-a")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	a.Version = 1
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("Get =\n%+v\nwant\n%+v", got, a)
	}
	if on, err := ins.Ongoing(ctx, "stack::shop"); err != nil || on.ID != "ins-a" {
		t.Fatalf("Ongoing = %v, %v; want ins-a", on.ID, err)
	}

	got.Severity, got.Status, got.EndedAt = store.SeverityHigh, store.InsightClosed, t0.Add(time.Hour)
	got.Resources = append(got.Resources, store.InsightResource{ID: "host/web-2", Type: "host", Name: "web-2"})
	upd, err := ins.Update(ctx, got)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if upd.Version != 2 || upd.Severity != store.SeverityHigh || len(upd.Resources) != 2 || !upd.EndedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Update returned %+v", upd)
	}
	if _, err := ins.Update(ctx, got); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Update(stale version) = %v, want ErrConflict", err)
	}
	missing := got
	missing.ID = "ins-missing"
	if _, err := ins.Update(ctx, missing); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Update(missing) = %v, want ErrNotFound", err)
	}
	if _, err := ins.Ongoing(ctx, "stack::shop"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Ongoing(after close) = %v, want ErrNotFound", err)
	}
	// Closed, the boundary may have a new ongoing episode.
	if err := ins.Create(ctx, sampleInsight("ins-b", "shop", t0.Add(2*time.Hour))); err != nil {
		t.Fatalf("Create(new episode after close): %v", err)
	}
	on, err := ins.ListOngoing(ctx)
	if err != nil || len(on) != 1 || on[0].ID != "ins-b" {
		t.Fatalf("ListOngoing = %v, %v; want [ins-b]", on, err)
	}
}

func testAnomalies(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	if err := s.Insights().Create(ctx, sampleInsight("ins-1", "shop", t0)); err != nil {
		t.Fatalf("Create insight: %v", err)
	}
	an := s.Anomalies()
	if _, err := an.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	a1 := sampleAnomaly("an-1", "ins-1", t0)
	a2 := sampleAnomaly("an-2", "ins-1", t0.Add(time.Minute))
	a2.Owner = "node-b"
	for _, a := range []store.Anomaly{a2, a1} {
		if err := an.Create(ctx, a); err != nil {
			t.Fatalf("Create(%s): %v", a.ID, err)
		}
	}
	if err := an.Create(ctx, a1); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Create(duplicate) = %v, want ErrConflict", err)
	}
	got, err := an.Get(ctx, "an-1")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !reflect.DeepEqual(got, a1) {
		t.Fatalf("Get =\n%+v\nwant\n%+v", got, a1)
	}
	open, err := an.ListOpen(ctx, "node-a")
	if err != nil || len(open) != 1 || open[0].ID != "an-1" {
		t.Fatalf("ListOpen(node-a) = %v, %v; want [an-1]", open, err)
	}
	got.Status, got.EndedAt, got.PeakScore, got.Reason = store.AnomalyClosed, t0.Add(5*time.Minute), 0.99, "peak"
	got.Excerpt = append(got.Excerpt, store.Point{T: t0.Add(time.Minute), V: 99.75, S: 0.99})
	if err := an.Update(ctx, got); err != nil {
		t.Fatalf("Update: %v", err)
	}
	back, _ := an.Get(ctx, "an-1")
	if !reflect.DeepEqual(back, got) {
		t.Fatalf("after Update Get =\n%+v\nwant\n%+v", back, got)
	}
	if open, _ := an.ListOpen(ctx, "node-a"); len(open) != 0 {
		t.Fatalf("ListOpen after close = %v, want none", open)
	}
	list, err := an.ListByInsight(ctx, "ins-1")
	if err != nil || len(list) != 2 || list[0].ID != "an-1" || list[1].ID != "an-2" {
		t.Fatalf("ListByInsight = %v, %v; want an-1, an-2", list, err)
	}
	missing := got
	missing.ID = "an-missing"
	if err := an.Update(ctx, missing); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Update(missing) = %v, want ErrNotFound", err)
	}

	// Upsert: one new, one existing, in one transaction.
	a3 := sampleAnomaly("an-3", "ins-1", t0.Add(2*time.Minute))
	a2.Status, a2.EndedAt, a2.PeakScore = store.AnomalyClosed, t0.Add(3*time.Minute), 0.97
	if err := an.Upsert(ctx, []store.Anomaly{a3, a2}); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	for _, want := range []store.Anomaly{a3, a2} {
		if got, err := an.Get(ctx, want.ID); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("after Upsert Get(%s) =\n%+v, %v\nwant\n%+v", want.ID, got, err, want)
		}
	}
	// A failing row rolls the whole batch back.
	a4 := sampleAnomaly("an-4", "ins-1", t0)
	bad := sampleAnomaly("an-5", "no-such-insight", t0)
	if err := an.Upsert(ctx, []store.Anomaly{a4, bad}); err == nil {
		t.Fatal("Upsert with an anomaly of a missing insight succeeded")
	}
	if _, err := an.Get(ctx, "an-4"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed Upsert kept part of the batch: %v", err)
	}
	if err := an.Upsert(ctx, nil); err != nil {
		t.Fatalf("Upsert(nil): %v", err)
	}
}

func testInsightList(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// 25 insights over 25 hours: stacks shop/pay alternate, every third HIGH,
	// the first 20 closed.
	for i := 0; i < 25; i++ {
		b := []string{"shop", "pay"}[i%2]
		in := sampleInsight(fmt.Sprintf("ins-%02d", i), fmt.Sprintf("%s-%d", b, i), t0.Add(time.Duration(i)*time.Hour))
		in.BoundaryName = b
		if i%3 == 0 {
			in.Severity = store.SeverityHigh
		}
		if i < 20 {
			in.Status = store.InsightClosed
		}
		if i == 7 {
			in.BoundaryKind, in.BoundaryName, in.Account = "app", "checkout", "444455556666"
		}
		if err := s.Insights().Create(ctx, in); err != nil {
			t.Fatalf("Create %s: %v", in.ID, err)
		}
	}
	an := sampleAnomaly("an-x", "ins-04", t0.Add(4*time.Hour))
	an.Resource = store.InsightResource{ID: "pod/shop/cart-1", Type: "pod", Name: "cart-1"}
	if err := s.Anomalies().Create(ctx, an); err != nil {
		t.Fatal(err)
	}
	ids := func(p store.InsightPage) []string {
		var out []string
		for _, in := range p.Insights {
			out = append(out, in.ID)
		}
		return out
	}
	cases := []struct {
		name string
		f    store.InsightFilter
		want []string
	}{
		{"ongoing", store.InsightFilter{Statuses: []string{store.InsightOngoing}}, []string{"ins-24", "ins-23", "ins-22", "ins-21", "ins-20"}},
		{"high ongoing", store.InsightFilter{Statuses: []string{store.InsightOngoing}, Severities: []string{store.SeverityHigh}}, []string{"ins-24", "ins-21"}},
		{"app", store.InsightFilter{App: "checkout"}, []string{"ins-07"}},
		{"account", store.InsightFilter{Accounts: []string{"444455556666"}}, []string{"ins-07"}},
		{"resource by name", store.InsightFilter{Resource: "cart-1"}, []string{"ins-04"}},
		{"resource by id", store.InsightFilter{Resource: "pod/shop/cart-1"}, []string{"ins-04"}},
		{"time range", store.InsightFilter{From: t0.Add(2 * time.Hour), To: t0.Add(5 * time.Hour)}, []string{"ins-04", "ins-03", "ins-02"}},
		{"stack and range", store.InsightFilter{Stack: "shop", From: t0, To: t0.Add(5 * time.Hour)}, []string{"ins-04", "ins-02", "ins-00"}},
		{"proactive", store.InsightFilter{Type: store.InsightProactive}, nil},
	}
	for _, c := range cases {
		p, err := s.Insights().List(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: List: %v", c.name, err)
		}
		if got := ids(p); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: List = %v, want %v", c.name, got, c.want)
		}
	}
	// Paging: 25 in pages of 10, newest first, each once.
	var all []string
	f := store.InsightFilter{Limit: 10}
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		p, err := s.Insights().List(ctx, f)
		if err != nil {
			t.Fatalf("List page %d: %v", pages, err)
		}
		all = append(all, ids(p)...)
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	if len(all) != 25 || all[0] != "ins-24" || all[24] != "ins-00" {
		t.Fatalf("paged list = %v, want ins-24 … ins-00", all)
	}
	if _, err := s.Insights().List(ctx, store.InsightFilter{Cursor: "%%%"}); !errors.Is(err, store.ErrInvalidCursor) {
		t.Fatalf("List(bad cursor) = %v, want ErrInvalidCursor", err)
	}
}

// testInsightsConcurrentOngoing: several writers (as several tend processes
// would) race to open an insight for one boundary; exactly one wins.
func testInsightsConcurrentOngoing(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Insights().Create(ctx, sampleInsight(fmt.Sprintf("ins-%d", i), "shop", time.Now()))
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrConflict):
		default:
			t.Errorf("concurrent Create: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent ongoing insights for one boundary were created, want exactly 1", ok)
	}
}
