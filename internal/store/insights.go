package store

import (
	"context"
	"errors"
	"time"
)

// ErrInvalidCursor is returned (wrapped) by Insights.List for a cursor it
// did not issue.
var ErrInvalidCursor = errors.New("invalid cursor")

// Insight types, statuses and severities as stored and served.
const (
	InsightReactive  = "REACTIVE"
	InsightProactive = "PROACTIVE"

	InsightOngoing = "ONGOING"
	InsightClosed  = "CLOSED"

	SeverityLow    = "LOW"
	SeverityMedium = "MEDIUM"
	SeverityHigh   = "HIGH"
)

// Insight is a group of anomalies of one application boundary that belong
// together, named and rated so a person can act on it.
type Insight struct {
	ID       string `json:"id"`
	Type     string `json:"type"`     // REACTIVE or PROACTIVE
	Status   string `json:"status"`   // ONGOING or CLOSED
	Severity string `json:"severity"` // LOW, MEDIUM or HIGH
	// ProblemType is CPU_SATURATION, MEMORY_SATURATION, … (docs/insights.md).
	ProblemType string `json:"problem_type"`
	Name        string `json:"name"`
	Description string `json:"description"`

	// BoundaryKey identifies the application boundary (series.Boundary.Key);
	// at most one ONGOING insight exists per key.
	BoundaryKey    string `json:"boundary_key"`
	BoundaryKind   string `json:"boundary_kind"` // stack, app, namespace, account
	BoundaryName   string `json:"boundary_name"`
	BoundaryTagKey string `json:"boundary_tag_key,omitempty"`
	Account        string `json:"account,omitempty"`
	Region         string `json:"region,omitempty"`

	// Resources are the resources whose metrics are anomalous.
	Resources       []InsightResource `json:"resources"`
	Recommendations []Recommendation  `json:"recommendations"`

	// Subject is what a PROACTIVE insight is about (the series heading to
	// its limit); at most one ONGOING proactive insight exists per
	// boundary and subject. Empty for reactive insights.
	Subject string `json:"subject,omitempty"`
	// PredictionTimeRange is, for a PROACTIVE insight, when the limit is
	// expected to be reached: from the earliest to the latest time of the
	// forecast's band (DevOps Guru's PredictionTimeRange).
	PredictionTimeRange *TimeRange `json:"prediction_time_range,omitempty"`

	StartedAt time.Time `json:"start_time"`
	EndedAt   time.Time `json:"end_time,omitzero"` // zero while ongoing
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version increases with every update; Update refuses a stale one.
	Version int64 `json:"version"`

	// Notify are messages Create or Update puts in the outbox in the same
	// transaction (not stored with the insight, never read back).
	Notify []Notification `json:"-"`
}

// TimeRange is a span of time; End is zero while it is open.
type TimeRange struct {
	Start time.Time `json:"start_time"`
	End   time.Time `json:"end_time,omitzero"`
}

// InsightResource is one resource an insight involves.
type InsightResource struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	Name         string `json:"name"`
	InstanceID   string `json:"instance_id,omitempty"`
	InstanceType string `json:"instance_type,omitempty"`
}

// Recommendation is what to do about an insight, and why (DevOps Guru's
// Recommendation: Name, Description, Reason, Link, RelatedAnomalies,
// RelatedEvents).
type Recommendation struct {
	// Title is the recommendation's name.
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Reason says which anomaly and which event made tend suggest it.
	Reason string `json:"reason"`
	Link   string `json:"link,omitempty"`
	// Rule names the rule of the recommendation table that produced it.
	Rule             string   `json:"rule,omitempty"`
	RelatedAnomalies []string `json:"related_anomalies,omitempty"`
	RelatedEvents    []string `json:"related_events,omitempty"`
	// Policy is a ready-to-paste remediation policy, when one fits.
	Policy string `json:"policy,omitempty"`
}

// InsightFilter selects insights for List. Empty fields match everything.
type InsightFilter struct {
	Type       string
	Statuses   []string
	Severities []string
	Stack      string // boundary kind "stack" with this name
	App        string // boundary kind "app" with this name (tag value)
	Resource   string // a resource id or name among its anomalies
	Accounts   []string
	Region     string
	// From and To bound StartedAt: From <= start < To (zero = open).
	From, To time.Time
	// CreatedFrom and CreatedTo bound CreatedAt the same way.
	CreatedFrom, CreatedTo time.Time
	// Visible restricts the list to what a principal may see (nil: all).
	Visible *Visibility
	// Limit is the page size (1–1000; 0 means 100).
	Limit int
	// Cursor continues a previous page (InsightPage.Next).
	Cursor string
}

// InsightPage is one page of insights, newest first.
type InsightPage struct {
	Insights []Insight `json:"insights"`
	// Next is the cursor of the following page; empty on the last page.
	Next string `json:"next,omitempty"`
}

// Insights stores insights.
type Insights interface {
	// Create stores a new insight with Version 1. ErrConflict if the ID
	// exists or, for an ONGOING insight, if another ONGOING insight of its
	// type already exists for the same BoundaryKey (and, for a PROACTIVE
	// one, Subject) (another tend process won
	// the race: adopt that one with Ongoing).
	Create(ctx context.Context, in Insight) error
	// Open is Create together with the insight's first anomalies
	// (Anomalies.Upsert), and the messages of both, in one transaction:
	// an insight is never stored without the anomalies that opened it.
	// ErrConflict as Create, and then nothing is stored.
	Open(ctx context.Context, in Insight, anomalies []Anomaly) error
	// Get returns the insight; ErrNotFound if none.
	Get(ctx context.Context, id string) (Insight, error)
	// Update replaces every field but ID, CreatedAt and BoundaryKey when
	// in.Version is the stored version, and returns the stored insight
	// with Version+1. ErrConflict when another writer updated it first,
	// ErrNotFound when it does not exist.
	Update(ctx context.Context, in Insight) (Insight, error)
	// Ongoing returns the ONGOING REACTIVE insight of a boundary;
	// ErrNotFound if none.
	Ongoing(ctx context.Context, boundaryKey string) (Insight, error)
	// ListOngoing returns every ONGOING insight (both types), oldest first.
	ListOngoing(ctx context.Context) ([]Insight, error)
	// List returns one page of insights matching f, newest first.
	List(ctx context.Context, f InsightFilter) (InsightPage, error)
}
