package remediate

import (
	"fmt"
	"strings"

	"github.com/tendhq/tend/internal/catalog"
)

// Plan is what a run decided to do, and why.
type Plan struct {
	Product     string `json:"product"`
	ProductFrom string `json:"product_from"`
	LogicalID   string `json:"logical_id,omitempty"`
	InstanceID  string `json:"instance_id,omitempty"`
	// InstanceType is the running instance's own type, when known.
	InstanceType string `json:"instance_type,omitempty"`
	// FromVersion is the catalog version whose template was read.
	FromVersion string         `json:"from_version,omitempty"`
	Format      catalog.Format `json:"format,omitempty"`
	// TemplateType is the type the template launches.
	TemplateType string `json:"template_type,omitempty"`
	// CurrentType is the type the decision starts from: the larger (in the
	// approved order) of TemplateType and InstanceType.
	CurrentType string   `json:"current_type,omitempty"`
	Approved    []string `json:"approved,omitempty"`
	NextType    string   `json:"next_type,omitempty"`
	Change      bool     `json:"change"`
	Reason      string   `json:"reason"`
}

// Decision is the upsize decision for an approved list.
type Decision struct {
	Current string
	Next    string
	Change  bool
	Reason  string
}

// NextType picks the next larger approved type. approved is ordered
// smallest → largest, as the operator wrote it; the next type is the entry
// after current. maxType, when set, caps the choice. Current not in the list,
// or already the last (or the cap) → no change, with the reason.
func NextType(approved []string, current, maxType string) Decision {
	d := Decision{Current: current}
	if len(approved) == 0 {
		d.Reason = "the approved instance type list is empty"
		return d
	}
	idx := indexOf(approved, current)
	if idx < 0 {
		d.Reason = fmt.Sprintf("the current type %s is not in the approved list (%s), so tend does not know what is larger", current, strings.Join(approved, ", "))
		return d
	}
	last := len(approved) - 1
	if maxType != "" {
		if m := indexOf(approved, maxType); m >= 0 && m < last {
			last = m
		}
	}
	if idx >= last {
		if last == len(approved)-1 {
			d.Reason = fmt.Sprintf("%s is already the largest approved type (%s)", current, strings.Join(approved, ", "))
		} else {
			d.Reason = fmt.Sprintf("%s is already at the policy's cap %s", current, maxType)
		}
		return d
	}
	d.Next, d.Change = approved[idx+1], true
	d.Reason = fmt.Sprintf("%s is the next larger approved type after %s", d.Next, current)
	return d
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(s)) {
			return i
		}
	}
	return -1
}

// larger returns whichever of a and b comes later in the approved order;
// a type not in the list loses to one that is.
func larger(approved []string, a, b string) string {
	if b == "" {
		return a
	}
	if a == "" {
		return b
	}
	if indexOf(approved, b) > indexOf(approved, a) {
		return b
	}
	return a
}
