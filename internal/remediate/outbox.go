package remediate

import (
	"net/url"
	"strings"

	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/store"
)

// The hand-off to notifications: a run that starts waiting for approval,
// publishes a new version, or fails writes a message (package
// notify/message) into the outbox with the record of that change.

// runNotes returns the messages a run record causes: x is the run being
// executed (nil when it could not start), r the record being stored.
func (e *Engine) runNotes(x *exec, d *runData, r store.Run, step string) []store.Notification {
	var typ string
	switch {
	case r.State == store.RunWaiting:
		typ = message.RunAwaitingApproval
	case r.State == store.RunFailed:
		typ = message.RunFailed
	case step == StepAct && d != nil && d.Outcome == OutcomeActed && d.Version != nil:
		typ = message.RunActed
	default:
		return nil
	}
	base := ""
	if e.o.BaseURL != nil {
		base = strings.TrimSuffix(e.o.BaseURL(), "/")
	}
	run := &message.Run{RunId: r.ID, Policy: r.Policy, Mode: r.Mode, State: r.State, Outcome: r.Outcome, Summary: r.Summary,
		Error: r.Error, ProblemId: r.ProblemID}
	if base != "" {
		run.RunUrl = base + "/ui/runs/" + r.ID
	}
	m := message.Message{MessageId: r.ID + "." + typ, MessageType: typ, Run: run, Time: e.o.Now().UnixMilli()}
	var p *problem.Problem
	if d != nil {
		p = d.Problem
		if d.Summary != "" {
			run.Summary = d.Summary
		}
		if pl := d.Plan; pl != nil {
			run.Product, run.PreviousVersion = pl.Product, pl.FromVersion
			if pl.CurrentType != "" && pl.NextType != "" {
				run.Change = "InstanceType " + pl.CurrentType + " → " + pl.NextType
			}
		}
		if v := d.Version; v != nil {
			run.Version = v.ID
			if base != "" && run.PreviousVersion != "" {
				run.DiffUrl = base + "/v1/catalog/" + url.PathEscape(v.Product) + "/diff?from=" + url.QueryEscape(run.PreviousVersion) + "&to=" + url.QueryEscape(v.ID)
			}
		}
	}
	if typ == message.RunAwaitingApproval {
		run.ApproveCommand, run.CancelCommand = "tend runs approve "+r.ID, "tend runs cancel "+r.ID
		if base != "" {
			run.ApproveUrl = base + "/v1/runs/" + r.ID + "/approve"
		}
	}
	subject, severity, kind, name := r.ID, "", "", ""
	if p != nil {
		run.Problem, run.ProblemSource, run.ProblemUrl = p.Title, p.Source, p.URL
		m.ProblemType, severity = p.EventType, p.Severity
		if p.Source == problem.SourceTend {
			// A run on one of tend's insights is about that insight.
			subject, m.InsightId = p.ExternalID, p.ExternalID
		}
		kind, name = boundaryOf(p.Tags)
		if kind != "" {
			m.Boundary = &message.Boundary{Kind: kind, Name: name}
		}
		m.InsightDescription = p.Title
	}
	return []store.Notification{m.Notification(subject, severity, kind, name)}
}

// boundaryOf reads a problem's boundary from its tags, as insights tag it.
func boundaryOf(tags map[string]string) (kind, name string) {
	for _, k := range []string{"stack", "app", "namespace"} {
		if v := tags[k]; v != "" {
			return k, v
		}
	}
	return "", ""
}
