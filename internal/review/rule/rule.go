// Package rule is the catalogue of tend review's rules: for each a stable
// ID, the CWE it reports, a severity, the text a developer reads and a fix
// example. The analysis reports findings by rule ID; the output formats
// (text, JSON, SARIF) and the benchmark scorer read the rest from here.
package rule

import (
	"fmt"
	"sort"
	"strings"
)

// Severity orders findings; a CI gate fails at or above a chosen one.
type Severity int

// Severities, lowest first.
const (
	Note Severity = iota + 1
	Low
	Medium
	High
	Critical
)

var severityNames = map[Severity]string{Note: "note", Low: "low", Medium: "medium", High: "high", Critical: "critical"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads "low", "medium", "high", "critical" or "note" (any case).
func ParseSeverity(s string) (Severity, error) {
	for k, v := range severityNames {
		if strings.EqualFold(v, strings.TrimSpace(s)) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want note, low, medium, high or critical)", s)
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Rule describes one kind of finding.
type Rule struct {
	ID       string   // stable: baselines and SARIF results refer to it
	Lang     string   // "python" or "java"
	CWE      int      // the CWE reported
	Severity Severity // default severity
	Name     string   // short title
	// Message is the one-line finding text; the analysis appends where the
	// data came from.
	Message string
	// Recommendation says what to do, in the words a reviewer would use.
	Recommendation string
	// Fix is a short example of the corrected code.
	Fix string
}

// Rules by ID.
var byID = map[string]Rule{}

func add(r Rule) {
	if _, dup := byID[r.ID]; dup {
		panic("duplicate rule " + r.ID)
	}
	byID[r.ID] = r
}

// Get returns the rule with the ID.
func Get(id string) (Rule, bool) {
	r, ok := byID[id]
	return r, ok
}

// All returns every rule, sorted by ID.
func All() []Rule {
	out := make([]Rule, 0, len(byID))
	for _, r := range byID {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
