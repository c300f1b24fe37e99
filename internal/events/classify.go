package events

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/tendhq/tend/internal/store"
)

// classRule classifies by the event's name: an exact name, or a prefix of
// an API action (CloudTrail's eventName: "Put", "Attach" …) together with
// words in it. The first rule that matches wins; the table is the whole
// of it (docs/insights.md lists it).
type classRule struct {
	class    string
	names    []string // exact, case-insensitive
	contains []string // any of these substrings, case-insensitive
}

var classRules = []classRule{
	{store.EventSecurityChange,
		[]string{"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
			"CreateAccessKey", "UpdateAssumeRolePolicy", "PutBucketPolicy", "PutBucketAcl", "AddPermission", "RemovePermission", "PutKeyPolicy", "CreateGrant"},
		[]string{"rolepolicy", "userpolicy", "grouppolicy", "policyversion", "rolebinding", "clusterrole", "serviceaccount", "secret", "certificate", "permission", "firewall", "networkpolicy"}},
	{store.EventSchemaChange,
		[]string{"CreateTable", "UpdateTable", "DeleteTable", "CreateIndex", "DropIndex", "UpdateTimeToLive", "CreateGlobalTable", "UpdateGlobalTable"},
		[]string{"schema", "migration", "migrate", "alter table", "ddl"}},
	{store.EventDeployment,
		[]string{"UpdateFunctionCode", "UpdateFunctionCode20150331v2", "CreateFunction", "CreateFunction20150331", "PublishVersion", "PublishVersion20150331",
			"UpdateAlias", "UpdateAlias20150331", "CreateDeployment", "RegisterTaskDefinition", "UpdateService", "deployment", "deployment_status",
			"ScalingReplicaSet", "SuccessfulRollout", "RolloutStarted", "PublishCatalogVersion"},
		[]string{"deploy", "rollout", "release", "upgrade", "rollback", "image"}},
	{store.EventConfigChange,
		[]string{"UpdateFunctionConfiguration", "UpdateFunctionConfiguration20150331v2", "ModifyInstanceAttribute", "PutParameter", "ModifyDBInstance",
			"ModifyDBParameterGroup", "ModifyDBClusterParameterGroup", "PutScalingPolicy", "UpdateEnvironment", "PutBucketLifecycleConfiguration",
			"UpdateAutoScalingGroup", "SetDesiredCapacity", "ModifyLoadBalancerAttributes", "ModifyTargetGroupAttributes"},
		[]string{"config", "setting", "parameter", "modify", "flag", "configmap", "scale"}},
	{store.EventInfrastructure,
		[]string{"RunInstances", "TerminateInstances", "StopInstances", "StartInstances", "RebootInstances", "CreateStack", "UpdateStack", "DeleteStack",
			"CreateChangeSet", "ExecuteChangeSet", "CreateAutoScalingGroup", "CreateVolume", "AttachVolume", "DetachVolume", "ImportStack", "TerraformImport"},
		nil},
}

// Classify names an event's class from where it came from and what it is
// called; what no rule knows is INFRASTRUCTURE (a change to what runs).
func Classify(eventSource, name string) string {
	n := strings.ToLower(name)
	for _, r := range classRules {
		for _, e := range r.names {
			if strings.EqualFold(e, name) {
				return r.class
			}
		}
	}
	for _, r := range classRules {
		for _, c := range r.contains {
			if strings.Contains(n, c) {
				return r.class
			}
		}
	}
	if strings.HasPrefix(strings.ToLower(eventSource), "iam.") || strings.HasPrefix(strings.ToLower(eventSource), "kms.") {
		return store.EventSecurityChange
	}
	return store.EventInfrastructure
}

// contentKey identifies an event by what it says (time, name, resources,
// actor), for sources that give it no id.
func contentKey(ev *store.Event) string {
	h := sha256.New()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(ev.Time.UTC().Format("2006-01-02T15:04:05.000000Z"))
	w(ev.Name)
	w(ev.Actor)
	w(ev.EventSource)
	ids := make([]string, 0, len(ev.Resources))
	for _, r := range ev.Resources {
		ids = append(ids, r.Type+"/"+r.ID+"/"+r.Name)
	}
	sort.Strings(ids)
	for _, id := range ids {
		w(id)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:32]
}
