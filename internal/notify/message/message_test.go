package message

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// TestForEvent: an event's NEW_ASSOCIATION carries the insight's fields
// and the event (DevOps Guru's event fields), with an id of the insight
// and the event, and no anomalies.
func TestForEvent(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	in := store.Insight{ID: "ins-1", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityHigh, Name: "CPU on web-1",
		ProblemType: "CPU_SATURATION", BoundaryKind: "stack", BoundaryName: "shop", Account: "111122223333", Region: "eu-west-1",
		Resources: []store.InsightResource{{ID: "host/web-1", Name: "web-1"}}, StartedAt: t0}
	ev := store.Event{ID: "evt-9", Time: t0.Add(-time.Minute), Source: "cloudtrail", EventSource: "lambda.amazonaws.com", Class: store.EventDeployment,
		Name: "UpdateFunctionCode", Actor: "bob", Resources: []store.EventResource{{Type: "function", Name: "checkout", ID: "arn:aws:lambda:eu-west-1:111122223333:function:checkout"}, {Name: "web-1", ID: "host/web-1"}}}
	n := ForEvent(in, ev, "resource", "http://tend/v1/insights/ins-1", t0.Add(time.Minute))
	if n.ID != "ins-1.evt-9.NEW_ASSOCIATION" || n.Type != NewAssociation || n.Subject != "ins-1" || n.Severity != "HIGH" || n.BoundaryName != "shop" || n.ProblemType != "CPU_SATURATION" {
		t.Fatalf("notification %+v", n)
	}
	m, err := Decode(n)
	if err != nil {
		t.Fatal(err)
	}
	if m.MessageId != n.ID || m.InsightId != "ins-1" || m.InsightUrl == "" || m.AccountId != "111122223333" || m.StartTime != t0.UnixMilli() || len(m.Anomalies) != 0 || len(m.Events) != 1 {
		t.Fatalf("message %+v", m)
	}
	e := m.Events[0]
	if e.Id != "evt-9" || e.Time != ev.Time.UnixMilli() || e.EventSource != "lambda.amazonaws.com" || e.DataSource != "cloudtrail" || e.EventClass != store.EventDeployment ||
		e.Relation != "resource" || len(e.Resources) != 2 || e.Resources[0].Arn != ev.Resources[0].ID || e.Resources[0].Id != "" || e.Resources[1].Id != "host/web-1" {
		t.Fatalf("event %+v", e)
	}
	if got, want := m.Title(), "Related change UpdateFunctionCode: CPU on web-1"; got != want {
		t.Fatalf("Title() = %q, want %q", got, want)
	}
	var raw map[string]any
	if err := json.Unmarshal(n.Body, &raw); err != nil || raw["Events"] == nil {
		t.Fatalf("body %s: %v", n.Body, err)
	}
}
