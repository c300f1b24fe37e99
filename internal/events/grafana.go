package events

import (
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// GrafanaAnnotation is the body of Grafana's POST /api/annotations.
type GrafanaAnnotation struct {
	DashboardUID string   `json:"dashboardUID"`
	DashboardID  int64    `json:"dashboardId"`
	PanelID      int64    `json:"panelId"`
	Time         int64    `json:"time"`    // Unix milliseconds
	TimeEnd      int64    `json:"timeEnd"` // Unix milliseconds, for a region
	Tags         []string `json:"tags"`
	Text         string   `json:"text"`
}

// ParseGrafana reads an annotation as tools that annotate Grafana
// dashboards send it. Its text is the event's name; tags of the form
// key:value name tend's resources and boundaries (resource:, host:,
// pod:, service:, function:, stack:, app:, namespace:, account:, region:)
// and class: sets the class; other tags are kept and classify it
// (deploy, config …). A time of 0 means now, as in Grafana.
func ParseGrafana(body []byte, scope Scope, now time.Time) ([]store.Event, error) {
	var a GrafanaAnnotation
	if err := strictJSON(body, &a); err != nil {
		return nil, err
	}
	if strings.TrimSpace(a.Text) == "" {
		return nil, fieldErr("text", "is required: what happened")
	}
	if len(a.Tags) > maxDetails {
		return nil, fieldErr("tags", "at most %d tags (got %d)", maxDetails, len(a.Tags))
	}
	t := now
	if a.Time != 0 {
		t = time.UnixMilli(a.Time)
	}
	ev := store.Event{Time: t, Source: "grafana", EventSource: "grafana", Name: truncate(a.Text, maxName), Details: map[string]string{}}
	var plain []string
	for _, tag := range a.Tags {
		k, v, ok := strings.Cut(tag, ":")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok || v == "" {
			plain = append(plain, tag)
			continue
		}
		switch k {
		case "resource", "host", "pod", "service", "function", "node", "container", "database":
			r := store.EventResource{ID: v, Name: v}
			if k != "resource" {
				r.Type = k
			}
			ev.Resources = append(ev.Resources, r)
		case "stack":
			ev.Stack = v
		case "app":
			ev.App = v
		case "namespace":
			ev.Namespace = v
		case "account":
			ev.Account = v
		case "region":
			ev.Region = v
		case "class":
			ev.Class = strings.ToUpper(v)
		default:
			plain = append(plain, tag)
		}
	}
	if len(plain) > 0 {
		ev.Details["tags"] = truncate(strings.Join(plain, ","), maxText)
	}
	if a.TimeEnd > a.Time && a.Time != 0 {
		ev.Details["timeEnd"] = time.UnixMilli(a.TimeEnd).UTC().Format(time.RFC3339)
	}
	if a.DashboardUID != "" {
		ev.Details["dashboardUID"] = a.DashboardUID
	}
	if a.PanelID != 0 {
		ev.Details["panelId"] = strconv.FormatInt(a.PanelID, 10)
	}
	if ev.Class == "" {
		ev.Class = Classify("", strings.Join(plain, " ")+" "+a.Text)
	}
	scope.apply(&ev)
	if err := finish(&ev, "", now); err != nil {
		if fe, ok := err.(*FieldError); ok && fe.Field == "event_class" {
			fe.Field = "tags"
		}
		return nil, err
	}
	return []store.Event{ev}, nil
}
