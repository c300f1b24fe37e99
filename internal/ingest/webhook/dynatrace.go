package webhook

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/problem"
)

// dynatracePayload is a Dynatrace custom-payload webhook. Field names
// match the placeholders people use ({State}, {PID}, …); JSON matching is
// case-insensitive, and fields tend does not know are ignored, since a
// custom payload may carry anything.
type dynatracePayload struct {
	State              flexString      `json:"State"`
	PID                flexString      `json:"PID"`
	ProblemID          flexString      `json:"ProblemID"`
	ProblemTitle       string          `json:"ProblemTitle"`
	ProblemURL         string          `json:"ProblemURL"`
	ProblemImpact      string          `json:"ProblemImpact"`
	ProblemSeverity    string          `json:"ProblemSeverity"`
	ImpactedEntities   json.RawMessage `json:"ImpactedEntities"`
	ProblemDetailsJSON json.RawMessage `json:"ProblemDetailsJSON"`
	Tags               string          `json:"Tags"`
}

type dtImpacted struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	Entity string `json:"entity"`
}

// dtDetails is what tend reads from {ProblemDetailsJSON}: the API v2 problem
// shape (evidenceDetails, rootCauseEntity, affectedEntities, entityTags)
// and the older v1 one (rankedEvents, tagsOfAffectedEntities).
type dtDetails struct {
	DisplayID       string        `json:"displayId"`
	DisplayName     string        `json:"displayName"`
	Title           string        `json:"title"`
	ImpactLevel     string        `json:"impactLevel"`
	SeverityLevel   string        `json:"severityLevel"`
	StartTime       int64         `json:"startTime"`
	RootCauseEntity *dtEntityRef  `json:"rootCauseEntity"`
	AffectedEnts    []dtEntityRef `json:"affectedEntities"`
	EvidenceDetails struct {
		Details []struct {
			EvidenceType      string       `json:"evidenceType"`
			EventType         string       `json:"eventType"`
			RootCauseRelevant bool         `json:"rootCauseRelevant"`
			Entity            *dtEntityRef `json:"entity"`
			Data              struct {
				EventType string `json:"eventType"`
			} `json:"data"`
		} `json:"details"`
	} `json:"evidenceDetails"`
	EntityTags   []dtTag `json:"entityTags"`
	RankedEvents []struct {
		EventType  string `json:"eventType"`
		EntityID   string `json:"entityId"`
		EntityName string `json:"entityName"`
	} `json:"rankedEvents"`
	TagsOfAffectedEntities []dtTag `json:"tagsOfAffectedEntities"`
}

type dtEntityRef struct {
	EntityID struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"entityId"`
	Name string `json:"name"`
}

type dtTag struct {
	Context string `json:"context"`
	Key     string `json:"key"`
	Value   string `json:"value"`
}

// Dynatrace parses a Dynatrace problem-notification webhook. PID and State
// are required; everything else enriches the problem when present.
func Dynatrace(body []byte) (problem.Problem, error) {
	var d dynatracePayload
	if err := decode(body, &d, false); err != nil {
		return problem.Problem{}, err
	}
	p := problem.Problem{
		Source:     problem.SourceDynatrace,
		ExternalID: strings.TrimSpace(string(d.PID)),
		DisplayID:  strings.TrimSpace(string(d.ProblemID)),
		Title:      strings.TrimSpace(d.ProblemTitle),
		URL:        strings.TrimSpace(d.ProblemURL),
		Impact:     strings.ToUpper(strings.TrimSpace(d.ProblemImpact)),
		Severity:   strings.ToUpper(strings.TrimSpace(d.ProblemSeverity)),
		Tags:       problem.ParseTags(d.Tags),
	}
	if p.ExternalID == "" {
		return p, &problem.FieldError{Field: "PID", Reason: "is required: put \"PID\":\"{PID}\" in the Dynatrace custom payload"}
	}
	switch st := strings.ToUpper(strings.TrimSpace(string(d.State))); st {
	case "OPEN":
		p.State = problem.StateOpen
	case "RESOLVED", "CLOSED", "MERGED":
		p.State = problem.StateResolved
	case "":
		return p, &problem.FieldError{Field: "State", Reason: "is required: put \"State\":\"{State}\" in the Dynatrace custom payload"}
	default:
		return p, &problem.FieldError{Field: "State", Reason: fmt.Sprintf("must be OPEN or RESOLVED (got %q)", st)}
	}
	if p.DisplayID != "" && !strings.HasPrefix(p.DisplayID, "P-") {
		p.DisplayID = "P-" + p.DisplayID
	}
	if err := dtImpactedEntities(d.ImpactedEntities, &p); err != nil {
		return p, err
	}
	if err := dtApplyDetails(d.ProblemDetailsJSON, &p); err != nil {
		return p, err
	}
	return p, nil
}

// unquote accepts a raw JSON value that is either the value itself or a
// string holding it (a placeholder the payload author quoted).
func unquote(raw json.RawMessage) (json.RawMessage, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" || s == `""` {
		return nil, false
	}
	if s[0] == '"' {
		var inner string
		if json.Unmarshal(raw, &inner) != nil {
			return nil, false
		}
		return json.RawMessage(inner), strings.TrimSpace(inner) != ""
	}
	return raw, true
}

func dtImpactedEntities(raw json.RawMessage, p *problem.Problem) error {
	raw, ok := unquote(raw)
	if !ok {
		return nil
	}
	var list []dtImpacted
	if err := json.Unmarshal(raw, &list); err != nil {
		return &problem.FieldError{Field: "ImpactedEntities", Reason: "must be a JSON array of {\"type\",\"name\",\"entity\"} (use {ImpactedEntities} unquoted)"}
	}
	for i, e := range list {
		if strings.TrimSpace(e.Entity) == "" {
			return &problem.FieldError{Field: fmt.Sprintf("ImpactedEntities[%d].entity", i), Reason: "is required: the entity id, e.g. HOST-0123456789ABCDEF"}
		}
		p.Entities = append(p.Entities, problem.Entity{ID: e.Entity, Type: e.Type, Name: e.Name})
	}
	return nil
}

func dtApplyDetails(raw json.RawMessage, p *problem.Problem) error {
	raw, ok := unquote(raw)
	if !ok {
		return nil
	}
	var d dtDetails
	if err := json.Unmarshal(raw, &d); err != nil {
		return &problem.FieldError{Field: "ProblemDetailsJSON", Reason: "must be the JSON object Dynatrace puts for {ProblemDetailsJSON}: " + err.Error()}
	}
	if p.Title == "" {
		p.Title = d.Title
	}
	if p.DisplayID == "" {
		p.DisplayID = firstNonEmpty(d.DisplayID, d.DisplayName)
	}
	if p.Impact == "" {
		p.Impact = d.ImpactLevel
	}
	if p.Severity == "" {
		p.Severity = d.SeverityLevel
	}
	if d.StartTime > 0 {
		p.StartedAt = time.UnixMilli(d.StartTime).UTC()
	}
	// Event type: a root-cause-relevant EVENT evidence first, then any
	// EVENT evidence, then the v1 ranked events.
	for pass := 0; pass < 2 && p.EventType == ""; pass++ {
		for _, ev := range d.EvidenceDetails.Details {
			if ev.EvidenceType != "EVENT" || (pass == 0 && !ev.RootCauseRelevant) {
				continue
			}
			if t := firstNonEmpty(ev.EventType, ev.Data.EventType); t != "" {
				p.EventType = t
				break
			}
		}
	}
	for _, ev := range d.RankedEvents {
		if p.EventType == "" && ev.EventType != "" {
			p.EventType = ev.EventType
		}
		if ev.EntityID != "" && !hasEntity(p.Entities, ev.EntityID) {
			p.Entities = append(p.Entities, problem.Entity{ID: ev.EntityID, Name: ev.EntityName, Type: entityTypeOf(ev.EntityID)})
		}
	}
	if rc := d.RootCauseEntity; rc != nil && rc.EntityID.ID != "" {
		p.RootCause = &problem.Entity{ID: rc.EntityID.ID, Type: rc.EntityID.Type, Name: rc.Name}
	}
	for _, e := range d.AffectedEnts {
		if e.EntityID.ID != "" && !hasEntity(p.Entities, e.EntityID.ID) {
			p.Entities = append(p.Entities, problem.Entity{ID: e.EntityID.ID, Type: e.EntityID.Type, Name: e.Name})
		}
	}
	for _, t := range append(d.EntityTags, d.TagsOfAffectedEntities...) {
		if t.Key == "" {
			continue
		}
		if p.Tags == nil {
			p.Tags = map[string]string{}
		}
		k := t.Key
		if t.Context != "" && t.Context != "CONTEXTLESS" {
			k = "[" + t.Context + "]" + k
		}
		if _, seen := p.Tags[k]; !seen {
			p.Tags[k] = t.Value
		}
	}
	return nil
}

func hasEntity(es []problem.Entity, id string) bool {
	for _, e := range es {
		if e.ID == id {
			return true
		}
	}
	return false
}

// entityTypeOf derives the type from a Dynatrace entity id ("HOST-…").
func entityTypeOf(id string) string {
	if t, _, ok := strings.Cut(id, "-"); ok {
		return t
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return strings.TrimSpace(x)
		}
	}
	return ""
}
