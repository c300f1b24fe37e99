package cli

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite golden files")

type lineEditor struct{}

var itLine = regexp.MustCompile(`(?m)^(\s*InstanceType:\s*)(\S+)\s*$`)

func (lineEditor) InstanceType(b []byte, _ string) (string, error) {
	return string(itLine.FindSubmatch(b)[2]), nil
}

func (lineEditor) SetInstanceType(b []byte, _ string, t string) ([]byte, error) {
	return itLine.ReplaceAll(b, []byte("${1}"+t)), nil
}

func must(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, env, args...)
	if code != 0 {
		t.Fatalf("tend %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func fails(t *testing.T, env map[string]string, want string, args ...string) {
	t.Helper()
	code, _, errOut := runCLI(t, env, args...)
	if code == 0 || !strings.Contains(errOut, want) {
		t.Fatalf("tend %s = %d %q, want failure mentioning %q", strings.Join(args, " "), code, errOut, want)
	}
}

func TestParamAndCatalog(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TEND_DATA_DIR": dir}
	must(t, env, "param", "set", "/approved", "t3.small,t3.medium")
	if out := must(t, env, "param", "get", "/approved"); out != "t3.small,t3.medium\n" {
		t.Fatalf("param get = %q", out)
	}
	if out := must(t, env, "param", "list"); !strings.Contains(out, "/approved") {
		t.Fatalf("param list = %q", out)
	}
	fails(t, env, "no parameter", "param", "get", "/nope")

	tmpl := filepath.Join("testdata", "remediation", "workstation.yaml")
	if out := must(t, env, "catalog", "add", "workstation", "--template", tmpl); !strings.Contains(out, "Added workstation v1 (cfn-yaml") {
		t.Fatalf("catalog add = %q", out)
	}
	fails(t, env, "already exists", "catalog", "add", "workstation", "--template", tmpl)
	fails(t, env, "read the template", "catalog", "add", "other", "--template", "missing.yaml")
	// A self-healing run publishes v2 (simulated through the store).
	s, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	cat := embedded.New(s.Catalog(), nil)
	v1, _ := cat.Latest(context.Background(), "workstation")
	up, _ := lineEditor{}.SetInstanceType(v1.Template, "", "t3.medium")
	if _, err := cat.Publish(context.Background(), "workstation", catalog.Publish{Template: up, Format: v1.Format, Description: "InstanceType t3.small → t3.medium"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out := must(t, env, "catalog", "versions", "workstation")
	if !strings.Contains(out, "v2") || !strings.Contains(out, "t3.small → t3.medium") {
		t.Fatalf("versions = %q", out)
	}
	want := "--- workstation v1\n+++ workstation v2\n@@ -7,7 +7,7 @@\n   Workstation:\n     Type: AWS::EC2::Instance\n     Properties:\n-      InstanceType: t3.small\n+      InstanceType: t3.medium\n"
	if out := must(t, env, "catalog", "diff", "workstation", "v1", "v2"); !strings.HasPrefix(out, want) {
		t.Fatalf("diff = %q", out)
	}
	if out := must(t, env, "catalog", "show", "workstation"); !strings.Contains(out, "InstanceType: t3.medium") {
		t.Fatalf("show = %q", out)
	}
	if out := must(t, env, "catalog", "show", "workstation", "--version", "1"); !strings.Contains(out, "InstanceType: t3.small") {
		t.Fatalf("show v1 = %q", out)
	}
	if out := must(t, env, "catalog", "rollback", "workstation", "v1"); !strings.Contains(out, "Published workstation v3 with the template of v1") {
		t.Fatalf("rollback = %q", out)
	}
	if out := must(t, env, "catalog", "show", "workstation"); !strings.Contains(out, "InstanceType: t3.small") {
		t.Fatalf("after rollback = %q", out)
	}
	fails(t, env, "not found", "catalog", "versions", "nope")
	fails(t, env, "not found", "catalog", "diff", "workstation", "v1", "v9")
	if out := must(t, env, "catalog", "list"); !strings.Contains(out, "workstation  v3") {
		t.Fatalf("list = %q", out)
	}
}

func TestPolicyCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TEND_DATA_DIR": dir}
	pols := filepath.Join("testdata", "remediation", "policies")
	if out := must(t, env, "policy", "validate", pols); !strings.Contains(out, "1 policies OK") {
		t.Fatalf("validate = %q", out)
	}
	fails(t, env, "bad_values.yaml:12: mode", "policy", "validate", filepath.Join("..", "remediate", "policy", "testdata", "invalid"))
	must(t, env, "catalog", "add", "workstation", "--template", filepath.Join("testdata", "remediation", "workstation.yaml"))
	must(t, env, "param", "set", "/dynatrace/approvedinstancetypes", "t3.small,t3.medium,t3.large")
	var got strings.Builder
	for _, n := range []string{"1", "3"} {
		got.WriteString("$ tend policy test policies --problem dynatrace.json --occurrences " + n + "\n")
		got.WriteString(must(t, env, "policy", "test", pols, "--problem", filepath.Join("testdata", "remediation", "dynatrace.json"), "--occurrences", n))
	}
	// Nothing was written: still one version, no runs.
	if out := must(t, env, "catalog", "versions", "workstation"); strings.Contains(out, "v2") {
		t.Fatalf("policy test published: %q", out)
	}
	path := filepath.Join("testdata", "remediation", "policy_test.golden")
	if *update {
		_ = os.WriteFile(path, []byte(got.String()), 0o644)
	}
	want, _ := os.ReadFile(path)
	if got.String() != string(want) {
		t.Fatalf("output differs from %s:\n%s", path, got.String())
	}
	fails(t, env, "PID: is required", "policy", "test", pols, "--problem", writeTemp(t, `{"State":"OPEN","ProblemTitle":"x","PID":""}`))
}

func writeTemp(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunsCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TEND_DATA_DIR": dir}
	s, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	waiting := store.Run{ID: "run-1", Policy: "p", Mode: "approve", State: store.RunWaiting, Summary: "waiting for approval", Data: []byte("{}"), CreatedAt: now, UpdatedAt: now, NextAt: now}
	if err := s.Runs().Create(context.Background(), waiting); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if out := must(t, env, "runs", "list"); !strings.Contains(out, "run-1") || !strings.Contains(out, "waiting_approval") {
		t.Fatalf("list = %q", out)
	}
	if out := must(t, env, "runs", "show", "run-1"); !strings.Contains(out, "policy   p (mode approve)") {
		t.Fatalf("show = %q", out)
	}
	if out := must(t, env, "runs", "show", "run-1", "--json"); !strings.Contains(out, `"state": "waiting_approval"`) {
		t.Fatalf("show --json = %q", out)
	}
	if out := must(t, env, "runs", "approve", "run-1"); !strings.Contains(out, "now pending") {
		t.Fatalf("approve = %q", out)
	}
	fails(t, env, "cannot approve run run-1: it is pending", "runs", "approve", "run-1")
	if out := must(t, env, "runs", "cancel", "run-1"); !strings.Contains(out, "now cancelled") {
		t.Fatalf("cancel = %q", out)
	}
	fails(t, env, "no run", "runs", "show", "run-9")
}
