package series

import (
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// Mapper derives a series' resource and application boundary from its
// labels, and decides whether the series is covered (analysed). A zero
// Mapper uses only the well-known labels; MapperConfig adds overrides.
// It is safe for concurrent use once built.
type Mapper struct {
	cfg       MapperConfig
	resLabels []resourceRule
	stackKeys map[string]string // lowercased resource ID/name → stack
	cover     atomic.Pointer[coverState]
}

// coverState is the coverage in force, replaced whole by SetCoverage.
type coverState struct {
	c      Coverage
	tag    string // normalised coverage tag key
	vals   map[string]bool
	stacks map[string]bool
}

func newCoverState(c Coverage) *coverState {
	cs := &coverState{c: c, tag: NormaliseTagKey(c.TagKey), vals: map[string]bool{}, stacks: map[string]bool{}}
	for _, v := range c.TagValues {
		cs.vals[v] = true
	}
	for _, s := range c.Stacks {
		cs.stacks[s] = true
	}
	return cs
}

// allCovered is the coverage of a zero Mapper.
var allCovered = newCoverState(Coverage{})

// covers returns the coverage in force.
func (m *Mapper) covers() *coverState {
	if cs := m.cover.Load(); cs != nil {
		return cs
	}
	return allCovered
}

// SetCoverage replaces the coverage (the DevOps Guru API's
// UpdateResourceCollection). Safe while the Mapper is in use; a series'
// boundary, derived when it was first seen, does not change.
func (m *Mapper) SetCoverage(c Coverage) {
	m.cover.Store(newCoverState(c))
}

// Coverage returns the coverage in force.
func (m *Mapper) Coverage() Coverage {
	return m.covers().c
}

// MapperConfig holds the user's overrides and coverage choice.
type MapperConfig struct {
	// ResourceLabels maps extra label names to resource types; they are
	// checked before the well-known labels ({"app_server": "host"}).
	ResourceLabels map[string]string
	// Stacks maps a resource ID, name or cloud instance ID (a stack
	// resource's physical ID) to the stack it belongs to, for series that
	// carry no stack label.
	Stacks map[string]string
	// Account and Region fill the boundary when no label carries them.
	Account string
	Region  string
	// Coverage is what tend analyses.
	Coverage Coverage
}

// Coverage selects the series tend analyses, as DevOps Guru's coverage
// does: everything, the resources of chosen stacks, or the resources
// carrying one tag key (with chosen values).
type Coverage struct {
	// Mode is "all" (the default), "stacks" or "tag".
	Mode string
	// Stacks are the covered stacks when Mode is "stacks".
	Stacks []string
	// TagKey is the covered tag key when Mode is "tag": its name starts with
	// devops-guru- or tend- (prefix case-insensitive).
	TagKey string
	// TagValues restricts Mode "tag" to these values; empty means any value.
	TagValues []string
}

type resourceRule struct{ label, typ string }

// NewMapper builds a Mapper from its configuration.
func NewMapper(cfg MapperConfig) *Mapper {
	m := &Mapper{cfg: cfg, stackKeys: map[string]string{}}
	for l, t := range cfg.ResourceLabels {
		m.resLabels = append(m.resLabels, resourceRule{l, t})
	}
	slices.SortFunc(m.resLabels, func(a, b resourceRule) int { return strings.Compare(a.label, b.label) })
	for k, v := range cfg.Stacks {
		m.stackKeys[strings.ToLower(k)] = v
	}
	m.cover.Store(newCoverState(cfg.Coverage))
	return m
}

// Describe builds the Info of a series: its ID, resource and boundary.
func (m *Mapper) Describe(metric string, labels Labels) Info {
	info := Info{ID: IDOf(metric, labels), Metric: metric, Labels: labels}
	info.Resource = m.resource(labels)
	info.Boundary = m.boundary(labels, info.Resource)
	info.Unit = unitOf(metric, labels)
	info.Statistic = labels["statistic"]
	if info.Statistic == "" {
		if q, err := strconv.ParseFloat(labels["quantile"], 64); err == nil && q >= 0 && q <= 1 {
			info.Statistic = "p" + strconv.FormatFloat(q*100, 'g', 4, 64)
		}
	}
	return info
}

// Covered reports whether the coverage configuration includes a series.
func (m *Mapper) Covered(info Info) bool {
	cs := m.covers()
	switch cs.c.Mode {
	case "", "all":
		return true
	case "stacks":
		return info.Boundary.Kind == KindStack && cs.stacks[info.Boundary.Name]
	case "tag":
		for k, v := range info.Labels {
			if NormaliseTagKey(k) == cs.tag && (len(cs.vals) == 0 || cs.vals[v]) {
				return true
			}
		}
		return false
	}
	return false
}

// first returns the value of the first label present among names.
func first(l Labels, names ...string) string {
	for _, n := range names {
		if v := l[n]; v != "" {
			return v
		}
	}
	return ""
}

// The well-known labels, from Prometheus, Kubernetes (kube-state-metrics,
// cAdvisor), OpenTelemetry semantic conventions and CloudWatch dimensions.
var (
	namespaceLabels = []string{"namespace", "k8s.namespace.name", "k8s_namespace_name", "kubernetes_namespace"}
	podLabels       = []string{"pod", "k8s.pod.name", "k8s_pod_name", "kubernetes_pod_name", "pod_name"}
	containerLabels = []string{"container", "k8s.container.name", "k8s_container_name", "container_name"}
	nodeLabels      = []string{"node", "k8s.node.name", "k8s_node_name", "kubernetes_node"}
	clusterLabels   = []string{"cluster", "k8s.cluster.name", "k8s_cluster_name", "ClusterName", "cluster_name"}
	hostLabels      = []string{"host.name", "host", "hostname", "host_name", "nodename"}
	instanceIDs     = []string{"InstanceId", "host.id", "instance_id", "cloud.instance.id"}
	instanceTypes   = []string{"InstanceType", "host.type", "instance_type"}
	accountLabels   = []string{"cloud.account.id", "account", "account_id", "aws_account_id", "AccountId"}
	regionLabels    = []string{"cloud.region", "region", "aws_region", "Region"}
	stackLabels     = []string{"stack", "aws:cloudformation:stack-name", "aws_cloudformation_stack_name", "cloudformation_stack_name", "stack_name"}
)

func (m *Mapper) resource(l Labels) Resource {
	for _, r := range m.resLabels {
		if v := l[r.label]; v != "" {
			return Resource{Type: r.typ, ID: r.typ + "/" + v, Name: v}
		}
	}
	ns := first(l, namespaceLabels...)
	if pod := first(l, podLabels...); pod != "" {
		if c := first(l, containerLabels...); c != "" && c != "POD" {
			return Resource{Type: "container", ID: "container/" + ns + "/" + pod + "/" + c, Name: pod + "/" + c}
		}
		return Resource{Type: "pod", ID: "pod/" + ns + "/" + pod, Name: pod}
	}
	if fn := first(l, "FunctionName", "faas.name", "faas_name", "function_name"); fn != "" {
		return Resource{Type: "function", ID: "function/" + fn, Name: fn}
	}
	if db := first(l, "DBInstanceIdentifier", "DBClusterIdentifier", "db.instance.id"); db != "" {
		return Resource{Type: "database", ID: "database/" + db, Name: db}
	}
	if sys := first(l, "db.system", "db_system"); sys != "" {
		name := first(l, "db.name", "db.namespace", "server.address", "service.name")
		if name == "" {
			name = sys
		}
		return Resource{Type: "database", ID: "database/" + sys + "/" + name, Name: name}
	}
	if q := first(l, "QueueName", "messaging.destination.name", "queue"); q != "" {
		return Resource{Type: "queue", ID: "queue/" + q, Name: q}
	}
	if sys := first(l, "messaging.system", "messaging_system"); sys != "" {
		return Resource{Type: "queue", ID: "queue/" + sys, Name: sys}
	}
	if lb := first(l, "LoadBalancer", "LoadBalancerName", "TargetGroup"); lb != "" {
		return Resource{Type: "loadbalancer", ID: "loadbalancer/" + lb, Name: lb}
	}
	if svc := l["ServiceName"]; svc != "" {
		c := l["ClusterName"]
		return Resource{Type: "service", ID: "service/" + c + "/" + svc, Name: svc}
	}
	if c := l["container"]; c != "" {
		return Resource{Type: "container", ID: "container/" + c, Name: c}
	}
	if n := first(l, nodeLabels...); n != "" {
		return Resource{Type: "node", ID: "node/" + n, Name: n}
	}
	iid, itype := first(l, instanceIDs...), first(l, instanceTypes...)
	if h := first(l, hostLabels...); h != "" {
		return Resource{Type: "host", ID: "host/" + h, Name: h, InstanceID: iid, InstanceType: itype}
	}
	if iid != "" {
		return Resource{Type: "host", ID: "host/" + iid, Name: iid, InstanceID: iid, InstanceType: itype}
	}
	if svc := l["service.name"]; svc != "" {
		if ns := l["service.namespace"]; ns != "" {
			svc = ns + "/" + svc
		}
		return Resource{Type: "service", ID: "service/" + svc, Name: svc}
	}
	if inst := l["instance"]; inst != "" {
		job := l["job"]
		return Resource{Type: "instance", ID: "instance/" + job + "/" + inst, Name: inst}
	}
	if job := l["job"]; job != "" {
		return Resource{Type: "service", ID: "service/" + job, Name: job}
	}
	return Resource{Type: "global", ID: "global", Name: "global"}
}

// Boundary kinds.
const (
	KindStack     = "stack"
	KindApp       = "app"
	KindNamespace = "namespace"
	KindAccount   = "account"
)

func (m *Mapper) boundary(l Labels, r Resource) Boundary {
	b := Boundary{Account: first(l, accountLabels...), Region: first(l, regionLabels...)}
	if b.Account == "" {
		b.Account = m.cfg.Account
	}
	if b.Region == "" {
		b.Region = m.cfg.Region
	}
	if s := first(l, stackLabels...); s != "" {
		b.Kind, b.Name = KindStack, s
		return b
	}
	if s := m.stackKeys[strings.ToLower(r.ID)]; s != "" {
		b.Kind, b.Name = KindStack, s
		return b
	}
	if s := m.stackKeys[strings.ToLower(r.Name)]; s != "" {
		b.Kind, b.Name = KindStack, s
		return b
	}
	if s := m.stackKeys[strings.ToLower(r.InstanceID)]; r.InstanceID != "" && s != "" {
		b.Kind, b.Name = KindStack, s
		return b
	}
	if k, v := m.tag(l); k != "" {
		b.Kind, b.TagKey, b.Name = KindApp, k, v
		return b
	}
	if ns := first(l, namespaceLabels...); ns != "" {
		// cluster/namespace, or the namespace alone when no label names
		// the cluster (not "/prod").
		b.Kind, b.Name = KindNamespace, ns
		if c := first(l, clusterLabels...); c != "" {
			b.Name = c + "/" + ns
		}
		return b
	}
	b.Kind, b.Name = KindAccount, b.Account
	if b.Name == "" {
		b.Name = "default"
	}
	return b
}

// tag finds the application tag: the coverage tag key when configured,
// else the alphabetically first devops-guru-*/tend-* label.
func (m *Mapper) tag(l Labels) (key, value string) {
	coverTag := m.covers().tag
	for k, v := range l {
		nk := NormaliseTagKey(k)
		if nk == "" || v == "" {
			continue
		}
		if coverTag != "" && nk == coverTag {
			return nk, v
		}
		if key == "" || nk < key {
			key, value = nk, v
		}
	}
	return key, value
}

// NormaliseTagKey returns the application tag key a label name stands for,
// or "" when it is not one. A tag key starts with devops-guru- or tend-,
// prefix case-insensitive. Because Prometheus label names cannot hold '-',
// the prefix may also be written with underscores (devops_guru_app), and a
// leading tag_ / tags. / tag: (as relabelled from service discovery) is
// ignored. The result is lower-case with '-' for '_' in the prefix.
func NormaliseTagKey(name string) string {
	lower := strings.ToLower(name)
	for _, p := range []string{"tag_", "tags.", "tag:", "tags_"} {
		lower = strings.TrimPrefix(lower, p)
	}
	for _, p := range []string{"devops-guru-", "devops_guru_", "tend-", "tend_"} {
		if strings.HasPrefix(lower, p) && len(lower) > len(p) {
			canon := strings.ReplaceAll(p, "_", "-")
			return canon + lower[len(p):]
		}
	}
	return ""
}

// unitOf guesses the unit from OpenTelemetry's unit label or the metric
// name's Prometheus suffix.
func unitOf(metric string, l Labels) string {
	if u := l["unit"]; u != "" {
		return u
	}
	for suffix, unit := range map[string]string{
		"_seconds": "s", "_bytes": "By", "_percent": "%", "_ratio": "1", "_bytes_per_second": "By/s",
	} {
		if strings.HasSuffix(metric, suffix) {
			return unit
		}
	}
	return ""
}
