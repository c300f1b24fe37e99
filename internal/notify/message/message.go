// Package message defines the notifications tend sends: Amazon DevOps
// Guru's message types and fields for insights (NEW_INSIGHT,
// CLOSED_INSIGHT, NEW_ASSOCIATION, SEVERITY_UPGRADED, NEW_RECOMMENDATION
// with AccountId, Region, InsightId, InsightUrl, InsightType,
// InsightDescription, InsightSeverity, StartTime and Anomalies with their
// SourceDetails/DataIdentifiers), and tend's own about self-healing runs.
//
// It is the contract between the stages that cause messages (insight,
// remediate), which build them here and write them into the outbox with
// the change that causes them, and package notify, which delivers them —
// as package problem is the contract between problem sources and
// remediation. It imports nothing of tend's but store.
package message

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// Message types.
const (
	NewInsight        = "NEW_INSIGHT"
	ClosedInsight     = "CLOSED_INSIGHT"
	NewAssociation    = "NEW_ASSOCIATION" // an anomaly or a change event joined an insight
	SeverityUpgraded  = "SEVERITY_UPGRADED"
	NewRecommendation = "NEW_RECOMMENDATION"

	RunAwaitingApproval = "RUN_AWAITING_APPROVAL"
	RunActed            = "RUN_ACTED"
	RunFailed           = "RUN_FAILED"
	RunRolledBack       = "RUN_ROLLED_BACK"
)

// Types lists every message type, insight types first.
var Types = []string{NewInsight, ClosedInsight, NewAssociation, SeverityUpgraded, NewRecommendation,
	RunAwaitingApproval, RunActed, RunFailed, RunRolledBack}

// IsInsight reports whether a message type is about an insight (else a run).
func IsInsight(typ string) bool { return !strings.HasPrefix(typ, "RUN_") }

// Message is one notification as every channel receives it (JSON, as
// DevOps Guru's SNS messages; times in Unix milliseconds).
type Message struct {
	// MessageId is stable: a redelivery carries the same id, and
	// receivers dedupe on it.
	MessageId          string    `json:"MessageId"`
	MessageType        string    `json:"MessageType"`
	AccountId          string    `json:"AccountId"`
	Region             string    `json:"Region"`
	InsightId          string    `json:"InsightId,omitempty"`
	InsightUrl         string    `json:"InsightUrl,omitempty"`
	InsightType        string    `json:"InsightType,omitempty"`
	InsightDescription string    `json:"InsightDescription,omitempty"`
	InsightSeverity    string    `json:"InsightSeverity,omitempty"` // low, medium, high
	StartTime          int64     `json:"StartTime,omitempty"`
	EndTime            int64     `json:"EndTime,omitempty"`
	Anomalies          []Anomaly `json:"Anomalies,omitempty"`
	// Events are the change events related to the insight (a
	// NEW_ASSOCIATION: the one that joined it).
	Events []Event `json:"Events,omitempty"`
	// Recommendations are the insight's (NEW_RECOMMENDATION: the new ones).
	Recommendations []Recommendation `json:"Recommendations,omitempty"`

	// tend's own fields.
	ProblemType string `json:"ProblemType,omitempty"`
	// PreviousSeverity is the severity before a SEVERITY_UPGRADED.
	PreviousSeverity string    `json:"PreviousSeverity,omitempty"`
	Boundary         *Boundary `json:"Boundary,omitempty"`
	Resources        []string  `json:"Resources,omitempty"`
	Run              *Run      `json:"Run,omitempty"`
	// Time is when the event happened.
	Time int64 `json:"Time"`
}

// Anomaly is one anomaly of an insight, as DevOps Guru lists them.
type Anomaly struct {
	Id            string         `json:"Id"`
	StartTime     int64          `json:"StartTime"`
	EndTime       int64          `json:"EndTime,omitempty"`
	SourceDetails []SourceDetail `json:"SourceDetails"`
	// Resource and Reason are tend's: where and why.
	Resource string `json:"Resource,omitempty"`
	Reason   string `json:"Reason,omitempty"`
}

// Event is a change event related to an insight, with DevOps Guru's
// Event fields (Id, Time, EventSource, Name, DataSource, EventClass,
// Resources) and tend's Relation.
type Event struct {
	Id          string `json:"Id"`
	Time        int64  `json:"Time"`
	EventSource string `json:"EventSource,omitempty"`
	Name        string `json:"Name"`
	// DataSource is where tend got it: api, cloudtrail, kubernetes,
	// github, grafana, tend.
	DataSource string          `json:"DataSource,omitempty"`
	EventClass string          `json:"EventClass"`
	Actor      string          `json:"Actor,omitempty"`
	Resources  []EventResource `json:"Resources,omitempty"`
	// Relation is how it relates to the insight: resource, boundary or
	// account.
	Relation string `json:"Relation,omitempty"`
}

// EventResource is a resource an event touched (DevOps Guru's Type,
// Name and Arn; Id is tend's resource id when it is not an ARN).
type EventResource struct {
	Type string `json:"Type,omitempty"`
	Name string `json:"Name,omitempty"`
	Arn  string `json:"Arn,omitempty"`
	Id   string `json:"Id,omitempty"`
}

// SourceDetail names the metric an anomaly was found in.
type SourceDetail struct {
	DataSource      string          `json:"DataSource"`
	DataIdentifiers DataIdentifiers `json:"DataIdentifiers"`
}

// DataIdentifiers identify a metric as CloudWatch does: period in seconds
// and dimensions as a JSON object, both as strings.
type DataIdentifiers struct {
	Name       string `json:"name"`
	Namespace  string `json:"namespace"`
	Period     string `json:"period"`
	Stat       string `json:"stat"`
	Unit       string `json:"unit"`
	Dimensions string `json:"dimensions"`
}

// Recommendation is what to do, and why.
type Recommendation struct {
	Name   string `json:"Name"`
	Reason string `json:"Reason,omitempty"`
	Link   string `json:"Link,omitempty"`
}

// Boundary is the application boundary of an insight or of the problem a
// run acts on.
type Boundary struct {
	Kind string `json:"Kind"` // stack, app, namespace, account
	Name string `json:"Name"`
}

// Run is a self-healing run's part of a run message.
type Run struct {
	RunId     string `json:"RunId"`
	Policy    string `json:"Policy"`
	Mode      string `json:"Mode,omitempty"`
	State     string `json:"State"`
	Outcome   string `json:"Outcome,omitempty"`
	Summary   string `json:"Summary,omitempty"`
	Error     string `json:"Error,omitempty"`
	ProblemId string `json:"ProblemId,omitempty"`
	// Problem is the problem's title; ProblemSource and ProblemUrl where
	// it came from.
	Problem       string `json:"Problem,omitempty"`
	ProblemSource string `json:"ProblemSource,omitempty"`
	ProblemUrl    string `json:"ProblemUrl,omitempty"`
	// Product, Version and PreviousVersion say what an acted run changed;
	// Change is the edit in words (InstanceType t3.small → t3.medium).
	Product         string `json:"Product,omitempty"`
	Version         string `json:"Version,omitempty"`
	PreviousVersion string `json:"PreviousVersion,omitempty"`
	Change          string `json:"Change,omitempty"`
	RunUrl          string `json:"RunUrl,omitempty"`
	DiffUrl         string `json:"DiffUrl,omitempty"`
	// ApproveCommand and CancelCommand are what a person runs for a run
	// awaiting approval; ApproveUrl the API endpoint (POST, API key).
	ApproveCommand string `json:"ApproveCommand,omitempty"`
	CancelCommand  string `json:"CancelCommand,omitempty"`
	ApproveUrl     string `json:"ApproveUrl,omitempty"`
}

// Title is a one-line summary for people (a chat line, a mail subject).
func (m Message) Title() string {
	switch {
	case m.Run != nil:
		r := m.Run
		switch m.MessageType {
		case RunAwaitingApproval:
			return fmt.Sprintf("Approval needed: %s (%s)", orDefault(r.Summary, r.Policy), r.RunId)
		case RunActed:
			return "Healed: " + orDefault(r.Summary, r.Policy)
		case RunFailed:
			return fmt.Sprintf("Self-healing failed: %s (%s)", r.Policy, orDefault(r.Error, r.Summary))
		case RunRolledBack:
			return "Rolled back: " + orDefault(r.Summary, r.Product)
		}
		return m.MessageType + " " + r.RunId
	case m.MessageType == ClosedInsight:
		return "Closed: " + m.InsightDescription
	case m.MessageType == SeverityUpgraded:
		return fmt.Sprintf("Severity %s → %s: %s", strings.ToUpper(m.PreviousSeverity), strings.ToUpper(m.InsightSeverity), m.InsightDescription)
	case m.MessageType == NewAssociation && len(m.Anomalies) == 0 && len(m.Events) > 0:
		return fmt.Sprintf("Related change %s: %s", m.Events[0].Name, m.InsightDescription)
	case m.MessageType == NewAssociation:
		return "More anomalies: " + m.InsightDescription
	case m.MessageType == NewRecommendation:
		return "New recommendation: " + m.InsightDescription
	}
	return m.InsightDescription
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Notification is the message as an outbox row: its id, type, subject
// (the insight, or the run) and the fields channel filters read.
func (m Message) Notification(subject, severity, boundaryKind, boundaryName string) store.Notification {
	body, err := json.Marshal(m)
	if err != nil {
		body = []byte(`{}`) // a Message holds only strings, numbers and slices of them
	}
	return store.Notification{
		ID: m.MessageId, Type: m.MessageType, Subject: subject, Severity: strings.ToUpper(severity),
		ProblemType: m.ProblemType, BoundaryKind: boundaryKind, BoundaryName: boundaryName,
		Body: body, CreatedAt: time.UnixMilli(m.Time).UTC(),
	}
}

// ForRollback is the RUN_ROLLED_BACK message of a self-healing run whose
// published version of product was undone by a rollback to the template
// of version to. Its id is the run's: a run is rolled back once.
func ForRollback(runID, product, version, to string, at time.Time) store.Notification {
	m := Message{MessageId: runID + "." + RunRolledBack, MessageType: RunRolledBack, Time: at.UnixMilli(),
		Run: &Run{RunId: runID, State: store.RunDone, Product: product, Version: version,
			Summary: fmt.Sprintf("%s %s, published by self-healing run %s, rolled back to the template of %s", product, version, runID, to)}}
	return m.Notification(runID, "", "", "")
}

// Decode reads an outbox row's message.
func Decode(n store.Notification) (Message, error) {
	var m Message
	if err := json.Unmarshal(n.Body, &m); err != nil {
		return m, fmt.Errorf("decode message %s: %w", n.ID, err)
	}
	if m.MessageId == "" {
		m.MessageId = n.ID
	}
	if m.MessageType == "" {
		m.MessageType = n.Type
	}
	return m, nil
}

// ForInsight builds an insight message: typ is one of the insight types,
// in the insight as it is being stored (its Version the one being written),
// anoms the anomalies it lists, url the insight's link, at the event time.
// previous is the insight before the change (zero for NEW_INSIGHT).
func ForInsight(typ string, in, previous store.Insight, anoms []store.Anomaly, url string, at time.Time) store.Notification {
	return insightMessage(typ, in, previous, anoms, url, at).Notification(in.ID, in.Severity, in.BoundaryKind, in.BoundaryName)
}

func insightMessage(typ string, in, previous store.Insight, anoms []store.Anomaly, url string, at time.Time) Message {
	m := Message{
		MessageType: typ, AccountId: in.Account, Region: in.Region,
		InsightId: in.ID, InsightUrl: url, InsightType: in.Type, InsightDescription: in.Name,
		InsightSeverity: strings.ToLower(in.Severity), StartTime: in.StartedAt.UnixMilli(),
		ProblemType: in.ProblemType, Time: at.UnixMilli(),
	}
	if in.BoundaryKind != "" || in.BoundaryName != "" {
		m.Boundary = &Boundary{Kind: in.BoundaryKind, Name: in.BoundaryName}
	}
	for _, r := range in.Resources {
		m.Resources = append(m.Resources, orDefault(r.Name, r.ID))
	}
	if !in.EndedAt.IsZero() {
		m.EndTime = in.EndedAt.UnixMilli()
	}
	for _, a := range anoms {
		m.Anomalies = append(m.Anomalies, anomaly(a))
	}
	switch typ {
	case NewInsight, ClosedInsight:
		m.MessageId = in.ID + "." + typ
	case NewAssociation:
		ids := make([]string, 0, len(anoms))
		for _, a := range anoms {
			ids = append(ids, a.ID)
		}
		sort.Strings(ids)
		m.MessageId = in.ID + "." + strings.Join(ids, "+") + "." + typ
	default:
		m.MessageId = in.ID + ".v" + strconv.FormatInt(in.Version+1, 10) + "." + typ
	}
	switch typ {
	case SeverityUpgraded:
		m.PreviousSeverity = strings.ToLower(previous.Severity)
	case NewRecommendation:
		m.Recommendations = recommendations(NewRecommendations(previous, in))
	default:
		m.Recommendations = recommendations(in.Recommendations)
	}
	return m
}

// ForEvent is the NEW_ASSOCIATION message of a change event that relates
// to an ongoing insight (relation: resource, boundary or account). Its id
// is the insight's and the event's: an event joins an insight once.
func ForEvent(in store.Insight, ev store.Event, relation, url string, at time.Time) store.Notification {
	m := insightMessage(NewAssociation, in, in, nil, url, at)
	m.MessageId = in.ID + "." + ev.ID + "." + NewAssociation
	m.Events = []Event{EventOf(ev, relation)}
	return m.Notification(in.ID, in.Severity, in.BoundaryKind, in.BoundaryName)
}

// WithEvents returns the message n with evs as its Events (a NEW_INSIGHT
// listing the change events already related to the insight).
func WithEvents(n store.Notification, evs ...Event) store.Notification {
	if len(evs) == 0 {
		return n
	}
	m, err := Decode(n)
	if err != nil {
		return n
	}
	m.Events = evs
	body, err := json.Marshal(m)
	if err != nil {
		return n
	}
	n.Body = body
	return n
}

// EventOf is a change event as messages carry it.
func EventOf(ev store.Event, relation string) Event {
	out := Event{Id: ev.ID, Time: ev.Time.UnixMilli(), EventSource: ev.EventSource, Name: ev.Name, DataSource: ev.Source,
		EventClass: ev.Class, Actor: ev.Actor, Relation: relation}
	for _, r := range ev.Resources {
		er := EventResource{Type: r.Type, Name: r.Name}
		if strings.HasPrefix(r.ID, "arn:") {
			er.Arn = r.ID
		} else {
			er.Id = r.ID
		}
		out.Resources = append(out.Resources, er)
	}
	return out
}

func anomaly(a store.Anomaly) Anomaly {
	dims := "{}"
	if len(a.Labels) > 0 {
		if b, err := json.Marshal(a.Labels); err == nil {
			dims = string(b)
		}
	}
	unit := a.Unit
	if unit == "" {
		unit = "None"
	}
	out := Anomaly{Id: a.ID, StartTime: a.StartedAt.UnixMilli(), Resource: orDefault(a.Resource.Name, a.Resource.ID), Reason: a.Reason,
		SourceDetails: []SourceDetail{{DataSource: "TEND_METRICS", DataIdentifiers: DataIdentifiers{
			Name: a.Metric, Namespace: a.Labels["job"], Period: strconv.FormatInt(int64(a.Period.Seconds()), 10),
			Stat: a.Statistic, Unit: unit, Dimensions: dims}}}}
	if !a.EndedAt.IsZero() {
		out.EndTime = a.EndedAt.UnixMilli()
	}
	return out
}

func recommendations(rs []store.Recommendation) []Recommendation {
	var out []Recommendation
	for _, r := range rs {
		out = append(out, Recommendation{Name: r.Title, Reason: r.Reason, Link: r.Link})
	}
	return out
}

// severityRank orders severities; unknown ones rank lowest.
func severityRank(s string) int {
	switch strings.ToUpper(s) {
	case store.SeverityLow:
		return 1
	case store.SeverityMedium:
		return 2
	case store.SeverityHigh:
		return 3
	}
	return 0
}

// NewRecommendations returns the recommendations of next whose title was
// not among prev's.
func NewRecommendations(prev, next store.Insight) []store.Recommendation {
	had := map[string]bool{}
	for _, r := range prev.Recommendations {
		had[r.Title] = true
	}
	var out []store.Recommendation
	for _, r := range next.Recommendations {
		if !had[r.Title] {
			out = append(out, r)
		}
	}
	return out
}

// InsightChanges returns the messages an insight update from prev to next
// causes: CLOSED_INSIGHT when it closes; else SEVERITY_UPGRADED when its
// severity rose and NEW_RECOMMENDATION when it gained recommendations.
// next.Version is the version being replaced (as Insights.Update takes it).
func InsightChanges(prev, next store.Insight, anoms []store.Anomaly, url string, at time.Time) []store.Notification {
	if next.Status == store.InsightClosed {
		if prev.Status == store.InsightClosed {
			return nil
		}
		return []store.Notification{ForInsight(ClosedInsight, next, prev, anoms, url, at)}
	}
	var out []store.Notification
	if severityRank(next.Severity) > severityRank(prev.Severity) && prev.Severity != "" {
		out = append(out, ForInsight(SeverityUpgraded, next, prev, anoms, url, at))
	}
	if prev.ID != "" && len(NewRecommendations(prev, next)) > 0 {
		out = append(out, ForInsight(NewRecommendation, next, prev, nil, url, at))
	}
	return out
}
