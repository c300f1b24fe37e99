package remediate

import (
	"context"
	"fmt"
	"strings"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate/policy"
	"github.com/tendhq/tend/internal/store"
)

// Tags Service Catalog puts on the instances it launches.
const (
	TagProductARN = "aws:servicecatalog:productArn"
	TagArtifactID = "aws:servicecatalog:provisioningArtifactIdentifier"
	TagLogicalID  = "aws:cloudformation:logical-id"
)

// Entity properties that name the cloud instance behind a monitored entity.
var instanceIDProps = []string{"awsInstanceId", "instanceId", "instance_id", "arn"}

func (e *Engine) enrich(ctx context.Context, x *exec) (stepResult, error) {
	p := x.w.Problem
	out := map[string]any{}
	if m := x.monitor; m != nil && (p.EventType == "" || len(p.Entities) == 0 || p.Impact == "") {
		det, err := m.Problem(ctx, p.ExternalID)
		switch {
		case err == nil:
			mergeProblem(p, det)
			out["problem"] = "details fetched from the monitor"
		case notFound(err):
			out["problem"] = "the monitor does not know the problem: " + err.Error()
		default:
			return stepResult{}, fmt.Errorf("fetch problem %s from %s: %w", p.ExternalID, p.Source, err)
		}
	}
	subject, ok := p.Subject()
	if ok && x.monitor != nil {
		ent, err := x.monitor.Entity(ctx, subject.ID)
		switch {
		case err == nil:
			subject = mergeEntity(subject, ent)
			out["entity"] = "details fetched from the monitor"
		case notFound(err):
			out["entity"] = "no further details: " + err.Error()
		default:
			return stepResult{}, fmt.Errorf("fetch entity %s from %s: %w", subject.ID, p.Source, err)
		}
	}
	if ok {
		x.w.Subject = &subject
	}
	out["event_type"], out["impact"], out["entity"] = p.EventType, p.Impact, x.w.Subject
	return stepResult{status: "ok", output: out, next: StepQualify}, nil
}

func mergeProblem(p *problem.Problem, det problem.Problem) {
	if p.EventType == "" {
		p.EventType = det.EventType
	}
	if p.Impact == "" {
		p.Impact = det.Impact
	}
	if p.Severity == "" {
		p.Severity = det.Severity
	}
	if p.Title == "" {
		p.Title = det.Title
	}
	if p.DisplayID == "" {
		p.DisplayID = det.DisplayID
	}
	if p.URL == "" {
		p.URL = det.URL
	}
	if p.RootCause == nil {
		p.RootCause = det.RootCause
	}
	if len(p.Entities) == 0 {
		p.Entities = det.Entities
	}
	for k, v := range det.Tags {
		if p.Tags == nil {
			p.Tags = map[string]string{}
		}
		if _, ok := p.Tags[k]; !ok {
			p.Tags[k] = v
		}
	}
}

func mergeEntity(a, b problem.Entity) problem.Entity {
	if a.Type == "" {
		a.Type = b.Type
	}
	if a.Name == "" {
		a.Name = b.Name
	}
	a.Tags = mergeMap(a.Tags, b.Tags)
	a.Properties = mergeMap(a.Properties, b.Properties)
	return a
}

func mergeMap(a, b map[string]string) map[string]string {
	if len(b) == 0 {
		return a
	}
	out := make(map[string]string, len(a)+len(b))
	for k, v := range b {
		out[k] = v
	}
	for k, v := range a {
		out[k] = v
	}
	return out
}

// qualify matches the enriched problem against the policy and, if it
// matches, counts the occurrences; the decision and its record commit in
// one transaction.
func (e *Engine) qualify(ctx context.Context, x *exec) (stepResult, error) {
	p := *x.w.Problem
	if x.w.Subject != nil {
		// The enriched subject (with its tags) decides entity-level criteria.
		p.RootCause = x.w.Subject
	}
	if r := x.pol.Match.Evaluate(p, false); !r.OK {
		x.w.Outcome, x.w.Summary = OutcomeNotMatched, "does not match: "+r.Reason
		return stepResult{status: "ok", output: map[string]any{"matched": false, "reason": r.Reason}}, nil
	}
	if x.w.Subject == nil {
		x.w.Outcome, x.w.Summary = OutcomeNotMatched, "the problem names no entity to act on"
		return stepResult{status: "ok", output: map[string]any{"matched": false, "reason": x.w.Summary}}, nil
	}
	now := e.o.Now()
	q := x.pol.Qualify
	var res stepResult
	_, _, err := e.o.Store.Runs().Qualify(store.Unsynced(ctx), store.QualifyRequest{
		Policy: x.pol.Name, Entity: x.w.Subject.ID, OccurrenceID: x.run.OccurrenceID, RunID: x.run.ID,
		At: now, Since: now.Add(-q.Within), Need: q.Occurrences, Owner: e.o.Owner,
		Then: func(n int, ok bool) (store.Run, []store.Step) {
			w := *x.d // the decision may be made more than once if the transaction is retried
			x.w = &w
			w.Hits = n
			res = stepResult{status: "ok", next: StepResolve, recorded: true,
				output: map[string]any{"matched": true, "occurrences": n, "needed": q.Occurrences, "within": Human(q.Within), "qualified": ok}}
			if !ok {
				w.Outcome = OutcomeNotQualified
				w.Summary = fmt.Sprintf("%d of %d %s occurrences on %s within %s", n, q.Occurrences, w.Problem.EventType, w.Subject.ID, Human(q.Within))
				res.next = ""
			}
			r, st := e.record(x, res)
			x.recorded = &r
			return r, x.withPending(st)
		},
	})
	return res, err
}

func (e *Engine) resolve(ctx context.Context, x *exec) (stepResult, error) {
	ap := x.pol.Act.Params
	plan := &Plan{}
	subj := *x.w.Subject
	var inst *Instance
	instanceID := ""
	for _, k := range instanceIDProps {
		if v := subj.Properties[k]; v != "" {
			instanceID = v
			break
		}
	}
	if t := firstProp(subj.Properties, "awsInstanceType", "instanceType", "instance_type"); t != "" {
		plan.InstanceType = t
	}
	if instanceID != "" && e.o.Inventory != nil {
		i, err := e.o.Inventory.Instance(ctx, instanceID)
		switch {
		case err == nil:
			inst = &i
			plan.InstanceID, plan.InstanceType = i.ID, firstNonEmpty(i.Type, plan.InstanceType)
		case notFound(err):
		default:
			return stepResult{}, fmt.Errorf("look up instance %s: %w", instanceID, err)
		}
	}
	product, logical, from, tried := FindProduct(x.pol, *x.w.Problem, subj, inst)
	if product != "" {
		plan.Product, plan.ProductFrom = product, from
		plan.LogicalID = firstNonEmpty(logical, ap.LogicalID)
	}
	x.w.Plan = plan
	if plan.Product == "" {
		x.w.Outcome = OutcomeUnresolved
		x.w.Summary = fmt.Sprintf("no catalog product found for %s (tried %s; tag the entity %s:PRODUCT or set act.params.product)",
			subj.ID, strings.Join(tried, ", "), ap.ProductTag)
		plan.Reason = x.w.Summary
		return stepResult{status: "ok", output: plan, next: StepReport}, nil
	}
	return stepResult{status: "ok", output: plan, next: StepDecide}, nil
}

// FindProduct finds the catalog product in the order the policy lists its
// sources; inst may be nil. It returns the product, the template's logical
// id when known, the source that named it, and the sources tried.
func FindProduct(pol *policy.Policy, p problem.Problem, subj problem.Entity, inst *Instance) (product, logicalID, from string, tried []string) {
	ap := pol.Act.Params
	for _, src := range ap.ProductFrom {
		switch src {
		case policy.FromServiceCatalog:
			if inst != nil {
				if arn := inst.Tags[TagProductARN]; arn != "" {
					product = arn[strings.LastIndex(arn, "/")+1:]
					logicalID = inst.Tags[TagLogicalID]
				}
			}
		case policy.FromTag:
			if v, ok := subj.Tags[ap.ProductTag]; ok && v != "" {
				product = v
			} else if v, ok := p.Tag(ap.ProductTag); ok {
				product = v
			}
		case policy.FromInventory:
			if inst != nil {
				product, logicalID = inst.Tags[ap.ProductTag], inst.Tags[TagLogicalID]
			}
		case policy.FromStatic:
			product = ap.Product
		}
		tried = append(tried, src)
		if product != "" {
			return product, logicalID, src, tried
		}
	}
	return "", "", "", tried
}

func firstProp(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func (e *Engine) decide(ctx context.Context, x *exec) (stepResult, error) {
	plan := x.w.Plan
	latest, err := e.o.Catalog.Latest(ctx, plan.Product)
	if err != nil {
		if notFound(err) {
			x.w.Outcome = OutcomeUnresolved
			x.w.Summary = fmt.Sprintf("product %s is not in the %s catalog", plan.Product, e.o.Catalog.Kind())
			plan.Reason = x.w.Summary
			return stepResult{status: "ok", output: plan, next: StepReport}, nil
		}
		return stepResult{}, fmt.Errorf("read latest version of %s: %w", plan.Product, err)
	}
	plan.FromVersion, plan.Format = latest.ID, latest.Format
	ed, err := e.editor(latest.Format)
	if err != nil {
		x.w.Outcome = OutcomeUnresolved
		x.w.Summary = fmt.Sprintf("cannot edit %s %s: %v", plan.Product, latest.ID, err)
		plan.Reason = x.w.Summary
		return stepResult{status: "ok", output: plan, next: StepReport}, nil
	}
	cur, err := ed.InstanceType(latest.Template, plan.LogicalID)
	if err != nil {
		x.w.Outcome = OutcomeUnresolved
		x.w.Summary = fmt.Sprintf("cannot read the instance type from %s %s: %v", plan.Product, latest.ID, err)
		plan.Reason = x.w.Summary
		return stepResult{status: "ok", output: plan, next: StepReport}, nil
	}
	plan.TemplateType = cur
	approved, err := e.o.Params.StringList(ctx, x.pol.Act.Params.ApprovedTypesParam)
	if err != nil {
		if notFound(err) {
			x.w.Outcome = OutcomeNoChange
			x.w.Summary = fmt.Sprintf("parameter %s (the approved instance types) does not exist: set it with `tend param set %s t3.small,t3.medium,…`",
				x.pol.Act.Params.ApprovedTypesParam, x.pol.Act.Params.ApprovedTypesParam)
			plan.Reason = x.w.Summary
			return stepResult{status: "ok", output: plan, next: StepReport}, nil
		}
		return stepResult{}, fmt.Errorf("read approved types %s: %w", x.pol.Act.Params.ApprovedTypesParam, err)
	}
	plan.Approved = approved
	plan.CurrentType = larger(approved, cur, plan.InstanceType)
	d := NextType(approved, plan.CurrentType, x.pol.Guards.MaxType)
	plan.NextType, plan.Change, plan.Reason = d.Next, d.Change, d.Reason
	if !d.Change {
		x.w.Outcome, x.w.Summary = OutcomeNoChange, "no change: "+d.Reason
		return stepResult{status: "ok", output: plan, next: StepReport}, nil
	}
	switch x.pol.Mode {
	case policy.ModeDryRun:
		x.w.Outcome = OutcomeDryRun
		x.w.Summary = fmt.Sprintf("dry run: would change %s InstanceType %s → %s", plan.Product, plan.CurrentType, plan.NextType)
		return stepResult{status: "ok", output: plan, next: StepReport}, nil
	case policy.ModeApprove:
		return stepResult{status: "ok", output: plan, next: StepApproval}, nil
	}
	return stepResult{status: "ok", output: plan, next: StepGuard}, nil
}

func (e *Engine) approval(x *exec) (stepResult, error) {
	if x.run.ApprovedBy == "" {
		x.w.Summary = fmt.Sprintf("waiting for approval to change %s InstanceType %s → %s: tend runs approve %s",
			x.w.Plan.Product, x.w.Plan.CurrentType, x.w.Plan.NextType, x.run.ID)
		return stepResult{status: "waiting", output: map[string]any{"approve_with": "tend runs approve " + x.run.ID}, next: StepApproval}, nil
	}
	return stepResult{status: "ok", output: map[string]any{"approved_by": x.run.ApprovedBy}, next: StepGuard}, nil
}

func (e *Engine) guard(ctx context.Context, x *exec) (stepResult, error) {
	var res stepResult
	_, err := e.o.Store.Runs().Guard(ctx, store.GuardRequest{
		Key: x.pol.Name + "/" + x.w.Plan.Product, RunID: x.run.ID, Now: e.o.Now(),
		Cooldown: x.pol.Guards.Cooldown, RateLimit: e.o.RateLimit, RateWindow: e.o.RateWindow, Owner: e.o.Owner,
		Then: func(g store.GuardResult) (store.Run, []store.Step) {
			w := *x.d
			x.w = &w
			res = stepResult{status: "ok", recorded: true, next: StepAct,
				output: map[string]any{"allowed": true, "cooldown": Human(x.pol.Guards.Cooldown)}}
			if !g.Allowed {
				res.next = ""
				res.output = map[string]any{"allowed": false, "reason": g.Reason, "held_by": g.HeldBy, "until": g.Until}
				if g.Reason == "cooldown" {
					w.Outcome = OutcomeCooldown
					w.Summary = fmt.Sprintf("not acting: %s is cooling down until %s after run %s", w.Plan.Product, g.Until.Format("2006-01-02 15:04:05Z07:00"), g.HeldBy)
				} else {
					w.Outcome = OutcomeRateLimited
					w.Summary = fmt.Sprintf("not acting: the global limit of %d actions per %s is reached", e.o.RateLimit, Human(e.o.RateWindow))
				}
			}
			r, st := e.record(x, res)
			x.recorded = &r
			return r, x.withPending(st)
		},
	})
	return res, err
}

// IdempotencyKey is the key a run publishes with: retrying the publish
// after a crash returns the version the first attempt created.
func IdempotencyKey(runID string) string { return catalog.RunKey(runID) }

func (e *Engine) act(ctx context.Context, x *exec) (stepResult, error) {
	plan := x.w.Plan
	src, err := e.o.Catalog.Version(ctx, plan.Product, plan.FromVersion)
	if err != nil {
		return stepResult{}, fmt.Errorf("read %s %s: %w", plan.Product, plan.FromVersion, err)
	}
	ed, err := e.editor(src.Format)
	if err != nil {
		return stepResult{}, err
	}
	tmpl, err := ed.SetInstanceType(src.Template, plan.LogicalID, plan.NextType)
	if err != nil {
		return stepResult{}, fmt.Errorf("edit %s %s: %w", plan.Product, src.ID, err)
	}
	subject := x.w.Subject.ID
	if pid := x.w.Problem.DisplayID; pid != "" {
		subject += " (" + pid + ")"
	}
	desc := fmt.Sprintf("InstanceType %s → %s after %d × %s on %s; tend policy %s, run %s",
		plan.CurrentType, plan.NextType, x.w.Hits, x.w.Problem.EventType, subject, x.pol.Name, x.run.ID)
	var res stepResult
	v, err := e.o.Catalog.Publish(ctx, plan.Product, catalog.Publish{
		Template: tmpl, Format: src.Format, Description: desc,
		IdempotencyKey: IdempotencyKey(x.run.ID), DeprecatePrevious: x.pol.Act.Params.DeprecatePrevious,
		// The embedded catalog commits the step's record with the version.
		Record: func(v catalog.Version) *store.RunRecord {
			w := *x.d // a retried transaction calls this again
			x.w = &w
			res = e.acted(x, v, desc)
			res.recorded = true
			r, st := e.record(x, res)
			x.recorded = &r
			return &store.RunRecord{Owner: e.o.Owner, Run: r, Steps: x.withPending(st)}
		},
	})
	if err != nil {
		return stepResult{}, fmt.Errorf("publish %s: %w", plan.Product, err)
	}
	if res.recorded {
		e.recordRunEvent(ctx, x)
		return res, nil
	}
	if err := e.fail(x.run.ID, StepAct); err != nil {
		return stepResult{}, err
	}
	res = e.acted(x, v, desc)
	e.recordRunEvent(ctx, x)
	return res, nil
}

// acted records in x.w that version v was published.
func (e *Engine) acted(x *exec, v catalog.Version, desc string) stepResult {
	plan := x.w.Plan
	x.w.Version = &VersionRef{Product: plan.Product, ID: v.ID, Number: v.Number}
	x.w.Outcome = OutcomeActed
	x.w.Summary = fmt.Sprintf("%s InstanceType %s → %s, published as %s", plan.Product, plan.CurrentType, plan.NextType, v.ID)
	return stepResult{status: "ok", output: map[string]any{"version": v.ID, "number": v.Number, "description": desc}, next: StepReport}
}

// Marker is put in every comment a run posts, so that a retried report
// finds it and does not post twice.
func Marker(runID string) string { return "[tend run " + runID + "]" }

func (e *Engine) report(ctx context.Context, x *exec) (stepResult, error) {
	if x.monitor == nil {
		return stepResult{status: "skipped", output: map[string]any{"reason": "the source takes no comments"}}, nil
	}
	text := e.commentText(x)
	marker := Marker(x.run.ID)
	existing, err := x.monitor.Comments(ctx, x.w.Problem.ExternalID)
	if err != nil && !notFound(err) {
		return stepResult{}, fmt.Errorf("list comments on %s: %w", x.w.Problem.ExternalID, err)
	}
	for _, c := range existing {
		if strings.Contains(c.Content, marker) {
			return stepResult{status: "ok", output: map[string]any{"comment": "already posted", "id": c.ID}}, nil
		}
	}
	if err := x.monitor.Comment(ctx, x.w.Problem.ExternalID, text); err != nil {
		return stepResult{}, fmt.Errorf("comment on %s: %w", x.w.Problem.ExternalID, err)
	}
	if err := e.fail(x.run.ID, StepReport); err != nil {
		return stepResult{}, err
	}
	return stepResult{status: "ok", output: map[string]any{"comment": text}}, nil
}

func (e *Engine) commentText(x *exec) string {
	d, plan := x.d, x.w.Plan
	var b strings.Builder
	switch d.Outcome {
	case OutcomeActed:
		fmt.Fprintf(&b, "tend changed catalog product %s: InstanceType %s → %s, published as version %s (was %s). ",
			plan.Product, plan.CurrentType, plan.NextType, d.Version.ID, plan.FromVersion)
		fmt.Fprintf(&b, "Reason: %d × %s on %s within %s (policy %s). New launches get the larger type; to undo: tend catalog rollback %s %s.",
			d.Hits, d.Problem.EventType, d.Subject.ID, Human(x.pol.Qualify.Within), x.pol.Name, plan.Product, plan.FromVersion)
	case OutcomeDryRun:
		fmt.Fprintf(&b, "tend (dry run, policy %s) would change catalog product %s: InstanceType %s → %s. Nothing was changed.",
			x.pol.Name, plan.Product, plan.CurrentType, plan.NextType)
	default:
		fmt.Fprintf(&b, "tend did not change anything (policy %s): %s.", x.pol.Name, strings.TrimPrefix(d.Summary, "no change: "))
	}
	b.WriteString(" " + Marker(x.run.ID))
	return b.String()
}
