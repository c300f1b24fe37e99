package devopsguru

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/store"
)

// mttrWindow is how far back the mean time to recover looks.
const mttrWindow = 180 * 24 * time.Hour

// eachInsight calls fn for every insight of f the principal may see.
func (h *Handler) eachInsight(ctx context.Context, p access.Principal, f store.InsightFilter, fn func(store.Insight)) *Error {
	f.Visible = p.Visibility()
	f.Limit = 1000
	for {
		page, err := h.o.Store.Insights().List(ctx, f)
		if err != nil {
			h.log.ErrorContext(ctx, "list insights", "err", err)
			return internal()
		}
		for _, in := range page.Insights {
			fn(in)
		}
		if page.Next == "" {
			return nil
		}
		f.Cursor = page.Next
	}
}

// ongoing returns the ONGOING insights the principal may see, in accounts
// (nil: every account).
func (h *Handler) ongoing(ctx context.Context, p access.Principal, accounts []string) ([]store.Insight, *Error) {
	list, err := h.o.Store.Insights().ListOngoing(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "list ongoing insights", "err", err)
		return nil, internal()
	}
	var out []store.Insight
	for _, in := range list {
		if p.SeesInsight(in.Account, in.CreatedAt) && (accounts == nil || slices.Contains(accounts, in.Account)) {
			out = append(out, in)
		}
	}
	return out, nil
}

// InsightHealth counts a group's open insights and its mean time to
// recover.
type InsightHealth struct {
	OpenProactiveInsights           int    `json:"OpenProactiveInsights"`
	OpenReactiveInsights            int    `json:"OpenReactiveInsights"`
	MeanTimeToRecoverInMilliseconds *int64 `json:"MeanTimeToRecoverInMilliseconds,omitempty"`
}

type mttr struct {
	sum time.Duration
	n   int64
}

func (m *mttr) add(in store.Insight) {
	if in.Type == store.InsightReactive && in.Status == store.InsightClosed && !in.EndedAt.IsZero() {
		m.sum += in.EndedAt.Sub(in.StartedAt)
		m.n++
	}
}

func (m mttr) ms() int64 {
	if m.n == 0 {
		return 0
	}
	return (m.sum / time.Duration(m.n)).Milliseconds()
}

func (h *Handler) metricsAnalyzed() int {
	if h.o.MetricsAnalyzed == nil {
		return 0
	}
	return h.o.MetricsAnalyzed()
}

func (h *Handler) health(ctx context.Context, p access.Principal, accounts []string) (map[string]any, *Error) {
	list, e := h.ongoing(ctx, p, accounts)
	if e != nil {
		return nil, e
	}
	reactive, proactive := 0, 0
	for _, in := range list {
		if in.Type == store.InsightProactive {
			proactive++
		} else {
			reactive++
		}
	}
	// ResourceHours are the analysis hours the service bills: tend bills
	// none.
	return map[string]any{"OpenReactiveInsights": reactive, "OpenProactiveInsights": proactive,
		"MetricsAnalyzed": h.metricsAnalyzed(), "ResourceHours": 0}, nil
}

func (h *Handler) describeAccountHealth(ctx context.Context, c *call) (any, *Error) {
	out, e := h.health(ctx, c.p, nil)
	return out, e
}

// overview counts the insights created in [from, to) and the mean time to
// recover of the reactive ones closed among them.
func (h *Handler) overview(ctx context.Context, p access.Principal, from, to *Timestamp, accounts []string) (int, int, int64, *Error) {
	if from == nil {
		return 0, 0, 0, invalid("FromTime", "Member must not be null")
	}
	f := store.InsightFilter{CreatedFrom: from.Time, Accounts: accounts}
	if to != nil {
		f.CreatedTo = to.Time
		if !from.Before(to.Time) {
			return 0, 0, 0, invalid("ToTime", "must be after FromTime")
		}
	}
	reactive, proactive := 0, 0
	var m mttr
	e := h.eachInsight(ctx, p, f, func(in store.Insight) {
		if in.Type == store.InsightProactive {
			proactive++
		} else {
			reactive++
		}
		m.add(in)
	})
	return reactive, proactive, m.ms(), e
}

func (h *Handler) describeAccountOverview(ctx context.Context, c *call) (any, *Error) {
	var req struct {
		FromTime *Timestamp `json:"FromTime"`
		ToTime   *Timestamp `json:"ToTime"`
	}
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	r, p, ms, e := h.overview(ctx, c.p, req.FromTime, req.ToTime, nil)
	if e != nil {
		return nil, e
	}
	return map[string]any{"ReactiveInsights": r, "ProactiveInsights": p, "MeanTimeToRecoverInMilliseconds": ms}, nil
}

// groupHealth is the health of one stack, tagged application or account.
type groupHealth struct {
	key       string // stack name, tag key, account id
	value     string // tag value
	health    InsightHealth
	m         mttr
	resources int64
}

// collectionHealth computes the health per stack (AWS_CLOUD_FORMATION),
// per application tag value (AWS_TAGS) or per account (AWS_ACCOUNT).
func (h *Handler) collectionHealth(ctx context.Context, p access.Principal, typ string, accounts []string) ([]*groupHealth, *Error) {
	groups := map[string]*groupHealth{}
	get := func(key, value string) *groupHealth {
		g := groups[key+"\x00"+value]
		if g == nil {
			g = &groupHealth{key: key, value: value}
			groups[key+"\x00"+value] = g
		}
		return g
	}
	groupOf := func(in store.Insight) *groupHealth {
		switch {
		case typ == "AWS_CLOUD_FORMATION" && in.BoundaryKind == "stack":
			return get(in.BoundaryName, "")
		case typ == "AWS_TAGS" && in.BoundaryKind == "app":
			key := in.BoundaryTagKey
			if key == "" {
				key = "devops-guru-app"
			}
			return get(key, in.BoundaryName)
		case typ == "AWS_ACCOUNT" && in.Account != "":
			return get(in.Account, "")
		}
		return nil
	}
	if typ == "AWS_CLOUD_FORMATION" && len(accounts) == 0 && p.AllAccounts() {
		stacks, err := h.o.Store.Stacks().List(ctx)
		if err != nil {
			h.log.ErrorContext(ctx, "list stacks", "err", err)
			return nil, internal()
		}
		for _, s := range stacks {
			get(s.Name, "").resources = int64(s.Resources)
		}
	}
	open, e := h.ongoing(ctx, p, accounts)
	if e != nil {
		return nil, e
	}
	for _, in := range open {
		if g := groupOf(in); g != nil {
			if in.Type == store.InsightProactive {
				g.health.OpenProactiveInsights++
			} else {
				g.health.OpenReactiveInsights++
			}
		}
	}
	f := store.InsightFilter{Type: store.InsightReactive, Statuses: []string{store.InsightClosed},
		From: h.now().Add(-mttrWindow), Accounts: accounts}
	if e := h.eachInsight(ctx, p, f, func(in store.Insight) {
		if g := groupOf(in); g != nil {
			g.m.add(in)
		}
	}); e != nil {
		return nil, e
	}
	out := make([]*groupHealth, 0, len(groups))
	for _, g := range groups {
		ms := g.m.ms()
		g.health.MeanTimeToRecoverInMilliseconds = &ms
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].key != out[j].key {
			return out[i].key < out[j].key
		}
		return out[i].value < out[j].value
	})
	return out, nil
}

var collectionTypes = []string{"AWS_CLOUD_FORMATION", "AWS_SERVICE", "AWS_TAGS"}

func (h *Handler) describeResourceCollectionHealth(ctx context.Context, c *call) (any, *Error) {
	typ := c.params["ResourceCollectionType"]
	if !slices.Contains(collectionTypes, typ) {
		return nil, invalid("ResourceCollectionType", "Member must satisfy enum value set: [%s]", strings.Join(collectionTypes, ", "))
	}
	return h.serveCollectionHealth(ctx, c, typ, nil, 500, c.r.URL.Query().Get("NextToken"), false)
}

func (h *Handler) serveCollectionHealth(ctx context.Context, c *call, typ string, accounts []string, max int, token string, org bool) (any, *Error) {
	groups, e := h.collectionHealth(ctx, c.p, typ, accounts)
	if e != nil {
		return nil, e
	}
	page, next, e := offsetPage(groups, max, fmt.Sprintf("health|%s|%v", typ, accounts), token)
	if e != nil {
		return nil, e
	}
	out := map[string]any{}
	switch typ {
	case "AWS_CLOUD_FORMATION":
		list := []map[string]any{}
		for _, g := range page {
			list = append(list, map[string]any{"StackName": g.key, "Insight": g.health, "AnalyzedResourceCount": g.resources})
		}
		out["CloudFormation"] = list
	case "AWS_TAGS":
		list := []map[string]any{}
		for _, g := range page {
			list = append(list, map[string]any{"AppBoundaryKey": g.key, "TagValue": g.value, "Insight": g.health, "AnalyzedResourceCount": g.resources})
		}
		out["Tags"] = list
	case "AWS_ACCOUNT":
		list := []map[string]any{}
		for _, g := range page {
			list = append(list, map[string]any{"AccountId": g.key, "Insight": map[string]int{
				"OpenProactiveInsights": g.health.OpenProactiveInsights, "OpenReactiveInsights": g.health.OpenReactiveInsights}})
		}
		out["Account"] = list
	case "AWS_SERVICE":
		// tend groups by stack, tag and account, not by AWS service.
		out["Service"] = []any{}
	}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (h *Handler) getResourceCollection(ctx context.Context, c *call) (any, *Error) {
	typ := c.params["ResourceCollectionType"]
	if !slices.Contains(collectionTypes, typ) {
		return nil, invalid("ResourceCollectionType", "Member must satisfy enum value set: [%s]", strings.Join(collectionTypes, ", "))
	}
	cov := Coverage{Mode: "all"}
	if h.o.Coverage != nil {
		cov = h.o.Coverage()
	}
	rc := map[string]any{}
	switch typ {
	case "AWS_CLOUD_FORMATION":
		stacks := []string{}
		switch cov.Mode {
		case "", "all":
			stacks = []string{"*"}
		case "stacks":
			stacks = append(stacks, cov.Stacks...)
		}
		rc["CloudFormation"] = map[string]any{"StackNames": stacks}
	case "AWS_TAGS":
		tags := []TagCollection{}
		if cov.Mode == "tag" {
			vals := append([]string{}, cov.TagValues...)
			if len(vals) == 0 {
				vals = []string{"*"}
			}
			tags = append(tags, TagCollection{AppBoundaryKey: cov.TagKey, TagValues: vals})
		}
		rc["Tags"] = tags
	}
	return map[string]any{"ResourceCollection": rc}, nil
}

// resourceTypes maps CloudFormation types to ListMonitoredResources'
// ResourceTypeFilter values.
var resourceTypes = map[string]string{
	"AWS::CloudFront::Distribution": "CLOUDFRONT_DISTRIBUTION", "AWS::DynamoDB::Table": "DYNAMODB_TABLE",
	"AWS::EC2::NatGateway": "EC2_NAT_GATEWAY", "AWS::ECS::Cluster": "ECS_CLUSTER", "AWS::ECS::Service": "ECS_SERVICE",
	"AWS::EKS::Cluster": "EKS_CLUSTER", "AWS::ElasticBeanstalk::Environment": "ELASTIC_BEANSTALK_ENVIRONMENT",
	"AWS::ElasticLoadBalancing::LoadBalancer":   "ELASTIC_LOAD_BALANCER_LOAD_BALANCER",
	"AWS::ElasticLoadBalancingV2::LoadBalancer": "ELASTIC_LOAD_BALANCING_V2_LOAD_BALANCER",
	"AWS::ElasticLoadBalancingV2::TargetGroup":  "ELASTIC_LOAD_BALANCING_V2_TARGET_GROUP",
	"AWS::ElastiCache::CacheCluster":            "ELASTICACHE_CACHE_CLUSTER", "AWS::Elasticsearch::Domain": "ELASTICSEARCH_DOMAIN",
	"AWS::Kinesis::Stream": "KINESIS_STREAM", "AWS::Lambda::Function": "LAMBDA_FUNCTION",
	"AWS::OpenSearchService::Domain": "OPEN_SEARCH_SERVICE_DOMAIN", "AWS::RDS::DBInstance": "RDS_DB_INSTANCE",
	"AWS::RDS::DBCluster": "RDS_DB_CLUSTER", "AWS::Redshift::Cluster": "REDSHIFT_CLUSTER",
	"AWS::Route53::HostedZone": "ROUTE53_HOSTED_ZONE", "AWS::Route53::HealthCheck": "ROUTE53_HEALTH_CHECK",
	"AWS::S3::Bucket": "S3_BUCKET", "AWS::SageMaker::Endpoint": "SAGEMAKER_ENDPOINT", "AWS::SNS::Topic": "SNS_TOPIC",
	"AWS::SQS::Queue": "SQS_QUEUE", "AWS::StepFunctions::Activity": "STEP_FUNCTIONS_ACTIVITY",
	"AWS::StepFunctions::StateMachine": "STEP_FUNCTIONS_STATE_MACHINE", "AWS::Logs::LogGroup": "LOG_GROUPS",
}

func (h *Handler) listMonitoredResources(ctx context.Context, c *call) (any, *Error) {
	var req struct {
		Filters *struct {
			ResourcePermission  string   `json:"ResourcePermission"`
			ResourceTypeFilters []string `json:"ResourceTypeFilters"`
		} `json:"Filters"`
		MaxResults *int   `json:"MaxResults"`
		NextToken  string `json:"NextToken"`
	}
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	max, e := checkMax("MaxResults", req.MaxResults, 1, 50, 50)
	if e != nil {
		return nil, e
	}
	var types []string
	if f := req.Filters; f != nil {
		if f.ResourcePermission != "FULL_PERMISSION" && f.ResourcePermission != "MISSING_PERMISSION" {
			return nil, invalid("Filters.ResourcePermission", "Member must satisfy enum value set: [FULL_PERMISSION, MISSING_PERMISSION]")
		}
		if f.ResourcePermission == "MISSING_PERMISSION" {
			// tend reads metrics it is sent: it never lacks a permission.
			return map[string]any{"MonitoredResourceIdentifiers": []any{}}, nil
		}
		known := map[string]bool{}
		for _, v := range resourceTypes {
			known[v] = true
		}
		for _, t := range f.ResourceTypeFilters {
			if !known[t] {
				return nil, invalid("Filters.ResourceTypeFilters", "%q is not a ResourceTypeFilter value", t)
			}
		}
		types = f.ResourceTypeFilters
	}
	// Stack resources carry no account, so only principals that see
	// every account see them.
	type monitored struct {
		MonitoredResourceName string              `json:"MonitoredResourceName"`
		Type                  string              `json:"Type"`
		ResourcePermission    string              `json:"ResourcePermission"`
		LastUpdated           *Timestamp          `json:"LastUpdated,omitempty"`
		ResourceCollection    *ResourceCollection `json:"ResourceCollection"`
	}
	list := []monitored{}
	if c.p.AllAccounts() {
		stacks, err := h.o.Store.Stacks().List(ctx)
		if err != nil {
			h.log.ErrorContext(ctx, "list stacks", "err", err)
			return nil, internal()
		}
		registered := map[string]time.Time{}
		for _, s := range stacks {
			registered[s.Name] = s.RegisteredAt
		}
		all, err := h.o.Store.Stacks().All(ctx)
		if err != nil {
			h.log.ErrorContext(ctx, "list stack resources", "err", err)
			return nil, internal()
		}
		for _, r := range all {
			if len(types) > 0 && !slices.Contains(types, resourceTypes[r.Type]) {
				continue
			}
			name := firstOf(r.PhysicalID, r.LogicalID)
			list = append(list, monitored{MonitoredResourceName: name, Type: r.Type, ResourcePermission: "FULL_PERMISSION",
				LastUpdated:        ts(registered[r.Stack]),
				ResourceCollection: &ResourceCollection{CloudFormation: &CloudFormationCollection{StackNames: []string{r.Stack}}}})
		}
	}
	page, next, e := offsetPage(list, max, fmt.Sprintf("monitored|%v", types), req.NextToken)
	if e != nil {
		return nil, e
	}
	return withToken(map[string]any{"MonitoredResourceIdentifiers": page}, next), nil
}
