package app

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/remediate"
)

func metricsText(t *testing.T, e *e2e) string {
	t.Helper()
	resp, err := http.Get(e.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestPolicyReload: POST /v1/policies/reload and SIGHUP load the policy
// directory again; a directory with an error changes nothing and says
// where the error is.
func TestPolicyReload(t *testing.T) {
	e := startE2E(t)
	dir := e.a.cfg.Remediation.PolicyDir
	var pl api.PolicyList
	e.get("/v1/policies", &pl)
	if len(pl.Policies) != 1 || pl.Policies[0].Name != "upsize-on-cpu-saturation" || pl.Policies[0].Line != 1 {
		t.Fatalf("GET /v1/policies = %+v", pl)
	}

	// A second policy, in dry-run.
	second := strings.Replace(seedPolicy, "name: upsize-on-cpu-saturation", "name: upsize-dry\nmode: dry-run", 1)
	if err := os.WriteFile(filepath.Join(dir, "dry.yaml"), []byte(second), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.post("/v1/policies/reload", ""); code != 401 {
		t.Fatalf("reload without a key = %d, want 401", code)
	}
	code, body := e.post("/v1/policies/reload", "", "X-API-Key", e.key)
	if code != 200 || len(body["policies"].([]any)) != 2 {
		t.Fatalf("reload = %d %v", code, body)
	}
	if n := len(e.a.problems.(*remediate.Engine).Policies().Policies); n != 2 {
		t.Fatalf("engine has %d policies after reload, want 2", n)
	}

	// A broken file: 422 naming it, the two policies stay.
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("name: broken\nmatch:\n  sourcee: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, body = e.post("/v1/policies/reload", "", "X-API-Key", e.key)
	msg, _ := body["error"].(map[string]any)["message"].(string)
	if code != 422 || !strings.Contains(msg, "broken.yaml:3") {
		t.Fatalf("reload of a broken directory = %d %v", code, body)
	}
	e.get("/v1/policies", &pl)
	if len(pl.Policies) != 2 {
		t.Fatalf("a failed reload changed the policies: %+v", pl)
	}
	if !strings.Contains(metricsText(t, e), "tend_remediation_policy_reload_success 0") {
		t.Fatal("tend_remediation_policy_reload_success is not 0 after a failed reload")
	}

	// SIGHUP, after the fix.
	if err := os.Remove(filepath.Join(dir, "broken.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "dry.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.get("/v1/policies", &pl)
		if len(pl.Policies) == 1 && strings.Contains(metricsText(t, e), "tend_remediation_policy_reload_success 1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not reload: %+v", pl)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
