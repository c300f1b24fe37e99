package policy

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/problem"
)

type fieldError struct{ field, reason string }

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

func (p *Policy) setDefaults() {
	if p.Mode == "" {
		p.Mode = ModeAuto
	}
	if p.Qualify.Occurrences == 0 {
		p.Qualify.Occurrences = 1
	}
	if p.Qualify.Within == 0 {
		p.Qualify.Within = time.Hour
	}
	if len(p.Match.State) == 0 {
		p.Match.State = List{string(problem.StateOpen)}
	}
	if p.Act.Action == ActionUpsize {
		if len(p.Act.Params.ProductFrom) == 0 {
			p.Act.Params.ProductFrom = List{FromServiceCatalog, FromTag, FromInventory}
			if p.Act.Params.Product != "" {
				p.Act.Params.ProductFrom = append(p.Act.Params.ProductFrom, FromStatic)
			}
		}
		if p.Act.Params.ProductTag == "" {
			p.Act.Params.ProductTag = "tend-product"
		}
	}
}

func (p *Policy) validate() []fieldError {
	var errs []fieldError
	bad := func(field, format string, a ...any) {
		errs = append(errs, fieldError{field, fmt.Sprintf(format, a...)})
	}
	switch {
	case p.Name == "":
		bad("name", "is required: a short name such as upsize-on-cpu-saturation")
	case !validName.MatchString(p.Name):
		bad("name", "must be lower-case letters, digits, '.', '_' or '-' (at most 63), got %q", p.Name)
	}
	for _, s := range p.Match.Source {
		switch s {
		case problem.SourceDynatrace, problem.SourceAlertmanager, problem.SourceAPI, problem.SourceTend:
		default:
			bad("match.source", "unknown source %q: use dynatrace, alertmanager, api or tend", s)
		}
	}
	for _, s := range p.Match.State {
		if !strings.EqualFold(s, string(problem.StateOpen)) && !strings.EqualFold(s, string(problem.StateResolved)) {
			bad("match.state", "must be OPEN or RESOLVED, got %q", s)
		}
	}
	if p.Qualify.Occurrences < 1 || p.Qualify.Occurrences > 1000 {
		bad("qualify.occurrences", "must be between 1 and 1000, got %d", p.Qualify.Occurrences)
	}
	if p.Qualify.Within < time.Second || p.Qualify.Within > 30*24*time.Hour {
		bad("qualify.within", "must be between 1s and 720h, got %s", p.Qualify.Within)
	}
	switch p.Mode {
	case ModeAuto, ModeDryRun, ModeApprove:
	default:
		bad("mode", "must be auto, dry-run or approve, got %q", p.Mode)
	}
	if p.Guards.Cooldown < 0 {
		bad("guards.cooldown", "must not be negative")
	}
	switch p.Act.Action {
	case "":
		bad("act.action", "is required: %s", ActionUpsize)
	case ActionUpsize:
		ap := p.Act.Params
		if ap.ApprovedTypesParam == "" {
			bad("act.params.approved_types_param", "is required: the parameter holding the approved instance types, smallest first (e.g. /dynatrace/approvedinstancetypes)")
		}
		for _, f := range ap.ProductFrom {
			switch f {
			case FromServiceCatalog, FromTag, FromInventory:
			case FromStatic:
				if ap.Product == "" {
					bad("act.params.product", "is required when product_from lists static")
				}
			default:
				bad("act.params.product_from", "unknown source %q: use servicecatalog, tag, inventory or static", f)
			}
		}
	default:
		bad("act.action", "unknown action %q: tend knows %s", p.Act.Action, ActionUpsize)
	}
	return errs
}
