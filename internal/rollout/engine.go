package rollout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/fleet"
	"github.com/tendhq/tend/internal/review"
	"github.com/tendhq/tend/internal/store"
)

// Deployer moves a deployment to a version (fleet.Engine.Deploy).
type Deployer interface {
	Deploy(ctx context.Context, id string, version int) (store.Deployment, error)
}

// Notifier hands a rollout's messages on (the notification outbox).
type Notifier interface {
	Notify(ctx context.Context, msgs ...store.Notification) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, msgs ...store.Notification) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, msgs ...store.Notification) error {
	return f(ctx, msgs...)
}

// Options are the engine's dependencies and limits.
type Options struct {
	Store    store.Store
	Catalog  catalog.Catalog
	Deployer Deployer
	Metrics  Metrics
	// Review is the code-review gate (block_on_review); nil: none.
	Review review.Gate
	// Notifier receives rollout messages; nil: they are only logged.
	Notifier Notifier
	// Associate, when set, gives the rollout's events the NEW_ASSOCIATION
	// messages of the ongoing insights they relate to, stored with them
	// (insight.Associate); nil: events are stored alone.
	Associate func(context.Context, []store.Event) ([]store.Event, error)

	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
	Owner      string
	// Workers is how many rollouts execute at once (default 4).
	Workers int
	// Lease is how long a claimed rollout stays this process's (default
	// 30s); it is renewed while the rollout works.
	Lease time.Duration
	// Poll is how often to look for due rollouts (default 1s), and how
	// often a held rollout (review gate) looks again.
	Poll time.Duration
}

// Engine executes rollouts.
type Engine struct {
	o       Options
	log     *slog.Logger
	wake    chan struct{}
	metrics struct {
		rollouts *prometheus.CounterVec
		verdicts *prometheus.CounterVec
	}
	// fault, when set (tests), is called at each step; an error stops the
	// rollout there as a crash would (the lease lapses, another resumes).
	fault func(r store.Rollout, phase string) error
}

// New builds an engine; it starts nothing.
func New(o Options) (*Engine, error) {
	if o.Store == nil || o.Catalog == nil || o.Deployer == nil {
		return nil, errors.New("rollout: Store, Catalog and Deployer are required")
	}
	if o.Metrics == nil {
		o.Metrics = NewRecorder(0, 0)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Owner == "" {
		o.Owner = store.NewID("rollout", time.Now())
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	e := &Engine{o: o, log: o.Logger, wake: make(chan struct{}, 1)}
	e.metrics.rollouts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tend_rollouts_total", Help: "Rollouts finished, by product and final state."}, []string{"product", "state"})
	e.metrics.verdicts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tend_rollout_analyses_total", Help: "Analyses of baking waves, by result (pass, fail, no-data)."}, []string{"result"})
	if o.Registerer != nil {
		o.Registerer.MustRegister(e.metrics.rollouts, e.metrics.verdicts)
	}
	return e, nil
}

// StartRequest asks for a rollout.
type StartRequest struct {
	Product  string
	Version  int
	Strategy Strategy
	By       string
}

// ErrActive is wrapped when the product already has an active rollout.
var ErrActive = errors.New("another rollout of the product is active")

// Start validates and stores a new rollout (pending); a worker executes
// it. Errors: *StrategyError or *fleet.FieldError for bad input, ErrActive.
func (e *Engine) Start(ctx context.Context, req StartRequest) (store.Rollout, error) {
	if err := req.Strategy.Normalise(); err != nil {
		return store.Rollout{}, err
	}
	if req.Version <= 0 {
		return store.Rollout{}, &fleet.FieldError{Field: "version", Reason: "must be a catalog version number such as 2"}
	}
	if _, err := fleet.FindVersion(ctx, e.o.Catalog, req.Product, req.Version); err != nil {
		if errors.Is(err, catalog.ErrNotFound) {
			return store.Rollout{}, &fleet.FieldError{Field: "version", Reason: err.Error()}
		}
		return store.Rollout{}, err
	}
	now := e.o.Now().UTC()
	strat, _ := json.Marshal(req.Strategy)
	r := store.Rollout{ID: store.NewID("ro", now), Product: req.Product, Version: req.Version, Strategy: strat, State: store.RolloutPending,
		Summary: "waiting for a worker", CreatedBy: req.By, Data: []byte("{}"), NextAt: now, CreatedAt: now, UpdatedAt: now}
	if err := e.o.Store.Rollouts().Create(ctx, r); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return r, fmt.Errorf("%w: %s (see tend rollout status)", ErrActive, req.Product)
		}
		return r, err
	}
	e.Wake()
	return r, nil
}

// Wake makes the workers look for due rollouts now.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run executes rollouts with Workers goroutines until ctx is cancelled.
func (e *Engine) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for i := 0; i < e.o.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.work(ctx)
		}()
	}
	wg.Wait()
	return nil
}

func (e *Engine) work(ctx context.Context) {
	timer := time.NewTimer(e.o.Poll)
	defer timer.Stop()
	for ctx.Err() == nil {
		now := e.o.Now()
		got, err := e.o.Store.Rollouts().Claim(ctx, e.o.Owner, now, now.Add(e.o.Lease), 1)
		if err != nil && ctx.Err() == nil {
			e.log.Error("claim rollouts", "err", err)
		}
		if len(got) > 0 {
			e.Wake()
			e.execute(ctx, got[0])
			continue
		}
		timer.Reset(e.o.Poll)
		select {
		case <-ctx.Done():
		case <-e.wake:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// Phases of a rollout's state machine.
const (
	phasePlan     = "plan"
	phaseDeploy   = "deploy"
	phaseBake     = "bake"
	phaseRollback = "rollback"
)

// data is a rollout's persisted state.
type data struct {
	Seq      int            `json:"seq"`
	Phase    string         `json:"phase"`
	Waves    []PlannedWave  `json:"waves,omitempty"`
	Previous map[string]int `json:"previous,omitempty"`
	// Updated lists every deployment this rollout moved to the new
	// version (and has not rolled back); WaveUpdated those of the wave in
	// progress, WaveFailed those of it whose update failed.
	Updated     []string  `json:"updated,omitempty"`
	WaveUpdated []string  `json:"wave_updated,omitempty"`
	WaveFailed  []string  `json:"wave_failed,omitempty"`
	DeployedAt  time.Time `json:"deployed_at,omitzero"`
	BakeUntil   time.Time `json:"bake_until,omitzero"`
	// GiveUpAt ends the wait for data: a wave still without enough data
	// then fails.
	GiveUpAt time.Time `json:"give_up_at,omitzero"`
	Verdict  *Verdict  `json:"verdict,omitempty"`
	// Outcome is the final state once rolling back (rolled_back, aborted).
	Outcome string `json:"outcome,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Insight string `json:"insight,omitempty"`
	// GateFailedAt is when a gate failed (the time to roll back starts).
	GateFailedAt time.Time `json:"gate_failed_at,omitzero"`
	RolledBackAt time.Time `json:"rolled_back_at,omitzero"`
}

// State decodes a rollout's persisted state (for the API and the CLI).
func State(r store.Rollout) (Status, error) {
	var d data
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return Status{}, fmt.Errorf("rollout %s: unreadable state: %w", r.ID, err)
	}
	return Status{Phase: d.Phase, Waves: d.Waves, Updated: d.Updated, WaveUpdated: d.WaveUpdated, WaveFailed: d.WaveFailed,
		DeployedAt: d.DeployedAt, BakeUntil: d.BakeUntil, Verdict: d.Verdict, Reason: d.Reason, Insight: d.Insight,
		GateFailedAt: d.GateFailedAt, RolledBackAt: d.RolledBackAt, Previous: d.Previous}, nil
}

// Status is the readable part of a rollout's state.
type Status struct {
	Phase        string         `json:"phase,omitempty"`
	Waves        []PlannedWave  `json:"waves,omitempty"`
	Previous     map[string]int `json:"previous_versions,omitempty"`
	Updated      []string       `json:"updated,omitempty"`
	WaveUpdated  []string       `json:"wave_updated,omitempty"`
	WaveFailed   []string       `json:"wave_failed,omitempty"`
	DeployedAt   time.Time      `json:"wave_deployed_at,omitzero"`
	BakeUntil    time.Time      `json:"bake_until,omitzero"`
	Verdict      *Verdict       `json:"verdict,omitempty"`
	Reason       string         `json:"reason,omitempty"`
	Insight      string         `json:"insight,omitempty"`
	GateFailedAt time.Time      `json:"gate_failed_at,omitzero"`
	RolledBackAt time.Time      `json:"rolled_back_at,omitzero"`
}

// exec is one rollout being executed.
type exec struct {
	e    *Engine
	mu   sync.Mutex
	r    store.Rollout
	d    data
	s    Strategy
	ctl  store.RolloutControl
	lost atomic.Bool // the lease was lost: stop
}

// save records the rollout's state and the steps given, renewing the
// lease; it notes the control flags a person set.
func (x *exec) save(ctx context.Context, steps ...store.RolloutStep) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.saveLocked(ctx, steps...)
}

func (x *exec) saveLocked(ctx context.Context, steps ...store.RolloutStep) error {
	now := x.e.o.Now().UTC()
	x.r.Data, _ = json.Marshal(x.d)
	x.r.UpdatedAt = now
	if store.RolloutActive(x.r.State) && x.r.LeaseOwner != "" {
		x.r.LeaseUntil = now.Add(x.e.o.Lease)
	}
	ctl, err := x.e.o.Store.Rollouts().Advance(context.WithoutCancel(ctx), x.e.o.Owner, x.r, steps...)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			x.lost.Store(true)
		}
		return err
	}
	x.ctl = ctl
	return nil
}

// step records one step now.
func (x *exec) step(ctx context.Context, name, status string, start time.Time, input, output any, errText string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.d.Seq++
	in, _ := json.Marshal(input)
	out, _ := json.Marshal(output)
	st := store.RolloutStep{Seq: x.d.Seq, Name: name, Status: status, Input: in, Output: out, Error: errText, StartedAt: start, FinishedAt: x.e.o.Now().UTC()}
	return x.saveLocked(ctx, st)
}

func (e *Engine) execute(ctx context.Context, r store.Rollout) {
	x := &exec{e: e, r: r, ctl: store.RolloutControl{PauseRequested: r.PauseRequested, AbortRequested: r.AbortRequested}}
	log := e.log.With("rollout", r.ID, "product", r.Product, "version", r.Version)
	if err := json.Unmarshal(r.Data, &x.d); err != nil {
		x.finish(ctx, store.RolloutFailed, "the rollout's stored state is unreadable: "+err.Error())
		return
	}
	if err := json.Unmarshal(r.Strategy, &x.s); err != nil {
		x.finish(ctx, store.RolloutFailed, "the rollout's strategy is unreadable: "+err.Error())
		return
	}
	if err := x.s.Normalise(); err != nil {
		x.finish(ctx, store.RolloutFailed, "the rollout's strategy is invalid: "+err.Error())
		return
	}
	if x.d.Phase == "" {
		x.d.Phase = phasePlan
	}
	// Renew the lease while a long step (a wave's deployments) runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(e.o.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := x.save(ctx); err != nil && !x.lost.Load() {
					log.Warn("renew the rollout's lease", "err", err)
				}
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	for ctx.Err() == nil && !x.lost.Load() {
		if e.fault != nil {
			x.mu.Lock()
			r, phase := x.r, x.d.Phase // the lease renewer writes x.r
			x.mu.Unlock()
			if err := e.fault(r, phase); err != nil {
				return
			}
		}
		x.mu.Lock()
		abort := x.ctl.AbortRequested && x.d.Phase != phaseRollback
		x.mu.Unlock()
		if abort {
			x.startRollback(ctx, store.RolloutAborted, "aborted by "+orSomeone(x.r.ControlBy), false)
			continue
		}
		var more bool
		var err error
		switch x.d.Phase {
		case phasePlan:
			more, err = x.plan(ctx)
		case phaseDeploy:
			more, err = x.deploy(ctx)
		case phaseBake:
			more, err = x.bake(ctx)
		case phaseRollback:
			more, err = x.rollback(ctx)
		default:
			err = fmt.Errorf("unknown phase %q", x.d.Phase)
			x.finish(ctx, store.RolloutFailed, err.Error())
			return
		}
		if err != nil {
			if ctx.Err() != nil || x.lost.Load() {
				return // the lease lapses; the rollout resumes
			}
			log.Warn("rollout step failed; retrying", "phase", x.d.Phase, "err", err)
			x.mu.Lock()
			x.r.NextAt, x.r.LeaseOwner, x.r.LeaseUntil, x.r.Error = e.o.Now().Add(e.o.Poll), "", time.Time{}, err.Error()
			_ = x.saveLocked(ctx)
			x.mu.Unlock()
			return
		}
		if !more {
			return
		}
	}
}

func orSomeone(s string) string {
	if s == "" {
		return "a person"
	}
	return s
}

// release ends this execution, leaving the rollout in state for later.
func (x *exec) release(ctx context.Context, state, summary string, next time.Time) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.r.State, x.r.Summary, x.r.NextAt, x.r.LeaseOwner, x.r.LeaseUntil = state, summary, next, "", time.Time{}
	return x.saveLocked(ctx)
}

// finish ends the rollout in a final state.
func (x *exec) finish(ctx context.Context, state, summary string) {
	x.mu.Lock()
	now := x.e.o.Now().UTC()
	x.r.State, x.r.Summary, x.r.FinishedAt, x.r.LeaseOwner, x.r.LeaseUntil = state, summary, now, "", time.Time{}
	if state == store.RolloutFailed {
		x.r.Error = summary
	} else {
		x.r.Error = ""
	}
	err := x.saveLocked(ctx)
	r := x.r
	x.mu.Unlock()
	if err != nil {
		x.e.log.Warn("record the end of a rollout", "rollout", r.ID, "err", err)
		return
	}
	x.e.metrics.rollouts.WithLabelValues(r.Product, state).Inc()
	x.e.log.Info("rollout finished", "rollout", r.ID, "product", r.Product, "version", r.Version, "state", state, "summary", summary)
	x.notify(ctx, "ROLLOUT_"+upper(state), summary)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 32
		case c == '-':
			b[i] = '_'
		}
	}
	return string(b)
}
