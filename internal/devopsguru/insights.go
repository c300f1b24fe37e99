package devopsguru

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/store"
)

// table lists the operations tend serves. Every other operation of the
// model answers UnknownOperationException.
func (h *Handler) table() []route {
	var r []route
	h.add(&r, "ListInsights", http.MethodPost, "/insights", access.Read, h.listInsights)
	h.add(&r, "SearchInsights", http.MethodPost, "/insights/search", access.Read, h.searchInsights)
	h.add(&r, "DescribeInsight", http.MethodGet, "/insights/{Id}", access.Read, h.describeInsight)
	h.add(&r, "ListAnomaliesForInsight", http.MethodPost, "/anomalies/insight/{InsightId}", access.Read, h.listAnomalies)
	h.add(&r, "DescribeAnomaly", http.MethodGet, "/anomalies/{Id}", access.Read, h.describeAnomaly)
	h.add(&r, "ListEvents", http.MethodPost, "/events", access.Read, h.listEvents)
	h.add(&r, "ListRecommendations", http.MethodPost, "/recommendations", access.Read, h.listRecommendations)
	h.add(&r, "DescribeAccountHealth", http.MethodGet, "/accounts/health", access.Read, h.describeAccountHealth)
	h.add(&r, "DescribeAccountOverview", http.MethodPost, "/accounts/overview", access.Read, h.describeAccountOverview)
	h.add(&r, "DescribeResourceCollectionHealth", http.MethodGet, "/accounts/health/resource-collection/{ResourceCollectionType}", access.Read, h.describeResourceCollectionHealth)
	h.add(&r, "GetResourceCollection", http.MethodGet, "/resource-collections/{ResourceCollectionType}", access.Read, h.getResourceCollection)
	h.add(&r, "UpdateResourceCollection", http.MethodPut, "/resource-collections", access.Admin, h.updateResourceCollection)
	h.add(&r, "ListNotificationChannels", http.MethodPost, "/channels", access.Read, h.listChannels)
	h.add(&r, "AddNotificationChannel", http.MethodPut, "/channels", access.Admin, h.addChannel)
	h.add(&r, "RemoveNotificationChannel", http.MethodDelete, "/channels/{Id}", access.Admin, h.removeChannel)
	h.add(&r, "ListMonitoredResources", http.MethodPost, "/monitoredResources", access.Read, h.listMonitoredResources)
	h.add(&r, "ListOrganizationInsights", http.MethodPost, "/organization/insights", access.Read, h.listOrganizationInsights)
	h.add(&r, "SearchOrganizationInsights", http.MethodPost, "/organization/insights/search", access.Read, h.searchOrganizationInsights)
	h.add(&r, "DescribeOrganizationHealth", http.MethodPost, "/organization/health", access.Read, h.describeOrganizationHealth)
	h.add(&r, "DescribeOrganizationOverview", http.MethodPost, "/organization/overview", access.Read, h.describeOrganizationOverview)
	h.add(&r, "DescribeOrganizationResourceCollectionHealth", http.MethodPost, "/organization/health/resource-collection", access.Read, h.describeOrganizationResourceCollectionHealth)
	return r
}

var insightIDPattern = regexp.MustCompile(`^[\w-]*$`)

func checkInsightID(field, id string) *Error {
	if id == "" || len(id) > 100 || !insightIDPattern.MatchString(id) {
		return invalid(field, "Member must have length between 1 and 100 and satisfy regular expression pattern: ^[\\w-]*$")
	}
	return nil
}

func checkType(field, t string) *Error {
	if t != store.InsightReactive && t != store.InsightProactive {
		if t == "" {
			return invalid(field, "Member must not be null")
		}
		return invalid(field, "Member must satisfy enum value set: [REACTIVE, PROACTIVE]")
	}
	return nil
}

func checkMax(field string, v *int, lo, hi, def int) (int, *Error) {
	if v == nil {
		return def, nil
	}
	if *v < lo || *v > hi {
		return 0, invalid(field, "Member must have value between %d and %d", lo, hi)
	}
	return *v, nil
}

// ListInsightsRequest is the body of ListInsights and
// ListOrganizationInsights.
type ListInsightsRequest struct {
	StatusFilter *struct {
		Ongoing *struct {
			Type string `json:"Type"`
		} `json:"Ongoing"`
		Closed *struct {
			Type         string  `json:"Type"`
			EndTimeRange *FromTo `json:"EndTimeRange"`
		} `json:"Closed"`
		Any *struct {
			Type           string  `json:"Type"`
			StartTimeRange *FromTo `json:"StartTimeRange"`
		} `json:"Any"`
	} `json:"StatusFilter"`
	MaxResults            *int     `json:"MaxResults"`
	NextToken             string   `json:"NextToken"`
	AccountIds            []string `json:"AccountIds"`
	OrganizationalUnitIds []string `json:"OrganizationalUnitIds"`
}

// ListInsightsResponse is ListInsights' answer.
type ListInsightsResponse struct {
	ProactiveInsights []InsightSummary `json:"ProactiveInsights"`
	ReactiveInsights  []InsightSummary `json:"ReactiveInsights"`
	NextToken         string           `json:"NextToken,omitempty"`
}

func (h *Handler) listQueryFromStatus(req ListInsightsRequest) (listQuery, *Error) {
	var q listQuery
	sf := req.StatusFilter
	if sf == nil {
		return q, invalid("StatusFilter", "Member must not be null")
	}
	n := 0
	for _, set := range []bool{sf.Ongoing != nil, sf.Closed != nil, sf.Any != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return q, invalidCombination("StatusFilter", "give exactly one of StatusFilter.Ongoing, StatusFilter.Closed or StatusFilter.Any (got %d)", n)
	}
	switch {
	case sf.Ongoing != nil:
		if e := checkType("StatusFilter.Ongoing.Type", sf.Ongoing.Type); e != nil {
			return q, e
		}
		q.f.Type, q.f.Statuses = sf.Ongoing.Type, []string{store.InsightOngoing}
	case sf.Closed != nil:
		if e := checkType("StatusFilter.Closed.Type", sf.Closed.Type); e != nil {
			return q, e
		}
		if sf.Closed.EndTimeRange == nil {
			return q, invalid("StatusFilter.Closed.EndTimeRange", "Member must not be null")
		}
		from, to, e := fromTo("StatusFilter.Closed.EndTimeRange", sf.Closed.EndTimeRange)
		if e != nil {
			return q, e
		}
		q.f.Type, q.f.Statuses = sf.Closed.Type, []string{store.InsightClosed}
		// An insight starts before it ends: nothing that ends before To
		// starts after it.
		q.f.To = to
		q.keep = func(in store.Insight) bool {
			return (from.IsZero() || !in.EndedAt.Before(from)) && (to.IsZero() || in.EndedAt.Before(to))
		}
	case sf.Any != nil:
		if e := checkType("StatusFilter.Any.Type", sf.Any.Type); e != nil {
			return q, e
		}
		if sf.Any.StartTimeRange == nil {
			return q, invalid("StatusFilter.Any.StartTimeRange", "Member must not be null")
		}
		from, to, e := fromTo("StatusFilter.Any.StartTimeRange", sf.Any.StartTimeRange)
		if e != nil {
			return q, e
		}
		q.f.Type, q.f.From, q.f.To = sf.Any.Type, from, to
	}
	return q, nil
}

// fromTo reads a FromTime/ToTime range; ToTime is exclusive.
func fromTo(field string, r *FromTo) (time.Time, time.Time, *Error) {
	var from, to time.Time
	if r == nil {
		return from, to, nil
	}
	if r.FromTime != nil {
		from = r.FromTime.Time
	}
	if r.ToTime != nil {
		to = r.ToTime.Time
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, invalid(field, "FromTime (%s) must be before ToTime (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

func (q *listQuery) sign(op string) {
	q.sig = fmt.Sprintf("%s|%s|%v|%v|%d|%d|%v|%s|%s", op, q.f.Type, q.f.Statuses, q.f.Severities,
		q.f.From.UnixMicro(), q.f.To.UnixMicro(), q.f.Accounts, q.f.Stack, q.f.App)
}

func (h *Handler) listInsights(ctx context.Context, c *call) (any, *Error) {
	var req ListInsightsRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	return h.serveList(ctx, c, req, "ListInsights", false)
}

func (h *Handler) serveList(ctx context.Context, c *call, req ListInsightsRequest, op string, org bool) (any, *Error) {
	q, e := h.listQueryFromStatus(req)
	if e != nil {
		return nil, e
	}
	max, e := checkMax("MaxResults", req.MaxResults, 1, 100, 100)
	if e != nil {
		return nil, e
	}
	return h.runList(ctx, c, q, op, max, req.NextToken, org)
}

func (h *Handler) runList(ctx context.Context, c *call, q listQuery, op string, max int, token string, org bool) (any, *Error) {
	q.f.Visible = c.p.Visibility()
	q.sign(op)
	list, next, e := h.pageInsights(ctx, q, max, token)
	if e != nil {
		return nil, e
	}
	out := ListInsightsResponse{ProactiveInsights: []InsightSummary{}, ReactiveInsights: []InsightSummary{}, NextToken: next}
	for _, in := range list {
		s := h.summary(in, org)
		if in.Type == store.InsightProactive {
			out.ProactiveInsights = append(out.ProactiveInsights, s)
		} else {
			out.ReactiveInsights = append(out.ReactiveInsights, s)
		}
	}
	return out, nil
}

// SearchInsightsRequest is the body of SearchInsights and
// SearchOrganizationInsights.
type SearchInsightsRequest struct {
	StartTimeRange *FromTo `json:"StartTimeRange"`
	Filters        *struct {
		Severities         []string            `json:"Severities"`
		Statuses           []string            `json:"Statuses"`
		ResourceCollection *ResourceCollection `json:"ResourceCollection"`
		ServiceCollection  *struct {
			ServiceNames []string `json:"ServiceNames"`
		} `json:"ServiceCollection"`
	} `json:"Filters"`
	MaxResults *int     `json:"MaxResults"`
	NextToken  string   `json:"NextToken"`
	Type       string   `json:"Type"`
	AccountIds []string `json:"AccountIds"`
}

func (h *Handler) searchQuery(req SearchInsightsRequest) (listQuery, *Error) {
	var q listQuery
	if req.StartTimeRange == nil {
		return q, invalid("StartTimeRange", "Member must not be null")
	}
	if e := checkType("Type", req.Type); e != nil {
		return q, e
	}
	from, to, e := fromTo("StartTimeRange", req.StartTimeRange)
	if e != nil {
		return q, e
	}
	q.f.Type, q.f.From, q.f.To = req.Type, from, to
	if f := req.Filters; f != nil {
		if len(f.Severities) > 3 {
			return q, invalid("Filters.Severities", "Member must have length less than or equal to 3")
		}
		for _, s := range f.Severities {
			if s != store.SeverityLow && s != store.SeverityMedium && s != store.SeverityHigh {
				return q, invalid("Filters.Severities", "Member must satisfy enum value set: [LOW, MEDIUM, HIGH]")
			}
		}
		if len(f.Statuses) > 2 {
			return q, invalid("Filters.Statuses", "Member must have length less than or equal to 2")
		}
		for _, s := range f.Statuses {
			if s != store.InsightOngoing && s != store.InsightClosed {
				return q, invalid("Filters.Statuses", "Member must satisfy enum value set: [ONGOING, CLOSED]")
			}
		}
		q.f.Severities, q.f.Statuses = f.Severities, f.Statuses
		if f.ServiceCollection != nil && len(f.ServiceCollection.ServiceNames) > 0 {
			return q, invalid("Filters.ServiceCollection", "tend groups insights by stack or tag, not by AWS service: filter with ResourceCollection instead")
		}
		if rc := f.ResourceCollection; rc != nil {
			keep, e := collectionFilter("Filters.ResourceCollection", rc)
			if e != nil {
				return q, e
			}
			q.keep = keep
		}
	}
	return q, nil
}

// collectionFilter keeps the insights of the named stacks or tag values
// ("*" is every stack or value).
func collectionFilter(field string, rc *ResourceCollection) (func(store.Insight) bool, *Error) {
	var stacks []string
	if rc.CloudFormation != nil {
		stacks = rc.CloudFormation.StackNames
	}
	for _, s := range stacks {
		if !stackNamePattern.MatchString(s) || len(s) > 128 {
			return nil, invalid(field+".CloudFormation.StackNames", "Member must satisfy regular expression pattern: ^[a-zA-Z*]+[a-zA-Z0-9-]*$")
		}
	}
	for _, t := range rc.Tags {
		if t.AppBoundaryKey == "" {
			return nil, invalid(field+".Tags.AppBoundaryKey", "Member must not be null")
		}
	}
	if len(stacks) == 0 && len(rc.Tags) == 0 {
		return nil, nil
	}
	return func(in store.Insight) bool {
		if in.BoundaryKind == "stack" {
			for _, s := range stacks {
				if s == "*" || s == in.BoundaryName {
					return true
				}
			}
		}
		if in.BoundaryKind == "app" {
			for _, t := range rc.Tags {
				if !strings.EqualFold(t.AppBoundaryKey, in.BoundaryTagKey) && in.BoundaryTagKey != "" {
					continue
				}
				for _, v := range t.TagValues {
					if v == "*" || v == in.BoundaryName {
						return true
					}
				}
			}
		}
		return false
	}, nil
}

var stackNamePattern = regexp.MustCompile(`^[a-zA-Z*]+[a-zA-Z0-9-]*$`)

func (h *Handler) searchInsights(ctx context.Context, c *call) (any, *Error) {
	var req SearchInsightsRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	q, e := h.searchQuery(req)
	if e != nil {
		return nil, e
	}
	max, e := checkMax("MaxResults", req.MaxResults, 1, 100, 100)
	if e != nil {
		return nil, e
	}
	return h.runList(ctx, c, q, "SearchInsights", max, req.NextToken, false)
}

// DescribeInsightResponse is DescribeInsight's answer.
type DescribeInsightResponse struct {
	ProactiveInsight *Insight `json:"ProactiveInsight,omitempty"`
	ReactiveInsight  *Insight `json:"ReactiveInsight,omitempty"`
}

// getInsight loads an insight the principal may see; another account's
// is not found, as an unknown one.
func (h *Handler) getInsight(ctx context.Context, c *call, field, id, account string) (store.Insight, *Error) {
	if e := checkInsightID(field, id); e != nil {
		return store.Insight{}, e
	}
	if account != "" && !isAccountID(account) {
		return store.Insight{}, invalid("AccountId", "Member must have length 12 and satisfy regular expression pattern: ^\\d{12}$")
	}
	in, err := h.o.Store.Insights().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!c.p.SeesInsight(in.Account, in.CreatedAt) || (account != "" && in.Account != account))) {
		return store.Insight{}, notFound("Insight", id, "Insight %s not found", id)
	}
	if err != nil {
		h.log.ErrorContext(ctx, "get insight", "id", id, "err", err)
		return store.Insight{}, internal()
	}
	return in, nil
}

func (h *Handler) describeInsight(ctx context.Context, c *call) (any, *Error) {
	in, e := h.getInsight(ctx, c, "Id", c.params["Id"], c.r.URL.Query().Get("AccountId"))
	if e != nil {
		return nil, e
	}
	d := describeInsight(in)
	if in.Type == store.InsightProactive {
		return DescribeInsightResponse{ProactiveInsight: &d}, nil
	}
	return DescribeInsightResponse{ReactiveInsight: &d}, nil
}
