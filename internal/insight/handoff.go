package insight

import (
	"context"
	"log/slog"
	"strings"

	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/store"
)

// Problem is how an insight is handed to remediation: source "tend", the
// insight id as ExternalID, the problem type as EventType, one entity per
// resource (with the cloud instance's id and type when known, and the
// boundary as tags).
func Problem(in store.Insight, url string) problem.Problem {
	p := problem.Problem{
		Source:     problem.SourceTend,
		ExternalID: in.ID,
		DisplayID:  in.ID,
		Title:      in.Name,
		State:      problem.StateOpen,
		EventType:  in.ProblemType,
		Severity:   in.Severity,
		Impact:     impact(in),
		URL:        url,
		StartedAt:  in.StartedAt,
		Tags: map[string]string{
			"insightType": in.Type,
			"boundary":    in.BoundaryKey,
		},
	}
	if in.Status == store.InsightClosed {
		p.State = problem.StateResolved
	}
	tags := boundaryTags(in)
	for k, v := range tags {
		p.Tags[k] = v
	}
	for _, r := range in.Resources {
		ent := problem.Entity{ID: r.ID, Type: strings.ToUpper(r.Type), Name: r.Name, Tags: map[string]string{}}
		for k, v := range tags {
			ent.Tags[k] = v
		}
		props := map[string]string{}
		if r.InstanceID != "" {
			props["awsInstanceId"] = r.InstanceID
		}
		if r.InstanceType != "" {
			props["awsInstanceType"] = r.InstanceType
		}
		if r.Type != "" {
			props["resourceType"] = r.Type
		}
		if len(props) > 0 {
			ent.Properties = props
		}
		p.Entities = append(p.Entities, ent)
	}
	return p
}

// boundaryTags are the insight's boundary as tags: stack=shop,
// app tag key=value, namespace, account, region.
func boundaryTags(in store.Insight) map[string]string {
	t := map[string]string{}
	switch in.BoundaryKind {
	case "stack":
		t["stack"] = in.BoundaryName
	case "app":
		if in.BoundaryTagKey != "" {
			t[in.BoundaryTagKey] = in.BoundaryName
		}
		t["app"] = in.BoundaryName
	case "namespace":
		t["namespace"] = in.BoundaryName
	}
	if in.Account != "" {
		t["account"] = in.Account
	}
	if in.Region != "" {
		t["region"] = in.Region
	}
	return t
}

// impact is SERVICE for problems users feel directly (latency, errors) or
// resources that are services, INFRASTRUCTURE otherwise.
func impact(in store.Insight) string {
	switch in.ProblemType {
	case LatencyDegraded, ErrorRateIncrease:
		return "SERVICE"
	}
	for _, r := range in.Resources {
		switch r.Type {
		case "service", "function", "loadbalancer":
			return "SERVICE"
		}
	}
	return "INFRASTRUCTURE"
}

// handoff gives the insight to the sink when it changed materially since
// the last accepted hand-off. It reports false when the sink failed.
func (g *grouper) handoff(ctx context.Context, is *insightState) bool {
	if g.e.sink == nil || !is.created {
		return true
	}
	key := handoffKey(is.rec)
	if key == is.handed {
		return true
	}
	url := ""
	if g.e.url != nil {
		url = g.e.url(is.rec.ID)
	}
	p := Problem(is.rec, url)
	rc, err := g.e.sink.Submit(ctx, p)
	if err != nil {
		g.e.m.handoffs.WithLabelValues("error").Inc()
		g.e.log.Warn("hand insight to remediation (retrying every tick)", "insight", is.rec.ID, "state", p.State, "err", err)
		return false
	}
	is.handed = key
	g.e.m.handoffs.WithLabelValues("ok").Inc()
	if rc.ProblemID == "" {
		g.e.log.Debug("insight not handed on: no remediation engine took it", "insight", is.rec.ID, "state", p.State)
		return true
	}
	g.e.log.Info("insight handed to remediation", "insight", is.rec.ID, "problem_type", p.EventType, "state", p.State,
		"severity", p.Severity, "problem_id", rc.ProblemID, "duplicate", rc.Duplicate, "runs", len(rc.RunIDs))
	return true
}

// notify writes the DevOps Guru–style notification of an insight event as
// one structured log line (MessageType NEW_INSIGHT or CLOSED_INSIGHT).
func (g *grouper) notify(kind string, is *insightState) {
	in := is.rec
	anoms := g.list(is)
	list := make([]any, 0, len(anoms))
	for _, a := range anoms {
		list = append(list, map[string]any{
			"Id":        a.ID,
			"StartTime": a.StartedAt.UnixMilli(),
			"SourceDetails": []map[string]any{{
				"DataSource": "TEND_METRICS",
				"DataIdentifiers": map[string]any{
					"name": a.Metric, "namespace": a.Labels["job"], "stat": a.Statistic,
					"period": int64(a.Period.Seconds()), "unit": a.Unit, "dimensions": a.Labels,
				},
			}},
		})
	}
	attrs := []slog.Attr{
		slog.String("MessageType", kind),
		slog.String("AccountId", in.Account),
		slog.String("Region", in.Region),
		slog.String("InsightId", in.ID),
		slog.String("InsightType", in.Type),
		slog.String("InsightDescription", in.Name),
		slog.String("InsightSeverity", strings.ToLower(in.Severity)),
		slog.String("ProblemType", in.ProblemType),
		slog.Int64("StartTime", in.StartedAt.UnixMilli()),
		slog.Any("Anomalies", list),
	}
	if g.e.url != nil {
		attrs = append(attrs, slog.String("InsightUrl", g.e.url(in.ID)))
	}
	if kind == "CLOSED_INSIGHT" {
		attrs = append(attrs, slog.Int64("EndTime", in.EndedAt.UnixMilli()))
	}
	g.e.log.LogAttrs(context.Background(), slog.LevelInfo, "insight "+strings.ToLower(strings.TrimSuffix(kind, "_INSIGHT")), attrs...)
}
