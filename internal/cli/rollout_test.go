package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDeploymentsAndRolloutCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TEND_DATA_DIR": dir}
	tmpl := filepath.Join(dir, "shop.yaml")
	os.WriteFile(tmpl, []byte("Resources:\n  Svc:\n    Type: Tend::Local::Process\n    Properties: {Command: [/bin/true]}\n"), 0o600)
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"deployments", "add", "d1", "--type", "silo", "--account", "local", "--region", "r1", "--product", "shop"}, 1, `product: "shop" has no version in the catalog`},
		{[]string{"catalog", "add", "shop", "--template", tmpl}, 0, "Added shop v1"},
		{[]string{"catalog", "rollback", "shop", "v1"}, 0, "v2"},
		{[]string{"catalog", "publish", "nope", "--template", tmpl}, 1, "product nope is not in the catalog: add it first"},
		{[]string{"catalog", "publish", "shop", "--template", "missing.yaml"}, 1, "read the template"},
		{[]string{"catalog", "publish", "shop", "--template", tmpl, "--description", "again"}, 0, "Published shop v3 (cfn-yaml"},
		{[]string{"deployments", "add", "d1", "--type", "dedicated", "--account", "local", "--region", "r1", "--product", "shop"}, 1, "type: must be silo or pool"},
		{[]string{"deployments", "add", "d1", "--type", "silo", "--account", "local", "--region", "r1", "--product", "shop", "--tenant", "a", "--tenant", "b"}, 1, "a silo deployment serves one tenant"},
		{[]string{"deployments", "add", "d1", "--type", "silo", "--account", "local", "--region", "r1", "--product", "shop", "--tenant", "acme"}, 0, "Added d1 (silo shop, local/r1, provider process): PENDING"},
		{[]string{"deployments", "add", "d1", "--type", "silo", "--account", "local", "--region", "r1", "--product", "shop"}, 1, "deployment d1 exists"},
		{[]string{"deployments", "list"}, 0, "d1  shop     silo  local    r1      process   PENDING"},
		{[]string{"deployments", "show", "d1"}, 0, "stack       tend-shop-d1"},
		{[]string{"deployments", "show", "d1", "--json"}, 0, `"stack": "tend-shop-d1"`},
		{[]string{"rollout", "start", "shop", "--version", "9"}, 1, "--version: product shop has no version 9"},
		{[]string{"rollout", "start", "shop", "--version", "2", "--bake", "1ms", "--analysis-interval", "1s"}, 1, "strategy analysis_interval: must be from 10ms to the bake time"},
		{[]string{"rollout", "start", "shop", "--version", "2", "--strategy", "canary", "--bake", "30s"}, 0, "Rollout ro-"},
		{[]string{"rollout", "start", "shop", "--version", "2"}, 1, "another rollout of the product is active"},
		{[]string{"deployments", "remove", "d1"}, 1, "is active; wait for it or abort it first"},
		{[]string{"rollout", "status"}, 0, "pending"},
	} {
		code, out, errOut := runCLI(t, env, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.out) {
			t.Fatalf("tend %s: exit %d, want %d; output:\n%s%s\nwant %q", strings.Join(tc.args, " "), code, tc.code, out, errOut, tc.out)
		}
	}
	_, out, _ := runCLI(t, env, "rollout", "status")
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"rollout", "status", id}, 0, "product  shop → v2"},
		{[]string{"rollout", "resume", id}, 1, "cannot resume rollout"},
		{[]string{"rollout", "abort", id}, 0, "aborted"},
		{[]string{"rollout", "pause", id}, 1, "it is aborted"},
		{[]string{"rollout", "abort", "ro-nope"}, 1, `no rollout "ro-nope"`},
		{[]string{"deployments", "remove", "d1"}, 0, "its resources stay in place"},
	} {
		code, out, errOut := runCLI(t, env, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.out) {
			t.Fatalf("tend %s: exit %d, want %d; output:\n%s%s\nwant %q", strings.Join(tc.args, " "), code, tc.code, out, errOut, tc.out)
		}
	}
}
