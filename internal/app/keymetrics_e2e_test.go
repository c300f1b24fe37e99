package app_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/cloud/cfnstack/cfnfake"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/remotewrite"
	"github.com/tendhq/tend/internal/store"
)

// CloudFormation stacks' key metrics reach the rollout comparison gate
// through ingest: a sender (here the test, as a Prometheus with recording
// rules would) remote-writes tend:error_rate and tend:latency_seconds
// labelled with each deployment's stack; a good version passes the
// comparison with the stacks still on the old version, and a version whose
// stack answers 5 % errors and 3× latency is rolled back from the canary —
// judged by the comparison, not by a CloudFormation alarm (none is set).
func TestRolloutComparesStacksByIngestedKeyMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("a rollout of two versions over four stacks")
	}
	fake := cfnfake.NewCloudFormation()
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	srv := hs.URL
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	cfg := fleetConfig(t, t.TempDir())
	cfg.AWS.Enabled, cfg.AWS.Region, cfg.AWS.EndpointURL = true, "eu-west-1", srv
	cfg.AWS.EC2Inventory = false
	cfg.Fleet.CFNPoll = 10 * time.Millisecond
	p := startTend(t, cfg)
	cat := embedded.New(p.a.Store().Catalog(), time.Now)
	for n := range 3 {
		// v3's service is the bad one (the test's sender reads the tag).
		tmpl := "Parameters:\n  TendDeployment: {Type: String}\n  TendVersion: {Type: String}\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Sub \"shop-${TendDeployment}-" + string(rune('1'+n)) + "\"}\n"
		if _, err := cat.Publish(context.Background(), "shop", catalog.Publish{Template: []byte(tmpl), Format: catalog.FormatCFNYAML}); err != nil {
			t.Fatal(err)
		}
	}
	ids := []string{"acme", "globex", "pool-1", "pool-2"}
	for _, id := range ids {
		spec := map[string]any{"id": id, "type": "silo", "account": "123456789012", "region": "eu-west-1", "product": "shop", "provider": "cfn", "tenants": []string{id}}
		if code := p.call("POST", "/v1/deployments", spec, nil); code != http.StatusAccepted {
			t.Fatalf("add %s: %d", id, code)
		}
	}
	for _, id := range ids {
		var v api.DeploymentView
		for deadline := time.Now().Add(20 * time.Second); v.State != store.DeploymentActive; time.Sleep(20 * time.Millisecond) {
			if v.State == store.DeploymentFailed || time.Now().After(deadline) {
				t.Fatalf("deployment %s: %s %s", id, v.State, v.Error)
			}
			p.call("GET", "/v1/deployments/"+id, nil, &v)
		}
	}

	// The sender: every 50 ms each stack's error rate and latency, as the
	// version its stack runs serves them.
	ctx, cancel := context.WithCancel(context.Background())
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		rng := rand.New(rand.NewPCG(1, 2))
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			now := time.Now().UnixMilli()
			var batch []ingest.Sample
			for _, id := range ids {
				s, ok := fake.Stack("tend-shop-" + id)
				if !ok || strings.HasSuffix(s.Status, "_IN_PROGRESS") {
					continue
				}
				errRate, latency := 0.002*rng.Float64(), 0.080+0.040*rng.Float64()
				if s.Tags["tend:version"] == "3" {
					errRate, latency = 0.04+0.02*rng.Float64(), 3*latency
				}
				ls := []ingest.Label{{Name: "job", Value: "shop"}, {Name: "stack", Value: s.Name}}
				batch = append(batch,
					ingest.Sample{Metric: "tend:error_rate", Labels: ls, TimeMs: now, Value: errRate},
					ingest.Sample{Metric: "tend:latency_seconds", Labels: ls, TimeMs: now, Value: latency})
			}
			if len(batch) > 0 {
				postQuietly(ctx, p.base, p.key, batch)
			}
		}
	}()
	defer func() { cancel(); <-sent }()

	strategy := map[string]any{"strategy": "canary", "max_concurrent": 3, "bake": "2s", "analysis_interval": "250ms",
		"canary": map[string]any{"ids": []string{"acme"}},
		"gates":  map[string]any{"compare": map[string]any{"metrics": []string{"error_rate", "latency"}, "min_samples": 10}}}
	var v api.RolloutView
	if code := p.call("POST", "/v1/rollouts", map[string]any{"product": "shop", "version": 2, "strategy": strategy}, &v); code != 201 {
		t.Fatalf("start v2: %d", code)
	}
	if v = p.waitRollout(v.ID, done); v.State != store.RolloutSucceeded {
		t.Fatalf("good version: %s: %s", v.State, v.Summary)
	}
	judged := false
	for _, s := range v.Steps {
		judged = judged || (s.Name == "analysis" && strings.Contains(string(s.Output), `"canary_samples"`) && !strings.Contains(string(s.Output), `"canary_samples":0`))
	}
	if !judged {
		t.Fatalf("the good version passed without its key metrics being compared: %+v", v.Steps)
	}

	if code := p.call("POST", "/v1/rollouts", map[string]any{"product": "shop", "version": 3, "strategy": strategy}, &v); code != 201 {
		t.Fatalf("start v3: %d", code)
	}
	v = p.waitRollout(v.ID, done)
	if v.State != store.RolloutRolledBack || !strings.Contains(v.Summary, "worse than the baseline") {
		t.Fatalf("bad version: %s: %s", v.State, v.Summary)
	}
	t.Logf("bad stack version rolled back: %s", v.Summary)
	for _, id := range ids {
		if s, _ := fake.Stack("tend-shop-" + id); s.Tags["tend:version"] != "2" {
			t.Errorf("%s runs v%s after the rollback (%s)", id, s.Tags["tend:version"], s.Status)
		}
	}
	for _, s := range v.Steps {
		if s.Name == "deploy" && !strings.Contains(string(s.Input), `"acme"`) {
			t.Errorf("a stack outside the canary was updated: %s", s.Input)
		}
	}
}

// postQuietly remote-writes a batch, as a sender would, from a goroutine
// that cannot fail the test: a lost batch is a missing sample, which the
// gate treats as missing data.
func postQuietly(ctx context.Context, base, key string, batch []ingest.Sample) {
	body, err := remotewrite.Encode(batch)
	if err != nil {
		return
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/write", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Authorization", "Bearer "+key)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}
