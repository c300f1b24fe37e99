package rollout_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/fleet"
	"github.com/tendhq/tend/internal/rollout"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// fakeProvider runs deployments in memory; sim feeds their key metrics
// to the recorder as their version's template says ("bad": 5 % errors
// and 3× latency; "silent": no metrics).
type fakeProvider struct {
	mu      sync.Mutex
	running map[string]int
	tmpl    map[string]string
	// ever records every version each deployment ran.
	ever map[string][]int
	fail map[int]bool // versions whose Apply fails
	// slow makes Apply of a version take this long (outside the lock).
	slow map[int]time.Duration
	// started is when each deployment last started a version.
	started map[string]time.Time
}

func (p *fakeProvider) Apply(_ context.Context, d store.Deployment, v catalog.Version) (map[string]string, error) {
	p.mu.Lock()
	delay := p.slow[v.Number]
	p.mu.Unlock()
	time.Sleep(delay)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail[v.Number] {
		return nil, fmt.Errorf("version %d does not start", v.Number)
	}
	p.running[d.ID] = v.Number
	p.tmpl[d.ID] = string(v.Template)
	p.started[d.ID] = time.Now()
	p.ever[d.ID] = append(p.ever[d.ID], v.Number)
	return map[string]string{"version": fmt.Sprint(v.Number)}, nil
}

func (p *fakeProvider) Remove(_ context.Context, d store.Deployment, _ bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, d.ID)
	return nil
}

func (p *fakeProvider) sim(ctx context.Context, rec *rollout.Recorder, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			p.mu.Lock()
			for id, v := range p.running {
				tm := p.tmpl[id]
				if strings.Contains(tm, "silent") {
					continue
				}
				errRate, lat := 0.0, 0.020
				if strings.Contains(tm, "bad") {
					errRate, lat = 0.05, 0.060
				}
				if strings.Contains(tm, "coldstart") && now.Sub(p.started[id]) < 300*time.Millisecond {
					lat = 0.200 // slow while it warms up, then as good as the rest
				}
				fails := 0
				for range 20 {
					if rand.Float64() < errRate {
						fails++
					}
				}
				rec.Add(id, v, now, map[string]float64{"error_rate": float64(fails) / 20, "latency": lat * rand.ExpFloat64(), "saturation": 0.02 + 0.01*rand.Float64()})
			}
			p.mu.Unlock()
		}
	}
}

type env struct {
	st   store.Store
	cat  catalog.Catalog
	fl   *fleet.Engine
	prov *fakeProvider
	rec  *rollout.Recorder

	mu    sync.Mutex
	notes []store.Notification // what the engines handed to their notifier
}

func (e *env) notifications() []store.Notification {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.notes)
}

// waitNote waits for a notification ok accepts (the engine hands it on
// just after it records the rollout's end).
func (e *env) waitNote(t *testing.T, ok func(store.Notification) bool) *store.Notification {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, n := range e.notifications() {
			if ok(n) {
				return &n
			}
		}
	}
	return nil
}

// newEnv makes a product with v1 (good), v2 (good), v3 (bad), v4
// (silent), v5 (fails to start) and 12 deployments on v1: 2 silo and 10
// pool in two regions.
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	cat := embedded.New(st.Catalog(), time.Now)
	publish := func(tms ...string) {
		for _, tm := range tms {
			if _, err := cat.Publish(ctx, "shop", catalog.Publish{Template: []byte("# " + tm + "\n"), Format: catalog.FormatCFNYAML}); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish("good v1")
	prov := &fakeProvider{running: map[string]int{}, tmpl: map[string]string{}, ever: map[string][]int{}, fail: map[int]bool{5: true}, slow: map[int]time.Duration{}, started: map[string]time.Time{}}
	fl, err := fleet.New(fleet.Options{Store: st, Catalog: cat, Providers: map[string]fleet.Provider{"process": prov}, Workers: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Deployments are provisioned from the released version: with no
	// rollout yet, the catalog's latest — v1 at this point.
	specs := []fleet.Spec{
		{ID: "silo-a", Type: "silo", Tenants: []string{"acme"}},
		{ID: "silo-b", Type: "silo", Tenants: []string{"globex"}},
	}
	for i := range 10 {
		region := "east"
		if i >= 5 {
			region = "west"
		}
		specs = append(specs, fleet.Spec{ID: fmt.Sprintf("pool-%s-%d", region, i%5), Type: "pool", Tenants: []string{"t1", "t2"}, Region: region})
	}
	for _, s := range specs {
		s.Account, s.Product = "local", "shop"
		if s.Region == "" {
			s.Region = "east"
		}
		if _, err := fl.Add(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fl.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		if d, _ := st.Deployments().Get(ctx, s.ID); d.State != store.DeploymentActive || d.Version != 1 {
			t.Fatalf("%s: %s v%d, want ACTIVE v1", s.ID, d.State, d.Version)
		}
	}
	publish("good v2", "bad v3", "silent v4", "good v5", "coldstart v6")
	rec := rollout.NewRecorder(time.Hour, 0)
	sctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go prov.sim(sctx, rec, 10*time.Millisecond)
	return &env{st: st, cat: cat, fl: fl, prov: prov, rec: rec}
}

func (e *env) engine(t *testing.T) *rollout.Engine {
	t.Helper()
	eng, err := rollout.New(rollout.Options{Store: e.st, Catalog: e.cat, Deployer: e.fl, Metrics: e.rec, Poll: 20 * time.Millisecond, Lease: 2 * time.Second,
		Notifier: rollout.NotifierFunc(func(_ context.Context, msgs ...store.Notification) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.notes = append(e.notes, msgs...)
			return nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// fast is the strategy of these tests: short bake and analysis interval.
func fast(s rollout.Strategy) rollout.Strategy {
	s.Bake = rollout.Duration(400 * time.Millisecond)
	s.AnalysisInterval = rollout.Duration(100 * time.Millisecond)
	s.Gates.Compare.MinSamples = 10
	// A gate at the default 0.01 fails about one good wave in a hundred
	// by chance; these tests judge dozens of waves of good versions, and
	// the bad version's difference is far beyond 1e-4 (p < 1e-15).
	s.Gates.Compare.Alpha = 1e-4
	return s
}

var waves = rollout.Strategy{Strategy: rollout.Waves, MaxConcurrent: 5, Canary: &rollout.Selector{Types: []string{"pool"}, Count: 1},
	Waves: []rollout.Wave{
		{Name: "silo", Select: &rollout.Selector{Types: []string{"silo"}}},
		{Name: "pool-east", Select: &rollout.Selector{Types: []string{"pool"}, Regions: []string{"east"}}},
		{Name: "rest"},
	}}

func run(t *testing.T, eng *rollout.Engine) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = eng.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func waitState(t *testing.T, st store.Store, id string, ok func(store.Rollout) bool) store.Rollout {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := st.Rollouts().Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			steps, _ := st.Rollouts().Steps(context.Background(), id)
			t.Fatalf("rollout %s stuck in %s (%s); %d steps", id, r.State, r.Summary, len(steps))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func finished(r store.Rollout) bool { return !store.RolloutActive(r.State) }

func TestGoodVersionRollsOutInWaves(t *testing.T) {
	e := newEnv(t)
	stop := run(t, e.engine(t))
	defer stop()
	r, err := e.engine(t).Start(context.Background(), rollout.StartRequest{Product: "shop", Version: 2, Strategy: fast(waves), By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r = waitState(t, e.st, r.ID, finished)
	if r.State != store.RolloutSucceeded {
		t.Fatalf("state %s: %s", r.State, r.Summary)
	}
	st, _ := rollout.State(r)
	var names []string
	for _, w := range st.Waves {
		names = append(names, fmt.Sprintf("%s:%d", w.Name, len(w.IDs)))
	}
	if got := strings.Join(names, " "); got != "canary:1 silo:2 pool-east:4 rest:5" {
		t.Fatalf("waves %s", got)
	}
	for id, v := range e.prov.running {
		if v != 2 {
			t.Errorf("%s runs v%d", id, v)
		}
	}
	// The released version is now 2: a new deployment gets it.
	if n, _ := fleet.ReleasedVersion(context.Background(), e.st.Rollouts(), e.cat, "shop"); n != 2 {
		t.Fatalf("released version %d", n)
	}
	evs, _ := e.st.Events().List(context.Background(), store.EventFilter{Classes: []string{store.EventDeployment}, Limit: 100})
	if len(evs.Events) < 13 {
		t.Fatalf("%d deployment events, want one per deployment and the start and end", len(evs.Events))
	}
}

func TestBadVersionCaughtInCanary(t *testing.T) {
	e := newEnv(t)
	stop := run(t, e.engine(t))
	defer stop()
	start := time.Now()
	r, err := e.engine(t).Start(context.Background(), rollout.StartRequest{Product: "shop", Version: 3, Strategy: fast(waves), By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r = waitState(t, e.st, r.ID, finished)
	if r.State != store.RolloutRolledBack {
		t.Fatalf("state %s: %s", r.State, r.Summary)
	}
	st, _ := rollout.State(r)
	canary := st.Waves[0].IDs[0]
	for id, vs := range e.prov.ever {
		if id != canary && slices.Contains(vs, 3) {
			t.Errorf("%s outside the canary ran the bad version", id)
		}
		if e.prov.running[id] != 1 {
			t.Errorf("%s runs v%d after the rollback", id, e.prov.running[id])
		}
	}
	if !slices.Contains(e.prov.ever[canary], 3) {
		t.Fatal("the canary never ran the bad version")
	}
	took := st.GateFailedAt.Sub(st.DeployedAt)
	if limit := 400*time.Millisecond + 100*time.Millisecond; took > limit {
		t.Fatalf("time to rollback %s > bake + one analysis interval %s", took, limit)
	}
	if !strings.Contains(r.Summary, "worse than the baseline") {
		t.Fatalf("summary %q", r.Summary)
	}
	// The failed gate is a high-severity notification saying why.
	note := e.waitNote(t, func(n store.Notification) bool { return n.Type == "ROLLOUT_ROLLED_BACK" && n.Subject == r.ID })
	if note == nil || note.Severity != store.SeverityHigh || !strings.Contains(string(note.Body), "worse than the baseline") {
		t.Fatalf("notification of the rollback: %+v", note)
	}
	t.Logf("caught in %s after the canary deployed (rollout took %s): %s", took, time.Since(start), r.Summary)
}

func TestNoDataNeverPromotes(t *testing.T) {
	e := newEnv(t)
	stop := run(t, e.engine(t))
	defer stop()
	r, err := e.engine(t).Start(context.Background(), rollout.StartRequest{Product: "shop", Version: 4, Strategy: fast(waves), By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	// While it waits for data past the bake it is still baking, never promoted.
	waitState(t, e.st, r.ID, func(r store.Rollout) bool { return strings.Contains(r.Summary, "waiting for data") })
	r = waitState(t, e.st, r.ID, finished)
	if r.State != store.RolloutRolledBack || !strings.Contains(r.Summary, "missing data never promotes") {
		t.Fatalf("state %s: %s", r.State, r.Summary)
	}
	st, _ := rollout.State(r)
	if len(st.Waves) == 0 || r.Wave != 0 {
		t.Fatalf("went past the canary: wave %d", r.Wave)
	}
}

func TestDeployFailureRollsBack(t *testing.T) {
	e := newEnv(t)
	stop := run(t, e.engine(t))
	defer stop()
	r, err := e.engine(t).Start(context.Background(), rollout.StartRequest{Product: "shop", Version: 5, Strategy: fast(rollout.Strategy{}), By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r = waitState(t, e.st, r.ID, finished)
	if r.State != store.RolloutRolledBack || !strings.Contains(r.Summary, "1 of 1 deployments of wave batch-1 failed") {
		t.Fatalf("state %s: %s", r.State, r.Summary)
	}
	d, _ := e.st.Deployments().Get(context.Background(), "pool-east-0")
	if d.Version != 1 || d.State != store.DeploymentActive {
		t.Fatalf("first deployment %s v%d", d.State, d.Version)
	}
}

func TestInsightGate(t *testing.T) {
	e := newEnv(t)
	stop := run(t, e.engine(t))
	defer stop()
	s := fast(waves)
	s.Bake = rollout.Duration(3 * time.Second)
	r, err := e.engine(t).Start(context.Background(), rollout.StartRequest{Product: "shop", Version: 2, Strategy: s, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r = waitState(t, e.st, r.ID, func(r store.Rollout) bool { return strings.Contains(r.Summary, "baking") })
	st, _ := rollout.State(r)
	canary, _ := e.st.Deployments().Get(context.Background(), st.Waves[0].IDs[0])
	now := time.Now().UTC()
	in := store.Insight{ID: "ins-1", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityHigh, ProblemType: "ERROR_RATE_INCREASE",
		Name: "Errors anomalous", BoundaryKey: "stack::" + canary.Stack, BoundaryKind: "stack", BoundaryName: canary.Stack,
		StartedAt: now, CreatedAt: now, UpdatedAt: now}
	if err := e.st.Insights().Create(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	r = waitState(t, e.st, r.ID, finished)
	st, _ = rollout.State(r)
	if r.State != store.RolloutRolledBack || st.Insight != "ins-1" || !strings.Contains(r.Summary, "insight ins-1") {
		t.Fatalf("state %s insight %q: %s", r.State, st.Insight, r.Summary)
	}
	evs, _ := e.st.Events().List(context.Background(), store.EventFilter{Limit: 100})
	linked := false
	for _, ev := range evs.Events {
		for _, l := range ev.Links {
			linked = linked || strings.Contains(l.URL, "ins-1")
		}
	}
	if !linked {
		t.Fatal("no event links the insight")
	}
	if e.waitNote(t, func(n store.Notification) bool {
		return n.Type == "ROLLOUT_ROLLED_BACK" && strings.Contains(string(n.Body), `"Insight":"ins-1"`)
	}) == nil {
		t.Fatalf("no notification names the insight: %+v", e.notifications())
	}
}

// An abort while a wave bakes takes effect at once, not at the next
// analysis (a minute away here).
func TestAbortDoesNotWaitForTheAnalysis(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(t)
	stop := run(t, eng)
	defer stop()
	s := fast(waves)
	s.Bake, s.AnalysisInterval = rollout.Duration(time.Minute), rollout.Duration(time.Minute)
	r, err := eng.Start(ctx, rollout.StartRequest{Product: "shop", Version: 2, Strategy: s})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, e.st, r.ID, func(r store.Rollout) bool { return strings.Contains(r.Summary, "baking") })
	time.Sleep(100 * time.Millisecond) // past the first analysis
	asked := time.Now()
	if _, err := e.st.Rollouts().Control(ctx, r.ID, store.RolloutAbort, "ops", time.Now()); err != nil {
		t.Fatal(err)
	}
	r = waitState(t, e.st, r.ID, finished)
	if took := time.Since(asked); r.State != store.RolloutAborted || took > 10*time.Second {
		t.Fatalf("%s after %s: %s", r.State, took, r.Summary)
	}
}

// An abort while a wave is still deploying (some of its deployments
// updated, others not yet started) stops starting new ones, waits for
// those in flight and rolls the whole wave back.
func TestAbortMidWave(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.prov.mu.Lock()
	e.prov.slow[2] = 150 * time.Millisecond
	e.prov.mu.Unlock()
	eng := e.engine(t)
	stop := run(t, eng)
	defer stop()
	s := fast(rollout.Strategy{Strategy: rollout.Waves, MaxConcurrent: 2, Waves: []rollout.Wave{{Name: "all"}}})
	r, err := eng.Start(ctx, rollout.StartRequest{Product: "shop", Version: 2, Strategy: s})
	if err != nil {
		t.Fatal(err)
	}
	onV2 := func() int {
		e.prov.mu.Lock()
		defer e.prov.mu.Unlock()
		n := 0
		for _, v := range e.prov.running {
			if v == 2 {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(20 * time.Second)
	for onV2() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the wave never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := e.st.Rollouts().Control(ctx, r.ID, store.RolloutAbort, "ops", time.Now()); err != nil {
		t.Fatal(err)
	}
	r = waitState(t, e.st, r.ID, finished)
	if r.State != store.RolloutAborted || r.Wave != 0 {
		t.Fatalf("state %s wave %d: %s", r.State, r.Wave, r.Summary)
	}
	e.prov.mu.Lock()
	defer e.prov.mu.Unlock()
	reached := 0
	for id, vs := range e.prov.ever {
		if slices.Contains(vs, 2) {
			reached++
		}
		if e.prov.running[id] != 1 {
			t.Errorf("%s runs v%d after the abort", id, e.prov.running[id])
		}
	}
	if reached == 0 || reached >= 12 {
		t.Fatalf("%d of 12 deployments reached v2: the abort was not mid-wave", reached)
	}
	t.Logf("aborted with %d of 12 deployments of the wave updated; all back on v1", reached)
}

// A deployment already on the version is not updated again: rolling out
// the version every deployment runs deploys nothing.
func TestRolloutSkipsDeploymentsOnTheVersion(t *testing.T) {
	e := newEnv(t)
	stop := run(t, e.engine(t))
	defer stop()
	r, err := e.engine(t).Start(context.Background(), rollout.StartRequest{Product: "shop", Version: 1, Strategy: fast(waves)})
	if err != nil {
		t.Fatal(err)
	}
	r = waitState(t, e.st, r.ID, finished)
	if r.State != store.RolloutSucceeded || !strings.Contains(r.Summary, "silo-a (already on version 1)") {
		t.Fatalf("state %s: %s", r.State, r.Summary)
	}
	steps, _ := e.st.Rollouts().Steps(context.Background(), r.ID)
	for _, s := range steps {
		if s.Name == "deploy" {
			t.Fatalf("deployed %s", s.Input)
		}
	}
}

// A version slow only while it warms up fails a canary judged from the
// moment it is deployed, and passes with gates.compare.warmup past it.
func TestWarmup(t *testing.T) {
	for _, tc := range []struct {
		warmup time.Duration
		want   string
	}{{0, store.RolloutRolledBack}, {350 * time.Millisecond, store.RolloutSucceeded}} {
		t.Run(tc.warmup.String(), func(t *testing.T) {
			e := newEnv(t)
			stop := run(t, e.engine(t))
			defer stop()
			s := fast(rollout.Strategy{Strategy: rollout.Canary, MaxConcurrent: 11})
			s.Bake = rollout.Duration(time.Second)
			s.Gates.Compare.Warmup = rollout.Duration(tc.warmup)
			r, err := e.engine(t).Start(context.Background(), rollout.StartRequest{Product: "shop", Version: 6, Strategy: s})
			if err != nil {
				t.Fatal(err)
			}
			if r = waitState(t, e.st, r.ID, finished); r.State != tc.want {
				t.Fatalf("warmup %s: %s: %s", tc.warmup, r.State, r.Summary)
			}
		})
	}
}

func TestOneRolloutPerProduct(t *testing.T) {
	e := newEnv(t)
	eng := e.engine(t)
	if _, err := eng.Start(context.Background(), rollout.StartRequest{Product: "shop", Version: 2, Strategy: fast(waves)}); err != nil {
		t.Fatal(err)
	}
	_, err := eng.Start(context.Background(), rollout.StartRequest{Product: "shop", Version: 2, Strategy: fast(waves)})
	if !errors.Is(err, rollout.ErrActive) {
		t.Fatalf("second rollout: %v", err)
	}
	_, err = eng.Start(context.Background(), rollout.StartRequest{Product: "shop", Version: 9, Strategy: fast(waves)})
	var fe *fleet.FieldError
	if !errors.As(err, &fe) || fe.Field != "version" {
		t.Fatalf("unknown version: %v", err)
	}
}

// Abort works from every state: pending, deploying, baking, paused,
// waiting for approval; the unfinished wave is rolled back.
func TestAbortFromEveryState(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		strat func() rollout.Strategy
		at    func(store.Rollout) bool
		pause bool
	}{
		{"pending", func() rollout.Strategy { return fast(waves) }, nil, false},
		{"baking", func() rollout.Strategy { s := fast(waves); s.Bake = rollout.Duration(5 * time.Second); return s },
			func(r store.Rollout) bool { return strings.Contains(r.Summary, "baking") }, false},
		{"deploying", func() rollout.Strategy { s := fast(rollout.Strategy{Strategy: rollout.OneAtATime}); return s },
			func(r store.Rollout) bool { return strings.Contains(r.Summary, "wave 3 of") }, false},
		{"waiting_approval", func() rollout.Strategy { s := fast(waves); s.Approval = true; return s },
			func(r store.Rollout) bool { return r.State == store.RolloutWaiting }, false},
		{"paused", func() rollout.Strategy { return fast(rollout.Strategy{Strategy: rollout.OneAtATime}) },
			func(r store.Rollout) bool { return r.State == store.RolloutPaused }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			eng := e.engine(t)
			r, err := eng.Start(ctx, rollout.StartRequest{Product: "shop", Version: 2, Strategy: tc.strat()})
			if err != nil {
				t.Fatal(err)
			}
			var stop func()
			if tc.at != nil {
				stop = run(t, eng)
				defer func() { stop() }()
				if tc.pause {
					if _, err := e.st.Rollouts().Control(ctx, r.ID, store.RolloutPause, "ops", time.Now()); err != nil {
						t.Fatal(err)
					}
				}
				waitState(t, e.st, r.ID, tc.at)
			}
			if _, err := e.st.Rollouts().Control(ctx, r.ID, store.RolloutAbort, "ops", time.Now()); err != nil {
				t.Fatal(err)
			}
			r = waitState(t, e.st, r.ID, finished)
			if r.State != store.RolloutAborted {
				t.Fatalf("state %s: %s", r.State, r.Summary)
			}
			if stop != nil {
				stop()
				stop = func() {}
			}
			st, _ := rollout.State(r)
			// Only deployments of waves that passed may keep v2.
			passed := map[string]bool{}
			for i := 0; i < r.Wave; i++ {
				for _, id := range st.Waves[i].IDs {
					passed[id] = true
				}
			}
			if tc.name == "waiting_approval" && r.Wave > 0 {
				// waiting before wave r.Wave: waves before it passed.
			}
			for id, v := range e.prov.running {
				if v == 2 && !passed[id] {
					t.Errorf("%s runs v2 after the abort (wave %d)", id, r.Wave)
				}
			}
		})
	}
}

func TestPauseResumeAndApproval(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(t)
	stop := run(t, eng)
	defer stop()
	s := fast(waves)
	s.Approval = true
	r, err := eng.Start(ctx, rollout.StartRequest{Product: "shop", Version: 2, Strategy: s})
	if err != nil {
		t.Fatal(err)
	}
	for w := 1; w < 4; w++ {
		waitState(t, e.st, r.ID, func(r store.Rollout) bool { return r.State == store.RolloutWaiting && r.Wave == w })
		if _, err := e.st.Rollouts().Approve(ctx, r.ID, "ops", time.Now()); err != nil {
			t.Fatal(err)
		}
		eng.Wake()
	}
	r = waitState(t, e.st, r.ID, finished)
	if r.State != store.RolloutSucceeded {
		t.Fatalf("state %s: %s", r.State, r.Summary)
	}
	// Pause, then resume.
	r, err = eng.Start(ctx, rollout.StartRequest{Product: "shop", Version: 1, Strategy: fast(waves)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Rollouts().Control(ctx, r.ID, store.RolloutPause, "ops", time.Now()); err != nil {
		t.Fatal(err)
	}
	waitState(t, e.st, r.ID, func(r store.Rollout) bool { return r.State == store.RolloutPaused })
	time.Sleep(100 * time.Millisecond)
	if got, _ := e.st.Rollouts().Get(ctx, r.ID); got.State != store.RolloutPaused {
		t.Fatalf("paused rollout moved on: %s", got.State)
	}
	if _, err := e.st.Rollouts().Control(ctx, r.ID, store.RolloutResume, "ops", time.Now()); err != nil {
		t.Fatal(err)
	}
	eng.Wake()
	r = waitState(t, e.st, r.ID, finished)
	if r.State != store.RolloutSucceeded {
		t.Fatalf("after resume: %s: %s", r.State, r.Summary)
	}
}

// A rollout whose process stops mid-wave resumes in another engine once
// the lease lapses, and finishes.
func TestResumesAfterCrash(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	crashed := make(chan struct{})
	var once sync.Once
	first := e.engine(t)
	rollout.SetFault(first, func(r store.Rollout, phase string) error {
		if r.Wave == 1 && phase == "bake" {
			once.Do(func() { close(crashed) })
			return errors.New("crash")
		}
		return nil
	})
	stop := run(t, first)
	r, err := first.Start(ctx, rollout.StartRequest{Product: "shop", Version: 2, Strategy: fast(waves)})
	if err != nil {
		t.Fatal(err)
	}
	<-crashed
	stop()
	got, _ := e.st.Rollouts().Get(ctx, r.ID)
	if got.State != store.RolloutRunning || got.Wave != 1 {
		t.Fatalf("after the crash: %s wave %d", got.State, got.Wave)
	}
	second := e.engine(t)
	stop2 := run(t, second)
	defer stop2()
	r = waitState(t, e.st, r.ID, finished)
	if r.State != store.RolloutSucceeded {
		t.Fatalf("resumed rollout: %s: %s", r.State, r.Summary)
	}
	steps, _ := e.st.Rollouts().Steps(ctx, r.ID)
	plans := 0
	for _, s := range steps {
		if s.Name == "plan" {
			plans++
		}
	}
	if plans != 1 {
		t.Fatalf("planned %d times", plans)
	}
}
