package remediate

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
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate/policy"
	"github.com/tendhq/tend/internal/store"
)

// Monitors picks the Monitor for a problem's source. It returns nil for a
// source whose details cannot be fetched and which takes no comments.
type Monitors func(source string) Monitor

// Editors picks the template editor by template format.
type Editors map[catalog.Format]catalog.Editor

// Options are the engine's dependencies and limits.
type Options struct {
	Store    store.Store
	Policies *policy.Set
	Monitors Monitors
	// Inventory finds cloud instances; nil when there is none (the
	// servicecatalog and inventory product sources then find nothing).
	Inventory Inventory
	Params    Params
	Catalog   catalog.Catalog
	Editors   Editors

	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
	// Owner names this process in leases (host:pid); a random id if empty.
	Owner string
	// Workers is how many runs execute at once (default 4).
	Workers int
	// Lease is how long a claimed run stays this process's before another
	// may take it over (default 30s).
	Lease time.Duration
	// Poll is how often to look for runs when nothing woke the engine
	// (default 1s): runs created by other processes, retries, approvals.
	Poll time.Duration
	// MaxAttempts bounds retries of a failing step (default 5).
	MaxAttempts int
	// RateLimit caps actions across all policies per RateWindow (0: none).
	RateLimit  int
	RateWindow time.Duration
	// BaseURL, when set, is tend's address (http://host:port) for the
	// links in run messages (notify).
	BaseURL func() string
	// Associate, when set, gives the run's event the NEW_ASSOCIATION
	// messages of the ongoing insights it relates to, stored with it
	// (insight.Associate); nil: the event is stored alone.
	Associate func(context.Context, []store.Event) ([]store.Event, error)
}

// Engine accepts problems and executes remediation runs.
type Engine struct {
	o        Options
	log      *slog.Logger
	policies atomic.Pointer[policy.Set]
	wake     chan struct{}
	// local hands the runs Submit creates to this process's workers
	// directly, leased to this process, while Run is running: no claim
	// query and no claim commit. queued counts the runs reserved in it.
	local   chan store.Run
	queued  atomic.Int64
	running atomic.Bool
	metrics metrics
	// fault, when set (tests), is called after each side effect and before
	// it is recorded; an error stops the run there, as a crash would.
	fault func(runID, step string) error
	// done, when set (tests), is called when a run finishes.
	done func(store.Run)
}

var _ problem.Sink = (*Engine)(nil)

// New builds an engine. It starts nothing: call Run.
func New(o Options) (*Engine, error) {
	if o.Store == nil || o.Catalog == nil || o.Params == nil {
		return nil, errors.New("remediate: Store, Catalog and Params are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Owner == "" {
		o.Owner = store.NewID("worker", time.Now())
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
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.RateWindow <= 0 {
		o.RateWindow = time.Hour
	}
	if o.Monitors == nil {
		o.Monitors = func(string) Monitor { return nil }
	}
	if o.Policies == nil {
		o.Policies = &policy.Set{}
	}
	e := &Engine{o: o, log: o.Logger, wake: make(chan struct{}, 1), local: make(chan store.Run, localQueue)}
	e.policies.Store(o.Policies)
	e.metrics = newMetrics(o.Registerer)
	return e, nil
}

// localQueue bounds the runs handed directly to this process's workers;
// beyond it, new runs wait in the store for any worker to claim them.
const localQueue = 1024

// SetPolicies replaces the policies (a reload); runs already created keep
// the policy by name and use the new definition from their next step.
func (e *Engine) SetPolicies(s *policy.Set) { e.policies.Store(s) }

// Policies returns the current policies.
func (e *Engine) Policies() *policy.Set { return e.policies.Load() }

// Submit stores a problem durably and creates a run for every policy it
// may match (fully, or pending details its source will give). An identical
// re-delivery is recognised: nothing new is stored and the receipt is
// marked Duplicate with the runs the first delivery started.
func (e *Engine) Submit(ctx context.Context, p problem.Problem) (problem.Receipt, error) {
	if err := p.Validate(); err != nil {
		return problem.Receipt{}, err
	}
	now := e.o.Now().UTC()
	body, err := json.Marshal(p)
	if err != nil {
		return problem.Receipt{}, fmt.Errorf("encode problem: %w", err)
	}
	var runs []store.Run
	var data []byte
	handoff := e.running.Load()
	for _, pol := range e.policies.Load().Policies {
		if !pol.Match.Evaluate(p, true).OK {
			continue
		}
		if data == nil {
			// The run carries the problem as delivered, so that it need
			// not read it back.
			data = mustJSON(runData{Problem: &p})
		}
		r := store.Run{
			ID: store.NewID("run", now), Policy: pol.Name, Mode: string(pol.Mode), State: store.RunPending,
			Data: data, NextAt: now, CreatedAt: now, UpdatedAt: now,
		}
		if handoff && e.queued.Add(1) <= localQueue {
			// Created claimed: leased to this process, as Claim would.
			r.LeaseOwner, r.LeaseUntil, r.Attempts = e.o.Owner, now.Add(e.o.Lease), 1
		} else if handoff {
			e.queued.Add(-1)
		}
		runs = append(runs, r)
	}
	rec := store.ProblemRecord{ID: store.NewID("prb", now), Source: p.Source, ExternalID: p.ExternalID, Title: p.Title,
		State: string(p.State), EventType: p.EventType, Body: body}
	occ := store.Occurrence{ID: store.NewID("occ", now), Digest: p.Digest(), State: string(p.State), EventType: p.EventType, Body: body, ReceivedAt: now}
	res, err := e.o.Store.Problems().Record(ctx, rec, occ, runs)
	wake := false
	for _, r := range runs {
		switch {
		case r.LeaseOwner == "":
			wake = true
		case err == nil && !res.Duplicate:
			r.ProblemID, r.OccurrenceID = res.ProblemID, res.OccurrenceID
			e.local <- r // never blocks: the run has its place reserved
		default:
			e.queued.Add(-1) // not stored
		}
	}
	if err != nil {
		return problem.Receipt{}, err
	}
	result := "new"
	if res.Duplicate {
		result = "duplicate"
	}
	e.metrics.problems.WithLabelValues(p.Source, result).Inc()
	if wake && !res.Duplicate {
		e.Wake()
	}
	return problem.Receipt{ProblemID: res.ProblemID, Duplicate: res.Duplicate, RunIDs: res.RunIDs}, nil
}

// Wake makes the engine look for due runs now.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run executes runs until ctx is cancelled: Workers goroutines each claim
// a due run (this process's, another's after its lease ran out, a retry,
// an approved one), execute it, and claim the next, so that the claims and
// steps of concurrent runs share commits. An idle worker sleeps until a new
// problem wakes it or Poll passes. Run returns when ctx is done and the
// runs in progress have stopped.
func (e *Engine) Run(ctx context.Context) error {
	e.running.Store(true)
	defer e.release()
	var wg sync.WaitGroup
	for i := 0; i < e.o.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.work(ctx, i)
		}()
	}
	wg.Wait()
	return nil
}

func (e *Engine) work(ctx context.Context, i int) {
	// Spread the idle polls of the workers over the interval.
	poll := e.o.Poll + time.Duration(i)*e.o.Poll/time.Duration(4*e.o.Workers)
	timer := time.NewTimer(poll)
	defer timer.Stop()
	// look says whether to ask the store for due runs: at start, when
	// woken or polled, and while it keeps finding some. Runs handed over
	// locally need no look.
	look := true
	for ctx.Err() == nil {
		select {
		case r := <-e.local:
			e.executeLocal(ctx, r)
			continue
		default:
		}
		if look {
			now := e.o.Now()
			claimed, err := e.o.Store.Runs().Claim(ctx, e.o.Owner, now, now.Add(e.o.Lease), 1)
			if err != nil && ctx.Err() == nil {
				e.log.Error("claim remediation runs", "err", err)
			}
			if len(claimed) > 0 {
				e.Wake() // there may be more: let an idle worker look
				e.execute(ctx, claimed[0])
				continue
			}
			look = false
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(poll)
		select {
		case <-ctx.Done():
		case r := <-e.local:
			e.executeLocal(ctx, r)
		case <-e.wake:
			look = true
		case <-timer.C:
			look = true
		}
	}
}

// executeLocal executes a run Submit handed over. One that waited in the
// queue for more than half its lease is left to the store, where any
// worker claims it once the lease lapses: executing it now could overlap
// with another process that claims it then.
func (e *Engine) executeLocal(ctx context.Context, r store.Run) {
	e.queued.Add(-1)
	if e.o.Now().After(r.LeaseUntil.Add(-e.o.Lease / 2)) {
		return
	}
	e.execute(ctx, r)
}

// release gives back the leases of the runs still in the local queue when
// Run stops, so that the next process (or this one, restarted) claims them
// at once rather than after their leases lapse.
func (e *Engine) release() {
	e.running.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		select {
		case r := <-e.local:
			e.queued.Add(-1)
			r.LeaseOwner, r.LeaseUntil = "", time.Time{}
			if err := e.o.Store.Runs().Advance(ctx, e.o.Owner, r); err != nil {
				e.log.Warn("could not release a queued run; it resumes when its lease lapses", "run", r.ID, "err", err)
			}
		default:
			return
		}
	}
}

// Drain executes due runs until none is left, without background
// goroutines; the CLI and tests use it.
func (e *Engine) Drain(ctx context.Context) (int, error) {
	n := 0
	for {
		now := e.o.Now()
		claimed, err := e.o.Store.Runs().Claim(ctx, e.o.Owner, now, now.Add(e.o.Lease), e.o.Workers)
		if err != nil {
			return n, err
		}
		if len(claimed) == 0 {
			return n, nil
		}
		var wg sync.WaitGroup
		for _, r := range claimed {
			wg.Add(1)
			go func() { defer wg.Done(); e.execute(ctx, r) }()
		}
		wg.Wait()
		n += len(claimed)
	}
}
