package insight

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

func TestGrouping(t *testing.T) {
	cpu1 := hostSeries("host_cpu_utilization", "web-1", "shop")
	load1 := hostSeries("host_load1", "web-1", "shop")
	cpu2 := hostSeries("host_cpu_utilization", "web-2", "shop")
	pay := hostSeries("host_memory_used_percent", "db-1", "pay")
	lat := hostSeries("api_latency_ms", "web-2", "shop")
	lat.Resource = series.Resource{Type: "service", ID: "service/api", Name: "api"}
	lat.Unit = "ms"

	type anomalyAt struct {
		s      series.Info
		offset time.Duration
		n      int
		score  float64
		value  float64
	}
	cases := []struct {
		name  string
		feed  []anomalyAt
		names []string // insight names, oldest first
		types []string
		sev   []string
		count []int // anomalies per insight
	}{
		{name: "overlapping anomalies of one host group",
			feed:  []anomalyAt{{cpu1, 0, 6, 0.9, 99}, {load1, 20 * time.Second, 6, 0.8, 7}},
			names: []string{"CPU utilisation and load anomalous on host web-1 (stack shop)"},
			types: []string{CPUSaturation}, sev: []string{store.SeverityHigh}, count: []int{2}},
		{name: "two hosts of one stack",
			feed:  []anomalyAt{{cpu1, 0, 6, 0.7, 80}, {cpu2, 10 * time.Second, 6, 0.7, 80}},
			names: []string{"CPU utilisation anomalous on 2 hosts (web-1, web-2) (stack shop)"},
			types: []string{CPUSaturation}, sev: []string{store.SeverityMedium}, count: []int{2}},
		{name: "different boundaries do not group",
			feed:  []anomalyAt{{cpu1, 0, 6, 0.6, 70}, {pay, 10 * time.Second, 6, 0.6, 70}},
			names: []string{"CPU utilisation anomalous on host web-1 (stack shop)", "Memory utilisation anomalous on host db-1 (stack pay)"},
			types: []string{CPUSaturation, MemorySaturation}, sev: []string{store.SeverityLow, store.SeverityLow}, count: []int{1, 1}},
		{name: "within the gap tolerance joins",
			feed:  []anomalyAt{{cpu1, 0, 3, 0.6, 70}, {lat, 110 * time.Second, 3, 0.6, 700}},
			names: []string{"CPU utilisation and latency anomalous on 2 resources (stack shop)"},
			types: []string{CPUSaturation}, sev: []string{store.SeverityMedium}, count: []int{2}},
		{name: "beyond the gap tolerance starts a new insight",
			feed:  []anomalyAt{{cpu1, 0, 3, 0.6, 70}, {lat, 180 * time.Second, 3, 0.6, 700}},
			names: []string{"CPU utilisation anomalous on host web-1 (stack shop)", "Latency anomalous on service api (stack shop)"},
			types: []string{CPUSaturation, LatencyDegraded}, sev: []string{store.SeverityLow, store.SeverityLow}, count: []int{1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil, testConfig())
			// Interleave the feeds in time order, one sample every 10 s.
			type sample struct {
				s     series.Info
				at    time.Time
				v, sc float64
			}
			var all []sample
			for _, f := range c.feed {
				at := t0.Add(f.offset)
				for i := 0; i < f.n+5; i++ {
					v, sc := f.value, f.score
					if i >= f.n {
						v, sc = 10, 0.05
					}
					all = append(all, sample{f.s, at, v, sc})
					at = at.Add(10 * time.Second)
				}
			}
			for i := 1; i < len(all); i++ {
				for j := i; j > 0 && all[j].at.Before(all[j-1].at); j-- {
					all[j], all[j-1] = all[j-1], all[j]
				}
			}
			for _, s := range all {
				h.observe(s.s, s.at, s.v, s.sc, "value far above baseline")
				h.flush()
			}
			got := h.insights()
			if len(got) != len(c.names) {
				for _, in := range got {
					t.Logf("insight %s: %s", in.ID, in.Name)
				}
				t.Fatalf("%d insights, want %d", len(got), len(c.names))
			}
			for i, in := range got {
				n := len(h.anomalies(in.ID))
				if in.Name != c.names[i] || in.ProblemType != c.types[i] || in.Severity != c.sev[i] || n != c.count[i] {
					t.Errorf("insight %d: %q %s %s with %d anomalies; want %q %s %s with %d", i, in.Name, in.ProblemType, in.Severity, n, c.names[i], c.types[i], c.sev[i], c.count[i])
				}
				if in.Type != store.InsightReactive || in.BoundaryKind != "stack" || in.Account != "111122223333" || len(in.Recommendations) == 0 {
					t.Errorf("insight %d: %+v", i, in)
				}
			}
		})
	}
}

func TestInsightClosesAfterCooldownAndHandsOff(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
	load := hostSeries("host_load1", "web-1", "shop")
	cpu2 := hostSeries("host_cpu_utilization", "web-2", "shop")

	h.observe(cpu, t0, 70, 0.6, "cpu up")
	h.flush()
	ps := h.sink.problems()
	if len(ps) != 1 || ps[0].State != problem.StateOpen || ps[0].EventType != CPUSaturation || ps[0].Source != problem.SourceTend {
		t.Fatalf("after open: %+v", ps)
	}
	p := ps[0]
	ins := h.insights()
	if p.ExternalID != ins[0].ID || p.Title != ins[0].Name || p.Impact != "INFRASTRUCTURE" || p.Severity != store.SeverityLow ||
		p.URL != "http://tend.test/v1/insights/"+ins[0].ID || p.Tags["stack"] != "shop" {
		t.Fatalf("problem: %+v", p)
	}
	if len(p.Entities) != 1 || p.Entities[0].ID != "host/web-1" || p.Entities[0].Type != "HOST" ||
		p.Entities[0].Properties["awsInstanceId"] != "i-web-1" || p.Entities[0].Properties["awsInstanceType"] != "t3.small" || p.Entities[0].Tags["stack"] != "shop" {
		t.Fatalf("entity: %+v", p.Entities)
	}

	// A slightly higher peak changes nothing material: no new hand-off.
	h.observe(cpu, t0.Add(10*time.Second), 72, 0.66, "cpu up more")
	h.flush()
	if n := len(h.sink.problems()); n != 1 {
		t.Fatalf("%d hand-offs after an immaterial update, want 1", n)
	}
	// A second metric on the same host raises the severity: handed again.
	h.observe(load, t0.Add(15*time.Second), 6, 0.7, "load up")
	h.flush()
	if ps := h.sink.problems(); len(ps) != 2 || ps[1].Severity != store.SeverityMedium {
		t.Fatalf("after severity change: %+v", ps)
	}
	// A new resource: handed again with two entities.
	h.observe(cpu2, t0.Add(20*time.Second), 70, 0.6, "cpu up")
	h.flush()
	if ps := h.sink.problems(); len(ps) != 3 || len(ps[2].Entities) != 2 {
		t.Fatalf("after new resource: %+v", ps)
	}
	// All return to normal.
	at := t0.Add(30 * time.Second)
	for i := 0; i < 5; i++ {
		for _, s := range []series.Info{cpu, load, cpu2} {
			h.observe(s, at, 10, 0.05, "")
		}
		at = at.Add(10 * time.Second)
	}
	h.flush()
	if in := h.insights()[0]; in.Status != store.InsightOngoing {
		t.Fatalf("insight closed before the cool-down: %+v", in)
	}
	h.advance(2 * time.Minute)
	if in := h.insights()[0]; in.Status != store.InsightOngoing {
		t.Fatalf("insight closed before the cool-down: %+v", in)
	}
	h.advance(90 * time.Second)
	in := h.insights()[0]
	if in.Status != store.InsightClosed || !in.EndedAt.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("after cool-down: status %s end %v; want CLOSED at %v", in.Status, in.EndedAt, t0.Add(30*time.Second))
	}
	ps = h.sink.problems()
	if len(ps) != 4 || ps[3].State != problem.StateResolved || ps[3].ExternalID != in.ID {
		t.Fatalf("after close: %d hand-offs, last %+v", len(ps), ps[len(ps)-1])
	}
	h.advance(time.Hour)
	if n := len(h.sink.problems()); n != 4 {
		t.Fatalf("%d hand-offs after an idle hour, want 4", n)
	}
}

func TestStaleSeriesClosesAnomaly(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
	h.observe(cpu, t0, 95, 0.9, "")
	h.observe(cpu, t0.Add(10*time.Second), 96, 0.92, "")
	h.flush()
	for i := 0; i < 4; i++ { // housekeeping runs every tick in production
		h.advance(time.Minute)
	}
	if a := h.allAnomalies(); a[0].Status != store.AnomalyOpen {
		t.Fatalf("closed too early: %+v", a[0])
	}
	h.advance(time.Minute)
	h.advance(time.Minute) // silent for 6 min > stale_after 5 min
	a := h.allAnomalies()[0]
	if a.Status != store.AnomalyClosed || !a.EndedAt.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("stale anomaly: %s end %v", a.Status, a.EndedAt)
	}
	h.advance(4 * time.Minute)
	if in := h.insights()[0]; in.Status != store.InsightClosed {
		t.Fatalf("insight of a silent series did not close: %+v", in)
	}
}

func TestHandOffRetriedWhenSinkFails(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	h.sink.fail = true
	h.observe(hostSeries("host_cpu_utilization", "web-1", "shop"), t0, 95, 0.9, "")
	h.flush()
	if n := len(h.sink.problems()); n != 0 {
		t.Fatalf("%d problems while the sink fails", n)
	}
	h.sink.mu.Lock()
	h.sink.fail = false
	h.sink.mu.Unlock()
	h.advance(time.Second)
	if ps := h.sink.problems(); len(ps) != 1 || ps[0].State != problem.StateOpen {
		t.Fatalf("after the sink recovered: %+v", ps)
	}
}

func TestRestartKeepsOpenAnomaly(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
	h.observe(cpu, t0, 95, 0.9, "burn")
	h.observe(cpu, t0.Add(10*time.Second), 97, 0.95, "burn harder")
	h.flush()
	before := h.allAnomalies()
	h.restart(testConfig())
	h.flush()
	// The ongoing insight is handed on again after the restart.
	if ps := h.sink.problems(); len(ps) != 2 || ps[1].ExternalID != ps[0].ExternalID {
		t.Fatalf("hand-offs after restart: %+v", ps)
	}
	at := t0.Add(20 * time.Second)
	h.observe(cpu, at, 98, 0.97, "still burning")
	for i := 1; i <= 5; i++ {
		h.observe(cpu, at.Add(time.Duration(i)*10*time.Second), 10, 0.05, "")
	}
	h.flush()
	ins := h.insights()
	after := h.allAnomalies()
	if len(ins) != 1 || len(after) != 1 || after[0].ID != before[0].ID {
		t.Fatalf("restart duplicated: %d insights, anomalies %v → %v", len(ins), before, after)
	}
	a := after[0]
	if a.Status != store.AnomalyClosed || a.PeakScore != 0.97 || a.Reason != "still burning" || !a.StartedAt.Equal(t0) || !a.EndedAt.Equal(at.Add(10*time.Second)) {
		t.Fatalf("anomaly after restart: %+v", a)
	}
}

// TestTwoProcessesShareOneInsight: two tend processes on one store, each
// seeing an anomaly in the same boundary, make one insight; it closes only
// when both processes' anomalies have closed.
func TestTwoProcessesShareOneInsight(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			ca, cb := testConfig(), testConfig()
			ca.Instance, cb.Instance = "node-a", "node-b"
			a := newHarness(t, st, ca)
			bb := newHarness(t, st, cb)
			bb.sink = a.sink
			cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
			mem := hostSeries("host_memory_used_percent", "web-1", "shop")
			a.observe(cpu, t0, 95, 0.9, "")
			a.flush()
			bb.observe(mem, t0.Add(5*time.Second), 91, 0.8, "")
			bb.flush()
			ins := a.insights()
			if len(ins) != 1 {
				t.Fatalf("%d insights for one boundary across two processes, want 1", len(ins))
			}
			if n := len(a.anomalies(ins[0].ID)); n != 2 {
				t.Fatalf("%d anomalies in the shared insight, want 2", n)
			}
			// a's anomaly ends; after the cool-down a must not close the
			// insight, because b's anomaly is still open.
			for i := 1; i <= 5; i++ {
				a.observe(cpu, t0.Add(time.Duration(i)*10*time.Second), 10, 0.05, "")
			}
			a.flush()
			a.advance(4 * time.Minute)
			if in, _ := st.Insights().Get(context.Background(), ins[0].ID); in.Status != store.InsightOngoing {
				t.Fatalf("closed while another process's anomaly is open: %+v", in)
			}
			at := t0.Add(time.Minute)
			for i := 0; i < 5; i++ {
				bb.observe(mem, at.Add(time.Duration(i)*10*time.Second), 40, 0.05, "")
			}
			bb.flush()
			bb.advance(4 * time.Minute)
			in, _ := st.Insights().Get(context.Background(), ins[0].ID)
			if in.Status != store.InsightClosed {
				t.Fatalf("shared insight did not close: %+v", in)
			}
			if !strings.Contains(in.Name, "CPU utilisation and memory utilisation") {
				t.Fatalf("shared insight's name misses a process's metric: %q", in.Name)
			}
		})
	}
}

// TestTwoProcessesRaceForOneBoundary: two processes open anomalies in the
// same boundary at the same moment; the store lets one insight win and the
// other process joins it.
func TestTwoProcessesRaceForOneBoundary(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			for round := 0; round < 5; round++ {
				ca, cb := testConfig(), testConfig()
				ca.Instance, cb.Instance = "node-a", "node-b"
				ha, hb := newHarness(t, st, ca), newHarness(t, st, cb)
				stack := fmt.Sprintf("race-%d", round)
				sa, sb := hostSeries("host_cpu_utilization", stack+"-web-1", stack), hostSeries("host_cpu_utilization", stack+"-web-2", stack)
				var wg sync.WaitGroup
				for _, x := range []struct {
					h *harness
					s series.Info
				}{{ha, sa}, {hb, sb}} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_ = x.h.e.Observe(context.Background(), Observation{Series: x.s, Time: t0, Value: 99, Score: 0.9})
						_ = x.h.e.Flush(context.Background())
					}()
				}
				wg.Wait()
				ha.flush()
				hb.flush()
				p, err := st.Insights().List(context.Background(), store.InsightFilter{Stack: stack, From: t0.Add(-time.Hour), To: t0.Add(time.Hour)})
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Insights) != 1 {
					t.Fatalf("round %d: %d insights for one boundary, want 1", round, len(p.Insights))
				}
				if n := len(ha.anomalies(p.Insights[0].ID)); n != 2 {
					t.Fatalf("round %d: %d anomalies in the insight, want both processes' 2", round, n)
				}
				ha.stop()
				hb.stop()
			}
		})
	}
}

// TestLostCloseEventIsRecovered: if an anomaly's closing event never
// reached the grouper (Observe's context ended while the queue was full),
// the anomaly still closes and so does its insight.
func TestLostCloseEventIsRecovered(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
	h.observe(cpu, t0, 95, 0.9, "")
	h.observe(cpu, t0.Add(10*time.Second), 96, 0.92, "")
	h.flush()
	sh := h.e.shardOf(cpu.ID)
	sh.mu.Lock()
	sh.m[cpu.ID].open = nil // as if the close event had been lost
	sh.mu.Unlock()
	for i := 0; i < 4; i++ {
		h.advance(time.Minute)
	}
	if a := h.allAnomalies()[0]; a.Status != store.AnomalyOpen {
		t.Fatalf("closed before stale_after: %+v", a)
	}
	for i := 0; i < 6; i++ {
		h.advance(time.Minute)
	}
	a := h.allAnomalies()[0]
	// The grouper last heard of it at its start (the second sample was no
	// new peak worth an event): that is its end.
	if a.Status != store.AnomalyClosed || !a.EndedAt.Equal(t0) {
		t.Fatalf("orphaned anomaly: %s end %v", a.Status, a.EndedAt)
	}
	if in := h.insights()[0]; in.Status != store.InsightClosed {
		t.Fatalf("insight of an orphaned anomaly did not close: %s", in.Status)
	}
}

// TestLostOpenEventIsRecovered: an anomaly whose opening event never
// reached the grouper, on a series that then falls silent, is still
// recorded when the series is forgotten.
func TestLostOpenEventIsRecovered(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
	sh := h.e.shardOf(cpu.ID)
	sh.mu.Lock()
	st := &seriesState{lastWall: h.e.wall.Load()}
	sh.m[cpu.ID] = st
	st.open = h.e.openFor(st, Observation{Series: cpu, Time: t0, Value: 97, Score: 0.9}, 0.9)
	st.open.confirmed = true // confirmed, but its event never enqueued
	sh.mu.Unlock()
	for i := 0; i < 2*shardCount+5; i++ { // every shard is swept once per shardCount ticks
		h.advance(time.Minute)
	}
	an := h.allAnomalies()
	if len(an) != 1 || an[0].Status != store.AnomalyClosed || !an[0].StartedAt.Equal(t0) {
		t.Fatalf("anomalies = %+v", an)
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[cpu.ID]; ok {
		t.Fatal("the silent series was not forgotten")
	}
}

// TestInsightClosesInTheDataTime replays last year's data in a burst, with
// the engine's clock standing still: each episode's insight closes once the
// series has reported normal samples for the cool-down after it, not ten
// minutes of wall clock after the replay (the data's time decides), and the
// last one, whose series stops right after it, waits for the wall clock.
func TestInsightClosesInTheDataTime(t *testing.T) {
	h := newHarness(t, nil, testConfig()) // cool-down 3m, group gap 2m
	cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
	start := t0.Add(-365 * 24 * time.Hour)
	obs := func(i int, v, score float64) {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		if err := h.e.Observe(context.Background(), Observation{Series: cpu, Time: at, Value: v, Score: score, Reason: "cpu up"}); err != nil {
			t.Fatal(err)
		}
	}
	// episode 1: samples 10–12 anomalous, then normal for 15 minutes
	for i := 0; i < 100; i++ {
		if i >= 10 && i < 13 {
			obs(i, 90, 0.9)
		} else {
			obs(i, 10, 0.05)
		}
	}
	h.flush()
	ins := h.insights()
	if len(ins) != 1 || ins[0].Status != store.InsightClosed || !ins[0].EndedAt.Equal(start.Add(13*10*time.Second)) {
		t.Fatalf("insights %+v; want one CLOSED, ended %v (in the data's time)", ins, start.Add(130*time.Second))
	}
	// episode 2 at 380, and the series stops 17 samples (170 s < 3 m) later
	for i := 100; i < 400; i++ {
		if i >= 380 && i < 383 {
			obs(i, 90, 0.9)
		} else {
			obs(i, 10, 0.05)
		}
	}
	h.flush()
	if ins = h.insights(); len(ins) != 2 || ins[1].Status != store.InsightOngoing {
		t.Fatalf("insights %+v; want the second ONGOING before its cool-down passed in either clock", ins)
	}
	h.advance(3 * time.Minute)
	if in := h.insights()[1]; in.Status != store.InsightClosed || !in.EndedAt.Equal(start.Add(383*10*time.Second)) {
		t.Fatalf("second insight after the wall-clock cool-down: %s ended %v", in.Status, in.EndedAt)
	}
}

// TestInsightStoredWithoutAnomaliesCloses: tend died after storing an
// insight and before storing its anomalies (two writes); after the
// restart the insight closes keeping what it says (it used to panic
// describing no resources, crash-looping tend serve).
func TestInsightStoredWithoutAnomaliesCloses(t *testing.T) {
	st := storetest.OpenSQLite(t)
	h := newHarness(t, st, testConfig())
	cpu := hostSeries("host_cpu_utilization", "web-1", "shop")
	h.observe(cpu, t0, 95, 0.9, "burn")
	h.flush()
	ins := h.insights()
	if len(ins) != 1 {
		t.Fatalf("%d insights", len(ins))
	}
	h.stop()
	if _, err := st.SQL().Exec(`DELETE FROM anomalies`); err != nil {
		t.Fatal(err)
	}
	h.start(testConfig())
	h.advance(10 * time.Minute)
	in, err := st.Insights().Get(context.Background(), ins[0].ID)
	if err != nil || in.Status != store.InsightClosed || in.Name != ins[0].Name || in.Severity != ins[0].Severity || in.EndedAt.IsZero() {
		t.Fatalf("after restart: %+v, %v (was %+v)", in, err, ins[0])
	}
}
