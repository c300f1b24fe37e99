// Package policy reads remediation policies: YAML files, reviewed like code,
// each saying which problems it acts on (match), how often they must recur
// first (qualify), what to do (act), how (mode) and within which limits
// (guards). Loading validates everything and reports each mistake as
// file:line: field: reason.
package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/problem"
)

// Mode says how a policy acts.
type Mode string

// Modes.
const (
	// ModeAuto acts as soon as a problem qualifies.
	ModeAuto Mode = "auto"
	// ModeDryRun plans, and comments what it would do, without acting.
	ModeDryRun Mode = "dry-run"
	// ModeApprove plans, then waits for `tend runs approve ID`.
	ModeApprove Mode = "approve"
)

// Actions tend knows.
const (
	ActionUpsize = "upsize-instance"
)

// Product sources for ProductFrom, tried in the order the policy lists them.
const (
	// FromServiceCatalog: the instance's aws:servicecatalog:productArn tag
	// (needs an inventory, e.g. EC2).
	FromServiceCatalog = "servicecatalog"
	// FromTag: the product tag (default tend-product) on the problem's
	// entity or on the problem.
	FromTag = "tag"
	// FromInventory: the product tag on the cloud instance in the inventory.
	FromInventory = "inventory"
	// FromStatic: the policy's own act.params.product.
	FromStatic = "static"
)

// Policy is one remediation policy.
type Policy struct {
	// Name identifies the policy in runs, metrics and comments.
	Name        string  `yaml:"name"`
	Description string  `yaml:"description"`
	Match       Match   `yaml:"match"`
	Qualify     Qualify `yaml:"qualify"`
	Act         Act     `yaml:"act"`
	Mode        Mode    `yaml:"mode"`
	Guards      Guards  `yaml:"guards"`

	// File and Line say where the policy was defined.
	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// Match selects problems. Every list given must contain the problem's value
// (case-insensitive); an empty list matches anything.
type Match struct {
	Source     List `yaml:"source"`
	EventType  List `yaml:"event_type"`
	State      List `yaml:"state"`
	Impact     List `yaml:"impact"`
	Severity   List `yaml:"severity"`
	EntityType List `yaml:"entity_type"`
	// Tags must all be present on the problem or its entities; a value of
	// "" (or "*") requires only the key.
	Tags map[string]string `yaml:"tags"`
}

// Qualify requires the problem to recur before acting.
type Qualify struct {
	// Occurrences is how many distinct matching occurrences for the same
	// entity are needed (1: act on the first).
	Occurrences int `yaml:"occurrences"`
	// Within is the window they must fall in.
	Within time.Duration `yaml:"within"`
}

// Act says what to do.
type Act struct {
	Action string       `yaml:"action"`
	Params UpsizeParams `yaml:"params"`
}

// UpsizeParams are upsize-instance's parameters.
type UpsizeParams struct {
	// ApprovedTypesParam names the parameter (tend's parameter store or
	// SSM) holding the approved instance types, smallest to largest,
	// comma-separated.
	ApprovedTypesParam string `yaml:"approved_types_param"`
	// ProductFrom is the order in which to find the product: servicecatalog,
	// tag, inventory, static.
	ProductFrom List `yaml:"product_from"`
	// ProductTag is the tag naming the product (default tend-product).
	ProductTag string `yaml:"product_tag"`
	// Product is the product for "static".
	Product string `yaml:"product"`
	// LogicalID selects the resource in the template when it has several
	// and the instance carries no aws:cloudformation:logical-id tag.
	LogicalID string `yaml:"logical_id"`
	// DeprecatePrevious marks the superseded version inactive.
	DeprecatePrevious bool `yaml:"deprecate_previous"`
}

// Guards limit what a policy may do.
type Guards struct {
	// Cooldown is the least time between two actions on the same target
	// (product).
	Cooldown time.Duration `yaml:"cooldown"`
	// MaxType caps the instance type below the largest approved one.
	MaxType string `yaml:"max_type"`
}

// List is a YAML string or list of strings.
type List []string

// Has reports whether the list holds s, ignoring case.
func (l List) Has(s string) bool {
	for _, x := range l {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Result is a match decision and, if it failed, why.
type Result struct {
	OK     bool
	Reason string
}

// Evaluate matches a problem. With partial, fields the problem does not
// carry yet (an empty event type, no entities) pass, so that a webhook with
// only an id and a state can start a run that enriches it and then matches
// in full.
func (m Match) Evaluate(p problem.Problem, partial bool) Result {
	check := func(name string, l List, v string) *Result {
		if len(l) == 0 || l.Has(v) || (partial && v == "") {
			return nil
		}
		if v == "" {
			v = "(none)"
		}
		return &Result{Reason: fmt.Sprintf("%s %s is not one of %s", name, v, strings.Join(l, ", "))}
	}
	subject, _ := p.Subject()
	for _, c := range []struct {
		name string
		l    List
		v    string
	}{
		{"source", m.Source, p.Source},
		{"state", m.State, string(p.State)},
		{"event type", m.EventType, p.EventType},
		{"impact", m.Impact, p.Impact},
		{"severity", m.Severity, p.Severity},
		{"entity type", m.EntityType, subject.Type},
	} {
		if r := check(c.name, c.l, c.v); r != nil {
			return *r
		}
	}
	for k, want := range m.Tags {
		got, ok := p.Tag(k)
		if !ok {
			if partial && len(p.Entities) == 0 {
				continue
			}
			return Result{Reason: fmt.Sprintf("tag %s is missing", k)}
		}
		if want != "" && want != "*" && !strings.EqualFold(got, want) {
			return Result{Reason: fmt.Sprintf("tag %s is %q, not %q", k, got, want)}
		}
	}
	return Result{OK: true, Reason: "matches"}
}

// Set is a loaded, validated set of policies.
type Set struct {
	Policies []*Policy
}

// Get returns a policy by name.
func (s *Set) Get(name string) (*Policy, bool) {
	if s == nil {
		return nil, false
	}
	for _, p := range s.Policies {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}
