package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/cloud/process/processtest"
	"github.com/tendhq/tend/internal/store"
)

// A rollout survives tend serve being SIGKILLed mid-wave, driven only by
// the binary's commands: catalog add/publish, deployments add and rollout
// start write the store; serve provisions 4 local deployments and rolls a
// new version out; killed while the canary bakes, its deployment
// processes die with it (parent-death signal); started again, it brings
// them back at the versions they ran and, once the dead process's lease
// lapses, resumes the rollout, which finishes with every deployment on
// the new version.
func TestRolloutSurvivesSIGKILL(t *testing.T) {
	bin := hostileBinary(t)
	demo := processtest.Build(t)
	s := startHostile(t, bin, "TEND_FLEET_SCRAPE_INTERVAL=200ms", "TEND_FLEET_POLL_INTERVAL=50ms", "TEND_FLEET_ROLLOUT_LEASE=2s",
		"TEND_FLEET_START_TIMEOUT=20s")
	dir := t.TempDir()
	cli := func(args ...string) string {
		t.Helper()
		c := exec.Command(bin, args...)
		c.Env = s.env
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("tend %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	tmpl := func(n int) string {
		p := filepath.Join(dir, fmt.Sprintf("shop-v%d.yaml", n))
		if err := os.WriteFile(p, processtest.Template(demo, processtest.Behaviour{Latency: 20 * time.Millisecond, Load: 100}), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cli("catalog", "add", "shop", "--template", tmpl(1))
	ids := []string{"acme", "pool-1", "pool-2", "pool-3"}
	for i, id := range ids {
		args := []string{"deployments", "add", id, "--account", "local", "--region", "home", "--product", "shop"}
		if i == 0 {
			args = append(args, "--type", "silo", "--tenant", "acme")
		} else {
			args = append(args, "--type", "pool", "--tenant", id+"-a", "--tenant", id+"-b")
		}
		cli(args...)
	}
	deployments := func() map[string]api.DeploymentView {
		var list struct{ Deployments []api.DeploymentView }
		s.getJSON("/v1/deployments?product=shop", &list)
		out := map[string]api.DeploymentView{}
		for _, d := range list.Deployments {
			out[d.ID] = d
		}
		return out
	}
	waitFor := func(what string, d time.Duration, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(d); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s after %s; deployments %+v", what, d, deployments())
			}
		}
	}
	onVersion := func(v int) bool {
		ds := deployments()
		for _, id := range ids {
			if d := ds[id]; d.State != store.DeploymentActive || d.Version != v {
				return false
			}
		}
		return true
	}
	waitFor("4 deployments active on v1", 60*time.Second, func() bool { return onVersion(1) })

	cli("catalog", "publish", "shop", "--template", tmpl(2))
	// The proof's gates (internal/app): a good version is not rolled back
	// by a process's first, slower moments.
	strategy := filepath.Join(dir, "canary.yaml")
	if err := os.WriteFile(strategy, []byte(`strategy: canary
max_concurrent: 3
bake: 3s
analysis_interval: 500ms
gates:
  compare: {min_samples: 5, warmup: 500ms, max_increase: {latency: 2.5}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := cli("rollout", "start", "shop", "--version", "2", "--file", strategy)
	id := regexp.MustCompile(`ro-[0-9A-Z]+`).FindString(out)
	if id == "" {
		t.Fatalf("no rollout id in %q", out)
	}
	rollout := func() api.RolloutView {
		var v api.RolloutView
		s.getJSON("/v1/rollouts/"+id, &v)
		return v
	}
	waitFor("canary baking", 60*time.Second, func() bool {
		v := rollout()
		return v.Wave == 0 && strings.Contains(v.Summary, "baking")
	})
	var pids []int
	for _, d := range deployments() {
		if pid, err := strconv.Atoi(d.Outputs["pid"]); err == nil {
			pids = append(pids, pid)
		}
	}
	if len(pids) != len(ids) {
		t.Fatalf("%d deployment processes, want %d", len(pids), len(ids))
	}
	s.stop(syscall.SIGKILL)
	killed := time.Now()
	waitFor("deployment processes gone with tend", 10*time.Second, func() bool {
		for _, pid := range pids {
			if syscall.Kill(pid, 0) == nil {
				return false
			}
		}
		return true
	})

	s.start()
	s.waitReady(60 * time.Second)
	waitFor("rollout finished", 90*time.Second, func() bool { return !store.RolloutActive(rollout().State) })
	v := rollout()
	if v.State != store.RolloutSucceeded {
		t.Fatalf("after the restart: %s: %s", v.State, v.Summary)
	}
	if !onVersion(2) {
		t.Fatalf("deployments after the rollout: %+v", deployments())
	}
	for _, d := range deployments() {
		pid, _ := strconv.Atoi(d.Outputs["pid"])
		if pid == 0 || syscall.Kill(pid, 0) != nil {
			t.Errorf("%s: process %q not running", d.ID, d.Outputs["pid"])
		}
	}
	plans := 0
	for _, st := range v.Steps {
		if st.Name == "plan" {
			plans++
		}
	}
	if plans != 1 {
		t.Errorf("planned %d times, want once (resumed, not restarted)", plans)
	}
	status := cli("rollout", "status", id)
	if !strings.Contains(status, "succeeded") {
		t.Errorf("tend rollout status: %s", status)
	}
	t.Logf("killed while the canary baked; finished %s after the kill", time.Since(killed).Round(time.Millisecond))
}
