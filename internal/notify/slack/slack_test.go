package slack_test

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/slack"
)

var update = flag.Bool("update", false, "rewrite golden files")

func insight(id, typ, sev string) message.Message {
	return message.Message{MessageId: id + "." + typ, MessageType: typ, InsightId: id, InsightSeverity: sev, ProblemType: "CPU_SATURATION",
		InsightDescription: "CPU utilisation and load anomalous on host web-1 (stack shop)", InsightUrl: "http://tend.test/v1/insights/" + id,
		Boundary: &message.Boundary{Kind: "stack", Name: "shop"}, StartTime: 1795262400000, Time: 1795262410000,
		Anomalies: []message.Anomaly{
			{Id: "ano-1", Resource: "web-1", Reason: "value 99.6 is 28.7σ from the baseline mean 12.1", SourceDetails: []message.SourceDetail{{DataIdentifiers: message.DataIdentifiers{Name: "host_cpu_utilization"}}}},
			{Id: "ano-2", Resource: "web-1", Reason: "value 4.5 is 9σ from the baseline mean 0.4", SourceDetails: []message.SourceDetail{{DataIdentifiers: message.DataIdentifiers{Name: "host_load1"}}}},
		}}
}

// TestRender pins the Block Kit of each kind of message (testdata/*.json;
// go test -update rewrites them).
func TestRender(t *testing.T) {
	waiting := message.Message{MessageId: "run-7.RUN_AWAITING_APPROVAL", MessageType: message.RunAwaitingApproval, Time: 1795262410000,
		ProblemType: "CPU_SATURATION", Boundary: &message.Boundary{Kind: "stack", Name: "shop"},
		Run: &message.Run{RunId: "run-7", Policy: "upsize-on-cpu-saturation", Summary: "waiting for approval to change workstation InstanceType t3.small → t3.medium: tend runs approve run-7",
			Change: "InstanceType t3.small → t3.medium", ApproveCommand: "tend runs approve run-7", CancelCommand: "tend runs cancel run-7",
			RunUrl: "http://tend.test/ui/runs/run-7", ApproveUrl: "http://tend.test/v1/runs/run-7/approve"}}
	acted := message.Message{MessageId: "run-7.RUN_ACTED", MessageType: message.RunActed, Time: 1795262410000,
		Run: &message.Run{RunId: "run-7", Policy: "upsize-on-cpu-saturation", Summary: "workstation InstanceType t3.small → t3.medium, published as v2",
			Product: "workstation", Version: "v2", PreviousVersion: "v1", Change: "InstanceType t3.small → t3.medium",
			RunUrl: "http://tend.test/ui/runs/run-7", DiffUrl: "http://tend.test/v1/catalog/workstation/diff?from=v1&to=v2"}}
	for _, c := range []struct {
		name  string
		batch notify.Batch
	}{
		{"new-insight", notify.Batch{Channel: "ops", Messages: []message.Message{insight("ins-A", message.NewInsight, "high")}}},
		{"grouped", notify.Batch{Channel: "ops", Messages: []message.Message{insight("ins-A", message.NewInsight, "low"), insight("ins-A", message.SeverityUpgraded, "high")}}},
		{"awaiting-approval", notify.Batch{Channel: "ops", Messages: []message.Message{waiting}}},
		{"acted", notify.Batch{Channel: "ops", Messages: []message.Message{acted}}},
		{"summary", notify.Batch{Channel: "ops", Summary: true, Messages: []message.Message{insight("ins-A", message.NewInsight, "low"),
			insight("ins-B", message.NewInsight, "medium"), insight("ins-A", message.ClosedInsight, "low"), waiting}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.MarshalIndent(slack.Render(c.batch), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", c.name+".json")
			if *update {
				os.WriteFile(path, append(got, '\n'), 0o644)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if strings.TrimSpace(string(want)) != string(got) {
				t.Errorf("%s differs from the golden file:\n%s", c.name, got)
			}
		})
	}
}

// TestNotify: posted as JSON to the webhook URL; Slack's 404 no_service
// is permanent and the error does not reveal the URL (a secret).
func TestNotify(t *testing.T) {
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/services/T000/B000/gone" {
			http.Error(w, "no_service", http.StatusNotFound)
			return
		}
		body, _ = io.ReadAll(r.Body)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	s := slack.New(notify.Spec{URL: srv.URL + "/services/T000/B000/XXXX"}, nil)
	if err := s.Notify(context.Background(), notify.Batch{Messages: []message.Message{insight("ins-A", message.NewInsight, "high")}}); err != nil {
		t.Fatal(err)
	}
	var p slack.Payload
	if err := json.Unmarshal(body, &p); err != nil || len(p.Blocks) == 0 || !strings.Contains(p.Text, "CPU utilisation") {
		t.Fatalf("posted %s (%v)", body, err)
	}
	gone := slack.New(notify.Spec{URL: srv.URL + "/services/T000/B000/gone"}, nil)
	err := gone.Notify(context.Background(), notify.Batch{Messages: []message.Message{insight("ins-A", message.NewInsight, "high")}})
	var ne *notify.Error
	if err == nil || !asPermanent(err, &ne) || strings.Contains(err.Error(), "B000") {
		t.Fatalf("Notify = %v, want a permanent error without the URL", err)
	}
	down := slack.New(notify.Spec{URL: "http://127.0.0.1:1/services/T000/B000/SECRET"}, nil)
	if err := down.Notify(context.Background(), notify.Batch{Messages: []message.Message{insight("ins-A", message.NewInsight, "high")}}); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("transport error %v reveals the URL", err)
	}
}

func asPermanent(err error, ne **notify.Error) bool {
	for e := err; e != nil; {
		if x, ok := e.(*notify.Error); ok {
			*ne = x
			return x.Permanent
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}
