// Package pagerduty sends notifications to PagerDuty's Events API v2.
//
// Insights are alerts: each insight's latest message triggers an alert
// (POST /v2/enqueue, event_action "trigger") whose dedup_key is the
// insight id, so PagerDuty folds every message of one insight into one
// incident; CLOSED_INSIGHT resolves it. Severity high → critical, medium →
// error, low → warning. A run that acted or was rolled back is a change
// event (POST /v2/change/enqueue); a run waiting for approval or failing
// triggers an alert whose dedup_key is the run id.
package pagerduty

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

// DefaultURL is PagerDuty's Events API.
const DefaultURL = "https://events.pagerduty.com"

// PagerDuty sends events with one routing (integration) key.
type PagerDuty struct {
	base   string
	key    string
	client *http.Client
	now    func() time.Time
}

var _ notify.Notifier = (*PagerDuty)(nil)

// New returns the PagerDuty channel of a spec (secrets resolved).
func New(s notify.Spec, client *http.Client, now func() time.Time) *PagerDuty {
	if client == nil {
		client = http.DefaultClient
	}
	if now == nil {
		now = time.Now
	}
	base := strings.TrimSuffix(s.URL, "/")
	if base == "" {
		base = DefaultURL
	}
	return &PagerDuty{base: base, key: s.RoutingKey, client: client, now: now}
}

// Event is an Events API v2 alert event.
type Event struct {
	RoutingKey  string  `json:"routing_key"`
	EventAction string  `json:"event_action"` // trigger, acknowledge, resolve
	DedupKey    string  `json:"dedup_key,omitempty"`
	Payload     *Detail `json:"payload,omitempty"`
	Client      string  `json:"client,omitempty"`
	ClientURL   string  `json:"client_url,omitempty"`
	Links       []Link  `json:"links,omitempty"`
}

// Change is an Events API v2 change event.
type Change struct {
	RoutingKey string `json:"routing_key"`
	Payload    Detail `json:"payload"`
	Links      []Link `json:"links,omitempty"`
}

// Detail is an event's payload.
type Detail struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity,omitempty"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

// Link is a link shown on the incident.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

func severity(s string) string {
	switch strings.ToLower(s) {
	case "high":
		return "critical"
	case "medium":
		return "error"
	case "low":
		return "warning"
	}
	return "info"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// request is one call to PagerDuty: a path and a JSON body.
type request struct {
	path string
	body any
}

// Requests returns the events a batch sends, in order.
func (p *PagerDuty) Requests(b notify.Batch) []request {
	var out []request
	for _, m := range b.Latest() {
		ts := time.UnixMilli(m.Time).UTC().Format(time.RFC3339)
		source := "tend"
		if m.Boundary != nil && m.Boundary.Name != "" {
			source = m.Boundary.Kind + ":" + m.Boundary.Name
		}
		details := map[string]any{"message_id": m.MessageId, "message_type": m.MessageType}
		if m.ProblemType != "" {
			details["problem_type"] = m.ProblemType
		}
		if r := m.Run; r != nil {
			details["run"] = r
			var links []Link
			if r.RunUrl != "" {
				links = append(links, Link{Href: r.RunUrl, Text: "tend run " + r.RunId})
			}
			if r.DiffUrl != "" {
				links = append(links, Link{Href: r.DiffUrl, Text: "diff " + r.PreviousVersion + " → " + r.Version})
			}
			switch m.MessageType {
			case message.RunActed, message.RunRolledBack:
				out = append(out, request{"/v2/change/enqueue", Change{RoutingKey: p.key, Links: links,
					Payload: Detail{Summary: truncate(m.Title(), 1024), Source: source, Timestamp: ts, CustomDetails: details}}})
			default:
				sev := "warning"
				if m.MessageType == message.RunFailed {
					sev = "error"
				}
				out = append(out, request{"/v2/enqueue", Event{RoutingKey: p.key, EventAction: "trigger", DedupKey: r.RunId, Client: "tend", ClientURL: r.RunUrl, Links: links,
					Payload: &Detail{Summary: truncate(m.Title(), 1024), Source: source, Severity: sev, Timestamp: ts, Component: r.Product, Group: r.Policy, Class: m.MessageType, CustomDetails: details}}})
			}
			continue
		}
		if m.InsightId == "" {
			continue
		}
		ev := Event{RoutingKey: p.key, DedupKey: m.InsightId, Client: "tend", ClientURL: m.InsightUrl}
		if m.MessageType == message.ClosedInsight {
			ev.EventAction = "resolve"
		} else {
			var anomalies []string
			for _, a := range m.Anomalies {
				if len(a.SourceDetails) > 0 {
					anomalies = append(anomalies, strings.TrimSpace(a.SourceDetails[0].DataIdentifiers.Name+" on "+a.Resource+": "+a.Reason))
				}
			}
			if len(anomalies) > 0 {
				details["anomalies"] = anomalies
			}
			if len(m.Resources) > 0 {
				details["resources"] = m.Resources
			}
			ev.EventAction = "trigger"
			ev.Payload = &Detail{Summary: truncate(m.InsightDescription, 1024), Source: source, Severity: severity(m.InsightSeverity), Timestamp: ts,
				Class: m.ProblemType, Group: source, CustomDetails: details}
			if m.InsightUrl != "" {
				ev.Links = []Link{{Href: m.InsightUrl, Text: "tend insight " + m.InsightId}}
			}
		}
		out = append(out, request{"/v2/enqueue", ev})
	}
	return out
}

// Notify sends the batch's events, one request each (the Events API takes
// one event per request); the first failure fails the batch, and a retry
// sends them all again (PagerDuty dedupes by dedup_key).
func (p *PagerDuty) Notify(ctx context.Context, b notify.Batch) error {
	for _, r := range p.Requests(b) {
		body, err := json.Marshal(r.body)
		if err != nil {
			return notify.Permanent(fmt.Errorf("encode pagerduty event: %w", err))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+r.path, bytes.NewReader(body))
		if err != nil {
			return notify.Permanent(fmt.Errorf("pagerduty request: %w", err))
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := p.client.Do(req)
		if err != nil {
			return notify.TransportError("send to pagerduty", err)
		}
		excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return notify.HTTPError("send to pagerduty", resp, excerpt, p.now())
		}
	}
	return nil
}
