package remediate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate/policy"
	"github.com/tendhq/tend/internal/store"
)

// Step names, in the order a run goes through them.
const (
	StepEnrich   = "enrich"   // fetch the problem's and entity's details from the monitor
	StepQualify  = "qualify"  // the policy's match on the full details, then enough occurrences for the entity within the window
	StepResolve  = "resolve"  // instance and catalog product
	StepDecide   = "decide"   // current type, approved list, next type
	StepApproval = "approval" // mode approve: wait for a person
	StepGuard    = "guard"    // cooldown per target, global rate limit
	StepAct      = "act"      // edit the template, publish a new version
	StepReport   = "report"   // comment on the problem
)

// Outcomes of a finished run.
const (
	OutcomeActed        = "acted"
	OutcomeNoChange     = "no-change"
	OutcomeDryRun       = "dry-run"
	OutcomeNotMatched   = "not-matched"
	OutcomeNotQualified = "not-qualified"
	OutcomeUnresolved   = "unresolved"
	OutcomeCooldown     = "cooldown"
	OutcomeRateLimited  = "rate-limited"
	OutcomeFailed       = "failed"
)

// runData is a run's persisted state: what its steps found so far.
type runData struct {
	Seq     int              `json:"seq"`
	Next    string           `json:"next"`
	Problem *problem.Problem `json:"problem,omitempty"`
	Subject *problem.Entity  `json:"subject,omitempty"`
	Hits    int              `json:"hits,omitempty"`
	Plan    *Plan            `json:"plan,omitempty"`
	Version *VersionRef      `json:"version,omitempty"`
	Outcome string           `json:"outcome,omitempty"`
	Summary string           `json:"summary,omitempty"`
}

// VersionRef names a published catalog version.
type VersionRef struct {
	Product string `json:"product"`
	ID      string `json:"id"`
	Number  int    `json:"number"`
}

// exec is one run being executed.
type exec struct {
	run store.Run
	pol *policy.Policy
	// d is the run's recorded state; w is the working copy a step changes,
	// which becomes d once the step is recorded.
	d, w    *runData
	monitor Monitor
	// cur is the step being executed.
	cur struct {
		name  string
		start time.Time
		input any
	}
	// recorded is the run as a step recorded itself (Qualify, Guard).
	recorded *store.Run
	// pending are steps executed but not yet stored: a step that changes
	// nothing outside the run is recorded with the next write (see
	// deferrable).
	pending []store.Step
}

type stepResult struct {
	status   string // ok, skipped, waiting
	output   any
	next     string
	recorded bool // the step recorded itself with its store write
}

func (e *Engine) execute(ctx context.Context, r store.Run) {
	d := &runData{}
	if len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, d); err != nil {
			e.finish(ctx, r, d, OutcomeFailed, "", fmt.Sprintf("the run's stored state is unreadable: %v", err))
			return
		}
	}
	if d.Next == "" {
		d.Next = StepEnrich
	}
	pol, ok := e.policies.Load().Get(r.Policy)
	if !ok {
		e.finish(ctx, r, d, OutcomeFailed, "", fmt.Sprintf("policy %q is no longer loaded", r.Policy))
		return
	}
	x := &exec{run: r, pol: pol, d: d}
	if d.Problem == nil {
		p, err := e.loadProblem(ctx, r)
		if err != nil {
			e.retry(ctx, x, d.Next, time.Now(), err)
			return
		}
		d.Problem = &p
	}
	x.monitor = e.o.Monitors(d.Problem.Source)
	for x.d.Next != "" {
		if ctx.Err() != nil {
			return // the lease lapses and the run resumes later
		}
		name := x.d.Next
		w := *x.d
		x.w, x.recorded = &w, nil
		x.cur.name, x.cur.start, x.cur.input = name, e.o.Now(), e.stepInput(x, name)
		res, err := e.step(ctx, x, name)
		if errors.Is(err, errCrash) {
			return
		}
		e.metrics.steps.WithLabelValues(name).Observe(e.o.Now().Sub(x.cur.start).Seconds())
		if err != nil && ctx.Err() != nil {
			return // stopping: not the step's failure; the run resumes later
		}
		if err != nil {
			e.retry(ctx, x, name, x.cur.start, err)
			return
		}
		switch {
		case res.recorded:
			x.pending = nil
		case deferrable(name, res):
			r, st := e.record(x, res)
			x.pending = append(x.pending, st)
			x.recorded = &r
		default:
			r, st := e.record(x, res)
			wctx := ctx
			if res.next == "" {
				// The run's last record: nothing follows it, so it need
				// not wait for the disk (see unsynced).
				wctx = store.Unsynced(ctx)
			}
			if err := e.o.Store.Runs().Advance(wctx, e.o.Owner, r, x.withPending(st)...); err != nil {
				e.log.Warn("stop run: could not record its step", "run", x.run.ID, "step", name, "err", err)
				return
			}
			x.recorded, x.pending = &r, nil
		}
		x.run, x.d = *x.recorded, x.w
		if res.status == "waiting" {
			return
		}
	}
	e.finished(x.run)
}

// Which of a run's records wait for the disk (store.Unsynced): a record
// that something outside tend will rely on is synced first — the guard's
// decision (it keeps other runs off the target) and the act step (a
// comment announcing it follows). The others — qualification, the last
// record, a failed attempt — are committed without waiting: if the machine
// loses power before a later synced commit, the run resumes from an
// earlier step and does again what it had done, with the same idempotency
// keys, so nothing is lost or doubled. A problem's intake is always synced
// before its 202.

// deferrable reports whether a step's record may wait for the run's next
// write: true for the steps that only read (enrich, resolve, decide, an
// approval already given) when the run goes on to another step. Such a step
// is recorded in the same transaction as the step after it, which saves a
// commit each; if tend stops in between, the run resumes before it and the
// step runs again, reading the same things. Every step that changes
// something (qualify, guard, act, report), waits, or ends the run is
// recorded before the next step begins.
func deferrable(name string, res stepResult) bool {
	if res.status != "ok" || res.next == "" {
		return false
	}
	switch name {
	case StepEnrich, StepResolve, StepDecide, StepApproval:
		return true
	}
	return false
}

// withPending returns the steps to store with st: the deferred ones first.
// It does not change x.pending, so that a retried transaction gets the
// same list.
func (x *exec) withPending(st ...store.Step) []store.Step {
	return append(x.pending[:len(x.pending):len(x.pending)], st...)
}

// record returns the run and the step record for the step just executed;
// it changes only the working copy x.w.
func (e *Engine) record(x *exec, res stepResult) (store.Run, store.Step) {
	now := e.o.Now()
	w := x.w
	w.Seq++
	w.Next = res.next
	st := store.Step{Seq: w.Seq, Name: x.cur.name, Status: res.status, Input: mustJSON(x.cur.input), Output: mustJSON(res.output), StartedAt: x.cur.start, FinishedAt: now}
	r := x.run
	r.UpdatedAt, r.Error = now, ""
	r.LeaseOwner, r.LeaseUntil = e.o.Owner, now.Add(e.o.Lease)
	if w.Plan != nil && w.Plan.Product != "" {
		r.Target = w.Plan.Product
	}
	switch {
	case res.status == "waiting":
		r.State, r.LeaseOwner, r.LeaseUntil, r.Summary = store.RunWaiting, "", time.Time{}, w.Summary
	case w.Next == "":
		r.State, r.Outcome, r.Summary = store.RunDone, w.Outcome, w.Summary
		r.LeaseOwner, r.LeaseUntil = "", time.Time{}
	}
	r.Data = mustJSON(w)
	r.Notify = e.runNotes(x, w, r, x.cur.name)
	return r, st
}

func (e *Engine) finished(r store.Run) {
	e.metrics.runs.WithLabelValues(r.Policy, r.Outcome).Inc()
	e.log.Info("remediation run finished", "run", r.ID, "policy", r.Policy, "outcome", r.Outcome, "summary", r.Summary)
	if e.done != nil {
		e.done(r)
	}
}

// retry records a failed step and schedules the run again with backoff, or
// fails it after MaxAttempts.
func (e *Engine) retry(ctx context.Context, x *exec, name string, start time.Time, cause error) {
	now := e.o.Now()
	x.d.Seq++
	st := store.Step{Seq: x.d.Seq, Name: name, Status: "failed", Input: []byte("null"), Output: []byte("null"), Error: cause.Error(), StartedAt: start, FinishedAt: now}
	r := x.run
	r.Error, r.UpdatedAt, r.LeaseOwner, r.LeaseUntil = cause.Error(), now, "", time.Time{}
	if r.Attempts >= e.o.MaxAttempts {
		r.State, r.Outcome, r.Summary = store.RunFailed, OutcomeFailed, fmt.Sprintf("step %s failed %d times: %v", name, r.Attempts, cause)
	} else {
		backoff := time.Duration(1<<min(r.Attempts, 8)) * time.Second
		r.State, r.NextAt = store.RunPending, now.Add(backoff)
	}
	r.Data = mustJSON(x.d)
	r.Notify = e.runNotes(x, x.d, r, name)
	if err := e.o.Store.Runs().Advance(store.Unsynced(ctx), e.o.Owner, r, x.withPending(st)...); err != nil {
		e.log.Warn("could not record a failed step", "run", r.ID, "step", name, "err", err)
		return
	}
	e.log.Warn("remediation step failed", "run", r.ID, "step", name, "attempt", r.Attempts, "err", cause)
	if r.State == store.RunFailed {
		e.finished(r)
	}
}

// finish ends a run that cannot start (no policy, unreadable state).
func (e *Engine) finish(ctx context.Context, r store.Run, d *runData, outcome, summary, errText string) {
	now := e.o.Now()
	r.State, r.Outcome, r.Summary, r.Error = store.RunFailed, outcome, summary, errText
	r.UpdatedAt, r.LeaseOwner, r.LeaseUntil = now, "", time.Time{}
	if summary == "" {
		r.Summary = errText
	}
	r.Notify = e.runNotes(nil, d, r, "")
	if err := e.o.Store.Runs().Advance(ctx, e.o.Owner, r); err != nil {
		e.log.Warn("could not fail run", "run", r.ID, "err", err)
		return
	}
	e.finished(r)
}

func (e *Engine) loadProblem(ctx context.Context, r store.Run) (problem.Problem, error) {
	var p problem.Problem
	occs, err := e.o.Store.Problems().Occurrences(ctx, r.ProblemID)
	if err != nil {
		return p, err
	}
	for _, o := range occs {
		if o.ID == r.OccurrenceID {
			if err := json.Unmarshal(o.Body, &p); err != nil {
				return p, fmt.Errorf("decode occurrence %s: %w", o.ID, err)
			}
			return p, nil
		}
	}
	return p, fmt.Errorf("occurrence %s of problem %s: %w", r.OccurrenceID, r.ProblemID, store.ErrNotFound)
}

func (e *Engine) step(ctx context.Context, x *exec, name string) (stepResult, error) {
	switch name {
	case StepEnrich:
		return e.enrich(ctx, x)
	case StepQualify:
		return e.qualify(ctx, x)
	case StepResolve:
		return e.resolve(ctx, x)
	case StepDecide:
		return e.decide(ctx, x)
	case StepApproval:
		return e.approval(x)
	case StepGuard:
		return e.guard(ctx, x)
	case StepAct:
		return e.act(ctx, x)
	case StepReport:
		return e.report(ctx, x)
	}
	return stepResult{}, fmt.Errorf("unknown step %q", name)
}

// stepInput is what a step is given, recorded with it.
func (e *Engine) stepInput(x *exec, name string) any {
	p := x.d.Problem
	switch name {
	case StepEnrich:
		return map[string]any{"source": p.Source, "external_id": p.ExternalID, "event_type": p.EventType, "state": p.State}
	case StepQualify:
		return map[string]any{"event_type": p.EventType, "state": p.State, "entity": x.d.Subject, "occurrences": x.pol.Qualify.Occurrences, "within": Human(x.pol.Qualify.Within)}
	case StepResolve:
		return map[string]any{"entity": x.d.Subject, "product_from": x.pol.Act.Params.ProductFrom}
	case StepDecide:
		return map[string]any{"product": x.d.Plan, "approved_types_param": x.pol.Act.Params.ApprovedTypesParam}
	case StepApproval, StepGuard, StepAct:
		return x.d.Plan
	case StepReport:
		return map[string]any{"outcome": x.d.Outcome, "version": x.d.Version}
	}
	return nil
}

func (e *Engine) fail(runID, step string) error {
	if e.fault != nil {
		return e.fault(runID, step)
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(fmt.Sprintf(`{"error":%q}`, err.Error()))
	}
	return b
}

// editor returns the editor for a template format.
func (e *Engine) editor(f catalog.Format) (catalog.Editor, error) {
	ed, ok := e.o.Editors[f]
	if !ok || ed == nil {
		return nil, fmt.Errorf("no template editor for format %q is configured", f)
	}
	return ed, nil
}

// Human formats a duration without zero units: 1h, 90m → 1h30m, 24h.
func Human(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
