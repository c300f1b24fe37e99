// Package problem defines what every source of trouble hands to tend's
// self-healing: a Problem. Dynatrace and Alertmanager webhooks, tend's own
// API and tend's insights all normalise into this one shape, so a policy
// written for one source's CPU_SATURATION acts on any source's.
package problem

import (
	"context"
	"time"
)

// State is where a problem is in its life.
type State string

// States a problem can be in.
const (
	StateOpen     State = "OPEN"
	StateResolved State = "RESOLVED"
)

// Sources tend knows.
const (
	SourceDynatrace    = "dynatrace"
	SourceAlertmanager = "alertmanager"
	SourceAPI          = "api"
	SourceTend         = "tend" // tend's own insights
)

// Entity is a monitored thing a problem affects: a host, a process group, a
// service, a pod.
type Entity struct {
	// ID is the source's identifier (a Dynatrace entity id such as
	// HOST-1234, an instance label, an insight resource id).
	ID string `json:"id"`
	// Type is the entity type as the source names it (HOST, SERVICE, pod …).
	Type string `json:"type,omitempty"`
	// Name is the human-readable name.
	Name string `json:"name,omitempty"`
	// Tags are the entity's tags; a key without a value maps to "".
	Tags map[string]string `json:"tags,omitempty"`
	// Properties are facts about the entity the source reported, such as
	// "awsInstanceId", "awsInstanceType" or "cloudType".
	Properties map[string]string `json:"properties,omitempty"`
}

// Problem is one occurrence of trouble as reported by a source.
type Problem struct {
	// Source is who reported it (SourceDynatrace, …).
	Source string `json:"source"`
	// ExternalID identifies the problem at the source: Dynatrace's PID,
	// Alertmanager's fingerprint, a tend insight id.
	ExternalID string `json:"external_id"`
	// DisplayID is the id people see at the source (Dynatrace "P-1234").
	DisplayID string `json:"display_id,omitempty"`
	// Title is the source's one-line description.
	Title string `json:"title"`
	// State is OPEN or RESOLVED.
	State State `json:"state"`
	// EventType is the kind of problem (CPU_SATURATION, MEMORY_SATURATION,
	// …), taken from the source's details, not guessed from the title.
	EventType string `json:"event_type,omitempty"`
	// Severity as the source says (AVAILABILITY, PERFORMANCE, critical, HIGH …).
	Severity string `json:"severity,omitempty"`
	// Impact level (INFRASTRUCTURE, SERVICE, APPLICATION, …).
	Impact string `json:"impact,omitempty"`
	// Entities are the impacted entities.
	Entities []Entity `json:"entities,omitempty"`
	// RootCause is the root-cause entity when the source names one.
	RootCause *Entity `json:"root_cause,omitempty"`
	// Tags on the problem itself.
	Tags map[string]string `json:"tags,omitempty"`
	// URL links to the problem at the source.
	URL string `json:"url,omitempty"`
	// StartedAt is when the source says the problem began.
	StartedAt time.Time `json:"started_at,omitzero"`
}

// Receipt is what accepting a problem yields: the stored problem's id and
// the remediation runs it started, if any.
type Receipt struct {
	ProblemID string   `json:"problem_id"`
	Duplicate bool     `json:"duplicate,omitempty"`
	RunIDs    []string `json:"run_ids,omitempty"`
}

// Sink accepts problems. Submit stores the problem durably before it
// returns; an identical re-delivery is recognised and reported as Duplicate.
type Sink interface {
	Submit(ctx context.Context, p Problem) (Receipt, error)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, p Problem) (Receipt, error)

// Submit calls f.
func (f SinkFunc) Submit(ctx context.Context, p Problem) (Receipt, error) { return f(ctx, p) }
