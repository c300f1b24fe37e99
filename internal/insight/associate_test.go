package insight

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// TestAssociate: an event gets a NEW_ASSOCIATION for each ongoing insight
// it relates to by the read path's rule (resource or boundary, within the
// look-back — for a proactive insight its forecast's window), none for a
// closed insight or an unrelated one.
func TestAssociate(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	start := now.Add(-30 * time.Minute)
	mk := func(id, kind, name, res, typ, status string) store.Insight {
		in := store.Insight{ID: id, Type: typ, Status: status, Severity: store.SeverityMedium, BoundaryKey: kind + "::" + name + "::" + id,
			BoundaryKind: kind, BoundaryName: name, Subject: id, Resources: []store.InsightResource{{ID: "host/" + res, Name: res}},
			StartedAt: start, CreatedAt: start, UpdatedAt: start}
		if status == store.InsightClosed {
			in.EndedAt = now.Add(-time.Minute)
		}
		if err := st.Insights().Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		return in
	}
	mk("ins-web", "stack", "shop", "web-1", store.InsightReactive, store.InsightOngoing)
	mk("ins-app", "app", "billing", "db-1", store.InsightReactive, store.InsightOngoing)
	mk("ins-closed", "stack", "other", "web-1", store.InsightReactive, store.InsightClosed)
	mk("ins-leak", "stack", "leaky", "cache-1", store.InsightProactive, store.InsightOngoing)
	if err := st.Anomalies().Upsert(ctx, []store.Anomaly{{ID: "ano-leak", InsightID: "ins-leak", Status: store.AnomalyOpen, SeriesID: "mem", Metric: "mem",
		BoundaryKey: "stack::leaky", Resource: store.InsightResource{ID: "host/cache-1", Name: "cache-1"}, StartedAt: start, PeakAt: start, UpdatedAt: start,
		Forecast: &store.Forecast{Limit: 100, Direction: "up", WindowSeconds: (48 * time.Hour).Seconds()}}}); err != nil {
		t.Fatal(err)
	}
	evs := []store.Event{
		{ID: "evt-res", Time: start.Add(-time.Hour), Resources: []store.EventResource{{Name: "web-1"}}},            // ins-web (resource); ins-closed is closed
		{ID: "evt-app", Time: start.Add(time.Minute), App: "billing"},                                              // ins-app (boundary)
		{ID: "evt-old", Time: start.Add(-4 * time.Hour), Resources: []store.EventResource{{Name: "web-1"}}},        // before the look-back
		{ID: "evt-none", Time: start, Resources: []store.EventResource{{Name: "db-9"}}, Stack: "elsewhere"},        // unrelated
		{ID: "evt-leak", Time: start.Add(-30 * time.Hour), Resources: []store.EventResource{{ID: "host/cache-1"}}}, // ins-leak's 48h window
	}
	out, err := Associate(ctx, st, evs, AssociateOptions{Lookback: 3 * time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"evt-res": {"ins-web.evt-res.NEW_ASSOCIATION"}, "evt-app": {"ins-app.evt-app.NEW_ASSOCIATION"},
		"evt-leak": {"ins-leak.evt-leak.NEW_ASSOCIATION"}}
	for i, ev := range out {
		var ids []string
		for _, n := range ev.Notify {
			ids = append(ids, n.ID)
		}
		sort.Strings(ids)
		if len(ids) != len(want[ev.ID]) || (len(ids) > 0 && ids[0] != want[ev.ID][0]) {
			t.Errorf("%s: messages %v, want %v", ev.ID, ids, want[ev.ID])
		}
		if len(evs[i].Notify) != 0 {
			t.Errorf("Associate changed its argument's %s", evs[i].ID)
		}
	}
}
