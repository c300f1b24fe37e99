package insight

import (
	"sort"
	"strings"

	"github.com/tendhq/tend/internal/series"
)

// Kinds of saturating resource; each has its own horizon and window
// (insight.proactive.*).
const (
	KindMemory = "memory"
	KindDisk   = "disk"
	KindOther  = "other"
)

// limitRule says how a metric saturates: which kind of resource it is,
// whether it rises to its limit or falls to it, and where the limit comes
// from — a constant, or the latest value of a companion series that
// shares the metric's identifying labels. The table below is the whole of
// it (docs/insights.md, "Proactive insights", lists it).
type limitRule struct {
	// metrics are exact names; suffix matches a name ending (generic
	// rules).
	metrics []string
	suffix  string
	kind    string
	up      bool
	// limit is the constant limit when companions is empty.
	limit float64
	// companions are series whose latest value is the limit: the metric
	// name, the labels they must carry (name=value), and the labels joined
	// on (nil: every label of the subject).
	companions []companion
	// human says what the limit is ("the container's memory limit").
	human string
}

type companion struct {
	metric string
	match  map[string]string
	join   []string
}

// limitRules are tried in order. Utilisation metrics (percent or ratio of
// a saturation family: memory, swap, disk, CPU) are handled by
// utilisationRule, before the table.
var limitRules = []limitRule{
	{metrics: []string{"container_memory_working_set_bytes", "container_memory_usage_bytes", "container_memory_rss"}, kind: KindMemory, up: true,
		companions: []companion{
			{metric: "container_spec_memory_limit_bytes"},
			{metric: "kube_pod_container_resource_limits", match: map[string]string{"resource": "memory"}, join: []string{"namespace", "pod", "container"}},
		}, human: "the container's memory limit"},
	{metrics: []string{"process_resident_memory_bytes"}, kind: KindMemory, up: true,
		companions: []companion{{metric: "process_resident_memory_max_bytes"}}, human: "the process's memory limit"},
	{metrics: []string{"process_open_fds"}, kind: KindOther, up: true,
		companions: []companion{{metric: "process_max_fds"}}, human: "the process's file descriptor limit"},
	{metrics: []string{"node_filesystem_avail_bytes", "node_filesystem_free_bytes"}, kind: KindDisk, up: false, limit: 0, human: "no free space"},
	{metrics: []string{"node_filesystem_files_free"}, kind: KindDisk, up: false, limit: 0, human: "no free inodes"},
	{metrics: []string{"pg_stat_activity_count"}, kind: KindOther, up: true,
		companions: []companion{{metric: "pg_settings_max_connections", join: []string{"instance"}}}, human: "max_connections"},
	{metrics: []string{"mysql_global_status_threads_connected"}, kind: KindOther, up: true,
		companions: []companion{{metric: "mysql_global_variables_max_connections", join: []string{"instance"}}}, human: "max_connections"},
	// Generic: X beside X_limit, X_max or X_capacity with the same labels
	// (a connection pool's size, a queue's capacity).
	{suffix: "", kind: KindOther, up: true, human: "its limit"},
}

// genericTokens are the name tokens of metrics the generic rule considers.
var genericTokens = []string{"connections", "conns", "pool", "queue", "depth", "inflight", "sessions", "threads", "workers", "used", "usage", "open"}

func hasAny(toks, want []string) bool {
	for _, w := range want {
		for _, t := range toks {
			if t == w {
				return true
			}
		}
	}
	return false
}

// genericCompanionSuffixes name a metric's limit in the generic rule.
var genericCompanionSuffixes = []string{"_limit", "_max", "_capacity"}

// saturation is how one series saturates, resolved once per series.
type saturation struct {
	kind  string
	up    bool
	limit float64 // when keys is empty
	// keys are the companion keys whose latest value is the limit, in
	// order of preference; sources say what each is.
	keys    []string
	sources []string
	human   string
}

// saturationOf resolves how a series saturates; ok is false for series
// that do not (most of them).
func saturationOf(info series.Info) (saturation, bool) {
	f := Classify(info.Metric, info.Labels)
	if f.Saturation {
		if full, ok := utilisationLimit(info.Metric, info.Unit); ok {
			kind := KindOther
			switch f.ProblemType {
			case MemorySaturation:
				kind = KindMemory
			case DiskFull:
				kind = KindDisk
			}
			src := "100 %"
			if full == 1 {
				src = "a ratio of 1"
			}
			return saturation{kind: kind, up: true, limit: full, sources: []string{src}, human: src}, true
		}
	}
	for _, r := range limitRules {
		if r.suffix == "" && len(r.metrics) == 0 {
			// Generic rule, for names that say they count something with
			// a capacity.
			if !hasAny(tokens(strings.ToLower(info.Metric)), genericTokens) {
				return saturation{}, false
			}
			s := saturation{kind: r.kind, up: true, human: r.human}
			for _, suf := range genericCompanionSuffixes {
				c := companion{metric: info.Metric + suf}
				s.keys = append(s.keys, companionKey(c, info.Labels))
				s.sources = append(s.sources, c.metric)
			}
			return s, true
		}
		hit := false
		for _, m := range r.metrics {
			hit = hit || m == info.Metric
		}
		if !hit {
			continue
		}
		s := saturation{kind: r.kind, up: r.up, limit: r.limit, human: r.human}
		for _, c := range r.companions {
			s.keys = append(s.keys, companionKey(c, info.Labels))
			s.sources = append(s.sources, c.metric)
		}
		if len(s.keys) == 0 {
			s.sources = []string{r.human}
		}
		return s, true
	}
	return saturation{}, false
}

// utilisationLimit is 100 for a percentage, 1 for a ratio.
func utilisationLimit(metric, unit string) (float64, bool) {
	if v, ok := utilisation(metric, unit, 100); ok {
		if v == 1 {
			return 100, true
		}
		return 1, true
	}
	return 0, false
}

// companionOf tells whether a series is a limit some other series may
// look up, and under which key. A series is looked up by the subjects
// whose rules name it; for the generic rule any metric ending in _limit,
// _max or _capacity is one.
func companionOf(info series.Info) (string, bool) {
	for _, r := range limitRules {
		for _, c := range r.companions {
			if c.metric != info.Metric {
				continue
			}
			for k, v := range c.match {
				if info.Labels[k] != v {
					return "", false
				}
			}
			return companionKey(c, info.Labels), true
		}
	}
	for _, suf := range genericCompanionSuffixes {
		if strings.HasSuffix(info.Metric, suf) {
			return companionKey(companion{metric: info.Metric}, info.Labels), true
		}
	}
	return "", false
}

// companionKey identifies a companion's value: its metric name and the
// joined labels' values (all labels, sorted, when join is nil; the labels
// a companion must carry, such as resource="memory", are left out so the
// subject and the companion agree).
func companionKey(c companion, labels series.Labels) string {
	var b strings.Builder
	b.WriteString(c.metric)
	names := c.join
	if names == nil {
		for k := range labels {
			if _, skip := c.match[k]; !skip && k != "unit" {
				names = append(names, k)
			}
		}
		sort.Strings(names)
	}
	for _, k := range names {
		b.WriteString("\x00")
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(labels[k])
	}
	return b.String()
}
