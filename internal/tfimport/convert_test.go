package tfimport

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func convertFixture(t testing.TB, name string) *Result {
	t.Helper()
	return NewConverter(mustSchemas(t), nil).Convert(readFixture(t, name), Options{Description: "Resources imported by tend from Terraform state (every resource retained)"})
}

func report(res *Result) string {
	var b strings.Builder
	for _, c := range res.Converted {
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "note %s: %s\n", c.Address, n)
		}
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(&b, "skip %s [%s]: %s\n", s.Address, s.Kind, s.Reason)
	}
	params := sortedKeys(res.Secrets)
	fmt.Fprintf(&b, "secret parameters: %s\n", strings.Join(params, ", "))
	return b.String()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff)\n--- got (first 2000 bytes) ---\n%.2000s", path, got)
	}
}

// Golden tests: the v4 state and its `terraform show -json` twin both give
// exactly the golden template (JSON and YAML), resources file and report.
func TestConvertGolden(t *testing.T) {
	for _, fixture := range []string{"full.tfstate", "full.show.json"} {
		t.Run(fixture, func(t *testing.T) {
			res := convertFixture(t, fixture)
			tj, err := RenderTemplate(res.Template, false)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "full.template.json", tj)
			ty, err := RenderTemplate(res.Template, true)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "full.template.yaml", ty)
			rj, err := RenderJSON(res.Imports)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "full.resources.json", rj)
			golden(t, "full.report.txt", []byte(report(res)))
		})
	}
}

// Every generated resource is checked against its schema, and the
// template parses back (JSON and YAML) to the same, valid document.
func TestGeneratedTemplateValidates(t *testing.T) {
	s := mustSchemas(t)
	res := convertFixture(t, "full.tfstate")
	for _, yamlOut := range []bool{false, true} {
		b, err := RenderTemplate(res.Template, yamlOut)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseTemplate(b)
		if err != nil {
			t.Fatal(err)
		}
		if probs := s.CheckTemplate(m, res.Imports); len(probs) > 0 {
			t.Errorf("yaml=%v: %d problems, first: %v", yamlOut, len(probs), probs[0])
		}
	}
	for id, r := range res.Template.Resources {
		sc, _ := s.Schema(r.Type)
		for _, p := range sc.ValidateProperties(r.Properties) {
			t.Errorf("%s: %v", id, p)
		}
	}
	// Every supported type is exercised by the fixture.
	covered := map[string]bool{}
	for _, r := range res.Template.Resources {
		covered[r.Type] = true
	}
	for _, ti := range s.Types() {
		if !covered[ti.CFNType] {
			t.Errorf("fixture has no converted %s (%s)", ti.CFNType, ti.Terraform)
		}
	}
}

func prop(t *testing.T, res *Result, id string, path ...string) any {
	t.Helper()
	r, ok := res.Template.Resources[id]
	if !ok {
		t.Fatalf("no resource %s; have %v", id, sortedKeys(res.Template.Resources))
	}
	var cur any = r.Properties
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object at %s", id, path, p)
		}
		cur = m[p]
	}
	return cur
}

// Each failure mode of the seed's tool, as a test.
func TestSeedFailureModesAvoided(t *testing.T) {
	res := convertFixture(t, "full.tfstate")
	t.Run("nested modules at any depth", func(t *testing.T) {
		if _, ok := res.Template.Resources["PlatformNetworkEdgeEuLbWeb"]; !ok {
			t.Error("resource three modules deep not converted")
		}
	})
	t.Run("false and 0 kept", func(t *testing.T) {
		if v := prop(t, res, "SqsQueueSampleSqsQueue", "DelaySeconds"); v != 0.0 {
			t.Errorf("DelaySeconds %#v", v)
		}
		if v := prop(t, res, "SqsQueueSampleSqsQueue", "FifoQueue"); v != false {
			t.Errorf("FifoQueue %#v", v)
		}
		if v := prop(t, res, "ServicesCheckoutDbInstanceMain", "MultiAZ"); v != false {
			t.Errorf("MultiAZ %#v", v)
		}
	})
	t.Run("tag keys untouched, Key/Value lists", func(t *testing.T) {
		tags, _ := prop(t, res, "SqsQueueSampleSqsQueue", "Tags").([]any)
		var keys []string
		for _, tg := range tags {
			keys = append(keys, tg.(map[string]any)["Key"].(string))
		}
		if strings.Join(keys, ",") != "Environment,Team,cost-center" {
			t.Errorf("tag keys %v", keys)
		}
		if m, ok := prop(t, res, "PlatformEksNodeGroupWorkersGpu", "Tags").(map[string]any); !ok || m["pool"] != "gpu" {
			t.Errorf("EKS node group tags (a map in its schema): %#v", m)
		}
	})
	t.Run("count and for_each instances do not collide", func(t *testing.T) {
		for _, id := range []string{"CloudwatchLogGroupApp0", "CloudwatchLogGroupApp1", "CloudwatchLogGroupApp2", "SqsQueueJobsUsEast"} {
			if _, ok := res.Template.Resources[id]; !ok {
				t.Errorf("missing %s", id)
			}
		}
		n := 0
		for _, c := range res.Converted {
			if strings.HasPrefix(c.Address, "aws_sqs_queue.jobs[") {
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d of 3 for_each queues converted (eu-west and eu_west sanitise alike)", n)
		}
	})
	t.Run("logical IDs alphanumeric and unique", func(t *testing.T) {
		if len(res.Template.Resources) != len(res.Imports) {
			t.Errorf("%d resources, %d imports", len(res.Template.Resources), len(res.Imports))
		}
		for id := range res.Template.Resources {
			if !ValidLogicalID(id) {
				t.Errorf("invalid logical ID %q", id)
			}
		}
	})
	t.Run("identifiers from the right attribute", func(t *testing.T) {
		want := map[string]map[string]string{
			"ServicesCheckoutDbInstanceMain":                    {"DBInstanceIdentifier": "orders-db"},
			"PlatformEcsClusterMain":                            {"ClusterName": "main"},
			"ServicesCheckoutKinesisStreamClicks":               {"Name": "clicks"},
			"ServicesCheckoutElasticBeanstalkEnvironmentLegacy": {"EnvironmentName": "legacy-prod"},
			"PlatformEksNodeGroupWorkersGpu":                    {"Id": "main/workers-gpu"},
			"ServicesCheckoutElasticsearchDomainLogs":           {"DomainName": "logs"},
			"SqsQueueSampleSqsQueue":                            {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/sample_sqs_queue"},
			"PlatformApiGatewayStageProd":                       {"RestApiId": "a1b2c3", "StageName": "prod"},
		}
		for _, imp := range res.Imports {
			if w, ok := want[imp.LogicalResourceID]; ok {
				if fmt.Sprint(imp.ResourceIdentifier) != fmt.Sprint(w) {
					t.Errorf("%s identifier %v, want %v", imp.LogicalResourceID, imp.ResourceIdentifier, w)
				}
				delete(want, imp.LogicalResourceID)
			}
		}
		if len(want) > 0 {
			t.Errorf("not imported: %v", sortedKeys(want))
		}
	})
	t.Run("rules on the default event bus", func(t *testing.T) {
		if v := prop(t, res, "CloudwatchEventRuleNightly", "EventBusName"); v != "default" {
			t.Errorf("EventBusName %#v", v)
		}
	})
	t.Run("JSON strings become objects", func(t *testing.T) {
		for _, c := range []struct {
			id   string
			path []string
		}{
			{"SqsQueueSampleSqsQueue", []string{"RedrivePolicy"}},
			{"IamRoleLambdaRole", []string{"AssumeRolePolicyDocument"}},
			{"ServicesCheckoutSfnStateMachineOrders", []string{"Definition"}},
			{"CloudwatchEventRuleOrders", []string{"EventPattern"}},
			{"ServicesCheckoutOpensearchDomainSearch", []string{"AccessPolicies"}},
		} {
			if _, ok := prop(t, res, c.id, c.path...).(map[string]any); !ok {
				t.Errorf("%s.%v is not an object", c.id, c.path)
			}
		}
		pols, _ := prop(t, res, "IamRoleLambdaRole", "Policies").([]any)
		if len(pols) != 1 {
			t.Fatalf("inline policies %v", pols)
		}
		if _, ok := pols[0].(map[string]any)["PolicyDocument"].(map[string]any); !ok {
			t.Error("inline policy document is not an object")
		}
	})
	t.Run("retain everywhere", func(t *testing.T) {
		for id, r := range res.Template.Resources {
			if r.DeletionPolicy != Retain || r.UpdateReplacePolicy != Retain {
				t.Errorf("%s: %s/%s", id, r.DeletionPolicy, r.UpdateReplacePolicy)
			}
		}
	})
	t.Run("nothing dropped silently", func(t *testing.T) {
		st := readFixture(t, "full.tfstate")
		if len(res.Converted)+len(res.Skipped) != len(st.Resources) {
			t.Errorf("%d converted + %d skipped != %d instances", len(res.Converted), len(res.Skipped), len(st.Resources))
		}
	})
}

func TestSensitiveValuesNeverWritten(t *testing.T) {
	res := convertFixture(t, "full.tfstate")
	var files bytes.Buffer
	for _, yamlOut := range []bool{false, true} {
		b, _ := RenderTemplate(res.Template, yamlOut)
		files.Write(b)
	}
	b, _ := RenderJSON(res.Imports)
	files.Write(b)
	for _, secret := range []string{"correct-horse-battery-staple", "Redsh1ft-Secret", "redis-auth-token-0123456789", "s3cr3t-api-key"} {
		if bytes.Contains(files.Bytes(), []byte(secret)) {
			t.Errorf("secret %q written in clear", secret)
		}
		found := false
		for _, v := range res.Secrets {
			found = found || v == secret
		}
		if !found {
			t.Errorf("secret %q not carried as a parameter value", secret)
		}
	}
	for name := range res.Secrets {
		p := res.Template.Parameters[name]
		if !p.NoEcho || p.Type != "String" {
			t.Errorf("parameter %s: %+v", name, p)
		}
	}
	ref := prop(t, res, "ServicesCheckoutDbInstanceMain", "MasterUserPassword")
	if m, ok := ref.(map[string]any); !ok || m["Ref"] != "ServicesCheckoutDbInstanceMainMasterUserPassword" {
		t.Errorf("MasterUserPassword is %#v", ref)
	}
}

// A sensitive value feeding a nested property tend cannot parameterise
// makes the resource unconverted rather than written in clear.
func TestSensitiveNestedValueRefused(t *testing.T) {
	st := &State{Resources: []Resource{{
		Address: "aws_ecs_task_definition.t", Mode: "managed", Type: "aws_ecs_task_definition", Name: "t",
		Attributes: map[string]any{"arn": "arn:aws:ecs:us-east-1:1:task-definition/t:1", "family": "t",
			"container_definitions": `[{"name":"a","image":"x","environment":[{"name":"K","value":"secret-value"}]}]`},
		Sensitive: [][]string{{"container_definitions"}},
	}}}
	res := NewConverter(mustSchemas(t), nil).Convert(st, Options{Description: ""})
	if len(res.Converted) != 0 || len(res.Skipped) != 1 || res.Skipped[0].Kind != SkipSensitive {
		t.Fatalf("converted %v skipped %v", res.Converted, res.Skipped)
	}
	b, _ := RenderTemplate(res.Template, false)
	if bytes.Contains(b, []byte("secret-value")) {
		t.Fatal("secret written")
	}
}

func TestMissingIdentifierReported(t *testing.T) {
	st := &State{Resources: []Resource{{Address: "aws_sqs_queue.q", Mode: "managed", Type: "aws_sqs_queue", Name: "q", Attributes: map[string]any{"name": "q"}}}}
	res := NewConverter(mustSchemas(t), nil).Convert(st, Options{Description: ""})
	if len(res.Skipped) != 1 || res.Skipped[0].Kind != SkipIdentifier || !strings.Contains(res.Skipped[0].Reason, "QueueUrl") {
		t.Fatalf("skipped %+v", res.Skipped)
	}
}

func TestLogicalID(t *testing.T) {
	tests := []struct {
		r    Resource
		want string
	}{
		{Resource{Type: "aws_sqs_queue", Name: "jobs"}, "SqsQueueJobs"},
		{Resource{Type: "aws_sqs_queue", Name: "my-queue_v2", Index: 3}, "SqsQueueMyQueueV23"},
		{Resource{Type: "aws_lb", Name: "web", ModulePath: []string{"app", `edge["eu-west-1"]`}}, "AppEdgeEuWest1LbWeb"},
		{Resource{Type: "aws_s3_bucket", Name: "b", Index: "ünïcode key"}, "S3BucketBNCodeKey"},
		{Resource{Type: "aws_s3_bucket", Name: "b", Index: strings.Repeat("x", 300), Address: "a"}, ""},
	}
	for _, tt := range tests {
		got := logicalID(tt.r)
		if !ValidLogicalID(got) {
			t.Errorf("logicalID(%v) = %q, not valid", tt.r.Address, got)
		}
		if tt.want != "" && got != tt.want {
			t.Errorf("logicalID = %q, want %q", got, tt.want)
		}
	}
	a, b := disambiguate("X", `aws_sqs_queue.q["a-b"]`), disambiguate("X", `aws_sqs_queue.q["a_b"]`)
	if a == b || !ValidLogicalID(a) {
		t.Errorf("disambiguate: %q %q", a, b)
	}
}

func TestConvertIsDeterministic(t *testing.T) {
	a := convertFixture(t, "full.tfstate")
	b := convertFixture(t, "full.show.json")
	ja, _ := json.Marshal(a.Imports)
	jb, _ := json.Marshal(b.Imports)
	if !bytes.Equal(ja, jb) {
		t.Error("v4 and show -json give different imports")
	}
	ids := sortedKeys(a.Template.Resources)
	if !sort.StringsAreSorted(ids) {
		t.Error("unsorted")
	}
}

func BenchmarkConvertFullState(b *testing.B) {
	raw, err := os.ReadFile("testdata/states/full.tfstate")
	if err != nil {
		b.Fatal(err)
	}
	conv := NewConverter(mustSchemas(b), nil)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		st, err := ParseState(raw)
		if err != nil {
			b.Fatal(err)
		}
		res := conv.Convert(st, Options{Description: "bench"})
		if len(res.Converted) != 46 {
			b.Fatalf("%d converted", len(res.Converted))
		}
	}
}

func TestResourcesInOtherRegionsReported(t *testing.T) {
	st := readFixture(t, "full.tfstate")
	conv := NewConverter(mustSchemas(t), nil)
	same := conv.Convert(st, Options{Region: "us-east-1"})
	if len(same.Converted) != 46 {
		t.Fatalf("us-east-1: %d converted", len(same.Converted))
	}
	other := conv.Convert(st, Options{Region: "eu-west-1"})
	kinds := map[string]SkipKind{}
	for _, s := range other.Skipped {
		kinds[s.Address] = s.Kind
	}
	if kinds["aws_sqs_queue.sample_sqs_queue"] != SkipRegion || kinds[`module.services["checkout"].aws_s3_bucket.assets`] != SkipRegion {
		t.Errorf("regional resources not reported: %v", kinds)
	}
	global := map[string]bool{}
	for _, c := range other.Converted {
		global[c.Type] = true
	}
	for _, typ := range []string{"AWS::IAM::Role", "AWS::CloudFront::Distribution", "AWS::Route53::HostedZone"} {
		if !global[typ] {
			t.Errorf("global %s not converted", typ)
		}
	}
}

// The blog post's sample application, as `terraform show -json` prints it
// (nulls, sensitive_values mirroring the values, depends_on).
func TestConvertSeedSampleGolden(t *testing.T) {
	res := convertFixture(t, "seed-sample.show.json")
	tj, err := RenderTemplate(res.Template, false)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "seed-sample.template.json", tj)
	rj, _ := RenderJSON(res.Imports)
	golden(t, "seed-sample.resources.json", rj)
	golden(t, "seed-sample.report.txt", []byte(report(res)))
	if bytes.Contains(tj, []byte("hunter2-from-tfvars")) {
		t.Error("sensitive environment variable written")
	}
	if probs := mustSchemas(t).CheckTemplate(mustMap(t, tj), res.Imports); len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
}

func mustMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m, err := ParseTemplate(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
