package webhook

import (
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/problem"
)

// amPayload is Alertmanager's webhook body, version 4.
type amPayload struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []amAlert         `json:"alerts"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// entityLabels are the labels that name the affected thing, in order of
// preference.
var entityLabels = []string{"entity", "instance_id", "instance", "host", "hostname", "node", "pod", "service", "job"}

// Alertmanager parses an Alertmanager webhook (version 4). Each alert is a
// problem occurrence: its fingerprint is the external id, firing is OPEN and
// resolved RESOLVED. The event type is the alert's event_type label, else
// its alertname; the affected entity is the first of the labels entity,
// instance_id, instance, host, hostname, node, pod, service, job.
func Alertmanager(body []byte) ([]problem.Problem, error) {
	var m amPayload
	if err := decode(body, &m, false); err != nil {
		return nil, err
	}
	if m.Version != "4" {
		return nil, &problem.FieldError{Field: "version", Reason: fmt.Sprintf("must be \"4\" (Alertmanager webhook payload version 4), got %q", m.Version)}
	}
	if len(m.Alerts) == 0 {
		return nil, &problem.FieldError{Field: "alerts", Reason: "must hold at least one alert"}
	}
	out := make([]problem.Problem, 0, len(m.Alerts))
	for i, a := range m.Alerts {
		field := func(f string) string { return fmt.Sprintf("alerts[%d].%s", i, f) }
		if strings.TrimSpace(a.Fingerprint) == "" {
			return nil, &problem.FieldError{Field: field("fingerprint"), Reason: "is required"}
		}
		p := problem.Problem{Source: problem.SourceAlertmanager, ExternalID: a.Fingerprint, URL: a.GeneratorURL}
		switch a.Status {
		case "firing":
			p.State = problem.StateOpen
		case "resolved":
			p.State = problem.StateResolved
		default:
			return nil, &problem.FieldError{Field: field("status"), Reason: fmt.Sprintf("must be firing or resolved (got %q)", a.Status)}
		}
		labels := map[string]string{}
		for k, v := range m.CommonLabels {
			labels[k] = v
		}
		for k, v := range a.Labels {
			labels[k] = v
		}
		if labels["alertname"] == "" {
			return nil, &problem.FieldError{Field: field("labels.alertname"), Reason: "is required"}
		}
		p.EventType = firstNonEmpty(labels["event_type"], labels["alertname"])
		p.Title = firstNonEmpty(a.Annotations["summary"], m.CommonAnnotations["summary"], labels["alertname"])
		p.Severity = labels["severity"]
		p.Impact = labels["impact"]
		p.Tags = labels
		if !a.StartsAt.IsZero() {
			p.StartedAt = a.StartsAt.UTC()
		}
		for _, l := range entityLabels {
			if v := labels[l]; v != "" {
				p.Entities = []problem.Entity{{ID: v, Type: firstNonEmpty(labels["entity_type"], l), Name: v, Tags: labels}}
				break
			}
		}
		out = append(out, p)
	}
	return out, nil
}
