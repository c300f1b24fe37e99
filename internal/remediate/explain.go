package remediate

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate/policy"
)

// ExplainOptions are the read-only providers `tend policy test` uses to
// show what each policy would decide; any may be nil, and the explanation
// then says what it could not check.
type ExplainOptions struct {
	Catalog catalog.Catalog
	Params  Params
	Editors Editors
	// Occurrences is how many matching occurrences of the problem to assume
	// for qualification (default 1: this one).
	Occurrences int
}

// Explanation is what one policy would do with a problem.
type Explanation struct {
	Policy   string
	Where    string
	Mode     policy.Mode
	Steps    []Explained
	WouldAct bool
}

// Explained is one step's decision.
type Explained struct {
	Step string
	OK   bool
	Text string
}

// Explain evaluates every policy against p without side effects: nothing is
// stored, published or commented.
func Explain(ctx context.Context, set *policy.Set, p problem.Problem, o ExplainOptions) []Explanation {
	if o.Occurrences < 1 {
		o.Occurrences = 1
	}
	var out []Explanation
	for _, pol := range set.Policies {
		out = append(out, explainOne(ctx, pol, p, o))
	}
	return out
}

func explainOne(ctx context.Context, pol *policy.Policy, p problem.Problem, o ExplainOptions) Explanation {
	ex := Explanation{Policy: pol.Name, Where: fmt.Sprintf("%s:%d", pol.File, pol.Line), Mode: pol.Mode}
	add := func(step string, ok bool, format string, a ...any) bool {
		ex.Steps = append(ex.Steps, Explained{Step: step, OK: ok, Text: fmt.Sprintf(format, a...)})
		return ok
	}
	r := pol.Match.Evaluate(p, false)
	if !add("match", r.OK, "%s", r.Reason) {
		return ex
	}
	subj, ok := p.Subject()
	if !add("match", ok, "acts on entity %s", orNone(subj.ID)) {
		return ex
	}
	q := pol.Qualify
	if !add(StepQualify, o.Occurrences >= q.Occurrences, "needs %d occurrence(s) on %s within %s; assuming %d (--occurrences)",
		q.Occurrences, subj.ID, Human(q.Within), o.Occurrences) {
		return ex
	}
	product, logical, from, tried := FindProduct(pol, p, subj, nil)
	if !add(StepResolve, product != "", "product %s (from %s; tried %s)", orNone(product), orNone(from), strings.Join(tried, ", ")) {
		return ex
	}
	logical = firstNonEmpty(logical, pol.Act.Params.LogicalID)
	if o.Catalog == nil {
		add(StepDecide, false, "no catalog to read %s from", product)
		return ex
	}
	latest, err := o.Catalog.Latest(ctx, product)
	if !add(StepDecide, err == nil, "latest version of %s: %s", product, versionOrErr(latest, err)) {
		return ex
	}
	ed := o.Editors[latest.Format]
	if !add(StepDecide, ed != nil, "template format %s", latest.Format) {
		return ex
	}
	cur, err := ed.InstanceType(latest.Template, logical)
	if !add(StepDecide, err == nil, "template InstanceType %s", typeOrErr(cur, err)) {
		return ex
	}
	if o.Params == nil {
		add(StepDecide, false, "no parameter store to read %s from", pol.Act.Params.ApprovedTypesParam)
		return ex
	}
	approved, err := o.Params.StringList(ctx, pol.Act.Params.ApprovedTypesParam)
	if !add(StepDecide, err == nil, "approved types %s: %s", pol.Act.Params.ApprovedTypesParam, listOrErr(approved, err)) {
		return ex
	}
	d := NextType(approved, cur, pol.Guards.MaxType)
	if !add(StepDecide, d.Change, "%s", d.Reason) {
		add(StepReport, true, "would comment that nothing changed and why")
		return ex
	}
	switch pol.Mode {
	case policy.ModeDryRun:
		add(StepAct, false, "dry-run: would not publish; %s %s → %s", product, cur, d.Next)
		add(StepReport, true, "would comment what it would have done")
		return ex
	case policy.ModeApprove:
		add(StepApproval, true, "would wait for `tend runs approve RUN`")
	}
	if pol.Guards.Cooldown > 0 {
		add(StepGuard, true, "cooldown %s per product; global rate limit from the configuration", Human(pol.Guards.Cooldown))
	}
	add(StepAct, true, "would publish %s %s: InstanceType %s → %s", product, nextVersionName(latest), cur, d.Next)
	add(StepReport, true, "would comment on %s", orNone(firstNonEmpty(p.DisplayID, p.ExternalID)))
	ex.WouldAct = true
	return ex
}

func nextVersionName(v catalog.Version) string {
	if strings.HasPrefix(v.ID, "v") {
		return fmt.Sprintf("v%d", v.Number+1)
	}
	return "a new version"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func versionOrErr(v catalog.Version, err error) string {
	if err != nil {
		return err.Error()
	}
	return v.ID
}

func typeOrErr(t string, err error) string {
	if err != nil {
		return err.Error()
	}
	return t
}

func listOrErr(l []string, err error) string {
	if err != nil {
		return err.Error()
	}
	return strings.Join(l, ", ")
}

// WriteExplanations prints explanations for people.
func WriteExplanations(w io.Writer, exs []Explanation) {
	for i, ex := range exs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		verdict := "would not act"
		if ex.WouldAct {
			verdict = "WOULD ACT"
		}
		fmt.Fprintf(w, "policy %s (%s), mode %s: %s\n", ex.Policy, ex.Where, ex.Mode, verdict)
		for _, s := range ex.Steps {
			mark := "ok  "
			if !s.OK {
				mark = "stop"
			}
			fmt.Fprintf(w, "  %-8s %s  %s\n", s.Step, mark, s.Text)
		}
	}
}
