package app

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/notifytest"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// TestEventAssociationNotified: an event posted while an insight on host
// web-1 is ongoing, touching web-1, reaches a webhook as one
// NEW_ASSOCIATION naming the event; posting it again (a duplicate), an
// event on another resource and one long before the insight send nothing.
func TestEventAssociationNotified(t *testing.T) {
	ctx := context.Background()
	rcv := notifytest.NewReceiver("s3cret")
	defer rcv.Close()
	cfg := config.Default()
	cfg.DataDir, cfg.Server.Listen = t.TempDir(), "127.0.0.1:0"
	cfg.Notify.Channels = []notify.Spec{{Name: "ops", Type: notify.TypeWebhook, URL: rcv.URL, Secret: "s3cret", GroupWait: notify.Dur(0)}}
	a, err := New(ctx, &cfg, Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	_, key, err := a.Keys().Create(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()

	start := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
	in := store.Insight{ID: "ins-web1", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityHigh,
		ProblemType: "CPU_SATURATION", Name: "CPU utilisation anomalous on host web-1",
		BoundaryKey: "stack::shop", BoundaryKind: "stack", BoundaryName: "shop",
		Resources: []store.InsightResource{{ID: "host/web-1", Type: "host", Name: "web-1"}},
		StartedAt: start, CreatedAt: start, UpdatedAt: start}
	if err := a.Store().Insights().Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	post := func(body string) map[string]any {
		t.Helper()
		code, resp := do(t, "POST", base+"/v1/events", key, body)
		if code != 202 {
			t.Fatalf("POST /v1/events %s = %d %s", body, code, resp)
		}
		var rc map[string]any
		if err := json.Unmarshal([]byte(resp), &rc); err != nil {
			t.Fatal(err)
		}
		return rc
	}
	at := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }
	// Not related: another resource (and no boundary), and web-1 before the look-back.
	post(`{"time":"` + at(-5*time.Minute) + `","name":"deploy db","event_class":"DEPLOYMENT","id":"db-1","resources":[{"type":"host","name":"db-9","id":"host/db-9"}]}`)
	post(`{"time":"` + at(-4*time.Hour) + `","name":"old deploy","event_class":"DEPLOYMENT","id":"old-1","resources":[{"type":"host","name":"web-1","id":"host/web-1"}]}`)
	ev := `{"time":"` + at(-5*time.Minute) + `","name":"deploy web 1.4","event_class":"DEPLOYMENT","id":"web-14","actor":"carol","resources":[{"type":"host","name":"web-1","id":"host/web-1"}]}`
	rc := post(ev)
	if rc["accepted"] != 1.0 {
		t.Fatalf("receipt %v", rc)
	}
	evID := rc["events"].([]any)[0].(map[string]any)["id"].(string)
	if rc := post(ev); rc["duplicates"] != 1.0 {
		t.Fatalf("second POST: receipt %v, want a duplicate", rc)
	}

	wantID := "ins-web1." + evID + "." + message.NewAssociation
	deadline := time.Now().Add(20 * time.Second)
	for rcv.Count(wantID) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no %s at the webhook within 20s; got %v", wantID, rcv.Counts())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Everything written is fanned out before the check that nothing else was.
	for {
		st, err := a.Store().Outbox().Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Undispatched == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox still holds %d undispatched messages", st.Undispatched)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ds, err := a.Store().Outbox().Deliveries(ctx, store.DeliveryFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Message.ID != wantID || ds[0].Message.Type != message.NewAssociation || ds[0].Message.Subject != "ins-web1" {
		t.Fatalf("outbox deliveries %+v, want the one %s", ds, wantID)
	}
	var got message.Message
	for _, m := range rcv.Messages() {
		if m.MessageId == wantID {
			got = m
		}
	}
	if got.InsightId != "ins-web1" || got.InsightSeverity != "high" || got.StartTime != start.UnixMilli() || len(got.Anomalies) != 0 || len(got.Events) != 1 {
		t.Fatalf("message %+v", got)
	}
	e := got.Events[0]
	if e.Id != evID || e.Name != "deploy web 1.4" || e.EventClass != store.EventDeployment || e.DataSource != "api" || e.Actor != "carol" ||
		e.Relation != "resource" || e.Time != start.Add(-5*time.Minute).UnixMilli() || len(e.Resources) != 1 || e.Resources[0].Name != "web-1" || e.Resources[0].Id != "host/web-1" {
		t.Fatalf("message's event %+v", e)
	}
	if c := rcv.Counts(); len(c) != 1 {
		t.Fatalf("the webhook got %v, want only %s", c, wantID)
	}
}

// TestNewInsightListsEvents: an insight the engine opens on host web-1
// announces in its NEW_INSIGHT the event posted on web-1 just before; an
// event posted while it is ongoing follows as its NEW_ASSOCIATION.
func TestNewInsightListsEvents(t *testing.T) {
	ctx := context.Background()
	rcv := notifytest.NewReceiver("s3cret")
	defer rcv.Close()
	cfg := config.Default()
	cfg.DataDir, cfg.Server.Listen = t.TempDir(), "127.0.0.1:0"
	cfg.Notify.Channels = []notify.Spec{{Name: "ops", Type: notify.TypeWebhook, URL: rcv.URL, Secret: "s3cret", GroupWait: notify.Dur(0)}}
	a, err := New(ctx, &cfg, Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	_, key, err := a.Keys().Create(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()
	post := func(body string) string {
		t.Helper()
		code, resp := do(t, "POST", base+"/v1/events", key, body)
		var rc struct {
			Events []struct{ ID string }
		}
		if code != 202 || json.Unmarshal([]byte(resp), &rc) != nil || len(rc.Events) != 1 {
			t.Fatalf("POST /v1/events = %d %s", code, resp)
		}
		return rc.Events[0].ID
	}
	at := time.Now().UTC()
	before := post(`{"time":"` + at.Add(-5*time.Minute).Format(time.RFC3339) + `","name":"deploy web 1.4","event_class":"DEPLOYMENT","id":"web-14","resources":[{"type":"host","name":"web-1","id":"host/web-1"}]}`)

	info := series.Info{ID: "cpu-web-1", Metric: "host_cpu_utilization", Unit: "percent",
		Resource: series.Resource{Type: "host", ID: "host/web-1", Name: "web-1"}, Boundary: series.Boundary{Kind: "stack", Name: "shop"}}
	for range 3 {
		if err := a.Observer().Observe(ctx, insight.Observation{Series: info, Time: at, Value: 99, Score: 0.99, Reason: "far above"}); err != nil {
			t.Fatal(err)
		}
		at = at.Add(10 * time.Second)
	}
	wait := func(what string, ok func(message.Message) bool) message.Message {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			for _, m := range rcv.Messages() {
				if ok(m) {
					return m
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s at the webhook within 20s; got %v", what, rcv.Counts())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	ni := wait("NEW_INSIGHT", func(m message.Message) bool { return m.MessageType == message.NewInsight })
	if len(ni.Events) != 1 || ni.Events[0].Id != before || ni.Events[0].Relation != "resource" || ni.Events[0].Name != "deploy web 1.4" {
		t.Fatalf("NEW_INSIGHT's events %+v, want %s", ni.Events, before)
	}
	during := post(`{"time":"` + time.Now().UTC().Format(time.RFC3339) + `","name":"restart web-1","event_class":"INFRASTRUCTURE","id":"web-restart","resources":[{"type":"host","name":"web-1","id":"host/web-1"}]}`)
	na := wait("NEW_ASSOCIATION", func(m message.Message) bool { return m.MessageType == message.NewAssociation && len(m.Events) > 0 })
	if na.MessageId != ni.InsightId+"."+during+"."+message.NewAssociation || na.Events[0].Id != during || na.Events[0].EventClass != store.EventInfrastructure {
		t.Fatalf("NEW_ASSOCIATION %+v", na)
	}
}
