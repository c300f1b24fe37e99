package recommend

import "github.com/tendhq/tend/internal/store"

// Rule is one row of the recommendation table. The conditions are ANDed;
// an empty condition holds for every insight.
type Rule struct {
	// Name is the rule's stable id (kebab-case), in every recommendation
	// it makes (store.Recommendation.Rule).
	Name string

	// InsightType is REACTIVE or PROACTIVE ("" for both).
	InsightType string
	// ProblemTypes the insight may have (CPU_SATURATION …).
	ProblemTypes []string
	// Families, ResourceTypes and Statistics select the anomalies the rule
	// is about (memory, cpu, latency …; function, pod, host …; p50 …);
	// when given, at least one anomaly must match. CloudInstance requires
	// the resource to be a cloud instance (its instance id is known).
	Families      []string
	ResourceTypes []string
	Statistics    []string
	CloudInstance bool
	// EventClasses and EventNames require a related event before the
	// insight's start (during it too with EventsDuring).
	EventClasses []string
	EventNames   []string
	EventsDuring bool
	// WithoutPolicy: only when no remediation policy acts on the problem
	// type; WithPolicy: only when one does.
	WithoutPolicy, WithPolicy bool
	// Replaces names generic rules this one makes redundant.
	Replaces []string

	// The recommendation. Reason and Policy may use {metrics} (the
	// matching anomalies), {events} (the matching events, with how long
	// before the start), {resource}, {boundary}, {problem}, {forecast}.
	Title       string
	Description string
	Reason      string
	Link        string
	Policy      string
}

// Links to documentation.
const (
	linkLambdaInit     = "https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html"
	linkLambdaPC       = "https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html"
	linkECSMemory      = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_memory"
	linkK8sResources   = "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"
	linkGoHeap         = "https://go.dev/doc/diagnostics#profiling"
	linkPolicies       = "docs/policies.md"
	linkSelfHealing    = "docs/self-healing.md"
	linkDiskRotation   = "https://man7.org/linux/man-pages/man8/logrotate.8.html"
	linkRollback       = "docs/insights.md#related-events"
	linkCloudTrailIAM  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"
	linkDynamoIndexing = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes.html"
)

// upsizePolicy is the policy the CPU-saturation rule offers when none
// acts on CPU_SATURATION (docs/policies.md explains every key).
const upsizePolicy = `name: upsize-on-cpu-saturation
description: Repeated CPU saturation on a host moves its product to the next approved instance type.
match:
  source: tend
  event_type: CPU_SATURATION
  entity_type: HOST
qualify:
  occurrences: 3
  within: 1h
act:
  action: upsize-instance
  params:
    approved_types_param: /tend/approvedinstancetypes
    product_from: [servicecatalog, tag, inventory]
mode: approve
guards:
  cooldown: 24h
`

// Rules is the recommendation table, specific rules first.
var Rules = []Rule{
	// The seed's Lambda case: duration anomalous right after a code change.
	{Name: "function-latency-after-code-change", InsightType: store.InsightReactive, ProblemTypes: []string{"LATENCY_DEGRADATION"},
		ResourceTypes: []string{"function"}, EventNames: []string{"UpdateFunctionCode", "CreateFunction", "PublishVersion", "UpdateAlias"},
		Replaces: []string{"latency-after-deployment", "latency-move-initialisation", "latency-check-changes"},
		Title:    "Move initialisation out of the handler",
		Description: "Create SDK clients, database connections and caches once, outside the handler, so warm invocations reuse them; " +
			"consider provisioned concurrency so new code does not pay cold starts under load.",
		Reason: "{metrics} became anomalous right after {events}: the new code is slower per invocation, most often because it " +
			"initialises clients or loads data inside the handler.",
		Link: linkLambdaInit},
	{Name: "function-provisioned-concurrency", InsightType: store.InsightReactive, ProblemTypes: []string{"LATENCY_DEGRADATION"},
		ResourceTypes: []string{"function"}, EventNames: []string{"UpdateFunctionCode", "CreateFunction", "PublishVersion", "UpdateAlias"},
		Title:       "Consider provisioned concurrency",
		Description: "Provisioned concurrency keeps initialised execution environments ready, so a new version does not answer its first requests from cold starts.",
		Reason:      "Each deployment ({events}) replaces the warm execution environments of {resource}; {metrics} rose as the new ones started cold.",
		Link:        linkLambdaPC},
	{Name: "latency-after-deployment", InsightType: store.InsightReactive, ProblemTypes: []string{"LATENCY_DEGRADATION"},
		EventClasses: []string{store.EventDeployment}, Replaces: []string{"latency-check-changes"},
		Title:       "Compare with the deployment just before the slowdown",
		Description: "Diff the deployed version against the previous one (queries, calls to dependencies, payload sizes) and roll back if the slowdown is the change's.",
		Reason:      "{metrics} slowed down after {events}.",
		Link:        linkRollback},
	{Name: "errors-after-deployment", InsightType: store.InsightReactive, ProblemTypes: []string{"ERROR_RATE_INCREASE"},
		EventClasses: []string{store.EventDeployment},
		Title:        "Roll back the deployment",
		Description:  "Errors that start right after a deployment are almost always the deployment's: roll back first, then read the failing requests' logs.",
		Reason:       "{metrics} rose after {events}.",
		Link:         linkRollback},
	{Name: "errors-after-security-change", ProblemTypes: []string{"ERROR_RATE_INCREASE", "LATENCY_DEGRADATION"},
		EventClasses: []string{store.EventSecurityChange},
		Title:        "Check the permission change",
		Description:  "A changed role policy, security group or key policy makes calls fail with AccessDenied or time out; compare the denied calls in the audit trail with the change.",
		Reason:       "{metrics} changed after {events}.",
		Link:         linkCloudTrailIAM},
	{Name: "anomaly-after-schema-change", ProblemTypes: []string{"LATENCY_DEGRADATION", "ERROR_RATE_INCREASE", "CPU_SATURATION"},
		EventClasses: []string{store.EventSchemaChange},
		Title:        "Check the schema change",
		Description:  "A new or changed table, index or column makes queries scan more or fail; check the query plans of the slow queries and that indexes exist for them.",
		Reason:       "{metrics} changed after {events}.",
		Link:         linkDynamoIndexing},
	{Name: "anomaly-after-config-change", InsightType: store.InsightReactive, EventClasses: []string{store.EventConfigChange},
		Title:       "Review the configuration change",
		Description: "Compare the configuration before and after the change (instance type, memory size, timeouts, parameters) and revert it if the anomaly is its doing.",
		Reason:      "{metrics} became anomalous after {events}.",
		Link:        linkRollback},

	// Proactive: memory heading to its limit (the seed's ECS/EKS case),
	// first when a deployment came before the climb.
	{Name: "container-memory-leak-after-deployment", InsightType: store.InsightProactive, ProblemTypes: []string{"MEMORY_SATURATION"},
		ResourceTypes: []string{"pod", "container", "task", "service"}, EventClasses: []string{store.EventDeployment},
		Replaces: []string{"container-memory-leak", "host-memory-exhaustion", "capacity-exhaustion"},
		Title:    "Look for a memory leak in what was deployed",
		Description: "Memory that climbs steadily after a deployment points to a leak in the new version: compare heap profiles of the new and the previous version " +
			"some hours apart, and roll back if the limit comes before a fix.",
		Reason: "{metrics} climbs steadily since {events}; {forecast}, and the container will be OOM-killed and restarted.",
		Link:   linkGoHeap},
	{Name: "container-memory-leak", InsightType: store.InsightProactive, ProblemTypes: []string{"MEMORY_SATURATION"},
		ResourceTypes: []string{"pod", "container", "task", "service"}, Replaces: []string{"host-memory-exhaustion", "capacity-exhaustion"},
		Title:       "Look for a memory leak",
		Description: "Memory that climbs steadily without falling back points to a leak: compare heap profiles taken some hours apart and look for caches, buffers or goroutines that only grow.",
		Reason:      "{metrics} climbs steadily; {forecast}, and the container will be OOM-killed and restarted.",
		Link:        linkGoHeap},
	{Name: "container-memory-limit", InsightType: store.InsightProactive, ProblemTypes: []string{"MEMORY_SATURATION"},
		ResourceTypes: []string{"pod", "container", "task", "service"},
		Title:         "Raise the memory limit",
		Description:   "If the working set really grew (more data, more traffic), raise the container's memory limit (the pod's resources.limits.memory, the ECS task's memory) before the limit is reached.",
		Reason:        "{metrics} approaches its limit; {forecast}.",
		Link:          linkK8sResources},
	{Name: "host-memory-exhaustion", InsightType: store.InsightProactive, ProblemTypes: []string{"MEMORY_SATURATION"}, Replaces: []string{"capacity-exhaustion"},
		Title:       "Find what grows, or move to a larger instance",
		Description: "Find the process whose memory grows (its resident set over time); restart or fix it, or move the host to an instance type with more memory before the kernel starts killing processes.",
		Reason:      "{metrics} climbs steadily; {forecast}.",
		Link:        linkECSMemory},
	{Name: "disk-filling", InsightType: store.InsightProactive, ProblemTypes: []string{"DISK_FULL"}, Replaces: []string{"capacity-exhaustion"},
		Title:       "Free or grow the filesystem before it fills",
		Description: "Find what grows (logs, temporary files, dumps, a database), rotate or delete it, or grow the volume; writes fail when it is full.",
		Reason:      "{metrics} is heading to full; {forecast}.",
		Link:        linkDiskRotation},
	{Name: "capacity-exhaustion", InsightType: store.InsightProactive,
		Title:       "Raise the limit or reduce the use",
		Description: "The resource is heading to its limit (connections, file descriptors, queue capacity): find what holds more and more of it, or raise the limit.",
		Reason:      "{metrics} is heading to its limit; {forecast}.",
		Link:        linkSelfHealing},

	// CPU saturation on a cloud instance: what a tend policy does.
	{Name: "cpu-upsize-policy", InsightType: store.InsightReactive, ProblemTypes: []string{"CPU_SATURATION"}, CloudInstance: true, WithoutPolicy: true,
		Title:       "Let tend move it to the next approved instance type",
		Description: "No remediation policy acts on CPU_SATURATION yet. The policy below (in approve mode: a person confirms each action) edits the template of the catalog product the instance was launched from and publishes the next larger approved type as a new version. Put it in remediation.policy_dir and check it with tend policy test.",
		Reason:      "{metrics} is saturated on a cloud instance; an instance launched from a catalog product can be upsized as code.",
		Link:        linkPolicies, Policy: upsizePolicy},
	{Name: "cpu-upsize-policy-active", InsightType: store.InsightReactive, ProblemTypes: []string{"CPU_SATURATION"}, CloudInstance: true, WithPolicy: true,
		Title:       "Check what the upsize policy does",
		Description: "A remediation policy acts on CPU_SATURATION: the insight page lists its runs; approve a waiting one with tend runs approve.",
		Reason:      "{metrics} is saturated on a cloud instance and a policy acts on CPU_SATURATION.",
		Link:        linkSelfHealing},

	// Generic rules: one or two per problem type, for every reactive insight.
	{Name: "cpu-find-consumer", InsightType: store.InsightReactive, ProblemTypes: []string{"CPU_SATURATION"},
		Title:  "Find what is using the CPU",
		Reason: "CPU utilisation or load is far above its baseline ({metrics}). Look at the top processes or containers on the resource, and at deployments or traffic changes just before the start time."},
	{Name: "cpu-scale", InsightType: store.InsightReactive, ProblemTypes: []string{"CPU_SATURATION"},
		Title:  "Scale up or out",
		Reason: "If the load is legitimate, the resource is too small for it ({metrics}): move to the next larger approved instance type (a tend remediation policy for CPU_SATURATION can do this), or add instances behind the load balancer."},
	{Name: "memory-leak", InsightType: store.InsightReactive, ProblemTypes: []string{"MEMORY_SATURATION"},
		Title:  "Look for a memory leak",
		Reason: "Memory or swap use is anomalous ({metrics}). Memory that climbs steadily without falling back after load drops points to a leak: compare heap profiles over time."},
	{Name: "memory-raise-limit", InsightType: store.InsightReactive, ProblemTypes: []string{"MEMORY_SATURATION"},
		Title:  "Raise the memory limit or instance size",
		Reason: "If the working set really grew ({metrics}), raise the container's memory limit or move to a larger instance type before the kernel starts killing processes."},
	{Name: "disk-free", InsightType: store.InsightReactive, ProblemTypes: []string{"DISK_FULL"},
		Title:  "Free or grow the filesystem",
		Reason: "Disk use is anomalous ({metrics}). Find large or fast-growing files (logs, temporary files, dumps), set up rotation, or grow the volume before writes start failing."},
	{Name: "latency-check-changes", InsightType: store.InsightReactive, ProblemTypes: []string{"LATENCY_DEGRADATION"},
		Title:  "Check what changed before the slowdown",
		Reason: "Latency is above its baseline ({metrics}). Compare with deployments and configuration changes just before the start; slow dependencies (databases, downstream calls) are the usual cause."},
	{Name: "latency-move-initialisation", InsightType: store.InsightReactive, ProblemTypes: []string{"LATENCY_DEGRADATION"},
		Title:  "Move initialisation out of the request path",
		Reason: "For functions and services whose latency rose after a code change ({metrics}), initialise clients and caches once at start-up, not per request, and consider provisioned concurrency for cold starts."},
	{Name: "errors-inspect", InsightType: store.InsightReactive, ProblemTypes: []string{"ERROR_RATE_INCREASE"},
		Title:  "Inspect the failing requests",
		Reason: "The error rate is above its baseline ({metrics}). Read the application's logs for the start time; if a deployment preceded it, roll it back."},
	{Name: "restarts-find-cause", InsightType: store.InsightReactive, ProblemTypes: []string{"CONTAINER_RESTARTS"},
		Title:  "Find why containers restart",
		Reason: "Containers restart more than usual ({metrics}). Check the last termination reason (OOMKilled, failed liveness probe, crash) with kubectl describe pod, and the container's logs before the restart."},
	{Name: "network-check-source", InsightType: store.InsightReactive, ProblemTypes: []string{"NETWORK_ANOMALY"},
		Title:  "Check the traffic's source",
		Reason: "Network traffic is unusual ({metrics}). A sudden rise can be a retry storm, a backup, or abuse; a drop can mean the resource is no longer receiving traffic."},
	{Name: "resource-review", InsightType: store.InsightReactive, ProblemTypes: []string{"RESOURCE_ANOMALY"},
		Title:  "Review the anomalous metrics",
		Reason: "These metrics deviate from their baseline ({metrics}). Compare with recent deployments and configuration changes on the resources."},
}
