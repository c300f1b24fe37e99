// Package alertmanager sends tend's insights to Prometheus Alertmanager as
// alerts, through its API v2 (POST /api/v2/alerts), so teams keep their
// routing, inhibitions, silences and receivers.
//
// Each insight is one alert: labels alertname="TendInsight", insight_id,
// problem_type, severity (low, medium, high), source="tend", and the
// boundary (stack, app or namespace = its name; account, region).
// Annotations carry the summary, description, the insight's URL and its
// anomalies. startsAt is the insight's start; endsAt is its end once it
// closes (CLOSED_INSIGHT resolves the alert), and 30 days ahead while it
// is ongoing (Alertmanager would otherwise resolve an alert not re-sent
// within its resolve_timeout). When the severity rises, the alert with the
// old severity label is ended in the same request. Run messages are not
// alerts: give this channel a message_types filter, or they are skipped.
package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
)

// Alertmanager posts alerts to one Alertmanager (or a load balancer in
// front of a cluster; each member gossips the alert to the others).
type Alertmanager struct {
	base   string
	client *http.Client
	now    func() time.Time
}

var _ notify.Notifier = (*Alertmanager)(nil)

// Ongoing is how far ahead endsAt is set while an insight is ongoing.
const Ongoing = 30 * 24 * time.Hour

// New returns the Alertmanager channel of a spec.
func New(s notify.Spec, client *http.Client, now func() time.Time) *Alertmanager {
	if client == nil {
		client = http.DefaultClient
	}
	if now == nil {
		now = time.Now
	}
	return &Alertmanager{base: strings.TrimSuffix(s.URL, "/"), client: client, now: now}
}

// Alert is Alertmanager's postableAlert.
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Labels are the labels of an insight's alert with a severity.
func Labels(m message.Message, severity string) map[string]string {
	l := map[string]string{"alertname": "TendInsight", "insight_id": m.InsightId, "source": "tend", "severity": severity}
	if m.ProblemType != "" {
		l["problem_type"] = m.ProblemType
	}
	if m.Boundary != nil && m.Boundary.Name != "" {
		switch m.Boundary.Kind {
		case "stack", "app", "namespace":
			l[m.Boundary.Kind] = m.Boundary.Name
		}
	}
	if m.AccountId != "" {
		l["account"] = m.AccountId
	}
	if m.Region != "" {
		l["region"] = m.Region
	}
	return l
}

// Alerts are the alerts a batch posts: the latest state of each insight.
func Alerts(b notify.Batch, now time.Time) []Alert {
	// Severities an insight had before the batch raised it: their alerts end.
	prev := map[string][]string{}
	for _, m := range b.Messages {
		if m.MessageType == message.SeverityUpgraded && m.PreviousSeverity != "" {
			prev[m.InsightId] = append(prev[m.InsightId], m.PreviousSeverity)
		}
	}
	var out []Alert
	for _, m := range b.Latest() {
		if !message.IsInsight(m.MessageType) || m.InsightId == "" {
			continue
		}
		a := Alert{Labels: Labels(m, m.InsightSeverity), GeneratorURL: m.InsightUrl,
			Annotations: map[string]string{"summary": m.InsightDescription, "message_type": m.MessageType, "message_id": m.MessageId}}
		if m.InsightUrl != "" {
			a.Annotations["insight_url"] = m.InsightUrl
		}
		var lines []string
		for _, an := range m.Anomalies {
			if len(an.SourceDetails) > 0 {
				d := an.SourceDetails[0].DataIdentifiers
				line := d.Name
				if an.Resource != "" {
					line += " on " + an.Resource
				}
				if an.Reason != "" {
					line += ": " + an.Reason
				}
				lines = append(lines, line)
			}
		}
		if len(lines) > 0 {
			a.Annotations["anomalies"] = strings.Join(lines, "\n")
		}
		if m.StartTime > 0 {
			a.StartsAt = time.UnixMilli(m.StartTime).UTC()
		}
		switch {
		case m.MessageType == message.ClosedInsight:
			a.EndsAt = time.UnixMilli(m.EndTime).UTC()
			if m.EndTime == 0 || a.EndsAt.After(now) {
				a.EndsAt = now.UTC()
			}
		default:
			a.EndsAt = now.Add(Ongoing).UTC()
		}
		out = append(out, a)
		ended := map[string]bool{m.InsightSeverity: true}
		for _, sev := range prev[m.InsightId] {
			if ended[sev] {
				continue
			}
			ended[sev] = true
			old := a
			old.Labels = Labels(m, sev)
			old.EndsAt = now.UTC()
			out = append(out, old)
		}
	}
	return out
}

// Notify posts the batch's alerts.
func (am *Alertmanager) Notify(ctx context.Context, b notify.Batch) error {
	alerts := Alerts(b, am.now())
	if len(alerts) == 0 {
		return nil
	}
	body, err := json.Marshal(alerts)
	if err != nil {
		return notify.Permanent(fmt.Errorf("encode alerts: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, am.base+"/api/v2/alerts", bytes.NewReader(body))
	if err != nil {
		return notify.Permanent(fmt.Errorf("alertmanager request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := am.client.Do(req)
	if err != nil {
		return notify.TransportError("post alerts to alertmanager", err)
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	if resp.StatusCode/100 != 2 {
		return notify.HTTPError("post alerts to alertmanager", resp, excerpt, am.now())
	}
	return nil
}
