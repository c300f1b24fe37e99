package watch_test

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tendhq/tend/internal/ingest/hostagent"
	"github.com/tendhq/tend/internal/watch"
)

// TestHostCPUBurn drives the host agent with synthetic /proc readings — a
// quiet host, then a CPU burn, then quiet again — through the detection
// stage with a shortened baseline, and checks what the insight stage is
// handed: nothing but baselining at first, anomalous CPU scores during the
// burn, normal scores after it.
func TestHostCPUBurn(t *testing.T) {
	tend, err := watch.DetectorScorers("")
	if err != nil {
		t.Fatal(err)
	}
	for name, ns := range map[string]watch.NewScorer{"fallback zscore": watch.NewZScore, "detect default": tend} {
		t.Run(name, func(t *testing.T) { hostCPUBurn(t, ns) })
	}
}

func hostCPUBurn(t *testing.T, ns watch.NewScorer) {
	rec := &recorder{}
	w, err := watch.New(watch.Options{Observer: rec, Workers: 2, Baseline: 3 * time.Minute, NewScorer: ns})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, w)
	defer stop()

	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	proc := fstest.MapFS{
		"loadavg":     {Data: []byte("0.20 0.20 0.20 1/100 1\n")},
		"meminfo":     {Data: []byte("MemTotal: 1000 kB\nMemAvailable: 600 kB\n")},
		"self/mounts": {Data: nil},
		"diskstats":   {Data: nil},
		"net/dev":     {Data: nil},
	}
	var user, idle uint64
	setCPU := func(busyPct uint64) {
		// 2 cores at 100 ticks/s over 10 s: 2000 ticks per reading.
		user += 20 * busyPct
		idle += 2000 - 20*busyPct
		proc["stat"] = &fstest.MapFile{Data: []byte(fmt.Sprintf("cpu  %d 0 0 %d 0 0 0 0 0 0\n", user, idle))}
	}
	setCPU(0)
	agent, err := hostagent.New(hostagent.Options{Proc: proc, Statfs: func(string) (uint64, uint64, uint64, error) { return 0, 0, 0, nil },
		Sink: w, Hostname: "web-1", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	collect := func(busy uint64) {
		now = now.Add(10 * time.Second)
		setCPU(busy)
		samples, err := agent.Collect()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Append(context.Background(), samples); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := agent.Collect(); err != nil { // first reading: no CPU rate yet
		t.Fatal(err)
	}
	for i := range 200 { // 33 minutes quiet, 18–22 % busy (the default detector learns from 150 points)
		collect(18 + uint64(i%5))
	}
	for range 6 { // one minute of burn
		collect(100)
	}
	for range 12 {
		collect(20)
	}
	waitProcessed(t, w)

	var cpu []float64
	var baselining int
	var reasons []string
	for _, o := range rec.all() {
		if o.Series.Metric != "host_cpu_utilization" {
			continue
		}
		if o.Series.Resource.ID != "host/web-1" {
			t.Fatalf("resource = %+v", o.Series.Resource)
		}
		if o.Baselining {
			baselining++
			if o.Score >= 0.5 {
				t.Logf("baselining observation scored %v (raises nothing: Baselining is set)", o.Score)
			}
		}
		cpu = append(cpu, o.Score)
		if o.Reason != "" {
			reasons = append(reasons, o.Reason)
		}
	}
	if len(cpu) != 218 {
		t.Fatalf("%d CPU observations, want 218", len(cpu))
	}
	if baselining != 18 { // 3 minutes of 10 s readings
		t.Errorf("%d baselining observations, want 18", baselining)
	}
	for i := 18; i < 200; i++ {
		if cpu[i] >= 0.5 {
			t.Errorf("quiet reading %d scored %v", i, cpu[i])
		}
	}
	if cpu[200] < 0.5 {
		t.Errorf("burn scored %v, want ≥ 0.5", cpu[200])
	}
	if cpu[217] >= 0.5 {
		t.Errorf("after the burn: %v", cpu[217])
	}
	if len(reasons) == 0 {
		t.Fatalf("no reason given for the burn; scores %.2f", cpu[190:])
	}
	t.Logf("burn scores %.2f; reason: %s", cpu[200:206], reasons[0])

}
