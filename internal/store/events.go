package store

import (
	"context"
	"time"
)

// Event classes, as DevOps Guru names them.
const (
	EventDeployment     = "DEPLOYMENT"
	EventConfigChange   = "CONFIG_CHANGE"
	EventInfrastructure = "INFRASTRUCTURE"
	EventSchemaChange   = "SCHEMA_CHANGE"
	EventSecurityChange = "SECURITY_CHANGE"
)

// Event is a change to the infrastructure or the software on it — a
// deployment, a configuration change, an API call — kept so insights can
// say what changed just before they started.
type Event struct {
	ID string `json:"id"`
	// Key identifies the event at its source (a CloudTrail eventID, a
	// GitHub delivery, a Kubernetes event uid); a second event with the
	// same Source and Key is the same event delivered again.
	Key  string    `json:"key"`
	Time time.Time `json:"time"`
	// Source is where tend got it: api, cloudtrail, kubernetes, github,
	// grafana, tend.
	Source string `json:"source"`
	// EventSource is the service that emitted it (lambda.amazonaws.com,
	// github.com/org/repo, kubernetes/deployment-controller).
	EventSource string `json:"event_source,omitempty"`
	// Class is DEPLOYMENT, CONFIG_CHANGE, INFRASTRUCTURE, SCHEMA_CHANGE or
	// SECURITY_CHANGE.
	Class     string          `json:"event_class"`
	Name      string          `json:"name"`
	Actor     string          `json:"actor,omitempty"`
	Resources []EventResource `json:"resources"`
	// The boundary the event belongs to, when it says.
	Stack     string `json:"stack,omitempty"`
	App       string `json:"app,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Account   string `json:"account,omitempty"`
	Region    string `json:"region,omitempty"`
	Links     []Link `json:"links,omitempty"`
	// Details are a few source-specific facts (the GitHub environment,
	// the Kubernetes reason), kept as strings.
	Details    map[string]string `json:"details,omitempty"`
	ReceivedAt time.Time         `json:"received_at"`

	// Notify are messages Add puts in the outbox in the same transaction
	// as the event (a NEW_ASSOCIATION for each ongoing insight it relates
	// to); none when the event is a duplicate. Not stored with the event,
	// never read back.
	Notify []Notification `json:"-"`
}

// EventResource is a resource an event touched.
type EventResource struct {
	Type string `json:"type,omitempty"`
	Name string `json:"name,omitempty"`
	// ID is tend's resource id (host/web-1) or the provider's (an ARN,
	// an instance id).
	ID string `json:"id,omitempty"`
}

// Link is a titled URL.
type Link struct {
	Title string `json:"title,omitempty"`
	URL   string `json:"url"`
}

// EventFilter selects events for List. Empty fields match everything.
type EventFilter struct {
	// From and To bound Time: From <= time < To (zero = open).
	From, To time.Time
	Sources  []string
	Classes  []string
	// Resource matches a resource's id or name.
	Resource  string
	Stack     string
	App       string
	Namespace string
	Account   string
	// Accounts, when not nil, keeps only events of these accounts (none
	// when empty): what a credential limited to accounts may see.
	Accounts []string
	// Limit is the page size (1–1000; 0 means 100).
	Limit int
	// Cursor continues a previous page (EventPage.Next).
	Cursor string
}

// EventPage is one page of events, newest first.
type EventPage struct {
	Events []Event `json:"events"`
	Next   string  `json:"next,omitempty"`
}

// Events stores change events.
type Events interface {
	// Add stores events durably, in one transaction. An event whose Source
	// and Key are already stored is not stored again: Add returns, in
	// order, each event as stored (the earlier one for a re-delivery) and
	// whether it was a duplicate. The Notify messages of the events that
	// are not duplicates are written into the outbox in that transaction.
	Add(ctx context.Context, list []Event) ([]Event, []bool, error)
	// Get returns the event; ErrNotFound if none.
	Get(ctx context.Context, id string) (Event, error)
	// List returns one page of events matching f, newest first.
	List(ctx context.Context, f EventFilter) (EventPage, error)
}
