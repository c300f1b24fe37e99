package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/notifytest"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// TestInsightHealsThroughPolicy closes the loop with tend as its own
// monitoring system: a CPU burn on a host becomes a CPU_SATURATION insight,
// the insight is handed to the remediation engine as a problem of source
// "tend", and a policy written for CPU_SATURATION publishes the product's
// next approved instance type and comments on the problem in tend.
func TestInsightHealsThroughPolicy(t *testing.T) {
	ctx := context.Background()
	policies := t.TempDir()
	os.WriteFile(filepath.Join(policies, "upsize.yaml"), []byte(`name: upsize-on-cpu-saturation
match:
  source: [dynatrace, tend]
  event_type: CPU_SATURATION
qualify:
  occurrences: 1
act:
  action: upsize-instance
  params:
    approved_types_param: /tend/approvedinstancetypes
    product_from: [static]
    product: web
mode: auto
`), 0o600)
	cfg := config.Default()
	cfg.DataDir, cfg.Server.Listen = t.TempDir(), "127.0.0.1:0"
	cfg.Ingest.Host.Enabled = false
	cfg.Remediation.PolicyDir = policies
	cfg.Remediation.PollInterval = 20 * time.Millisecond
	rcv := notifytest.NewReceiver("s3cret")
	defer rcv.Close()
	cfg.Notify.Channels = []notify.Spec{{Name: "ops", Type: notify.TypeWebhook, URL: rcv.URL, Secret: "s3cret", GroupWait: notify.Dur(0)}}
	a, err := New(ctx, &cfg, Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	cat := embedded.New(a.store.Catalog(), time.Now)
	if _, err := cat.Publish(ctx, "web", catalog.Publish{Format: catalog.FormatCFNYAML, Description: "first",
		Template: []byte("Resources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: t3.small # sized by tend\n")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Params().Set(ctx, "/tend/approvedinstancetypes", "t3.small,t3.medium,t3.large", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)

	info := series.Info{ID: "cpu-web-1", Metric: "host_cpu_utilization", Unit: "percent",
		Resource: series.Resource{Type: "host", ID: "host/web-1", Name: "web-1"},
		Boundary: series.Boundary{Kind: "stack", Name: "shop"}}
	at := time.Now().Add(-5 * time.Minute)
	feed := func(score, v float64, n int) {
		for range n {
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

	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := cat.Latest(ctx, "web")
		if err == nil && v.Number == 2 {
			if !strings.Contains(string(v.Template), "InstanceType: t3.medium # sized by tend") {
				t.Fatalf("v2 template:\n%s", v.Template)
			}
			break
		}
		if time.Now().After(deadline) {
			resp, _ := authGet("http://"+a.Addr()+"/v1/runs", readKey(t, a))
			var runs any
			json.NewDecoder(resp.Body).Decode(&runs)
			t.Fatalf("no v2 of web after the insight; runs: %v", runs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The insight keeps being handed on while it changes; the product moves once.
	feed(0.95, 99, 6)
	time.Sleep(300 * time.Millisecond)
	if vs, _ := cat.Versions(ctx, "web"); len(vs) != 2 {
		t.Fatalf("web has %d versions, want 2", len(vs))
	}
	// What tend did is one of the insight's related events: the run, on
	// the host it acted on (recorded right after the version).
	key := readKey(t, a)
	var names []string
	for deadline := time.Now().Add(10 * time.Second); ; {
		var page store.InsightPage
		resp, err := authGet("http://"+a.Addr()+"/v1/insights?stack=shop", key)
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		names = names[:0]
		if len(page.Insights) == 1 {
			var d struct {
				Events []struct {
					Name     string `json:"name"`
					Class    string `json:"event_class"`
					Relation string `json:"relation"`
				} `json:"events"`
			}
			resp, err := authGet("http://"+a.Addr()+"/v1/insights/"+page.Insights[0].ID, key)
			if err != nil {
				t.Fatal(err)
			}
			_ = json.NewDecoder(resp.Body).Decode(&d)
			resp.Body.Close()
			for _, e := range d.Events {
				names = append(names, e.Name+"/"+e.Class+"/"+e.Relation)
			}
		}
		if slices.Contains(names, "SelfHealingRun/INFRASTRUCTURE/resource") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the insight's related events are %v, want the self-healing run on host web-1", names)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// ... and it was announced to the insight's channels as it was stored.
	for deadline := time.Now().Add(10 * time.Second); ; {
		announced := false
		for _, m := range rcv.Messages() {
			if m.MessageType == message.NewAssociation && len(m.Events) == 1 && m.Events[0].Name == "SelfHealingRun" {
				announced = true
			}
		}
		if announced {
			break
		}
		if time.Now().After(deadline) {
			var types []string
			for _, m := range rcv.Messages() {
				types = append(types, m.MessageType)
			}
			t.Fatalf("no NEW_ASSOCIATION naming the self-healing run reached the channel; messages: %v", types)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
