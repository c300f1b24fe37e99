package rollout

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/review"
	"github.com/tendhq/tend/internal/store"
)

// plan checks the review gate, fixes the waves and the versions to return
// to, and moves to the first wave.
func (x *exec) plan(ctx context.Context) (bool, error) {
	e := x.e
	start := e.o.Now().UTC()
	if x.s.BlockOnReview != "" && e.o.Review != nil {
		sev, on, _ := review.ParseBlockOnReview(x.s.BlockOnReview)
		if on {
			res, err := e.o.Review.Check(ctx, x.r.Product, sev)
			if err != nil {
				return false, fmt.Errorf("review gate: %w", err)
			}
			if res.Blocked {
				// Held, not failed: a new review that passes lets it go on.
				if x.r.Summary != "held: "+res.Reason {
					if err := x.step(ctx, "review", "waiting", start, map[string]any{"block_on_review": x.s.BlockOnReview}, res, ""); err != nil {
						return false, err
					}
				}
				return false, x.release(ctx, store.RolloutPending, "held: "+res.Reason, e.o.Now().Add(e.o.Poll))
			}
		}
	}
	all, err := e.o.Store.Deployments().List(ctx, store.DeploymentFilter{Product: x.r.Product})
	if err != nil {
		return false, err
	}
	var deps []store.Deployment
	var skipped []string
	for _, d := range all {
		switch {
		case d.State == store.DeploymentActive && d.Version == x.r.Version:
			skipped = append(skipped, fmt.Sprintf("%s (already on version %d)", d.ID, d.Version))
		case d.State == store.DeploymentActive:
			deps = append(deps, d)
		default:
			skipped = append(skipped, d.ID+" ("+d.State+")")
		}
	}
	waves, err := Plan(x.s, deps)
	if err != nil {
		_ = x.step(ctx, "plan", "failed", start, x.s, nil, err.Error())
		x.finish(ctx, store.RolloutFailed, "plan: "+err.Error())
		return false, nil
	}
	x.mu.Lock()
	x.d.Waves, x.d.Previous = waves, map[string]int{}
	for _, d := range deps {
		x.d.Previous[d.ID] = d.Version
	}
	x.d.Phase, x.r.State, x.r.Wave = phaseDeploy, store.RolloutRunning, 0
	x.r.Summary = fmt.Sprintf("%d deployments in %d waves", len(deps), len(waves))
	x.mu.Unlock()
	out := map[string]any{"waves": waves, "skipped": skipped}
	if err := x.step(ctx, "plan", "ok", start, map[string]any{"strategy": x.s.Strategy, "deployments": len(deps)}, out, ""); err != nil {
		return false, err
	}
	if len(waves) == 0 {
		x.finish(ctx, store.RolloutSucceeded, fmt.Sprintf("no active deployment to update: %d skipped (%s)", len(skipped), strings.Join(skipped, ", ")))
		return false, nil
	}
	x.event(ctx, "start", fmt.Sprintf("rollout %s of %s version %d started: %s", x.r.ID, x.r.Product, x.r.Version, x.r.Summary), nil, nil)
	return true, nil
}

// deploy updates the wave's deployments, max_concurrent at a time, and
// starts the bake; too many failures roll the wave back.
func (x *exec) deploy(ctx context.Context) (bool, error) {
	e := x.e
	x.mu.Lock()
	w := x.d.Waves[x.r.Wave]
	x.r.Summary = fmt.Sprintf("wave %d of %d (%s): deploying %d", x.r.Wave+1, len(x.d.Waves), w.Name, len(w.IDs))
	x.mu.Unlock()
	if err := x.save(ctx); err != nil {
		return false, err
	}
	sem := make(chan struct{}, x.s.MaxConcurrent)
	var wg sync.WaitGroup
	var stopped bool
	tolerated := x.s.Tolerated(len(w.IDs))
	for _, id := range w.IDs {
		x.mu.Lock()
		done := slices.Contains(x.d.WaveUpdated, id) || slices.Contains(x.d.WaveFailed, id)
		stop := x.ctl.AbortRequested || x.ctl.PauseRequested || len(x.d.WaveFailed) > tolerated || x.lost.Load()
		x.mu.Unlock()
		if stop {
			stopped = true
			break
		}
		if done {
			continue
		}
		sem <- struct{}{}
		if ctx.Err() != nil {
			break
		}
		// A person may have asked to stop while we waited for a slot.
		if c, err := e.o.Store.Rollouts().Get(ctx, x.r.ID); err == nil && (c.AbortRequested || c.PauseRequested) {
			x.mu.Lock()
			x.ctl = store.RolloutControl{PauseRequested: c.PauseRequested, AbortRequested: c.AbortRequested}
			x.r.ControlBy = c.ControlBy
			x.mu.Unlock()
			<-sem
			stopped = true
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			start := e.o.Now().UTC()
			d, err := e.o.Deployer.Deploy(ctx, id, x.r.Version)
			if ctx.Err() != nil {
				return
			}
			x.mu.Lock()
			status, errText := "ok", ""
			if err != nil {
				status, errText = "failed", err.Error()
				x.d.WaveFailed = append(x.d.WaveFailed, id)
			} else {
				x.d.WaveUpdated = append(x.d.WaveUpdated, id)
				x.d.Updated = appendNew(x.d.Updated, id)
			}
			x.mu.Unlock()
			in := map[string]any{"deployment": id, "from": x.d.Previous[id], "to": x.r.Version}
			_ = x.step(ctx, "deploy", status, start, in, map[string]any{"state": d.State, "version": d.Version, "outputs": d.Outputs}, errText)
			if err == nil {
				x.event(ctx, "deploy:"+id, fmt.Sprintf("%s version %d → %d (rollout %s)", id, x.d.Previous[id], x.r.Version, x.r.ID), []store.Deployment{d}, nil)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil || x.lost.Load() {
		return false, ctx.Err()
	}
	x.mu.Lock()
	failed := len(x.d.WaveFailed)
	ctl := x.ctl
	x.mu.Unlock()
	if failed > tolerated {
		x.gateFailed(ctx, fmt.Sprintf("%d of %d deployments of wave %s failed to update (tolerated: %d)", failed, len(w.IDs), w.Name, tolerated), "")
		return true, nil
	}
	if stopped && ctl.AbortRequested {
		return true, nil // the loop rolls back
	}
	if stopped && ctl.PauseRequested {
		return false, x.release(ctx, store.RolloutPaused, fmt.Sprintf("paused in wave %d (%s)", x.r.Wave+1, w.Name), e.o.Now())
	}
	now := e.o.Now().UTC()
	x.mu.Lock()
	x.d.Phase, x.d.DeployedAt, x.d.BakeUntil, x.d.GiveUpAt, x.d.Verdict = phaseBake, now, now.Add(w.bakeOf()), now.Add(2*w.bakeOf()), nil
	x.r.Summary = fmt.Sprintf("wave %d of %d (%s): baking until %s", x.r.Wave+1, len(x.d.Waves), w.Name, x.d.BakeUntil.Format(time.RFC3339))
	x.mu.Unlock()
	return true, x.save(ctx)
}

func appendNew(l []string, id string) []string {
	if slices.Contains(l, id) {
		return l
	}
	return append(l, id)
}

// bake judges the wave every analysis interval until its bake time has
// passed with every gate holding (and enough data), or a gate fails.
func (x *exec) bake(ctx context.Context) (bool, error) {
	e := x.e
	interval := time.Duration(x.s.AnalysisInterval)
	for {
		now := e.o.Now().UTC()
		x.mu.Lock()
		w := x.d.Waves[x.r.Wave]
		a := analysis{version: x.r.Version, previous: x.d.Previous, deployedAt: x.d.DeployedAt, now: now, bake: w.bakeOf(),
			insightGate: x.s.Gates.Insights == nil || *x.s.Gates.Insights, compare: x.s.Gates.Compare}
		updated := slices.Clone(x.d.WaveUpdated)
		bakeUntil, giveUp := x.d.BakeUntil, x.d.GiveUpAt
		abort := x.ctl.AbortRequested
		x.mu.Unlock()
		end := !now.Before(bakeUntil)
		a.final = end
		if abort {
			return true, nil
		}
		all, err := e.o.Store.Deployments().List(ctx, store.DeploymentFilter{Product: x.r.Product})
		if err != nil {
			return false, err
		}
		for _, d := range all {
			switch {
			case slices.Contains(updated, d.ID):
				a.canary = append(a.canary, d)
			case d.State == store.DeploymentActive && d.Version != x.r.Version:
				a.baseline = append(a.baseline, d)
			}
		}
		v, err := e.judge(ctx, a)
		if err != nil {
			return false, err
		}
		e.metrics.verdicts.WithLabelValues(v.Result).Inc()
		x.mu.Lock()
		x.d.Verdict = &v
		x.mu.Unlock()
		switch {
		case v.Result == VerdictFail:
			_ = x.step(ctx, "analysis", "failed", now, map[string]any{"wave": w.Name, "canary": len(a.canary), "baseline": len(a.baseline)}, v, v.Reason)
			x.gateFailed(ctx, v.Reason, v.Insight)
			return true, nil
		case end && v.Result == VerdictPass:
			_ = x.step(ctx, "analysis", "ok", now, map[string]any{"wave": w.Name, "canary": len(a.canary), "baseline": len(a.baseline)}, v, "")
			return x.next(ctx)
		case end && v.Result == VerdictNoData && !now.Before(giveUp):
			reason := "missing data never promotes: " + v.Reason
			_ = x.step(ctx, "analysis", "failed", now, map[string]any{"wave": w.Name}, v, reason)
			x.gateFailed(ctx, reason, "")
			return true, nil
		}
		x.mu.Lock()
		if end {
			x.r.Summary = fmt.Sprintf("wave %d of %d (%s): baked, waiting for data (%s)", x.r.Wave+1, len(x.d.Waves), w.Name, v.Reason)
		}
		x.mu.Unlock()
		if err := x.save(ctx); err != nil {
			return false, err
		}
		next := min(interval, time.Until(bakeUntil))
		if next <= 0 {
			next = interval
		}
		if aborted, err := x.sleepUnlessAborted(ctx, next); err != nil || aborted {
			return aborted, err
		}
	}
}

// sleepUnlessAborted waits d, looking every poll interval whether a
// person (the CLI, the API, another tend) asked to abort: an abort must
// not wait for the next analysis, which may be minutes away.
func (x *exec) sleepUnlessAborted(ctx context.Context, d time.Duration) (bool, error) {
	until := time.Now().Add(d)
	for {
		wait := min(time.Until(until), x.e.o.Poll)
		if wait <= 0 {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(wait):
		}
		c, err := x.e.o.Store.Rollouts().Get(ctx, x.r.ID)
		if err != nil || !c.AbortRequested {
			continue
		}
		x.mu.Lock()
		x.ctl.AbortRequested, x.r.ControlBy = true, c.ControlBy
		x.mu.Unlock()
		return true, nil
	}
}

// next moves past a wave that passed: to the next wave (waiting for
// approval, or pausing, if asked), or to the end.
func (x *exec) next(ctx context.Context) (bool, error) {
	e := x.e
	x.mu.Lock()
	x.d.WaveUpdated, x.d.WaveFailed = nil, nil
	done := x.r.Wave+1 >= len(x.d.Waves)
	if !done {
		x.r.Wave++
		x.d.Phase = phaseDeploy
	}
	w := x.r.Wave
	n := len(x.d.Waves)
	pause := x.ctl.PauseRequested
	x.mu.Unlock()
	if done {
		x.finish(ctx, store.RolloutSucceeded, fmt.Sprintf("version %d on every deployment (%d waves)", x.r.Version, n))
		x.event(ctx, "end", fmt.Sprintf("rollout %s of %s version %d succeeded", x.r.ID, x.r.Product, x.r.Version), nil, nil)
		return false, nil
	}
	if x.s.Approval {
		return false, x.release(ctx, store.RolloutWaiting, fmt.Sprintf("wave %d of %d passed; wave %d (%s) waits for approval", w, n, w+1, x.d.Waves[w].Name), e.o.Now())
	}
	if pause {
		return false, x.release(ctx, store.RolloutPaused, fmt.Sprintf("paused before wave %d of %d (%s)", w+1, n, x.d.Waves[w].Name), e.o.Now())
	}
	return true, x.save(ctx)
}

// gateFailed starts rolling back after a failed gate or deployment.
func (x *exec) gateFailed(ctx context.Context, reason, insight string) {
	x.mu.Lock()
	x.d.GateFailedAt, x.d.Insight = x.e.o.Now().UTC(), insight
	x.mu.Unlock()
	x.e.log.Warn("rollout gate failed; rolling back", "rollout", x.r.ID, "product", x.r.Product, "reason", reason)
	x.startRollback(ctx, store.RolloutRolledBack, reason, true)
}

// startRollback records why and what will be rolled back.
func (x *exec) startRollback(ctx context.Context, outcome, reason string, gate bool) {
	x.mu.Lock()
	x.d.Phase, x.d.Outcome, x.d.Reason = phaseRollback, outcome, reason
	x.r.State = store.RolloutRunning
	x.r.Summary = "rolling back: " + reason
	insight := x.d.Insight
	x.mu.Unlock()
	_ = x.save(ctx)
	kind := "abort"
	if gate {
		kind = "gate"
	}
	var links []store.Link
	if insight != "" {
		links = append(links, store.Link{Title: "insight " + insight, URL: "/v1/insights/" + insight})
	}
	x.event(ctx, kind, fmt.Sprintf("rollout %s of %s version %d: %s", x.r.ID, x.r.Product, x.r.Version, reason), nil, links)
}

// rollback returns the deployments to their previous versions: those of
// the wave in progress (and, with rollback: all, every one this rollout
// updated), then ends the rollout.
func (x *exec) rollback(ctx context.Context) (bool, error) {
	e := x.e
	x.mu.Lock()
	targets := slices.Clone(x.d.WaveUpdated)
	targets = append(targets, x.d.WaveFailed...)
	if x.s.Rollback == "all" {
		for _, id := range x.d.Updated {
			targets = appendNew(targets, id)
		}
	}
	x.mu.Unlock()
	sem := make(chan struct{}, x.s.MaxConcurrent)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for _, id := range targets {
		prev := x.d.Previous[id]
		cur, err := e.o.Store.Deployments().Get(ctx, id)
		if err != nil {
			mu.Lock()
			failures = append(failures, id+": "+err.Error())
			mu.Unlock()
			continue
		}
		if cur.Version == prev && cur.State == store.DeploymentActive && cur.Error == "" {
			x.forget(id)
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			start := e.o.Now().UTC()
			d, err := e.o.Deployer.Deploy(ctx, id, prev)
			if ctx.Err() != nil {
				return
			}
			status, errText := "ok", ""
			if err != nil {
				status, errText = "failed", err.Error()
				mu.Lock()
				failures = append(failures, id+": "+err.Error())
				mu.Unlock()
			} else {
				x.forget(id)
			}
			_ = x.step(ctx, "rollback", status, start, map[string]any{"deployment": id, "from": x.r.Version, "to": prev}, map[string]any{"state": d.State, "version": d.Version}, errText)
			if err == nil {
				x.event(ctx, "rollback:"+id, fmt.Sprintf("%s version %d → %d: rolled back (rollout %s)", id, x.r.Version, prev, x.r.ID), []store.Deployment{d}, nil)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil || x.lost.Load() {
		return false, ctx.Err()
	}
	x.mu.Lock()
	x.d.RolledBackAt = e.o.Now().UTC()
	outcome, reason := x.d.Outcome, x.d.Reason
	x.mu.Unlock()
	if len(failures) > 0 {
		x.finish(ctx, store.RolloutFailed, fmt.Sprintf("%s; the rollback failed for %s", reason, strings.Join(failures, "; ")))
		return false, nil
	}
	x.finish(ctx, outcome, reason+"; rolled back to the previous version")
	return false, nil
}

func (x *exec) forget(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.d.WaveUpdated = slices.DeleteFunc(x.d.WaveUpdated, func(s string) bool { return s == id })
	x.d.WaveFailed = slices.DeleteFunc(x.d.WaveFailed, func(s string) bool { return s == id })
	x.d.Updated = slices.DeleteFunc(x.d.Updated, func(s string) bool { return s == id })
}

// event records a DEPLOYMENT event (the "what changed just before" of
// insights) for the deployments given, or for the product.
func (x *exec) event(ctx context.Context, key, name string, deps []store.Deployment, links []store.Link) {
	now := x.e.o.Now().UTC()
	ev := store.Event{ID: store.NewID("evt", now), Key: x.r.ID + ":" + key, Time: now, Source: "tend", EventSource: "tend/rollout",
		Class: store.EventDeployment, Name: name, Actor: x.r.CreatedBy, Links: links, ReceivedAt: now,
		Details: map[string]string{"rollout": x.r.ID, "product": x.r.Product, "version": strconv.Itoa(x.r.Version)}}
	for _, d := range deps {
		ev.Resources = append(ev.Resources, store.EventResource{Type: "deployment", Name: d.ID, ID: d.Stack})
		ev.Stack, ev.Account, ev.Region = d.Stack, d.Account, d.Region
	}
	ctx = context.WithoutCancel(ctx)
	evs := []store.Event{ev}
	if x.e.o.Associate != nil {
		related, err := x.e.o.Associate(ctx, evs)
		if err != nil {
			x.e.log.Warn("relate a rollout event to ongoing insights", "rollout", x.r.ID, "err", err)
		} else {
			evs = related
		}
	}
	if _, _, err := x.e.o.Store.Events().Add(ctx, evs); err != nil {
		x.e.log.Warn("record a rollout event", "rollout", x.r.ID, "err", err)
	}
}

// notify hands a message about the rollout to the notifier.
func (x *exec) notify(ctx context.Context, typ, summary string) {
	x.mu.Lock()
	body, _ := json.Marshal(map[string]any{"MessageType": typ, "RolloutId": x.r.ID, "Product": x.r.Product, "Version": x.r.Version,
		"State": x.r.State, "Summary": summary, "Insight": x.d.Insight, "Updated": x.d.Updated, "Time": x.e.o.Now().UTC().UnixMilli()})
	sev := store.SeverityLow
	if x.r.State == store.RolloutRolledBack || x.r.State == store.RolloutFailed {
		sev = store.SeverityHigh
	}
	msg := store.Notification{ID: x.r.ID + ":" + typ, Type: typ, Subject: x.r.ID, Severity: sev, Body: body, CreatedAt: x.e.o.Now().UTC()}
	x.mu.Unlock()
	if x.e.o.Notifier == nil {
		x.e.log.Info("rollout notification", "type", typ, "rollout", x.r.ID, "summary", summary)
		return
	}
	if err := x.e.o.Notifier.Notify(context.WithoutCancel(ctx), msg); err != nil {
		x.e.log.Warn("hand a rollout notification on", "rollout", x.r.ID, "err", err)
	}
}
