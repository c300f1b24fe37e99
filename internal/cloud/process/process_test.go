package process_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/cloud/process"
	"github.com/tendhq/tend/internal/cloud/process/processtest"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/store"
)

func TestParseTemplate(t *testing.T) {
	for _, tc := range []struct {
		name, tmpl, err string
	}{
		{"ok", "Resources:\n  Svc:\n    Type: Tend::Local::Process\n    Properties:\n      Command: [/bin/true]\n", ""},
		{"json", `{"Resources":{"Svc":{"Type":"Tend::Local::Process","Properties":{"Command":["/bin/true"],"Env":{"A":"1"}}}}}`, ""},
		{"none", "Resources:\n  W:\n    Type: AWS::EC2::Instance\n", "no Tend::Local::Process resource"},
		{"two", "Resources:\n  A:\n    Type: Tend::Local::Process\n    Properties: {Command: [x]}\n  B:\n    Type: Tend::Local::Process\n    Properties: {Command: [x]}\n", "2 Tend::Local::Process resources (A, B)"},
		{"no command", "Resources:\n  A:\n    Type: Tend::Local::Process\n    Properties: {Env: {A: b}}\n", "Command is required"},
		{"bad path", "Resources:\n  A:\n    Type: Tend::Local::Process\n    Properties: {Command: [x], HealthPath: health}\n", `path "health" must start with /`},
		{"not yaml", "Resources: [", "read template"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := process.ParseTemplate([]byte(tc.tmpl))
			if tc.err == "" {
				if err != nil || s.HealthPath != "/healthz" || s.MetricsPath != "/metrics" {
					t.Fatalf("%+v %v", s, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func FuzzParseTemplate(f *testing.F) {
	f.Add([]byte("Resources:\n  Svc:\n    Type: Tend::Local::Process\n    Properties:\n      Command: [/bin/true]\n"))
	f.Add([]byte(`{"Resources":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := process.ParseTemplate(b)
		if err == nil && (len(s.Command) == 0 || !strings.HasPrefix(s.HealthPath, "/")) {
			t.Fatalf("accepted %q as %+v", b, s)
		}
	})
}

type sinkRec struct {
	mu      sync.Mutex
	samples []ingest.Sample
}

func (s *sinkRec) Append(_ context.Context, b []ingest.Sample) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples = append(s.samples, b...)
	return nil
}

func TestProcessLifecycle(t *testing.T) {
	bin := processtest.Build(t)
	var sink sinkRec
	var mu sync.Mutex
	var keys []process.KeySample
	p, err := process.New(process.Options{Dir: t.TempDir(), Sink: &sink, ScrapeInterval: 50 * time.Millisecond, StartTimeout: 10 * time.Second,
		OnKey: func(k process.KeySample) { mu.Lock(); keys = append(keys, k); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	d := store.Deployment{ID: "d1", Product: "shop", Stack: "tend-shop-d1", Region: "local-a", Account: "local"}
	v1 := catalog.Version{Product: "shop", ID: "v1", Number: 1, Template: processtest.Template(bin, processtest.Behaviour{Load: 100})}
	out, err := p.Apply(ctx, d, v1)
	if err != nil {
		t.Fatal(err)
	}
	if out["version"] != "1" || !strings.HasPrefix(out["endpoint"], "http://127.0.0.1:") {
		t.Fatalf("outputs %v", out)
	}
	pid1 := p.PIDs()["d1"]
	// Applying the version it runs changes nothing.
	if _, err := p.Apply(ctx, d, v1); err != nil || p.PIDs()["d1"] != pid1 {
		t.Fatalf("re-apply: %v, pid %d → %d", err, pid1, p.PIDs()["d1"])
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(keys) >= 3 })
	mu.Lock()
	k := keys[len(keys)-1]
	mu.Unlock()
	if k.Deployment != "d1" || k.Version != 1 || k.Values[process.KeyLatency] <= 0 || k.Values[process.KeyErrorRate] != 0 {
		t.Fatalf("key sample %+v", k)
	}
	sink.mu.Lock()
	var sawStack bool
	for _, s := range sink.samples {
		for _, l := range s.Labels {
			if l.Name == "stack" && l.Value == "tend-shop-d1" && s.Metric == "http_requests_total" && s.Counter {
				sawStack = true
			}
			if l.Name == "version" && s.Metric != "demo_build_info" {
				t.Errorf("sample %s carries the version label", s.Metric)
			}
		}
	}
	sink.mu.Unlock()
	if !sawStack {
		t.Fatal("no http_requests_total sample with the deployment's stack label")
	}
	// A new version replaces the process; a bad one reports its error rate.
	v2 := catalog.Version{Product: "shop", ID: "v2", Number: 2, Template: processtest.Template(bin, processtest.Behaviour{Load: 100, ErrorRate: 0.5})}
	if _, err := p.Apply(ctx, d, v2); err != nil {
		t.Fatal(err)
	}
	if p.PIDs()["d1"] == pid1 || alive(pid1) {
		t.Fatalf("old process %d still running", pid1)
	}
	waitFor(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		k := keys[len(keys)-1]
		return k.Version == 2 && k.Values[process.KeyErrorRate] > 0.2
	})
	// A process that dies is restarted.
	pid2 := p.PIDs()["d1"]
	_ = syscall.Kill(pid2, syscall.SIGKILL)
	waitFor(t, func() bool { n := p.PIDs()["d1"]; return n != 0 && n != pid2 })
	// A version that never becomes healthy fails and leaves nothing running.
	v3 := catalog.Version{Product: "shop", ID: "v3", Number: 3, Template: processtest.Template(bin, processtest.Behaviour{FailHealth: true})}
	pp, _ := process.New(process.Options{Dir: t.TempDir(), StartTimeout: 300 * time.Millisecond})
	if _, err := pp.Apply(ctx, d, v3); err == nil || !strings.Contains(err.Error(), "did not become healthy") {
		t.Fatalf("unhealthy version: %v", err)
	}
	if len(pp.PIDs()) != 0 {
		t.Fatalf("an unhealthy process is left: %v", pp.PIDs())
	}
	// Remove without deleting keeps the working directory; with, deletes it.
	pid3 := p.PIDs()["d1"]
	if err := p.Remove(ctx, d, false); err != nil {
		t.Fatal(err)
	}
	if alive(pid3) {
		t.Fatal("process still running after remove")
	}
	dir := filepath.Join(p.Dir(), "d1")
	if _, err := os.Stat(filepath.Join(dir, "process.log")); err != nil {
		t.Fatalf("remove without delete lost the log: %v", err)
	}
	if err := p.Remove(ctx, d, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("remove with delete kept %s: %v", dir, err)
	}
}

func alive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
