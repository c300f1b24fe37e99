package webhook_test

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/webhook"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestPost pins the body (testdata/body.json) and checks the signature and
// idempotency headers a receiver relies on.
func TestPost(t *testing.T) {
	var got []byte
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		hdr = r.Header
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	msgs := []message.Message{
		{MessageId: "ins-A.NEW_INSIGHT", MessageType: message.NewInsight, AccountId: "111122223333", Region: "eu-west-1", InsightId: "ins-A",
			InsightUrl: "http://tend.test/v1/insights/ins-A", InsightType: "REACTIVE", InsightDescription: "CPU utilisation anomalous on host web-1 (stack shop)",
			InsightSeverity: "low", StartTime: 1795262400000, ProblemType: "CPU_SATURATION", Boundary: &message.Boundary{Kind: "stack", Name: "shop"}, Time: 1795262400000,
			Anomalies: []message.Anomaly{{Id: "ano-1", StartTime: 1795262400000, Resource: "web-1", SourceDetails: []message.SourceDetail{{DataSource: "TEND_METRICS",
				DataIdentifiers: message.DataIdentifiers{Name: "host_cpu_utilization", Namespace: "node", Period: "10", Stat: "Average", Unit: "percent", Dimensions: `{"instance":"web-1","job":"node"}`}}}}}},
		{MessageId: "ins-A.v2.SEVERITY_UPGRADED", MessageType: message.SeverityUpgraded, InsightId: "ins-A", InsightSeverity: "high", PreviousSeverity: "low", Time: 1795262430000},
	}
	b := notify.Batch{Channel: "ops", Messages: msgs, Key: notify.BatchKey(msgs)}
	w := webhook.New(notify.Spec{URL: srv.URL, Secret: "s3cret"}, nil)
	if err := w.Notify(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if !webhook.Verify([]byte("s3cret"), got, hdr.Get("X-Tend-Signature")) || !strings.HasPrefix(hdr.Get("X-Tend-Signature"), "sha256=") {
		t.Errorf("signature %q does not verify", hdr.Get("X-Tend-Signature"))
	}
	if webhook.Verify([]byte("other"), got, hdr.Get("X-Tend-Signature")) {
		t.Error("signature verifies with another secret")
	}
	if hdr.Get("X-Tend-Idempotency-Key") != b.Key || hdr.Get("Idempotency-Key") != b.Key || !strings.HasPrefix(b.Key, "batch-") ||
		hdr.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", hdr)
	}
	var pretty map[string]any
	if err := json.Unmarshal(got, &pretty); err != nil {
		t.Fatal(err)
	}
	out, _ := json.MarshalIndent(pretty, "", "  ")
	if *update {
		os.WriteFile("testdata/body.json", append(out, '\n'), 0o644)
	}
	want, _ := os.ReadFile("testdata/body.json")
	if strings.TrimSpace(string(want)) != string(out) {
		t.Errorf("body differs from testdata/body.json:\n%s", out)
	}
}
