package devopsguru

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/tendhq/tend/internal/events"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/store"
)

// ListAnomaliesForInsightRequest is ListAnomaliesForInsight's body.
type ListAnomaliesForInsightRequest struct {
	StartTimeRange *FromTo `json:"StartTimeRange"`
	MaxResults     *int    `json:"MaxResults"`
	NextToken      string  `json:"NextToken"`
	AccountId      string  `json:"AccountId"`
}

// ListAnomaliesForInsightResponse is its answer.
type ListAnomaliesForInsightResponse struct {
	ProactiveAnomalies []Anomaly `json:"ProactiveAnomalies"`
	ReactiveAnomalies  []Anomaly `json:"ReactiveAnomalies"`
	NextToken          string    `json:"NextToken,omitempty"`
}

func (h *Handler) listAnomalies(ctx context.Context, c *call) (any, *Error) {
	var req ListAnomaliesForInsightRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	max, e := checkMax("MaxResults", req.MaxResults, 1, 500, 500)
	if e != nil {
		return nil, e
	}
	from, to, e := fromTo("StartTimeRange", req.StartTimeRange)
	if e != nil {
		return nil, e
	}
	in, e := h.getInsight(ctx, c, "InsightId", c.params["InsightId"], req.AccountId)
	if e != nil {
		return nil, e
	}
	all, err := h.o.Store.Anomalies().ListByInsight(ctx, in.ID)
	if err != nil {
		h.log.ErrorContext(ctx, "list anomalies", "insight", in.ID, "err", err)
		return nil, internal()
	}
	var list []store.Anomaly
	for _, a := range all {
		if (from.IsZero() || !a.StartedAt.Before(from)) && (to.IsZero() || a.StartedAt.Before(to)) {
			list = append(list, a)
		}
	}
	sig := fmt.Sprintf("anomalies|%s|%d|%d", in.ID, from.UnixMicro(), to.UnixMicro())
	page, next, e := offsetPage(list, max, sig, req.NextToken)
	if e != nil {
		return nil, e
	}
	out := ListAnomaliesForInsightResponse{ProactiveAnomalies: []Anomaly{}, ReactiveAnomalies: []Anomaly{}, NextToken: next}
	for _, a := range page {
		if in.Type == store.InsightProactive {
			out.ProactiveAnomalies = append(out.ProactiveAnomalies, h.anomaly(a, in))
		} else {
			out.ReactiveAnomalies = append(out.ReactiveAnomalies, h.anomaly(a, in))
		}
	}
	return out, nil
}

// DescribeAnomalyResponse is DescribeAnomaly's answer.
type DescribeAnomalyResponse struct {
	ProactiveAnomaly *Anomaly `json:"ProactiveAnomaly,omitempty"`
	ReactiveAnomaly  *Anomaly `json:"ReactiveAnomaly,omitempty"`
}

var anomalyIDPattern = regexp.MustCompile(`^[\w~.-]*$`)

func (h *Handler) describeAnomaly(ctx context.Context, c *call) (any, *Error) {
	id := c.params["Id"]
	if id == "" || len(id) > 100 || !anomalyIDPattern.MatchString(id) {
		return nil, invalid("Id", "Member must have length between 1 and 100 and satisfy regular expression pattern: ^[\\w~.-]*$")
	}
	account := c.r.URL.Query().Get("AccountId")
	a, err := h.o.Store.Anomalies().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Anomaly", id, "Anomaly %s not found", id)
	}
	if err != nil {
		h.log.ErrorContext(ctx, "get anomaly", "id", id, "err", err)
		return nil, internal()
	}
	in, e := h.getInsight(ctx, c, "Id", a.InsightID, account)
	if e != nil {
		return nil, notFound("Anomaly", id, "Anomaly %s not found", id)
	}
	out := h.anomaly(a, in)
	if in.Type == store.InsightProactive {
		return DescribeAnomalyResponse{ProactiveAnomaly: &out}, nil
	}
	return DescribeAnomalyResponse{ReactiveAnomaly: &out}, nil
}

// ListEventsRequest is ListEvents' body.
type ListEventsRequest struct {
	Filters *struct {
		InsightId          string              `json:"InsightId"`
		EventTimeRange     *FromTo             `json:"EventTimeRange"`
		EventClass         string              `json:"EventClass"`
		EventSource        string              `json:"EventSource"`
		DataSource         string              `json:"DataSource"`
		ResourceCollection *ResourceCollection `json:"ResourceCollection"`
	} `json:"Filters"`
	MaxResults *int   `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
	AccountId  string `json:"AccountId"`
}

// Event is the model's Event.
type Event struct {
	ResourceCollection *ResourceCollection `json:"ResourceCollection,omitempty"`
	Id                 string              `json:"Id"`
	Time               *Timestamp          `json:"Time"`
	EventSource        string              `json:"EventSource,omitempty"`
	Name               string              `json:"Name"`
	DataSource         string              `json:"DataSource,omitempty"`
	EventClass         string              `json:"EventClass"`
	Resources          []EventResource     `json:"Resources"`
}

// EventResource is a resource an event touched.
type EventResource struct {
	Type string `json:"Type,omitempty"`
	Name string `json:"Name,omitempty"`
	Arn  string `json:"Arn,omitempty"`
}

// ListEventsResponse is ListEvents' answer.
type ListEventsResponse struct {
	Events    []Event `json:"Events"`
	NextToken string  `json:"NextToken,omitempty"`
}

// maxEvents bounds the events ListEvents reads for a time range.
const maxEvents = 10000

var eventClasses = map[string]bool{store.EventDeployment: true, store.EventConfigChange: true, store.EventInfrastructure: true,
	store.EventSchemaChange: true, store.EventSecurityChange: true}

func toEvent(ev store.Event) Event {
	out := Event{Id: ev.ID, Time: ts(ev.Time), EventSource: ev.EventSource, Name: ev.Name, EventClass: ev.Class, Resources: []EventResource{}}
	if len(out.Name) > 50 {
		out.Name = out.Name[:50]
	}
	switch ev.Source {
	case "cloudtrail":
		out.DataSource = "AWS_CLOUD_TRAIL"
	}
	for _, r := range ev.Resources {
		er := EventResource{Type: r.Type, Name: r.Name}
		if strings.HasPrefix(r.ID, "arn:") {
			er.Arn = r.ID
		} else if er.Name == "" {
			er.Name = r.ID
		}
		out.Resources = append(out.Resources, er)
	}
	switch {
	case ev.Stack != "":
		out.ResourceCollection = &ResourceCollection{CloudFormation: &CloudFormationCollection{StackNames: []string{ev.Stack}}}
	case ev.App != "":
		out.ResourceCollection = &ResourceCollection{Tags: []TagCollection{{AppBoundaryKey: "devops-guru-app", TagValues: []string{ev.App}}}}
	}
	return out
}

func (h *Handler) listEvents(ctx context.Context, c *call) (any, *Error) {
	var req ListEventsRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if req.Filters == nil {
		return nil, invalid("Filters", "Member must not be null")
	}
	fl := req.Filters
	max, e := checkMax("MaxResults", req.MaxResults, 1, 200, 200)
	if e != nil {
		return nil, e
	}
	if fl.EventClass != "" && !eventClasses[fl.EventClass] {
		return nil, invalid("Filters.EventClass", "Member must satisfy enum value set: [INFRASTRUCTURE, DEPLOYMENT, SECURITY_CHANGE, CONFIG_CHANGE, SCHEMA_CHANGE]")
	}
	if fl.DataSource != "" && fl.DataSource != "AWS_CLOUD_TRAIL" && fl.DataSource != "AWS_CODE_DEPLOY" {
		return nil, invalid("Filters.DataSource", "Member must satisfy enum value set: [AWS_CLOUD_TRAIL, AWS_CODE_DEPLOY]")
	}
	if fl.EventTimeRange != nil && (fl.EventTimeRange.FromTime == nil || fl.EventTimeRange.ToTime == nil) {
		return nil, invalid("Filters.EventTimeRange", "FromTime and ToTime are both required")
	}
	from, to, e := fromTo("Filters.EventTimeRange", fl.EventTimeRange)
	if e != nil {
		return nil, e
	}
	var list []store.Event
	if fl.InsightId != "" {
		in, e := h.getInsight(ctx, c, "Filters.InsightId", fl.InsightId, req.AccountId)
		if e != nil {
			return nil, e
		}
		d, err := insight.LoadDetail(ctx, h.o.Store, in.ID, insight.DetailOptions{Lookback: h.o.Lookback, Policies: h.o.Policies, Now: h.now})
		if err != nil {
			h.log.ErrorContext(ctx, "load insight events", "insight", in.ID, "err", err)
			return nil, internal()
		}
		for _, r := range d.Events {
			list = append(list, r.Event)
		}
	} else {
		// The store keeps to the caller's accounts, so that the cap is
		// spent on events it may see.
		f := store.EventFilter{From: from, To: to, Limit: 1000, Accounts: c.p.VisibleAccounts()}
		if fl.EventClass != "" {
			f.Classes = []string{fl.EventClass}
		}
		for {
			page, err := h.o.Store.Events().List(ctx, f)
			if err != nil {
				h.log.ErrorContext(ctx, "list events", "err", err)
				return nil, internal()
			}
			list = append(list, page.Events...)
			if len(list) >= maxEvents {
				list = list[:maxEvents]
				break
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
	}
	var keep func(store.Insight) bool
	if fl.ResourceCollection != nil {
		if keep, e = collectionFilter("Filters.ResourceCollection", fl.ResourceCollection); e != nil {
			return nil, e
		}
	}
	var out []Event
	for _, ev := range list {
		switch {
		case !c.p.SeesAccount(ev.Account):
			continue
		case req.AccountId != "" && ev.Account != req.AccountId:
			continue
		case fl.EventClass != "" && ev.Class != fl.EventClass:
			continue
		case fl.EventSource != "" && ev.EventSource != fl.EventSource:
			continue
		case fl.DataSource == "AWS_CLOUD_TRAIL" && ev.Source != "cloudtrail", fl.DataSource == "AWS_CODE_DEPLOY":
			continue
		case !from.IsZero() && (ev.Time.Before(from) || !ev.Time.Before(to)):
			continue
		}
		if keep != nil {
			b := store.Insight{}
			switch {
			case ev.Stack != "":
				b.BoundaryKind, b.BoundaryName = "stack", ev.Stack
			case ev.App != "":
				b.BoundaryKind, b.BoundaryName = "app", ev.App
			}
			if !keep(b) {
				continue
			}
		}
		out = append(out, toEvent(ev))
	}
	sig := fmt.Sprintf("events|%s|%d|%d|%s|%s|%s", fl.InsightId, from.UnixMicro(), to.UnixMicro(), fl.EventClass, fl.EventSource, fl.DataSource)
	page, next, e := offsetPage(out, max, sig, req.NextToken)
	if e != nil {
		return nil, e
	}
	if page == nil {
		page = []Event{}
	}
	return ListEventsResponse{Events: page, NextToken: next}, nil
}

// ListRecommendationsRequest is ListRecommendations' body.
type ListRecommendationsRequest struct {
	InsightId string `json:"InsightId"`
	NextToken string `json:"NextToken"`
	Locale    string `json:"Locale"`
	AccountId string `json:"AccountId"`
}

// Recommendation is the model's Recommendation.
type Recommendation struct {
	Description      string           `json:"Description,omitempty"`
	Link             string           `json:"Link,omitempty"`
	Name             string           `json:"Name"`
	Reason           string           `json:"Reason,omitempty"`
	RelatedEvents    []RelatedEvent   `json:"RelatedEvents"`
	RelatedAnomalies []RelatedAnomaly `json:"RelatedAnomalies"`
	Category         string           `json:"Category,omitempty"`
}

// RelatedEvent is RecommendationRelatedEvent.
type RelatedEvent struct {
	Name      string            `json:"Name"`
	Resources []NameTypeOfThing `json:"Resources"`
}

// RelatedAnomaly is RecommendationRelatedAnomaly.
type RelatedAnomaly struct {
	Resources     []NameTypeOfThing     `json:"Resources"`
	SourceDetails []RelatedSourceDetail `json:"SourceDetails"`
	AnomalyId     string                `json:"AnomalyId"`
}

// NameTypeOfThing is a resource named by name and type.
type NameTypeOfThing struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

// RelatedSourceDetail is RecommendationRelatedAnomalySourceDetail.
type RelatedSourceDetail struct {
	CloudWatchMetrics []RelatedMetric `json:"CloudWatchMetrics"`
}

// RelatedMetric names a metric.
type RelatedMetric struct {
	MetricName string `json:"MetricName"`
	Namespace  string `json:"Namespace,omitempty"`
}

// ListRecommendationsResponse is ListRecommendations' answer.
type ListRecommendationsResponse struct {
	Recommendations []Recommendation `json:"Recommendations"`
	NextToken       string           `json:"NextToken,omitempty"`
}

var locales = map[string]bool{"DE_DE": true, "EN_US": true, "EN_GB": true, "ES_ES": true, "FR_FR": true, "IT_IT": true,
	"JA_JP": true, "KO_KR": true, "PT_BR": true, "ZH_CN": true, "ZH_TW": true}

func (h *Handler) listRecommendations(ctx context.Context, c *call) (any, *Error) {
	var req ListRecommendationsRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if req.Locale != "" && !locales[req.Locale] {
		return nil, invalid("Locale", "Member must satisfy enum value set: [DE_DE, EN_US, EN_GB, ES_ES, FR_FR, IT_IT, JA_JP, KO_KR, PT_BR, ZH_CN, ZH_TW]")
	}
	in, e := h.getInsight(ctx, c, "InsightId", req.InsightId, req.AccountId)
	if e != nil {
		return nil, e
	}
	d, err := insight.LoadDetail(ctx, h.o.Store, in.ID, insight.DetailOptions{Lookback: h.o.Lookback, Policies: h.o.Policies, Now: h.now})
	if err != nil {
		h.log.ErrorContext(ctx, "load insight", "insight", in.ID, "err", err)
		return nil, internal()
	}
	anoms := map[string]store.Anomaly{}
	for _, a := range d.Anomalies {
		anoms[a.ID] = a
	}
	evs := map[string]events.Related{}
	for _, ev := range d.Events {
		evs[ev.ID] = ev
	}
	var out []Recommendation
	for _, r := range d.Recommendations {
		rec := Recommendation{Name: r.Title, Description: r.Description, Reason: r.Reason, Link: r.Link,
			RelatedEvents: []RelatedEvent{}, RelatedAnomalies: []RelatedAnomaly{}}
		for _, id := range r.RelatedEvents {
			ev, ok := evs[id]
			if !ok {
				continue
			}
			re := RelatedEvent{Name: ev.Name, Resources: []NameTypeOfThing{}}
			for _, res := range ev.Resources {
				re.Resources = append(re.Resources, NameTypeOfThing{Name: firstOf(res.Name, res.ID), Type: res.Type})
			}
			rec.RelatedEvents = append(rec.RelatedEvents, re)
		}
		for _, id := range r.RelatedAnomalies {
			a, ok := anoms[id]
			if !ok {
				continue
			}
			rec.RelatedAnomalies = append(rec.RelatedAnomalies, RelatedAnomaly{AnomalyId: a.ID,
				Resources:     []NameTypeOfThing{{Name: firstOf(a.Resource.Name, a.Resource.ID), Type: a.Resource.Type}},
				SourceDetails: []RelatedSourceDetail{{CloudWatchMetrics: []RelatedMetric{{MetricName: a.Metric, Namespace: a.Labels["namespace"]}}}}})
		}
		out = append(out, rec)
	}
	page, next, e := offsetPage(out, 10, "recommendations|"+in.ID, req.NextToken)
	if e != nil {
		return nil, e
	}
	if page == nil {
		page = []Recommendation{}
	}
	return ListRecommendationsResponse{Recommendations: page, NextToken: next}, nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
