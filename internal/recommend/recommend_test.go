package recommend

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/events"
	"github.com/tendhq/tend/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func anomaly(id, metric, family, problem, rtype, rname string) store.Anomaly {
	return store.Anomaly{ID: id, Metric: metric, Family: family, ProblemType: problem, StartedAt: t0,
		Resource: store.InsightResource{ID: rtype + "/" + rname, Type: rtype, Name: rname}}
}

func event(id, name, class string, before time.Duration) events.Related {
	return events.Related{Event: store.Event{ID: id, Name: name, Class: class, Actor: "alice", Time: t0.Add(-before)},
		Relation: "resource", BeforeSeconds: before.Seconds(), Score: 1}
}

func insight(typ, problem string) store.Insight {
	return store.Insight{ID: "ins-1", Type: typ, ProblemType: problem, BoundaryKind: "stack", BoundaryName: "shop", StartedAt: t0}
}

// cases has one input per rule (named after it): the golden file shows
// every recommendation the input gets, the rule's among them.
func cases() map[string]Input {
	fn := anomaly("ano-1", "lambda_duration_seconds", "latency", "LATENCY_DEGRADATION", "function", "checkout")
	fn.Statistic = "p50"
	api := anomaly("ano-2", "http_server_request_duration_seconds", "latency", "LATENCY_DEGRADATION", "service", "cart")
	errs := anomaly("ano-3", "http_requests_errors_total", "errors", "ERROR_RATE_INCREASE", "service", "cart")
	cpu := anomaly("ano-4", "host_cpu_utilization", "cpu", "CPU_SATURATION", "host", "web-1")
	cpu.Resource.InstanceID, cpu.Resource.InstanceType = "i-0abc", "t3.small"
	podMem := anomaly("ano-5", "container_memory_working_set_bytes", "memory", "MEMORY_SATURATION", "pod", "cart-1")
	podMem.Forecast = &store.Forecast{Limit: 1 << 30, ExhaustAt: t0.Add(14 * time.Hour)}
	hostMem := anomaly("ano-6", "host_memory_used_percent", "memory", "MEMORY_SATURATION", "host", "db-1")
	hostMem.Forecast = &store.Forecast{Limit: 100, ExhaustAt: t0.Add(20 * time.Hour)}
	disk := anomaly("ano-7", "node_filesystem_avail_bytes", "disk", "DISK_FULL", "host", "web-1")
	disk.Forecast = &store.Forecast{Limit: 0, ExhaustAt: t0.Add(5 * 24 * time.Hour)}
	fds := anomaly("ano-8", "process_open_fds", "process_open_fds", "RESOURCE_ANOMALY", "host", "web-1")
	fds.Forecast = &store.Forecast{Limit: 1024, ExhaustAt: t0.Add(6 * time.Hour)}
	reactive := func(problem string, a ...store.Anomaly) Input {
		return Input{Insight: insight(store.InsightReactive, problem), Anomalies: a}
	}
	proactive := func(problem string, a store.Anomaly) Input {
		return Input{Insight: insight(store.InsightProactive, problem), Anomalies: []store.Anomaly{a}}
	}
	withEvents := func(in Input, ev ...events.Related) Input { in.Events = ev; return in }
	withPolicies := func(in Input, p map[string]bool) Input { in.Policies = p; return in }
	return map[string]Input{
		"function-latency-after-code-change":     withEvents(reactive("LATENCY_DEGRADATION", fn), event("evt-1", "UpdateFunctionCode", store.EventDeployment, 12*time.Minute)),
		"function-provisioned-concurrency":       withEvents(reactive("LATENCY_DEGRADATION", fn), event("evt-1", "CreateFunction", store.EventDeployment, 40*time.Minute)),
		"latency-after-deployment":               withEvents(reactive("LATENCY_DEGRADATION", api), event("evt-2", "deployment_status success", store.EventDeployment, 5*time.Minute)),
		"errors-after-deployment":                withEvents(reactive("ERROR_RATE_INCREASE", errs), event("evt-3", "deploy cart v7", store.EventDeployment, 3*time.Minute)),
		"errors-after-security-change":           withEvents(reactive("ERROR_RATE_INCREASE", errs), event("evt-4", "PutRolePolicy", store.EventSecurityChange, 20*time.Minute)),
		"anomaly-after-schema-change":            withEvents(reactive("LATENCY_DEGRADATION", api), event("evt-5", "UpdateTable", store.EventSchemaChange, 90*time.Minute)),
		"anomaly-after-config-change":            withEvents(reactive("CPU_SATURATION", cpu), event("evt-6", "ModifyInstanceAttribute", store.EventConfigChange, 2*time.Hour)),
		"container-memory-leak-after-deployment": withEvents(proactive("MEMORY_SATURATION", podMem), event("evt-7", "deploy cart v8", store.EventDeployment, 20*time.Hour)),
		"container-memory-leak":                  proactive("MEMORY_SATURATION", podMem),
		"container-memory-limit":                 proactive("MEMORY_SATURATION", podMem),
		"host-memory-exhaustion":                 proactive("MEMORY_SATURATION", hostMem),
		"disk-filling":                           proactive("DISK_FULL", disk),
		"capacity-exhaustion":                    proactive("RESOURCE_ANOMALY", fds),
		"cpu-upsize-policy":                      withPolicies(reactive("CPU_SATURATION", cpu), map[string]bool{}),
		"cpu-upsize-policy-active":               withPolicies(reactive("CPU_SATURATION", cpu), map[string]bool{"CPU_SATURATION": true}),
		"cpu-find-consumer":                      reactive("CPU_SATURATION", cpu),
		"cpu-scale":                              reactive("CPU_SATURATION", cpu),
		"memory-leak":                            reactive("MEMORY_SATURATION", anomaly("ano-9", "host_memory_used_percent", "memory", "MEMORY_SATURATION", "host", "db-1")),
		"memory-raise-limit":                     reactive("MEMORY_SATURATION", anomaly("ano-9", "host_memory_used_percent", "memory", "MEMORY_SATURATION", "host", "db-1")),
		"disk-free":                              reactive("DISK_FULL", anomaly("ano-10", "host_disk_used_percent", "disk", "DISK_FULL", "host", "web-1")),
		"latency-check-changes":                  reactive("LATENCY_DEGRADATION", api),
		"latency-move-initialisation":            reactive("LATENCY_DEGRADATION", api),
		"errors-inspect":                         reactive("ERROR_RATE_INCREASE", errs),
		"restarts-find-cause":                    reactive("CONTAINER_RESTARTS", anomaly("ano-11", "kube_pod_container_status_restarts_total", "restarts", "CONTAINER_RESTARTS", "pod", "cart-1")),
		"network-check-source":                   reactive("NETWORK_ANOMALY", anomaly("ano-12", "host_network_receive_bytes", "network", "NETWORK_ANOMALY", "host", "web-1")),
		"resource-review":                        reactive("RESOURCE_ANOMALY", anomaly("ano-13", "queue_depth", "queue_depth", "RESOURCE_ANOMALY", "queue", "orders")),
	}
}

func TestRulesGolden(t *testing.T) {
	cs := cases()
	for _, r := range Rules {
		in, ok := cs[r.Name]
		if !ok {
			t.Errorf("rule %s has no golden case", r.Name)
			continue
		}
		t.Run(r.Name, func(t *testing.T) {
			got := For(in)
			found := false
			for _, rec := range got {
				found = found || rec.Rule == r.Name
				if strings.Contains(rec.Reason+rec.Policy, "{") {
					t.Errorf("rule %s leaves a placeholder: %s", rec.Rule, rec.Reason)
				}
			}
			if !found {
				t.Errorf("rule %s does not apply to its own case", r.Name)
			}
			b, _ := json.MarshalIndent(got, "", "  ")
			b = append(b, '\n')
			golden := filepath.Join("testdata", r.Name+".golden")
			if *update {
				if err := os.WriteFile(golden, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if string(b) != string(want) {
				t.Errorf("%s:\ngot  %s\nwant %s", golden, b, want)
			}
		})
	}
	if len(cs) != len(Rules) {
		t.Errorf("%d cases for %d rules", len(cs), len(Rules))
	}
}

func TestSpecificRulesReplaceGenericOnes(t *testing.T) {
	got := For(cases()["function-latency-after-code-change"])
	var names []string
	for _, r := range got {
		names = append(names, r.Rule)
	}
	if strings.Join(names, " ") != "function-latency-after-code-change function-provisioned-concurrency" {
		t.Errorf("rules = %v", names)
	}
	if got[0].RelatedEvents[0] != "evt-1" || got[0].RelatedAnomalies[0] != "ano-1" {
		t.Errorf("related = %v %v", got[0].RelatedEvents, got[0].RelatedAnomalies)
	}
	// An event after the start did not cause the anomaly.
	in := cases()["errors-after-deployment"]
	in.Events[0].BeforeSeconds = -60
	for _, r := range For(in) {
		if r.Rule == "errors-after-deployment" {
			t.Error("an event after the start made errors-after-deployment apply")
		}
	}
}

func TestNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range Names() {
		if seen[n] {
			t.Errorf("rule name %s twice", n)
		}
		seen[n] = true
	}
}
