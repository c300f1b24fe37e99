package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/cloud/aws/awstest"
	"github.com/tendhq/tend/internal/cloud/dynatrace/dynatracetest"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/logging"
)

// TestSeedScenarioWithRealProviders is the seed's loop as production runs
// it, configured only through tend's configuration: Dynatrace webhooks →
// Dynatrace API v2 (problem, host) → EC2 (instance, Service Catalog tags) →
// SSM (approved types) → Service Catalog + S3 (latest template, new
// version) → a comment on the problem. The real clients talk to fakes that
// speak the Dynatrace and AWS protocols. Three CPU_SATURATION problems on
// one host, each delivered twice, give exactly one new version with the
// next type and exactly one comment.
func TestSeedScenarioWithRealProviders(t *testing.T) {
	const (
		hostID     = "HOST-A1B2C3D4E5F60789"
		instanceID = "i-0abc123def4567890"
		approved   = "/dynatrace/approvedinstancetypes"
	)
	tmpl, err := os.ReadFile("testdata/ec2_with_oneagent.json")
	if err != nil {
		t.Fatal(err)
	}
	cloud := awstest.NewFake()
	defer cloud.Close()
	cloud.CreateBucket("tend-templates")
	prod, _ := cloud.Launch("EC2InstanceWithOneAgent", tmpl, instanceID, "t3.small", "WebServer")
	cloud.PutParameter(approved, "StringList", "t3.micro,t3.small,t3.medium,t3.large")

	dt := dynatracetest.NewFake()
	defer dt.Close()
	dt.AddEntity(dynatracetest.EC2Host(hostID, "web-1", instanceID, "t3.small", nil))
	pids := []string{"-101_1V2", "-102_1V2", "-103_1V2"}
	for i, pid := range pids {
		dt.AddProblem(dynatracetest.CPUSaturation(pid, fmt.Sprintf("P-%d", 201+i), hostID, "web-1"))
	}

	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	policies := t.TempDir()
	os.WriteFile(filepath.Join(policies, "upsize.yaml"), []byte(`name: upsize-on-cpu-saturation
match:
  source: dynatrace
  event_type: CPU_SATURATION
  entity_type: HOST
qualify:
  occurrences: 3
  within: 1h
act:
  action: upsize-instance
  params:
    approved_types_param: `+approved+`
    product_from: [servicecatalog]
mode: auto
guards:
  cooldown: 24h
`), 0o600)

	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Ingest.Host.Enabled = false
	cfg.Remediation.PolicyDir = policies
	cfg.Remediation.PollInterval = 20 * time.Millisecond
	cfg.Dynatrace.URL = dt.URL
	cfg.Dynatrace.Token = dynatracetest.Token
	cfg.AWS = config.AWS{Enabled: true, Region: "us-east-1", EndpointURL: cloud.URL, EC2Inventory: true, SSMParams: true,
		ServiceCatalog: true, TemplateBucket: "tend-templates", TemplatePrefix: "tend/"}
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Fatalf("config: %v", errs)
	}
	ctx := context.Background()
	a, err := app.New(ctx, &cfg, app.Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	_, key, err := a.Keys().Create(ctx, "dynatrace")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()

	// The seed's custom payload, each problem delivered twice (at least once).
	for _, pid := range pids {
		for range 2 {
			body := fmt.Sprintf(`{"State":"OPEN","PID":%q,"ProblemTitle":"CPU saturation"}`, pid)
			req, _ := http.NewRequest("POST", base+"/v1/webhooks/dynatrace", strings.NewReader(body))
			req.Header.Set("X-API-Key", key)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("webhook %s = %d, want 202", pid, resp.StatusCode)
			}
		}
	}

	// Wait for one finished run.
	deadline := time.Now().Add(30 * time.Second)
	var runs struct {
		Runs []struct {
			ID      string `json:"id"`
			State   string `json:"state"`
			Outcome string `json:"outcome"`
		} `json:"runs"`
	}
	for {
		resp, err := authGet(base+"/v1/runs", key)
		if err != nil {
			t.Fatal(err)
		}
		runs.Runs = nil
		json.NewDecoder(resp.Body).Decode(&runs)
		resp.Body.Close()
		pending := 0
		for _, r := range runs.Runs {
			if r.State != "done" && r.State != "failed" {
				pending++
			}
		}
		if (len(runs.Runs) > 0 && pending == 0) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	acted := 0
	for _, r := range runs.Runs {
		switch r.Outcome {
		case "acted":
			acted++
		case "not-qualified":
		default:
			t.Errorf("run %s: state %s outcome %q", r.ID, r.State, r.Outcome)
		}
	}
	if acted != 1 {
		t.Fatalf("%d runs acted, want exactly 1: %+v", acted, runs.Runs)
	}
	time.Sleep(300 * time.Millisecond) // let any (wrong) extra run show itself

	arts := cloud.Artifacts(prod.ID)
	if len(arts) != 2 {
		t.Fatalf("product has %d versions, want exactly 2 (v1 and the upsized v2); runs: %+v", len(arts), runs.Runs)
	}
	if d := arts[1].Description; !strings.Contains(d, "t3.small") || !strings.Contains(d, "t3.medium") {
		t.Errorf("v2's description does not say what changed: %q", d)
	}
	i := strings.Index(arts[1].TemplateURL, "/tend-templates/")
	if i < 0 {
		t.Fatalf("v2's template URL %q is not in the template bucket", arts[1].TemplateURL)
	}
	newTmpl, ok := cloud.Object("tend-templates", arts[1].TemplateURL[i+len("/tend-templates/"):])
	if !ok || !bytes.Contains(newTmpl, []byte(`"Default": "t3.medium"`)) {
		t.Errorf("v2's template does not default to t3.medium:\n%s", newTmpl)
	}
	comments := 0
	for _, pid := range pids {
		for _, c := range dt.Comments(pid) {
			comments++
			if !strings.Contains(c.Content, "t3.medium") {
				t.Errorf("comment on %s does not say what was done: %q", pid, c.Content)
			}
		}
	}
	if comments != 1 {
		t.Fatalf("%d comments posted, want exactly 1", comments)
	}
}
