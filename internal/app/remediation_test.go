package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/catalog/gitcatalog"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store/storetest"
)

func dtPayload(pid string) string {
	return fmt.Sprintf(`{"State":"OPEN","PID":"%s","ProblemID":"%s","ProblemTitle":"CPU saturation","ProblemImpact":"INFRASTRUCTURE",
"ProblemSeverity":"RESOURCE_CONTENTION","ImpactedEntities":[{"type":"HOST","name":"ws-1","entity":"HOST-0A1B2C3D4E5F"}],
"Tags":"env:prod, tend-product:workstation",
"ProblemDetailsJSON":{"rankedEvents":[{"eventType":"CPU_SATURATION","entityId":"HOST-0A1B2C3D4E5F","entityName":"ws-1"}]}}`, pid, pid)
}

type e2e struct {
	t    *testing.T
	a    *App
	base string
	key  string
}

func startE2E(t *testing.T, edit ...func(*config.Config)) *e2e {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Remediation.PolicyDir = t.TempDir()
	cfg.Remediation.PollInterval = 50 * time.Millisecond
	if err := os.WriteFile(filepath.Join(cfg.Remediation.PolicyDir, "upsize.yaml"), []byte(seedPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range edit {
		f(&cfg)
	}
	a, err := New(ctx, &cfg, Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	var cat catalog.Catalog = embedded.New(a.store.Catalog(), nil)
	if cfg.Remediation.Catalog == "git" {
		if cat, err = gitcatalog.Open(ctx, gitcatalog.Config{Dir: filepath.Join(cfg.DataDir, "catalog.git")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cat.Publish(ctx, "workstation", catalog.Publish{Format: catalog.FormatCFNYAML,
		Template: []byte("Resources:\n  WS:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: t3.small\n")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Params().Set(ctx, "/dynatrace/approvedinstancetypes", "t3.small,t3.medium,t3.large", time.Now()); err != nil {
		t.Fatal(err)
	}
	_, key, err := a.Keys().Create(ctx, "dynatrace")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	return &e2e{t: t, a: a, base: "http://" + a.Addr(), key: key}
}

func (e *e2e) post(path, body string, header ...string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func (e *e2e) get(path string, v any) {
	e.t.Helper()
	resp, err := authGet(e.base+path, e.key)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		e.t.Fatal(err)
	}
}

type runsList struct {
	Runs []struct {
		ID, State, Outcome, Summary string
	} `json:"runs"`
}

func (e *e2e) waitRunsDone(n int) runsList {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var rl runsList
		e.get("/v1/runs", &rl)
		done := 0
		for _, r := range rl.Runs {
			if r.State == "done" || r.State == "failed" {
				done++
			}
		}
		if done >= n {
			return rl
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("runs not done: %+v", rl)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRemediationOverHTTP(t *testing.T) {
	e := startE2E(t)
	var problemIDs []string
	for i, pid := range []string{"-101_1V2", "-102_1V2", "-103_1V2"} {
		for try := 0; try < 2; try++ { // every webhook delivered twice
			code, out := e.post("/v1/webhooks/dynatrace", dtPayload(pid), "X-API-Key", e.key)
			if code != http.StatusAccepted {
				t.Fatalf("webhook %d: %d %v", i, code, out)
			}
			if try == 1 && out["duplicate"] != true {
				t.Fatalf("re-delivery not a duplicate: %v", out)
			}
			if try == 0 {
				problemIDs = append(problemIDs, out["problem_id"].(string))
			}
		}
	}
	rl := e.waitRunsDone(3)
	acted := 0
	for _, r := range rl.Runs {
		if r.Outcome == "acted" {
			acted++
			var rv struct {
				Steps []struct {
					Name   string          `json:"name"`
					Status string          `json:"status"`
					Output json.RawMessage `json:"output"`
				} `json:"steps"`
			}
			e.get("/v1/runs/"+r.ID, &rv)
			if len(rv.Steps) != 7 {
				t.Fatalf("steps = %+v", rv.Steps)
			}
		}
	}
	if acted != 1 {
		t.Fatalf("acted runs = %d, want 1: %+v", acted, rl)
	}
	var vs struct {
		Versions []struct{ ID, Description string } `json:"versions"`
	}
	e.get("/v1/catalog/workstation/versions", &vs)
	if len(vs.Versions) != 2 || !strings.Contains(vs.Versions[1].Description, "t3.small → t3.medium after 3 × CPU_SATURATION on HOST-0A1B2C3D4E5F (P--10") {
		t.Fatalf("versions = %+v", vs)
	}
	var v2 struct{ Template string }
	e.get("/v1/catalog/workstation/versions/v2", &v2)
	if !strings.Contains(v2.Template, "InstanceType: t3.medium") {
		t.Fatalf("v2 = %s", v2.Template)
	}
	var comments []string
	for _, id := range problemIDs {
		var pv struct {
			Comments []struct{ Content string } `json:"comments"`
		}
		e.get("/v1/problems/"+id, &pv)
		for _, c := range pv.Comments {
			comments = append(comments, c.Content)
		}
	}
	if len(comments) != 1 || !strings.Contains(comments[0], "published as version v2") {
		t.Fatalf("comments = %q, want one", comments)
	}
	var metrics bytes.Buffer
	resp, _ := http.Get(e.base + "/metrics")
	_, _ = io.Copy(&metrics, resp.Body)
	resp.Body.Close()
	if !strings.Contains(metrics.String(), `tend_remediation_runs_total{outcome="acted",policy="upsize-on-cpu-saturation"} 1`) {
		t.Fatalf("metrics lack the acted run")
	}
}

func TestIntakeErrors(t *testing.T) {
	e := startE2E(t)
	for _, tc := range []struct {
		name, path, body string
		header           []string
		code             int
		field            string
	}{
		{"no key", "/v1/webhooks/dynatrace", dtPayload("1"), nil, 401, ""},
		{"bad key", "/v1/webhooks/dynatrace", dtPayload("1"), []string{"X-API-Key", "tend_nope"}, 401, ""},
		{"malformed", "/v1/webhooks/dynatrace", `{"State":`, []string{"X-API-Key", e.key}, 400, ""},
		{"no PID", "/v1/webhooks/dynatrace", `{"State":"OPEN","ProblemTitle":"x"}`, []string{"X-API-Key", e.key}, 400, "PID"},
		{"no State", "/v1/webhooks/dynatrace", `{"PID":"1"}`, []string{"Authorization", "Bearer " + e.key}, 400, "State"},
		{"too large", "/v1/webhooks/dynatrace", `{"PID":"1","State":"OPEN","ProblemTitle":"` + strings.Repeat("x", 1<<20) + `"}`, []string{"X-API-Key", e.key}, 413, ""},
		{"am version", "/v1/webhooks/alertmanager", `{"version":"3","alerts":[]}`, []string{"X-API-Key", e.key}, 400, "version"},
		{"am fingerprint", "/v1/webhooks/alertmanager", `{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"x"}}]}`, []string{"X-API-Key", e.key}, 400, "alerts[0].fingerprint"},
		{"native unknown field", "/v1/problems", `{"external_id":"a","state":"OPEN","colour":"red"}`, []string{"X-API-Key", e.key}, 400, "colour"},
		{"native no id", "/v1/problems", `{"state":"OPEN"}`, []string{"X-API-Key", e.key}, 400, "external_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := e.post(tc.path, tc.body, tc.header...)
			if code != tc.code {
				t.Fatalf("status = %d, want %d: %v", code, tc.code, out)
			}
			if tc.field != "" {
				errObj, _ := out["error"].(map[string]any)
				if errObj["field"] != tc.field {
					t.Fatalf("field = %v, want %s: %v", errObj["field"], tc.field, out)
				}
			}
		})
	}
	var pl struct{ Problems []any }
	e.get("/v1/problems", &pl)
	if len(pl.Problems) != 0 {
		t.Fatalf("bad payloads stored problems: %v", pl.Problems)
	}
	code, out := e.post("/v1/webhooks/alertmanager", `{"version":"4","status":"firing","alerts":[
 {"status":"firing","labels":{"alertname":"HighCPU","instance":"i-0abc","severity":"critical"},"annotations":{"summary":"CPU high"},"startsAt":"2026-11-21T10:00:00Z","fingerprint":"f1"},
 {"status":"resolved","labels":{"alertname":"HighCPU","instance":"i-0def"},"startsAt":"2026-11-21T09:00:00Z","fingerprint":"f2"}]}`, "X-API-Key", e.key)
	if code != 202 || len(out["problems"].([]any)) != 2 {
		t.Fatalf("alertmanager: %d %v", code, out)
	}
	code, out = e.post("/v1/problems", `{"external_id":"ins-1","state":"OPEN","title":"memory leak","event_type":"MEMORY_SATURATION"}`, "X-API-Key", e.key)
	if code != 202 || out["problem_id"] == "" {
		t.Fatalf("native: %d %v", code, out)
	}
}

// TestRemediationGitCatalog runs the seed scenario against the git catalog:
// the new version is a commit and a tag in the repository.
func TestRemediationGitCatalog(t *testing.T) {
	e := startE2E(t, func(c *config.Config) { c.Remediation.Catalog = "git" })
	for _, pid := range []string{"-201_1V2", "-202_1V2", "-203_1V2"} {
		if code, out := e.post("/v1/webhooks/dynatrace", dtPayload(pid), "X-API-Key", e.key); code != http.StatusAccepted {
			t.Fatalf("webhook: %d %v", code, out)
		}
	}
	e.waitRunsDone(3)
	var vs struct {
		Versions []struct{ ID, Description string } `json:"versions"`
	}
	e.get("/v1/catalog/workstation/versions", &vs)
	if len(vs.Versions) != 2 || !strings.Contains(vs.Versions[1].Description, "t3.small → t3.medium") {
		t.Fatalf("git versions = %+v", vs)
	}
	var v2 struct{ Template string }
	e.get("/v1/catalog/workstation/versions/"+vs.Versions[1].ID, &v2)
	if !strings.Contains(v2.Template, "InstanceType: t3.medium") {
		t.Fatalf("v2 = %s", v2.Template)
	}
}

// TestConcurrentWebhooks sends 30 CPU_SATURATION webhooks for one host at
// once, on each backend: 30 occurrences make 10 qualifications; the first
// acts and the cooldown holds the other nine. Exactly one version, one
// comment.
func TestConcurrentWebhooks(t *testing.T) {
	backends := map[string]string{"sqlite": ""}
	if os.Getenv(storetest.PostgresEnv) != "" {
		backends["postgres"] = storetest.PostgresSchemaURL(t)
	}
	for name, url := range backends {
		t.Run(name, func(t *testing.T) {
			e := startE2E(t, func(c *config.Config) { c.Store.URL = config.Secret(url) })
			var wg sync.WaitGroup
			for i := 0; i < 30; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if code, out := e.post("/v1/webhooks/dynatrace", dtPayload(fmt.Sprintf("-3%02d_1V2", i)), "X-API-Key", e.key); code != http.StatusAccepted {
						t.Errorf("webhook %d: %d %v", i, code, out)
					}
				}()
			}
			wg.Wait()
			rl := e.waitRunsDone(30)
			outcomes := map[string]int{}
			for _, r := range rl.Runs {
				outcomes[r.Outcome]++
			}
			if outcomes["acted"] != 1 || outcomes["cooldown"] != 9 || outcomes["not-qualified"] != 20 {
				t.Fatalf("outcomes = %v", outcomes)
			}
			var vs struct{ Versions []any }
			e.get("/v1/catalog/workstation/versions", &vs)
			if len(vs.Versions) != 2 {
				t.Fatalf("versions = %d, want 2", len(vs.Versions))
			}
		})
	}
}

// TestApproveOverHTTP: an approve-mode policy waits; the API approves it
// (409 the second time), cancel answers 409 on a finished run, 404 on none.
func TestApproveOverHTTP(t *testing.T) {
	e := startE2E(t, func(c *config.Config) {
		p := strings.Replace(seedPolicy, "occurrences: 3", "occurrences: 1", 1) + "mode: approve\n"
		if err := os.WriteFile(filepath.Join(c.Remediation.PolicyDir, "upsize.yaml"), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	code, out := e.post("/v1/webhooks/dynatrace", dtPayload("-401_1V2"), "X-API-Key", e.key)
	if code != http.StatusAccepted {
		t.Fatalf("webhook: %d %v", code, out)
	}
	runID := out["run_ids"].([]any)[0].(string)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var r struct{ State string }
		e.get("/v1/runs/"+runID, &r)
		if r.State == "waiting_approval" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run is %s, want waiting_approval", r.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, _ := e.post("/v1/runs/"+runID+"/approve", ""); code != http.StatusUnauthorized {
		t.Fatalf("approve without key = %d", code)
	}
	if code, out := e.post("/v1/runs/"+runID+"/approve", "", "X-API-Key", e.key); code != http.StatusOK || out["approved_by"] != "api key dynatrace" {
		t.Fatalf("approve = %d %v", code, out)
	}
	if code, _ := e.post("/v1/runs/"+runID+"/approve", "", "X-API-Key", e.key); code != http.StatusConflict {
		t.Fatalf("second approve = %d, want 409", code)
	}
	rl := e.waitRunsDone(1)
	if rl.Runs[0].Outcome != "acted" {
		t.Fatalf("run = %+v", rl.Runs[0])
	}
	if code, _ := e.post("/v1/runs/"+runID+"/cancel", "", "X-API-Key", e.key); code != http.StatusConflict {
		t.Fatalf("cancel finished = %d, want 409", code)
	}
	if code, _ := e.post("/v1/runs/run-nope/cancel", "", "X-API-Key", e.key); code != http.StatusNotFound {
		t.Fatalf("cancel missing = %d, want 404", code)
	}
}
