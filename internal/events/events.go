// Package events turns change events — deployments, configuration
// changes, API calls, tend's own actions — into store.Events, classifies
// them as DevOps Guru does (DEPLOYMENT, CONFIG_CHANGE, INFRASTRUCTURE,
// SCHEMA_CHANGE, SECURITY_CHANGE) and links them to insights: an event
// that touched a resource or the boundary of an insight within a
// look-back window before it started is a related event, ranked by how
// close it is in time and in topology.
//
// Each format people already emit has a parser here: tend's own JSON,
// AWS CloudTrail records as EventBridge delivers them, Kubernetes Events,
// GitHub deployment and deployment_status webhooks (signature checked)
// and Grafana's annotation API. Parsers only read; validation errors are
// *FieldError values that name the field and the reason.
package events

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tendhq/tend/internal/store"
)

// Limits on what one event may carry.
const (
	MaxPerRequest = 1000
	maxName       = 256
	maxText       = 1024
	maxResources  = 50
	maxLinks      = 20
	maxDetails    = 50
)

// FieldError is a validation error naming the field (JSON path) and why.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldErr(field, format string, a ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

// Scope pins events to tend's resources and boundaries when their source
// does not know them (a GitHub deployment knows its repository, not the
// hosts it lands on): the intake endpoints read it from the query string
// (?resource=web-1&stack=shop).
type Scope struct {
	Resources []store.EventResource
	Stack     string
	App       string
	Namespace string
	Account   string
	Region    string
}

// ScopeFromQuery reads resource (repeatable or comma-separated), stack,
// app, namespace, account and region.
func ScopeFromQuery(q url.Values) (Scope, error) {
	var s Scope
	for k := range q {
		switch k {
		case "resource", "stack", "app", "namespace", "account", "region":
		default:
			return s, fieldErr(k, "unknown parameter; use resource, stack, app, namespace, account or region")
		}
	}
	for _, v := range q["resource"] {
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				s.Resources = append(s.Resources, store.EventResource{ID: r, Name: r})
			}
		}
	}
	if len(s.Resources) > maxResources {
		return s, fieldErr("resource", "at most %d resources (got %d)", maxResources, len(s.Resources))
	}
	s.Stack, s.App, s.Namespace, s.Account, s.Region = q.Get("stack"), q.Get("app"), q.Get("namespace"), q.Get("account"), q.Get("region")
	for k, v := range map[string]string{"stack": s.Stack, "app": s.App, "namespace": s.Namespace, "account": s.Account, "region": s.Region} {
		if len(v) > maxName {
			return s, fieldErr(k, "is longer than %d characters", maxName)
		}
	}
	return s, nil
}

// apply adds the scope to an event (fields the event names itself win).
func (s Scope) apply(ev *store.Event) {
	ev.Resources = append(ev.Resources, s.Resources...)
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&ev.Stack, s.Stack)
	fill(&ev.App, s.App)
	fill(&ev.Namespace, s.Namespace)
	fill(&ev.Account, s.Account)
	fill(&ev.Region, s.Region)
}

// finish validates a parsed event, classifies it when its source did not,
// and gives it an id. field prefixes the field names in errors.
func finish(ev *store.Event, field string, now time.Time) error {
	f := func(name string) string {
		if field == "" {
			return name
		}
		return field + "." + name
	}
	switch {
	case ev.Time.IsZero():
		return fieldErr(f("time"), "is required: an RFC 3339 time such as 2026-11-21T15:04:05Z")
	case ev.Time.Year() < 2000 || ev.Time.After(now.Add(24*time.Hour)):
		return fieldErr(f("time"), "%s is before 2000 or more than a day ahead of this server's clock", ev.Time.Format(time.RFC3339))
	case strings.TrimSpace(ev.Name) == "":
		return fieldErr(f("name"), "is required: what happened (UpdateFunctionCode, deploy web v42)")
	case len(ev.Resources) > maxResources:
		return fieldErr(f("resources"), "at most %d resources (got %d)", maxResources, len(ev.Resources))
	case len(ev.Links) > maxLinks:
		return fieldErr(f("links"), "at most %d links (got %d)", maxLinks, len(ev.Links))
	case len(ev.Details) > maxDetails:
		return fieldErr(f("details"), "at most %d entries (got %d)", maxDetails, len(ev.Details))
	}
	for name, v := range map[string]string{"name": ev.Name, "source": ev.Source, "event_source": ev.EventSource, "actor": ev.Actor, "key": ev.Key,
		"stack": ev.Stack, "app": ev.App, "namespace": ev.Namespace, "account": ev.Account, "region": ev.Region} {
		if len(v) > maxName {
			return fieldErr(f(name), "is longer than %d characters", maxName)
		}
		if !utf8.ValidString(v) {
			return fieldErr(f(name), "is not valid UTF-8")
		}
	}
	for i, r := range ev.Resources {
		if r.ID == "" && r.Name == "" {
			return fieldErr(f(fmt.Sprintf("resources[%d]", i)), "needs an id or a name")
		}
		if len(r.ID) > maxText || len(r.Name) > maxName || len(r.Type) > maxName {
			return fieldErr(f(fmt.Sprintf("resources[%d]", i)), "id, name or type is too long")
		}
	}
	for i, l := range ev.Links {
		u, err := url.Parse(l.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(l.URL) > maxText || len(l.Title) > maxName {
			return fieldErr(f(fmt.Sprintf("links[%d].url", i)), "must be an http or https URL of at most %d characters", maxText)
		}
	}
	for k, v := range ev.Details {
		if len(k) > maxName || len(v) > maxText || !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fieldErr(f("details."+k), "keys are at most %d characters and values %d, in UTF-8", maxName, maxText)
		}
	}
	if ev.Class == "" {
		ev.Class = Classify(ev.EventSource, ev.Name)
	} else if !validClass(ev.Class) {
		return fieldErr(f("event_class"), "%q is not one of DEPLOYMENT, CONFIG_CHANGE, INFRASTRUCTURE, SCHEMA_CHANGE, SECURITY_CHANGE", ev.Class)
	}
	ev.Time = ev.Time.UTC()
	ev.ReceivedAt = now.UTC()
	if ev.Resources == nil {
		ev.Resources = []store.EventResource{}
	}
	if ev.Key == "" {
		// No identity at the source: the content is the identity, so a
		// retried delivery is still recognised.
		ev.Key = contentKey(ev)
	}
	ev.ID = store.NewID("evt", ev.Time)
	return nil
}

func validClass(c string) bool {
	switch c {
	case store.EventDeployment, store.EventConfigChange, store.EventInfrastructure, store.EventSchemaChange, store.EventSecurityChange:
		return true
	}
	return false
}
