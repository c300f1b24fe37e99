// Package recommend says what to do about an insight, and why. The
// recommendations come from one table of rules (Rules), not from code
// spread around tend: each rule names the insights it applies to — their
// type, problem type, metric families, resource types, and the related
// events that must precede them — and the recommendation it makes, with a
// reason naming the anomalies and events that made tend suggest it, a
// link to documentation and, where one fits, a ready-to-paste policy.
// docs/insights.md renders the table; every rule has a golden test.
package recommend

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tendhq/tend/internal/events"
	"github.com/tendhq/tend/internal/store"
)

// Input is what a recommendation is made from.
type Input struct {
	Insight   store.Insight
	Anomalies []store.Anomaly
	// Events are the related events (events.Link), best first.
	Events []events.Related
	// Policies are the problem types tend's remediation policies act on;
	// nil when unknown (then no rule says "no policy handles it").
	Policies map[string]bool
}

// For returns the recommendations of every rule that applies, in table
// order. Specific rules (those that need an event, a resource type or a
// proactive insight) come first; a generic rule of the same problem type
// is left out when a specific one applied and says Replaces.
func For(in Input) []store.Recommendation {
	var out []store.Recommendation
	replaced := map[string]bool{}
	for _, r := range Rules {
		if replaced[r.Name] {
			continue
		}
		rec, ok := r.apply(in)
		if !ok {
			continue
		}
		out = append(out, rec)
		for _, n := range r.Replaces {
			replaced[n] = true
		}
	}
	return out
}

// apply reports whether the rule applies and what it recommends.
func (r Rule) apply(in Input) (store.Recommendation, bool) {
	ins := in.Insight
	if r.InsightType != "" && ins.Type != r.InsightType {
		return store.Recommendation{}, false
	}
	if len(r.ProblemTypes) > 0 && !has(r.ProblemTypes, ins.ProblemType) {
		return store.Recommendation{}, false
	}
	var anoms []store.Anomaly
	for _, a := range in.Anomalies {
		if len(r.Families) > 0 && !has(r.Families, a.Family) {
			continue
		}
		if len(r.ResourceTypes) > 0 && !has(r.ResourceTypes, a.Resource.Type) {
			continue
		}
		if r.CloudInstance && a.Resource.InstanceID == "" {
			continue
		}
		if len(r.Statistics) > 0 && !hasFold(r.Statistics, a.Statistic) {
			continue
		}
		anoms = append(anoms, a)
	}
	if len(anoms) == 0 && (len(in.Anomalies) > 0 || len(r.Families) > 0 || len(r.ResourceTypes) > 0 || r.CloudInstance) {
		return store.Recommendation{}, false
	}
	var evs []events.Related
	for _, e := range in.Events {
		if e.BeforeSeconds < 0 && !r.EventsDuring {
			continue // after the start: it did not cause it
		}
		if len(r.EventClasses) > 0 && !has(r.EventClasses, e.Class) {
			continue
		}
		if len(r.EventNames) > 0 && !hasFold(r.EventNames, e.Name) {
			continue
		}
		evs = append(evs, e)
	}
	needEvents := len(r.EventClasses) > 0 || len(r.EventNames) > 0
	if needEvents && len(evs) == 0 {
		return store.Recommendation{}, false
	}
	if r.WithoutPolicy && (in.Policies == nil || in.Policies[ins.ProblemType]) {
		return store.Recommendation{}, false
	}
	if r.WithPolicy && (in.Policies == nil || !in.Policies[ins.ProblemType]) {
		return store.Recommendation{}, false
	}
	rec := store.Recommendation{Title: r.Title, Description: r.Description, Link: r.Link, Rule: r.Name,
		Reason: expand(r.Reason, anoms, evs, ins), Policy: expand(r.Policy, anoms, evs, ins)}
	for _, a := range anoms {
		rec.RelatedAnomalies = append(rec.RelatedAnomalies, a.ID)
	}
	if needEvents {
		for _, e := range evs {
			rec.RelatedEvents = append(rec.RelatedEvents, e.ID)
		}
	}
	return rec, true
}

// expand fills a template's {metrics}, {events}, {resource}, {boundary}
// and {problem}.
func expand(tmpl string, anoms []store.Anomaly, evs []events.Related, in store.Insight) string {
	if tmpl == "" {
		return ""
	}
	return strings.NewReplacer(
		"{metrics}", metricsPhrase(anoms),
		"{events}", eventsPhrase(evs),
		"{resource}", resourcePhrase(anoms),
		"{boundary}", in.BoundaryName,
		"{problem}", in.ProblemType,
		"{forecast}", forecastPhrase(anoms),
	).Replace(tmpl)
}

func metricsPhrase(anoms []store.Anomaly) string {
	var parts []string
	seen := map[string]bool{}
	for _, a := range anoms {
		p := a.Metric
		if a.Statistic != "" && !strings.EqualFold(a.Statistic, "average") {
			p += " " + a.Statistic
		}
		p += " on " + strings.TrimSpace(a.Resource.Type+" "+name(a.Resource))
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	if len(parts) > 3 {
		parts = append(parts[:3], fmt.Sprintf("%d more", len(parts)-3))
	}
	return joinAnd(parts)
}

func name(r store.InsightResource) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

func resourcePhrase(anoms []store.Anomaly) string {
	if len(anoms) == 0 {
		return "the resource"
	}
	r := anoms[0].Resource
	return strings.TrimSpace(r.Type + " " + name(r))
}

func eventsPhrase(evs []events.Related) string {
	var parts []string
	for i, e := range evs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d more", len(evs)-3))
			break
		}
		p := e.Name
		if e.Actor != "" {
			p += " by " + e.Actor
		}
		if e.BeforeSeconds >= 0 {
			p += fmt.Sprintf(" %s before the start", roundDur(e.BeforeSeconds))
		} else {
			p += fmt.Sprintf(" %s after the start", roundDur(-e.BeforeSeconds))
		}
		parts = append(parts, p)
	}
	return joinAnd(parts)
}

func forecastPhrase(anoms []store.Anomaly) string {
	for _, a := range anoms {
		if f := a.Forecast; f != nil {
			return fmt.Sprintf("it reaches its limit around %s", f.ExhaustAt.UTC().Format("2006-01-02 15:04 UTC"))
		}
	}
	return "it is heading to its limit"
}

func roundDur(sec float64) string {
	switch {
	case sec >= 7200:
		return fmt.Sprintf("%.0fh", sec/3600)
	case sec >= 120:
		return fmt.Sprintf("%.0f min", sec/60)
	}
	return fmt.Sprintf("%.0fs", sec)
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func hasFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// Names lists the rules' names, sorted (for docs and tests).
func Names() []string {
	out := make([]string, 0, len(Rules))
	for _, r := range Rules {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}
