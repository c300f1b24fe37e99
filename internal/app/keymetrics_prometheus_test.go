package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/cloud/cfnstack/cfnfake"
	"github.com/tendhq/tend/internal/rollout"
	"github.com/tendhq/tend/internal/store"
)

// The set-up docs/rollouts.md describes for stacks, with Debian's real
// Prometheus: it scrapes the stacks' request counters (an exporter here,
// labelled stack=…), computes tend:error_rate and tend:latency_seconds with
// the documented recording rules and remote-writes them to tend, whose
// comparison gate judges a canary stack by them: the rollout passes with
// every analysis comparing real samples.
func TestStacksKeyMetricsFromRealPrometheus(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("prometheus is not installed (.ci/run installs Debian's prometheus)")
		}
		t.Skip("prometheus is not installed")
	}
	if testing.Short() {
		t.Skip("runs Prometheus and a rollout")
	}
	fakes := cfnfake.NewAWS()
	awsSrv := httptest.NewServer(fakes)
	t.Cleanup(awsSrv.Close)
	fakes.Wire(awsSrv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	cfg := fleetConfig(t, t.TempDir())
	cfg.AWS.Enabled, cfg.AWS.Region, cfg.AWS.EndpointURL = true, "eu-west-1", awsSrv.URL
	cfg.AWS.EC2Inventory = false
	cfg.Fleet.CFNPoll = 10 * time.Millisecond
	p := startTend(t, cfg)
	cat := embedded.New(p.a.Store().Catalog(), time.Now)
	publish := func(n int) {
		tmpl := fmt.Sprintf("Parameters:\n  TendDeployment: {Type: String}\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Sub \"shop-${TendDeployment}-%d\"}\n", n)
		if _, err := cat.Publish(context.Background(), "shop", catalog.Publish{Template: []byte(tmpl), Format: catalog.FormatCFNYAML}); err != nil {
			t.Fatal(err)
		}
	}
	publish(1)
	ids := []string{"acme", "globex"}
	for _, id := range ids {
		spec := map[string]any{"id": id, "type": "silo", "account": "123456789012", "region": "eu-west-1", "product": "shop", "provider": "cfn", "tenants": []string{id}}
		if code := p.call("POST", "/v1/deployments", spec, nil); code != http.StatusAccepted {
			t.Fatalf("add %s: %d", id, code)
		}
		var v api.DeploymentView
		for deadline := time.Now().Add(20 * time.Second); v.State != store.DeploymentActive; time.Sleep(20 * time.Millisecond) {
			if v.State == store.DeploymentFailed || time.Now().After(deadline) {
				t.Fatalf("deployment %s: %s %s", id, v.State, v.Error)
			}
			p.call("GET", "/v1/deployments/"+id, nil, &v)
		}
	}

	publish(2)

	// The stacks' services, as an exporter: 100 requests a scrape, one of
	// them a 500, 0.10–0.12 s each.
	reg := prometheus.NewRegistry()
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "Requests."}, []string{"stack", "code"})
	dur := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_request_duration_seconds_sum", Help: "Time."}, []string{"stack"})
	cnt := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_request_duration_seconds_count", Help: "Requests timed."}, []string{"stack"})
	reg.MustRegister(reqs, dur, cnt)
	n := 0
	serve := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	exporter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, id := range ids {
			s := "tend-shop-" + id
			reqs.WithLabelValues(s, "200").Add(99)
			reqs.WithLabelValues(s, "500").Add(1)
			dur.WithLabelValues(s).Add(10 + float64(n%3))
			cnt.WithLabelValues(s).Add(100)
		}
		n++
		serve.ServeHTTP(w, r)
	}))
	t.Cleanup(exporter.Close)

	dir := t.TempDir()
	rules := `groups:
  - name: tend-key-metrics
    interval: 1s
    rules:
      - record: tend:error_rate
        expr: sum by (stack) (rate(http_requests_total{code=~"5.."}[5s])) / sum by (stack) (rate(http_requests_total[5s]))
      - record: tend:latency_seconds
        expr: sum by (stack) (rate(http_request_duration_seconds_sum[5s])) / sum by (stack) (rate(http_request_duration_seconds_count[5s]))
`
	conf := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: shop
    static_configs:
      - targets: [%q]
remote_write:
  - url: %s/api/v1/write
    authorization:
      credentials: %s
    write_relabel_configs:
      - source_labels: [__name__]
        regex: "tend:.*"
        action: keep
    queue_config:
      batch_send_deadline: 200ms
      min_backoff: 100ms
`, exporter.Listener.Addr().String(), p.base, p.key)
	for name, body := range map[string]string{"rules.yml": rules, "prometheus.yml": conf} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	webAddr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+webAddr)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus logs:\n%s", logs.String())
		}
	}()

	strategy := map[string]any{"strategy": "canary", "bake": "8s", "analysis_interval": "500ms",
		"canary": map[string]any{"ids": []string{"acme"}},
		"gates":  map[string]any{"compare": map[string]any{"metrics": []string{"error_rate", "latency"}, "min_samples": 4}}}
	var v api.RolloutView
	if code := p.call("POST", "/v1/rollouts", map[string]any{"product": "shop", "version": 2, "strategy": strategy}, &v); code != 201 {
		t.Fatalf("start: %d", code)
	}
	deadline := time.Now().Add(90 * time.Second)
	for v = p.rollout(v.ID); store.RolloutActive(v.State); v = p.rollout(v.ID) {
		if time.Now().After(deadline) {
			t.Fatalf("rollout stuck: %s %s", v.State, v.Summary)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v.State != store.RolloutSucceeded {
		for _, s := range v.Steps {
			t.Logf("step %s: %s", s.Name, s.Output)
		}
		t.Fatalf("rollout %s: %s", v.State, v.Summary)
	}
	analyses := 0
	for _, s := range v.Steps {
		if s.Name != "analysis" {
			continue
		}
		analyses++
		var verdict rollout.Verdict
		if err := json.Unmarshal(s.Output, &verdict); err != nil {
			t.Fatal(err)
		}
		if verdict.Result != rollout.VerdictPass || len(verdict.Metrics) != 2 {
			t.Fatalf("analysis %+v", verdict)
		}
		for _, m := range verdict.Metrics {
			if m.Canary < 4 || m.Baseline < 4 {
				t.Fatalf("%s compared on %d canary and %d baseline samples", m.Metric, m.Canary, m.Baseline)
			}
			t.Logf("%s: canary median %.4g (%d samples), baseline %.4g (%d, %s), p %.2g", m.Metric, m.CanaryMedian, m.Canary, m.BaselineMedian, m.Baseline, m.BaselineFrom, m.P)
		}
	}
	if analyses != 2 {
		t.Fatalf("%d analyses, want one a wave", analyses)
	}
}
