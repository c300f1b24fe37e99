package events

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// DefaultLookback is how long before an insight's start an event may be
// to be related to it.
const DefaultLookback = 3 * time.Hour

// MaxRelated bounds the events linked to one insight.
const MaxRelated = 20

// Related is an event linked to an insight, and why.
type Related struct {
	store.Event
	// Relation is "resource" (it touched one of the insight's resources),
	// "boundary" (its stack, application or namespace) or "account".
	Relation string `json:"relation"`
	// BeforeSeconds is how long before the insight's start it happened
	// (negative: after the start, while the insight was ongoing).
	BeforeSeconds float64 `json:"before_seconds"`
	// Score ranks the related events (1: the same resource, just before).
	Score float64 `json:"score"`
}

// Window is the span of time whose events may relate to the insight:
// lookback before its start to its end (now while ongoing).
func Window(in store.Insight, lookback time.Duration, now time.Time) (from, to time.Time) {
	end := in.EndedAt
	if end.IsZero() {
		end = now
	}
	return in.StartedAt.Add(-lookback), end.Add(time.Second)
}

// Link picks from candidates the events related to the insight: within
// its window, touching one of its resources (by tend id, name, or cloud
// instance id; an ARN's last part counts as a name) or its boundary.
// They are ranked by closeness in topology (resource 1, boundary 0.6,
// account 0.3) times closeness in time (1 at the start, halving every
// lookback/3 before it; events during the insight count half).
func Link(in store.Insight, anoms []store.Anomaly, candidates []store.Event, lookback time.Duration, now time.Time) []Related {
	if lookback <= 0 {
		lookback = DefaultLookback
	}
	from, to := Window(in, lookback, now)
	ids := map[string]bool{}
	addID := func(s string) {
		if s != "" {
			ids[strings.ToLower(s)] = true
		}
	}
	for _, r := range in.Resources {
		addID(r.ID)
		addID(r.Name)
		addID(r.InstanceID)
	}
	for _, a := range anoms {
		addID(a.Resource.ID)
		addID(a.Resource.Name)
		addID(a.Resource.InstanceID)
	}
	out := []Related{}
	for _, ev := range candidates {
		if ev.Time.Before(from) || !ev.Time.Before(to) {
			continue
		}
		rel, topo := "", 0.0
		for _, r := range ev.Resources {
			if ids[strings.ToLower(r.ID)] || ids[strings.ToLower(r.Name)] || ids[strings.ToLower(arnName(r.ID))] {
				rel, topo = "resource", 1
				break
			}
		}
		if rel == "" {
			switch {
			case sameBoundary(in, ev):
				rel, topo = "boundary", 0.6
			case in.BoundaryKind == "account" && ev.Account != "" && ev.Account == in.BoundaryName:
				rel, topo = "account", 0.3
			}
		}
		if rel == "" {
			continue
		}
		before := in.StartedAt.Sub(ev.Time)
		timeW := math.Pow(0.5, math.Max(0, before.Seconds())/(lookback.Seconds()/3))
		if before < 0 {
			timeW = 0.5 * math.Pow(0.5, -before.Seconds()/(lookback.Seconds()/3))
		}
		out = append(out, Related{Event: ev, Relation: rel, BeforeSeconds: before.Seconds(), Score: math.Round(topo*timeW*1000) / 1000})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Time.After(out[j].Time)
	})
	if len(out) > MaxRelated {
		out = out[:MaxRelated]
	}
	return out
}

func sameBoundary(in store.Insight, ev store.Event) bool {
	switch in.BoundaryKind {
	case "stack":
		return ev.Stack != "" && ev.Stack == in.BoundaryName
	case "app":
		return ev.App != "" && ev.App == in.BoundaryName
	case "namespace":
		// tend's namespace boundaries are "cluster/namespace" or "namespace".
		return ev.Namespace != "" && (ev.Namespace == in.BoundaryName || strings.HasSuffix(in.BoundaryName, "/"+ev.Namespace))
	}
	return false
}
