package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/spf13/cobra"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/cloud/cfnstack/cfnfake"
	"github.com/tendhq/tend/internal/tfimport"
)

const fixtureState = "../tfimport/testdata/states/full.tfstate"

func runTend(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Execute(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestImportTerraformWritesTemplateAndResources(t *testing.T) {
	dir := t.TempDir()
	tmpl, res := filepath.Join(dir, "stack.yaml"), filepath.Join(dir, "import.json")
	code, out, errOut := runTend(t, "", "import", "terraform", "--state", fixtureState, "--template", tmpl, "--resources", res)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"46 converted, 4 not converted", "PlatformNetworkEdgeEuLbWeb", "NOT CONVERTED", "aws_vpc", "5 sensitive value(s) became NoEcho parameters"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if got := dirEntries(t, dir); strings.Join(got, ",") != "import.json,stack.yaml" {
		t.Fatalf("files %v", got)
	}
	b, _ := os.ReadFile(tmpl)
	if !bytes.HasPrefix(b, []byte("AWSTemplateFormatVersion: \"2010-09-09\"")) {
		t.Errorf("not YAML: %.80s", b)
	}
	var imports []tfimport.ResourceToImport
	rb, _ := os.ReadFile(res)
	if err := json.Unmarshal(rb, &imports); err != nil || len(imports) != 46 {
		t.Fatalf("resources file: %v, %d entries", err, len(imports))
	}
	code, out, errOut = runTend(t, "", "import", "terraform", "--validate", "--template", tmpl, "--resources", res)
	if code != 0 || !strings.Contains(out, "OK, 46 resources valid") {
		t.Fatalf("validate: exit %d %s %s", code, out, errOut)
	}
}

func TestImportTerraformFromStdinAndDir(t *testing.T) {
	show, err := os.ReadFile("../tfimport/testdata/states/full.show.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	code, _, errOut := runTend(t, string(show), "import", "terraform", "--state", "-", "--template", filepath.Join(dir, "a.json"))
	if code != 0 {
		t.Fatalf("stdin: exit %d: %s", code, errOut)
	}
	wd := t.TempDir()
	state, _ := os.ReadFile(fixtureState)
	if err := os.WriteFile(filepath.Join(wd, "terraform.tfstate"), state, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runTend(t, "", "import", "terraform", "-d", wd, "--template", filepath.Join(dir, "b.json"))
	if code != 0 {
		t.Fatalf("-d: exit %d: %s", code, errOut)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "a.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "b.json"))
	// Same resources from both formats; only the Description names the source.
	strip := func(b []byte) string {
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		delete(m, "Description")
		s, _ := json.Marshal(m)
		return string(s)
	}
	if strip(a) != strip(b) {
		t.Error("show -json on stdin and tfstate in -d give different templates")
	}
}

func TestImportTerraformBadInput(t *testing.T) {
	full, err := os.ReadFile(fixtureState)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, content, want string
		args                []string
	}{
		{name: "not a state", content: "resource \"aws_sqs_queue\" \"q\" {}\n", want: "not a Terraform state"},
		{name: "unsupported version", content: `{"version": 3, "serial": 1, "modules": []}`, want: "unsupported state version 3"},
		{name: "truncated", content: string(full[:len(full)-200]), want: "truncated"},
		{name: "strict", content: string(full), want: "--strict: 4 managed resources not converted", args: []string{"--strict"}},
		{name: "no resources", content: `{"version":4,"resources":[]}`, want: "no resources to import"},
		{name: "missing file", want: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			state := filepath.Join(dir, "in", "state.json")
			if err := os.MkdirAll(filepath.Dir(state), 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.content != "" {
				if err := os.WriteFile(state, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(dir, "out")
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"import", "terraform", "--state", state, "--template", filepath.Join(out, "t.json"), "--resources", filepath.Join(out, "r.json")}, tt.args...)
			code, _, errOut := runTend(t, "", args...)
			if code == 0 {
				t.Fatal("exit 0")
			}
			if !strings.HasPrefix(errOut, "tend: ") || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("stderr %q, want one line containing %q", errOut, tt.want)
			}
			if got := dirEntries(t, out); len(got) != 0 {
				t.Errorf("files left behind: %v", got)
			}
		})
	}
}

func TestImportTerraformUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "no state given"},
		{[]string{"--state", fixtureState}, "nothing to do"},
		{[]string{"--state", fixtureState, "--deploy"}, "--deploy needs --stack-name"},
		{[]string{"--state", fixtureState, "--deploy", "--stack-name", "s", "--enroll", "splunk"}, "only enrolment target is devops-guru"},
		{[]string{"--state", fixtureState, "-d", "."}, "either --state or -d"},
		{[]string{"-d", "/nonexistent-dir", "--template", "x.json"}, "no terraform.tfstate in /nonexistent-dir"},
		{[]string{"--validate"}, "--validate needs --template"},
	}
	for _, tt := range tests {
		code, _, errOut := runTend(t, "", append([]string{"import", "terraform"}, tt.args...)...)
		if code == 0 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestImportTerraformValidateFindsProblems(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "bad.yaml")
	doc := `Resources:
  my-queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueUrl: https://example
      DelaySeconds: soon
      KmsMasterKeyId: !Ref Missing
`
	if err := os.WriteFile(tmpl, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runTend(t, "", "import", "terraform", "--validate", "--template", tmpl)
	if code == 0 {
		t.Fatal("exit 0")
	}
	for _, want := range []string{"logical ID must be", "DeletionPolicy: must be Retain", "QueueUrl: read-only", "DelaySeconds: expected integer", `Ref to "Missing"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "problems found") {
		t.Errorf("stderr %q", errOut)
	}
}

// The deploy path end to end: the real SDK clients, pointed by
// --endpoint-url at fakes speaking CloudFormation's query protocol, S3 and
// DevOps Guru's REST-JSON.
func TestImportTerraformDeployEndToEnd(t *testing.T) {
	fakes := cfnfake.NewAWS()
	srv := httptest.NewServer(fakes)
	defer srv.Close()
	fakes.Wire(srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	var registered []tfimport.StackResource
	importBoundaryRegistrar = func(*cobra.Command, *globals) (tfimport.BoundaryRegistrar, error) {
		return registrarFunc(func(_ context.Context, stack string, res []tfimport.StackResource) error {
			registered = res
			return nil
		}), nil
	}
	defer func() { importBoundaryRegistrar = storeBoundaryRegistrar }()

	dir := t.TempDir()
	boundary := filepath.Join(dir, "orders.boundary.json")
	code, out, errOut := runTend(t, "", "import", "terraform", "--state", fixtureState,
		"--template", filepath.Join(dir, "stack.json"), "--deploy", "--stack-name", "orders",
		"--enroll", "devops-guru", "--boundary-out", boundary, "--endpoint-url", srv.URL, "--poll-interval", "1ms")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Stack orders: IMPORT_COMPLETE; 46 resources imported now") || !strings.Contains(out, "Enrolled in Amazon DevOps Guru") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "change set: CREATE_COMPLETE") || !strings.Contains(errOut, "stack orders: IMPORT_COMPLETE") {
		t.Errorf("progress on stderr:\n%s", errOut)
	}
	if !fakes.DevOpsGuru.Enrolled("orders") {
		t.Error("stack not enrolled")
	}
	var b tfimport.Boundary
	raw, err := os.ReadFile(boundary)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &b); err != nil || b.Stack != "orders" || len(b.Resources) != 46 {
		t.Fatalf("boundary: %v, stack %q, %d resources", err, b.Stack, len(b.Resources))
	}
	if len(registered) != 46 {
		t.Errorf("injected registrar got %d resources", len(registered))
	}

	// AWS_ENDPOINT_URL works as the SDK defines it, without the flag.
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	code, out, errOut = runTend(t, "", "import", "terraform", "--state", fixtureState, "--deploy", "--stack-name", "from-env", "--poll-interval", "1ms")
	if code != 0 || !strings.Contains(out, "Stack from-env: IMPORT_COMPLETE") {
		t.Fatalf("AWS_ENDPOINT_URL: exit %d\n%s\n%s", code, out, errOut)
	}

	// A stack left ROLLBACK_COMPLETE is refused with a clear message.
	fakes.CloudFormation.PutStack(cfnfake.Stack{Name: "broken", Status: "ROLLBACK_COMPLETE"})
	code, _, errOut = runTend(t, "", "import", "terraform", "--state", fixtureState, "--deploy", "--stack-name", "broken",
		"--endpoint-url", srv.URL, "--poll-interval", "1ms")
	if code == 0 || !strings.Contains(errOut, "ROLLBACK_COMPLETE") || !strings.Contains(errOut, "--delete-failed-stack") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

type registrarFunc func(ctx context.Context, stack string, res []tfimport.StackResource) error

func (f registrarFunc) RegisterStack(ctx context.Context, stack string, res []tfimport.StackResource) error {
	return f(ctx, stack, res)
}
