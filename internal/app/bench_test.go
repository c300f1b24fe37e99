package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// fakeDynatrace is an in-memory Monitor: it never needs to enrich (the
// webhooks carry the details) and records when each comment arrives.
type fakeDynatrace struct {
	mu       sync.Mutex
	comments map[string][]remediate.Comment
	at       map[string]time.Time
}

var _ remediate.Monitor = (*fakeDynatrace)(nil)

func (f *fakeDynatrace) Problem(ctx context.Context, id string) (problem.Problem, error) {
	return problem.Problem{}, fmt.Errorf("problem %s: %w", id, remediate.ErrNotFound)
}

func (f *fakeDynatrace) Entity(ctx context.Context, id string) (problem.Entity, error) {
	return problem.Entity{}, fmt.Errorf("entity %s: %w", id, remediate.ErrNotFound)
}

func (f *fakeDynatrace) Comments(ctx context.Context, id string) ([]remediate.Comment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]remediate.Comment(nil), f.comments[id]...), nil
}

func (f *fakeDynatrace) Comment(ctx context.Context, id, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.comments[id] = append(f.comments[id], remediate.Comment{ID: fmt.Sprint(len(f.comments[id])), Content: text})
	f.at[id] = time.Now()
	return nil
}

func (f *fakeDynatrace) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.comments {
		n += len(c)
	}
	return n
}

func benchPayload(host, pid int) string {
	return fmt.Sprintf(`{"State":"OPEN","PID":"P%d-%d","ProblemID":"%d%d","ProblemTitle":"CPU saturation","ProblemImpact":"INFRASTRUCTURE",
"ImpactedEntities":[{"type":"HOST","name":"ws-%d","entity":"HOST-%06d"}],"Tags":"tend-product:ws-%d",
"ProblemDetailsJSON":{"rankedEvents":[{"eventType":"CPU_SATURATION","entityId":"HOST-%06d"}]}}`, host, pid, host, pid, host, host, host, host)
}

// BenchmarkRemediation measures the whole loop in-process over HTTP with the
// embedded default (SQLite store, embedded catalog and parameters) and a
// fake Dynatrace: b.N hosts each send three CPU_SATURATION webhooks from 32
// concurrent senders; the third qualifies, the product gets a new version and
// the problem a comment. It reports sustained problems/s (all runs finished)
// and the latency from the webhook that completed qualification to the
// comment, and fails if anything is lost or duplicated.
//
// With TEND_TEST_POSTGRES_URL set, the same runs on PostgreSQL too. With
// TEND_BENCH_TRACE set, it logs where the acting runs spent their time.
//
// Sub-benchmarks: "max" sends as fast as 32 senders can (sustained
// throughput); "rate=N" paces the webhooks at N problems/s and measures
// the latency at that load (500/s is the target).
//
//	go test -run '^$' -bench BenchmarkRemediation -benchtime 1000x ./internal/app/
func BenchmarkRemediation(b *testing.B) {
	b.Run("max", func(b *testing.B) { benchRemediation(b, 0, "") })
	b.Run("rate=100", func(b *testing.B) { benchRemediation(b, 100, "") })
	b.Run("rate=500", func(b *testing.B) { benchRemediation(b, 500, "") })
	if os.Getenv(storetest.PostgresEnv) != "" {
		b.Run("postgres/max", func(b *testing.B) { benchRemediation(b, 0, storetest.PostgresSchemaURL(b)) })
		b.Run("postgres/rate=500", func(b *testing.B) { benchRemediation(b, 500, storetest.PostgresSchemaURL(b)) })
	}
}

func benchRemediation(b *testing.B, rate int, storeURL string) {
	ctx := context.Background()
	hosts := b.N
	fake := &fakeDynatrace{comments: map[string][]remediate.Comment{}, at: map[string]time.Time{}}
	remediationMonitors[problem.SourceDynatrace] = func(context.Context, *App) (remediate.Monitor, error) { return fake, nil }
	defer delete(remediationMonitors, problem.SourceDynatrace)

	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	cfg.Store.URL = config.Secret(storeURL)
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Remediation.PolicyDir = b.TempDir()
	cfg.Remediation.RateLimit = 0
	if err := os.WriteFile(filepath.Join(cfg.Remediation.PolicyDir, "upsize.yaml"), []byte(e2ePolicy), 0o644); err != nil {
		b.Fatal(err)
	}
	a, err := New(ctx, &cfg, Options{Logger: logging.Discard()})
	if err != nil {
		b.Fatal(err)
	}
	cat := embedded.New(a.store.Catalog(), nil)
	tmpl := []byte("Resources:\n  WS:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: t3.small\n")
	for h := 0; h < hosts; h++ {
		if _, err := cat.Publish(ctx, fmt.Sprintf("ws-%d", h), catalog.Publish{Format: catalog.FormatCFNYAML, Template: tmpl}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := a.store.Params().Set(ctx, "/dynatrace/approvedinstancetypes", "t3.small,t3.medium,t3.large", time.Now()); err != nil {
		b.Fatal(err)
	}
	_, key, err := a.Keys().Create(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer a.Stop(context.Background())
	url := "http://" + a.Addr() + "/v1/webhooks/dynatrace"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	type job struct{ host, n int }
	jobs := make(chan job)
	var mu sync.Mutex
	sent := make([]time.Time, hosts) // when each host's last webhook was accepted
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	cpu0 := cpuTime()
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				t0 := time.Now()
				req, _ := http.NewRequest("POST", url, strings.NewReader(benchPayload(j.host, j.n)))
				req.Header.Set("X-API-Key", key)
				resp, err := client.Do(req)
				if err == nil {
					// Read to the end so that the connection is reused,
					// as a sender keeping connections alive does.
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						err = fmt.Errorf("webhook: %s", resp.Status)
					}
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				mu.Lock()
				if t0.After(sent[j.host]) {
					sent[j.host] = t0
				}
				mu.Unlock()
			}
		}()
	}
	i := 0
	for n := 0; n < 3; n++ {
		for h := 0; h < hosts; h++ {
			if rate > 0 {
				if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
					time.Sleep(d)
				}
			}
			jobs <- job{h, n}
			i++
		}
	}
	close(jobs)
	wg.Wait()
	sendTime := time.Since(start)
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	deadline := time.Now().Add(2 * time.Minute)
	for finishedRuns(b, a) < 3*hosts || fake.count() < hosts {
		if time.Now().After(deadline) {
			b.Fatalf("timed out: %d of %d runs finished, %d of %d comments", finishedRuns(b, a), 3*hosts, fake.count(), hosts)
		}
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()

	// Nothing lost, nothing duplicated.
	counts, err := a.store.Runs().Counts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	pol := "upsize-on-cpu-saturation"
	if counts[[2]string{pol, "acted"}] != hosts || counts[[2]string{pol, "not-qualified"}] != 2*hosts {
		b.Fatalf("run outcomes = %v, want %d acted and %d not-qualified", counts, hosts, 2*hosts)
	}
	var lat []time.Duration
	fake.mu.Lock()
	for h := 0; h < hosts; h++ {
		var n int
		var at time.Time
		for p := 0; p < 3; p++ {
			id := fmt.Sprintf("P%d-%d", h, p)
			n += len(fake.comments[id])
			if t, ok := fake.at[id]; ok {
				at = t
			}
		}
		if n != 1 {
			b.Fatalf("host %d has %d comments, want 1", h, n)
		}
		lat = append(lat, at.Sub(sent[h]))
	}
	fake.mu.Unlock()
	for h := 0; h < hosts; h += max(1, hosts/20) {
		if vs, err := cat.Versions(ctx, fmt.Sprintf("ws-%d", h)); err != nil || len(vs) != 2 {
			b.Fatalf("ws-%d has %d versions (%v), want 2", h, len(vs), err)
		}
	}
	if os.Getenv("TEND_BENCH_TRACE") != "" && b.N > 1 {
		traceRuns(b, a)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(3*hosts)/elapsed.Seconds(), "problems/s")
	// CPU (user+system, server and load generator together) per problem:
	// independent of what else the machine runs.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(3*hosts), "cpu-ms/problem")
	if rate > 0 {
		b.ReportMetric(float64(3*hosts)/sendTime.Seconds(), "offered/s")
	}
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")

}

// finishedRuns reads tend_remediation_runs_total from the app's registry.
func finishedRuns(b *testing.B, a *App) int {
	mfs, err := a.reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	n := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "tend_remediation_runs_total" {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return int(n)
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// traceRuns prints where the acting runs spent their time: per step, the
// wait before it (the previous step's commit, or the intake and hand-off
// before the first) and its own execution; and the slowest runs with when
// they started, which shows whether slow runs cluster (a stall) or not.
// The benchmark calls it when TEND_BENCH_TRACE is set.
func traceRuns(b *testing.B, a *App) {
	ctx := context.Background()
	runs, err := a.store.Runs().List(ctx, store.RunFilter{Limit: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	type slow struct {
		start time.Time
		took  time.Duration
	}
	var start time.Time
	var slowest []slow
	gaps := map[string][]time.Duration{}
	for _, r := range runs {
		if start.IsZero() || r.CreatedAt.Before(start) {
			start = r.CreatedAt
		}
		if r.Outcome != remediate.OutcomeActed {
			continue
		}
		steps, err := a.store.Runs().Steps(ctx, r.ID)
		if err != nil {
			b.Fatal(err)
		}
		prev := r.CreatedAt
		for _, st := range steps {
			gaps["wait>"+st.Name] = append(gaps["wait>"+st.Name], st.StartedAt.Sub(prev))
			gaps["exec:"+st.Name] = append(gaps["exec:"+st.Name], st.FinishedAt.Sub(st.StartedAt))
			prev = st.FinishedAt
		}
		gaps["total"] = append(gaps["total"], prev.Sub(r.CreatedAt))
		slowest = append(slowest, slow{r.CreatedAt, prev.Sub(r.CreatedAt)})
	}
	var out strings.Builder
	for _, k := range slices.Sorted(maps.Keys(gaps)) {
		v := gaps[k]
		slices.Sort(v)
		at := func(p float64) time.Duration { return v[int(p*float64(len(v)-1))].Round(10 * time.Microsecond) }
		fmt.Fprintf(&out, "%-14s p50 %-9v p90 %-9v p99 %v\n", k, at(0.5), at(0.9), at(0.99))
	}
	slices.SortFunc(slowest, func(x, y slow) int { return cmp.Compare(y.took, x.took) })
	out.WriteString("slowest runs (started at, took):")
	for _, x := range slowest[:min(30, len(slowest))] {
		fmt.Fprintf(&out, " %.2fs:%v", x.start.Sub(start).Seconds(), x.took.Round(100*time.Microsecond))
	}
	// Printed, not logged: a benchmark's log is cut short.
	fmt.Printf("\n%s: trace of %d acting runs\n%s\n", b.Name(), len(slowest), out.String())
}
