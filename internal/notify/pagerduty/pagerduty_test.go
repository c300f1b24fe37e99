package pagerduty_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/pagerduty"
)

// fakePD speaks the Events API v2: it validates events as PagerDuty does
// and keeps one alert per dedup_key (triggered, resolved) and the change
// events.
type fakePD struct {
	*httptest.Server
	key string

	mu       sync.Mutex
	alerts   map[string]string // dedup_key → triggered/resolved
	triggers map[string]int
	changes  []map[string]any
	throttle int
}

func newFakePD(key string) *fakePD {
	f := &fakePD{key: key, alerts: map[string]string{}, triggers: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

func (f *fakePD) invalid(w http.ResponseWriter, why string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": []string{why}})
}

func (f *fakePD) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.throttle > 0 {
		f.throttle--
		w.Header().Set("Retry-After", "30")
		http.Error(w, `{"status":"throttle event","message":"Requests for this service are arriving too quickly"}`, http.StatusTooManyRequests)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		f.invalid(w, "POST application/json")
		return
	}
	var ev map[string]any
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		f.invalid(w, "body is not JSON")
		return
	}
	if ev["routing_key"] != f.key {
		f.invalid(w, "'routing_key' is invalid")
		return
	}
	payload, _ := ev["payload"].(map[string]any)
	switch r.URL.Path {
	case "/v2/change/enqueue":
		if payload == nil || payload["summary"] == "" || payload["summary"] == nil {
			f.invalid(w, "'payload.summary' is missing")
			return
		}
		f.changes = append(f.changes, ev)
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"message":"Change event processed","status":"success"}`))
	case "/v2/enqueue":
		key, _ := ev["dedup_key"].(string)
		switch ev["event_action"] {
		case "trigger":
			if payload == nil {
				f.invalid(w, "'payload' is missing")
				return
			}
			for _, k := range []string{"summary", "source", "severity"} {
				if s, _ := payload[k].(string); s == "" {
					f.invalid(w, "'payload."+k+"' is missing")
					return
				}
			}
			switch payload["severity"] {
			case "critical", "error", "warning", "info":
			default:
				f.invalid(w, "'payload.severity' is invalid")
				return
			}
			f.alerts[key] = "triggered"
			f.triggers[key]++
		case "resolve", "acknowledge":
			if key == "" {
				f.invalid(w, "'dedup_key' is missing")
				return
			}
			if ev["event_action"] == "resolve" {
				f.alerts[key] = "resolved"
			}
		default:
			f.invalid(w, "'event_action' is invalid")
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "success", "message": "Event processed", "dedup_key": key})
	default:
		http.NotFound(w, r)
	}
}

const key = "R0UT1NGK3Y0000000000000000000000"

func insight(id, typ, sev string) message.Message {
	return message.Message{MessageId: id + "." + typ, MessageType: typ, InsightId: id, InsightDescription: "CPU utilisation anomalous on host web-1",
		InsightSeverity: sev, ProblemType: "CPU_SATURATION", InsightUrl: "http://tend.test/v1/insights/" + id, Time: time.Now().UnixMilli(),
		Boundary: &message.Boundary{Kind: "stack", Name: "shop"}}
}

// TestInsightLifecycle: an insight's messages fold into one alert keyed
// by the insight id; CLOSED_INSIGHT resolves it; an acted run is a change
// event; a run waiting for approval an alert of its own.
func TestInsightLifecycle(t *testing.T) {
	f := newFakePD(key)
	defer f.Close()
	pd := pagerduty.New(notify.Spec{URL: f.URL, RoutingKey: key}, nil, nil)
	ctx := context.Background()
	send := func(msgs ...message.Message) {
		t.Helper()
		if err := pd.Notify(ctx, notify.Batch{Messages: msgs}); err != nil {
			t.Fatalf("Notify: %v", err)
		}
	}
	send(insight("ins-A", message.NewInsight, "low"), insight("ins-A", message.SeverityUpgraded, "high"))
	send(insight("ins-A", message.NewAssociation, "high"))
	if f.alerts["ins-A"] != "triggered" || f.triggers["ins-A"] != 2 {
		t.Fatalf("after two sends: %v, %d triggers (the batch of two is one event)", f.alerts, f.triggers["ins-A"])
	}
	send(insight("ins-A", message.ClosedInsight, "high"))
	if f.alerts["ins-A"] != "resolved" {
		t.Fatalf("after CLOSED_INSIGHT: %v", f.alerts)
	}
	acted := message.Message{MessageId: "run-1.RUN_ACTED", MessageType: message.RunActed, Time: time.Now().UnixMilli(),
		Run: &message.Run{RunId: "run-1", Policy: "upsize", Summary: "workstation InstanceType t3.small → t3.medium, published as v2",
			Product: "workstation", Version: "v2", PreviousVersion: "v1", RunUrl: "http://tend.test/ui/runs/run-1", DiffUrl: "http://tend.test/v1/catalog/workstation/diff?from=v1&to=v2"}}
	waiting := message.Message{MessageId: "run-2.RUN_AWAITING_APPROVAL", MessageType: message.RunAwaitingApproval, Time: time.Now().UnixMilli(),
		Run: &message.Run{RunId: "run-2", Policy: "upsize", Summary: "waiting for approval", ApproveCommand: "tend runs approve run-2"}}
	send(acted, waiting)
	if len(f.changes) != 1 || f.alerts["run-2"] != "triggered" {
		t.Fatalf("changes %d, alerts %v", len(f.changes), f.alerts)
	}
}

func TestErrors(t *testing.T) {
	f := newFakePD(key)
	defer f.Close()
	ctx := context.Background()
	bad := pagerduty.New(notify.Spec{URL: f.URL, RoutingKey: "wrong"}, nil, nil)
	err := bad.Notify(ctx, notify.Batch{Messages: []message.Message{insight("ins-A", message.NewInsight, "low")}})
	var ne *notify.Error
	if !errors.As(err, &ne) || !ne.Permanent {
		t.Fatalf("wrong routing key: %v, want permanent", err)
	}
	f.throttle = 1
	pd := pagerduty.New(notify.Spec{URL: f.URL, RoutingKey: key}, nil, nil)
	err = pd.Notify(ctx, notify.Batch{Messages: []message.Message{insight("ins-A", message.NewInsight, "low")}})
	if !errors.As(err, &ne) || ne.Permanent || ne.RetryAfter != 30*time.Second {
		t.Fatalf("throttled: %v, want a retry after 30s", err)
	}
}
