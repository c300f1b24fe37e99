package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate"
	"github.com/tendhq/tend/internal/store"
)

// RemediationBench says how to run BenchRemediation.
type RemediationBench struct {
	// Hosts each send three CPU_SATURATION problems; the third qualifies,
	// so there are 3 × Hosts problems, Hosts new catalog versions and
	// Hosts comments.
	Hosts int
	// Rate paces the problems (per second); 0 sends them as fast as the
	// senders can.
	Rate int
	// Senders send webhooks concurrently over kept-alive connections
	// (default 32).
	Senders int
	// StoreURL is a PostgreSQL URL; empty: the embedded SQLite store in a
	// temporary directory.
	StoreURL string
	// Progress, when set, is called as problems are accepted.
	Progress func(accepted, total int)
	// Trace, when set, receives where the acting runs spent their time.
	Trace io.Writer
}

// RemediationBenchResult is what BenchRemediation measured.
type RemediationBenchResult struct {
	Problems int
	// Sustained is problems per second from the first webhook until every
	// run finished and every comment arrived; Offered is the rate the
	// webhooks were sent at.
	Sustained, Offered float64
	// CPUPerProblem is the process's user+system CPU time per problem
	// (server and load generator together).
	CPUPerProblem time.Duration
	// Latency percentiles from sending the webhook that qualified to the
	// comment arriving at the (in-process) Dynatrace.
	P50, P90, P99, Max time.Duration
}

// seedPolicy is the seed's policy: three CPU saturations of a host within
// an hour upsize its product (the tests use it too).
const seedPolicy = `name: upsize-on-cpu-saturation
match:
  source: dynatrace
  event_type: CPU_SATURATION
  entity_type: HOST
qualify:
  occurrences: 3
  within: 1h
act:
  action: upsize-instance
  params:
    approved_types_param: /dynatrace/approvedinstancetypes
    product_from: [tag]
guards:
  cooldown: 1h
`

// benchMonitor is an in-process Dynatrace: it has no details to add (the
// webhooks carry them) and notes when each comment arrives.
type benchMonitor struct {
	mu       sync.Mutex
	comments map[string][]remediate.Comment
	at       map[string]time.Time
	n        atomic.Int64
}

var _ remediate.Monitor = (*benchMonitor)(nil)

func (f *benchMonitor) Problem(ctx context.Context, id string) (problem.Problem, error) {
	return problem.Problem{}, fmt.Errorf("problem %s: %w", id, remediate.ErrNotFound)
}

func (f *benchMonitor) Entity(ctx context.Context, id string) (problem.Entity, error) {
	return problem.Entity{}, fmt.Errorf("entity %s: %w", id, remediate.ErrNotFound)
}

func (f *benchMonitor) Comments(ctx context.Context, id string) ([]remediate.Comment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.comments[id]), nil
}

func (f *benchMonitor) Comment(ctx context.Context, id, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.comments[id] = append(f.comments[id], remediate.Comment{ID: fmt.Sprint(len(f.comments[id])), Content: text})
	f.at[id] = time.Now()
	f.n.Add(1)
	return nil
}

func benchPayload(host, n int) string {
	return fmt.Sprintf(`{"State":"OPEN","PID":"P%d-%d","ProblemID":"%d%d","ProblemTitle":"CPU saturation","ProblemImpact":"INFRASTRUCTURE",
"ImpactedEntities":[{"type":"HOST","name":"ws-%d","entity":"HOST-%06d"}],"Tags":"tend-product:ws-%d",
"ProblemDetailsJSON":{"rankedEvents":[{"eventType":"CPU_SATURATION","entityId":"HOST-%06d"}]}}`, host, n, host, n, host, host, host, host)
}

// BenchRemediation runs the self-healing loop end to end in this process:
// a tend with the embedded catalog and parameter store (and the SQLite
// store, unless StoreURL names a PostgreSQL), the seed's policy, and an
// in-process Dynatrace; senders post the Dynatrace webhook over HTTP. It
// fails unless every host ends with exactly one comment and its product
// with exactly two versions, and the runs are exactly Hosts acted and
// 2 × Hosts not qualified: nothing lost, nothing duplicated.
func BenchRemediation(ctx context.Context, o RemediationBench) (RemediationBenchResult, error) {
	var res RemediationBenchResult
	if o.Hosts < 1 {
		return res, errors.New("bench: at least one host")
	}
	if o.Senders <= 0 {
		o.Senders = 32
	}
	dir, err := os.MkdirTemp("", "tend-bench-")
	if err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.Store.URL = config.Secret(o.StoreURL)
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Ingest.Host.Enabled = false // measure the loop alone
	cfg.Remediation.PolicyDir = filepath.Join(dir, "policies")
	cfg.Remediation.RateLimit = 0
	if err := os.MkdirAll(cfg.Remediation.PolicyDir, 0o755); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Remediation.PolicyDir, "upsize.yaml"), []byte(seedPolicy), 0o644); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	mon := &benchMonitor{comments: map[string][]remediate.Comment{}, at: map[string]time.Time{}}
	a, err := New(ctx, &cfg, Options{Logger: slog.New(slog.DiscardHandler), Monitors: map[string]remediate.Monitor{problem.SourceDynatrace: mon}})
	if err != nil {
		return res, err
	}
	defer a.Stop(context.Background()) // also when it never started
	if o.StoreURL != "" {
		// The benchmark adds products, problems and runs: never to a
		// database that holds anything.
		ps, err := a.store.Catalog().Products(ctx)
		if err == nil && len(ps) == 0 {
			var rs []store.Run
			rs, err = a.store.Runs().List(ctx, store.RunFilter{Limit: 1})
			if err == nil && len(rs) > 0 {
				err = errors.New("it has remediation runs")
			}
		} else if err == nil {
			err = fmt.Errorf("it has %d catalog products", len(ps))
		}
		if err != nil {
			return res, fmt.Errorf("bench: the database at the store URL is not empty (%v): give the benchmark an empty database", err)
		}
	}
	cat := embedded.New(a.store.Catalog(), nil)
	tmpl := []byte("Resources:\n  WS:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: t3.small\n")
	for h := 0; h < o.Hosts; h++ {
		if _, err := cat.Publish(ctx, fmt.Sprintf("ws-%d", h), catalog.Publish{Format: catalog.FormatCFNYAML, Template: tmpl}); err != nil {
			return res, err
		}
	}
	if _, err := a.store.Params().Set(ctx, "/dynatrace/approvedinstancetypes", "t3.small,t3.medium,t3.large", time.Now()); err != nil {
		return res, err
	}
	_, key, err := a.Keys().Create(ctx, "bench")
	if err != nil {
		return res, err
	}
	if err := a.Start(ctx); err != nil {
		return res, err
	}

	total := 3 * o.Hosts
	url := "http://" + a.Addr() + "/v1/webhooks/dynatrace"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Senders}, Timeout: time.Minute}
	type job struct{ host, n int }
	jobs := make(chan job)
	var mu sync.Mutex
	sent := make([]time.Time, o.Hosts) // when each host's last webhook was sent
	var accepted atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	cpu0 := cpuTime()
	start := time.Now()
	for range o.Senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				t0 := time.Now()
				err := post(client, url, key, benchPayload(j.host, j.n))
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
				if n := int(accepted.Add(1)); o.Progress != nil {
					o.Progress(n, total)
				}
			}
		}()
	}
	i := 0
send:
	for n := 0; n < 3; n++ {
		for h := 0; h < o.Hosts; h++ {
			if o.Rate > 0 {
				if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(o.Rate))); d > 0 {
					time.Sleep(d)
				}
			}
			select {
			case jobs <- job{h, n}:
			case <-ctx.Done():
				break send
			}
			i++
		}
	}
	close(jobs)
	wg.Wait()
	sendTime := time.Since(start)
	select {
	case err := <-errs:
		return res, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for a.finishedRuns() < total || int(mon.n.Load()) < o.Hosts {
		if time.Now().After(deadline) {
			return res, fmt.Errorf("bench: timed out: %d of %d runs finished, %d of %d comments", a.finishedRuns(), total, mon.n.Load(), o.Hosts)
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0

	// Nothing lost, nothing duplicated.
	counts, err := a.store.Runs().Counts(ctx)
	if err != nil {
		return res, err
	}
	pol := "upsize-on-cpu-saturation"
	if counts[[2]string{pol, remediate.OutcomeActed}] != o.Hosts || counts[[2]string{pol, remediate.OutcomeNotQualified}] != 2*o.Hosts {
		return res, fmt.Errorf("bench: run outcomes %v, want %d acted and %d not-qualified", counts, o.Hosts, 2*o.Hosts)
	}
	lat := make([]time.Duration, 0, o.Hosts)
	mon.mu.Lock()
	for h := 0; h < o.Hosts; h++ {
		var n int
		var at time.Time
		for p := 0; p < 3; p++ {
			id := fmt.Sprintf("P%d-%d", h, p)
			n += len(mon.comments[id])
			if t, ok := mon.at[id]; ok {
				at = t
			}
		}
		if n != 1 {
			mon.mu.Unlock()
			return res, fmt.Errorf("bench: host %d has %d comments, want 1", h, n)
		}
		lat = append(lat, at.Sub(sent[h]))
	}
	mon.mu.Unlock()
	for h := 0; h < o.Hosts; h += max(1, o.Hosts/20) {
		if vs, err := cat.Versions(ctx, fmt.Sprintf("ws-%d", h)); err != nil || len(vs) != 2 {
			return res, fmt.Errorf("bench: ws-%d has %d versions (%v), want 2", h, len(vs), err)
		}
	}
	if o.Trace != nil {
		if err := a.traceRuns(ctx, o.Trace); err != nil {
			return res, err
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	res = RemediationBenchResult{Problems: total, Sustained: float64(total) / elapsed.Seconds(), Offered: float64(total) / sendTime.Seconds(),
		CPUPerProblem: cpu / time.Duration(total), P50: pct(0.5), P90: pct(0.9), P99: pct(0.99), Max: lat[len(lat)-1]}
	return res, nil
}

func post(client *http.Client, url, key, body string) error {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("bench: webhook: %w", err)
	}
	// Read to the end so that the connection is reused, as a sender
	// keeping connections alive does.
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("bench: webhook answered %s", resp.Status)
	}
	return nil
}

// finishedRuns reads tend_remediation_runs_total from the app's registry.
func (a *App) finishedRuns() int {
	mfs, err := a.reg.Gather()
	if err != nil {
		return 0
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

// traceRuns writes where the acting runs spent their time: per step, the
// wait before it (the previous step's commit, or the intake and hand-off
// before the first) and its own execution; and the slowest runs with when
// they started, which shows whether slow runs cluster (a stall) or not.
func (a *App) traceRuns(ctx context.Context, w io.Writer) error {
	runs, err := a.store.Runs().List(ctx, store.RunFilter{Limit: 1 << 30})
	if err != nil {
		return err
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
			return err
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
	fmt.Fprintf(w, "where %d acting runs spent their time (wait> before a step, exec: in it)\n", len(slowest))
	for _, k := range slices.Sorted(maps.Keys(gaps)) {
		v := gaps[k]
		slices.Sort(v)
		at := func(p float64) time.Duration { return v[int(p*float64(len(v)-1))].Round(10 * time.Microsecond) }
		fmt.Fprintf(w, "  %-14s p50 %-9v p90 %-9v p99 %v\n", k, at(0.5), at(0.9), at(0.99))
	}
	slices.SortFunc(slowest, func(x, y slow) int { return cmp.Compare(y.took, x.took) })
	fmt.Fprint(w, "slowest runs (started at, took):")
	for _, x := range slowest[:min(30, len(slowest))] {
		fmt.Fprintf(w, " %.2fs:%v", x.start.Sub(start).Seconds(), x.took.Round(100*time.Microsecond))
	}
	fmt.Fprintln(w)
	return nil
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
