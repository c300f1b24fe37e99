package insight

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/recommend"
	"github.com/tendhq/tend/internal/store"
)

// summary is what an insight says about its anomalies.
type summary struct {
	ProblemType     string
	Severity        string
	Name            string
	Description     string
	Resources       []store.InsightResource
	Recommendations []store.Recommendation
	Start, End      time.Time // End is the latest anomaly end (zero if one is open)
}

// summarize describes a group of anomalies of one boundary.
func summarize(in store.Insight, anoms []store.Anomaly) summary {
	sorted := append([]store.Anomaly(nil), anoms...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].StartedAt.Before(sorted[j].StartedAt) })
	s := summary{ProblemType: ProblemType(sorted), Severity: Severity(sorted)}
	seen := map[string]bool{}
	open := false
	for _, a := range sorted {
		if !seen[a.Resource.ID] {
			seen[a.Resource.ID] = true
			s.Resources = append(s.Resources, a.Resource)
		}
		if s.Start.IsZero() || a.StartedAt.Before(s.Start) {
			s.Start = a.StartedAt
		}
		if a.Status == store.AnomalyOpen {
			open = true
		} else if a.EndedAt.After(s.End) {
			s.End = a.EndedAt
		}
	}
	if open {
		s.End = time.Time{}
	}
	s.Name = insightName(in, sorted, s.Resources)
	s.Description = insightDescription(in, sorted, s)
	s.Recommendations = recommendations(in, s.ProblemType, sorted)
	return s
}

// familiesPhrase is "CPU utilisation and load", "CPU utilisation, load and
// memory utilisation", or "… and 2 more metrics".
func familiesPhrase(anoms []store.Anomaly) string {
	var names []string
	seen := map[string]bool{}
	for _, a := range anoms {
		h := familyOf(a).Human
		if !seen[h] {
			seen[h] = true
			names = append(names, h)
		}
	}
	// Known families in the order of familyRules (CPU before load …),
	// then other metrics by name: the same insight always reads the same.
	rank := func(h string) int {
		for i, r := range familyRules {
			if r.family.Human == h {
				return i
			}
		}
		return len(familyRules)
	}
	sort.SliceStable(names, func(i, j int) bool {
		ri, rj := rank(names[i]), rank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	if len(names) > 3 {
		more := len(names) - 2
		names = append(names[:2], fmt.Sprintf("%d more metrics", more))
	}
	return joinAnd(names)
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

// resourcesPhrase is "host web-1", "3 hosts (web-1, web-2, web-3)",
// "5 pods (a, b, c …)" or "4 resources".
func resourcesPhrase(res []store.InsightResource) string {
	name := func(r store.InsightResource) string {
		if r.Name != "" {
			return r.Name
		}
		return r.ID
	}
	switch len(res) {
	case 0:
		return "no resources"
	case 1:
		return strings.TrimSpace(res[0].Type + " " + name(res[0]))
	}
	sameType := true
	for _, r := range res[1:] {
		if r.Type != res[0].Type {
			sameType = false
		}
	}
	if !sameType || res[0].Type == "" {
		return strconv.Itoa(len(res)) + " resources"
	}
	var names []string
	for i, r := range res {
		if i == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, name(r))
	}
	return fmt.Sprintf("%d %ss (%s)", len(res), res[0].Type, strings.Join(names, ", "))
}

// boundaryPhrase is "stack shop", "application checkout", "namespace
// prod/shop" or "account 111122223333".
func boundaryPhrase(in store.Insight) string {
	switch in.BoundaryKind {
	case "app":
		if in.BoundaryTagKey != "" {
			return fmt.Sprintf("application %s (tag %s)", in.BoundaryName, in.BoundaryTagKey)
		}
		return "application " + in.BoundaryName
	case "":
		return "boundary " + in.BoundaryName
	}
	if in.BoundaryName == "" {
		return "all resources"
	}
	return in.BoundaryKind + " " + in.BoundaryName
}

func insightName(in store.Insight, anoms []store.Anomaly, res []store.InsightResource) string {
	return fmt.Sprintf("%s anomalous on %s (%s)", capitalise(familiesPhrase(anoms)), resourcesPhrase(res), boundaryPhrase(in))
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func formatValue(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	switch strings.ToLower(unit) {
	case "", "none", "1":
		return s
	case "percent", "%":
		return s + " %"
	}
	return s + " " + unit
}

const describeMax = 5

func insightDescription(in store.Insight, anoms []store.Anomaly, s summary) string {
	var b strings.Builder
	series := map[string]bool{}
	for _, a := range anoms {
		series[a.SeriesID] = true
	}
	plural := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + one + "s"
	}
	fmt.Fprintf(&b, "%s on %s in %s deviated from normal", plural(len(series), "metric"), plural(len(s.Resources), "resource"), boundaryPhrase(in))
	if !s.Start.IsZero() {
		fmt.Fprintf(&b, " from %s", s.Start.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if !s.End.IsZero() {
		fmt.Fprintf(&b, " to %s", s.End.UTC().Format("15:04:05 UTC"))
	}
	b.WriteString(".")
	for i, a := range anoms {
		if i == describeMax {
			fmt.Fprintf(&b, " And %d more.", len(anoms)-describeMax)
			break
		}
		fmt.Fprintf(&b, " %s on %s peaked at %s (score %.2f", a.Metric, resourcesPhrase([]store.InsightResource{a.Resource}), formatValue(a.PeakValue, a.Unit), a.PeakScore)
		if a.Reason != "" {
			b.WriteString(": " + a.Reason)
		}
		b.WriteString(").")
	}
	return b.String()
}

// recommendations are the recommendation table's (internal/recommend)
// for the anomalies alone; the API adds the related events' when it
// serves an insight.
func recommendations(in store.Insight, problemType string, anoms []store.Anomaly) []store.Recommendation {
	in.ProblemType = problemType
	if in.Type == "" {
		in.Type = store.InsightReactive
	}
	return recommend.For(recommend.Input{Insight: in, Anomalies: anoms})
}
