package tfimport

import (
	"fmt"
	"strings"
)

// specs maps each supported CloudFormation type to how it is built. The
// types are those of ../shared/cfn-schemas/types.json: every type Amazon
// DevOps Guru analyses that CloudFormation can import, plus the types they
// usually depend on.
var specs = map[string]*spec{}

func register(cfnType string, s *spec) bool {
	specs[cfnType] = s
	return true
}

var _ = register("AWS::EC2::Instance", &spec{
	rename: map[string]string{
		"ami": "ImageId", "vpc_security_group_ids": "SecurityGroupIds", "private_ip": "PrivateIpAddress",
		"placement_group": "PlacementGroupName", "user_data": "", "user_data_base64": "UserData",
	},
	ident: map[string]func(map[string]any) string{"InstanceId": attr("id")},
	build: func(b *builder) {
		if len(b.list("vpc_security_group_ids")) > 0 {
			b.used["security_groups"] = true // names are derived in a VPC
		}
		if b.str("user_data") != "" && b.str("user_data_base64") == "" {
			b.note("user_data is stored hashed in state; UserData left out (set user_data_base64 in Terraform to carry it)")
		}
		if o := b.block("metadata_options"); o != nil {
			b.set("MetadataOptions", obj("HttpEndpoint", o["http_endpoint"], "HttpTokens", o["http_tokens"],
				"HttpPutResponseHopLimit", o["http_put_response_hop_limit"], "InstanceMetadataTags", o["instance_metadata_tags"]))
		}
		if c := b.block("credit_specification"); c != nil {
			b.set("CreditSpecification", obj("CPUCredits", c["cpu_credits"]))
		}
	},
})

var _ = register("AWS::EC2::LaunchTemplate", &spec{
	noAuto:  true,
	ident:   map[string]func(map[string]any) string{"LaunchTemplateId": attr("id")},
	tagProp: "-",
	build: func(b *builder) {
		b.set("LaunchTemplateName", b.str("name"))
		b.set("VersionDescription", b.str("description"))
		d := map[string]any{}
		put := func(k string, v any) {
			if !empty(v) {
				d[k] = v
			}
		}
		put("ImageId", b.get("image_id"))
		put("InstanceType", b.get("instance_type"))
		put("KeyName", b.get("key_name"))
		put("UserData", b.get("user_data"))
		put("SecurityGroupIds", b.get("vpc_security_group_ids"))
		put("SecurityGroups", b.get("security_group_names"))
		put("EbsOptimized", b.get("ebs_optimized"))
		put("DisableApiTermination", b.get("disable_api_termination"))
		put("InstanceInitiatedShutdownBehavior", b.get("instance_initiated_shutdown_behavior"))
		if p := b.block("iam_instance_profile"); p != nil {
			put("IamInstanceProfile", obj("Arn", p["arn"], "Name", p["name"]))
		}
		if m := b.block("monitoring"); m != nil {
			put("Monitoring", obj("Enabled", m["enabled"]))
		}
		if o := b.block("metadata_options"); o != nil {
			put("MetadataOptions", obj("HttpEndpoint", o["http_endpoint"], "HttpTokens", o["http_tokens"],
				"HttpPutResponseHopLimit", o["http_put_response_hop_limit"], "InstanceMetadataTags", o["instance_metadata_tags"]))
		}
		var bdms []any
		for _, m := range b.blocks("block_device_mappings") {
			var ebs map[string]any
			if e := firstBlock(m, "ebs"); e != nil {
				ebs = obj("VolumeSize", nonZero(e["volume_size"]), "VolumeType", e["volume_type"], "Encrypted", e["encrypted"],
					"DeleteOnTermination", e["delete_on_termination"], "Iops", nonZero(e["iops"]), "Throughput", nonZero(e["throughput"]),
					"KmsKeyId", e["kms_key_id"], "SnapshotId", e["snapshot_id"])
			}
			if bd := obj("DeviceName", m["device_name"], "Ebs", ebs, "NoDevice", m["no_device"], "VirtualName", m["virtual_name"]); bd != nil {
				bdms = append(bdms, bd)
			}
		}
		put("BlockDeviceMappings", bdms)
		var nis []any
		for _, n := range b.blocks("network_interfaces") {
			if ni := obj("DeviceIndex", n["device_index"], "SubnetId", n["subnet_id"], "Groups", n["security_groups"],
				"AssociatePublicIpAddress", n["associate_public_ip_address"], "DeleteOnTermination", n["delete_on_termination"]); ni != nil {
				nis = append(nis, ni)
			}
		}
		put("NetworkInterfaces", nis)
		// LaunchTemplateData is required; an empty one is valid for import.
		b.props["LaunchTemplateData"] = d
		if tags := tagList(b.a); len(tags) > 0 {
			b.props["TagSpecifications"] = []any{map[string]any{"ResourceType": "launch-template", "Tags": tags}}
		}
	},
})

// nonZero drops a 0 Terraform stores for "not set" (EBS iops, throughput).
func nonZero(v any) any {
	if scalarString(v) == "0" {
		return nil
	}
	return v
}

// tagList renders tags_all (or tags) as a sorted Key/Value list.
func tagList(a map[string]any) []any {
	raw, _ := a["tags_all"].(map[string]any)
	if len(raw) == 0 {
		raw, _ = a["tags"].(map[string]any)
	}
	var out []any
	for _, k := range sortedKeys(raw) {
		if !strings.HasPrefix(k, "aws:") {
			out = append(out, map[string]any{"Key": k, "Value": scalarString(raw[k])})
		}
	}
	return out
}

var _ = register("AWS::AutoScaling::LaunchConfiguration", &spec{
	rename: map[string]string{
		"name": "LaunchConfigurationName", "user_data": "", "user_data_base64": "UserData",
		"enable_monitoring": "InstanceMonitoring",
	},
	ident:   map[string]func(map[string]any) string{"LaunchConfigurationName": attr("name")},
	tagProp: "-",
	build: func(b *builder) {
		if b.str("user_data") != "" && b.str("user_data_base64") == "" {
			b.note("user_data is stored hashed in state; UserData left out")
		}
	},
})

var _ = register("AWS::AutoScaling::AutoScalingGroup", &spec{
	rename: map[string]string{
		"name": "AutoScalingGroupName", "default_cooldown": "Cooldown", "launch_configuration": "LaunchConfigurationName",
		"target_group_arns": "TargetGroupARNs", "load_balancers": "LoadBalancerNames", "vpc_zone_identifier": "VPCZoneIdentifier",
		"service_linked_role_arn": "ServiceLinkedRoleARN", "protect_from_scale_in": "NewInstancesProtectedFromScaleIn",
		"placement_group": "PlacementGroup",
	},
	ident:   map[string]func(map[string]any) string{"AutoScalingGroupName": attr("name")},
	tagProp: "-",
	build: func(b *builder) {
		if lt := b.block("launch_template"); lt != nil {
			b.set("LaunchTemplate", obj("LaunchTemplateId", lt["id"], "Version", lt["version"]))
		}
		var tags []any
		for _, t := range b.blocks("tag") {
			tags = append(tags, map[string]any{"Key": t["key"], "Value": t["value"], "PropagateAtLaunch": t["propagate_at_launch"]})
		}
		b.set("Tags", tags)
		if m := b.list("enabled_metrics"); len(m) > 0 {
			b.set("MetricsCollection", []any{obj("Granularity", orDefault(b.str("metrics_granularity"), "1Minute"), "Metrics", m)})
		}
		if b.block("mixed_instances_policy") != nil {
			b.note("mixed_instances_policy is not carried over; the group is imported as is")
		}
	},
})

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

var _ = register("AWS::ECS::Cluster", &spec{
	rename: map[string]string{"name": "ClusterName"},
	ident:  map[string]func(map[string]any) string{"ClusterName": attr("name")},
	build: func(b *builder) {
		var settings []any
		for _, s := range b.blocks("setting") {
			settings = append(settings, obj("Name", s["name"], "Value", s["value"]))
		}
		b.set("ClusterSettings", settings)
	},
})

var _ = register("AWS::ECS::Service", &spec{
	rename: map[string]string{"name": "ServiceName", "iam_role": "Role", "propagate_tags": "PropagateTags"},
	ident: map[string]func(map[string]any) string{
		"ServiceArn": func(a map[string]any) string { return firstNonEmpty(scalarString(a["arn"]), scalarString(a["id"])) },
		"Cluster":    attr("cluster"),
	},
	build: func(b *builder) {
		dc := obj("MaximumPercent", b.get("deployment_maximum_percent"), "MinimumHealthyPercent", b.get("deployment_minimum_healthy_percent"))
		if cb := b.block("deployment_circuit_breaker"); cb != nil {
			dc = merge(dc, obj("DeploymentCircuitBreaker", obj("Enable", cb["enable"], "Rollback", cb["rollback"])))
		}
		b.set("DeploymentConfiguration", dc)
		if c := b.block("deployment_controller"); c != nil {
			b.set("DeploymentController", obj("Type", c["type"]))
		}
		if n := b.block("network_configuration"); n != nil {
			assign := "DISABLED"
			if v, _ := n["assign_public_ip"].(bool); v {
				assign = "ENABLED"
			}
			b.set("NetworkConfiguration", obj("AwsvpcConfiguration", obj("Subnets", n["subnets"], "SecurityGroups", n["security_groups"], "AssignPublicIp", assign)))
		}
		var lbs []any
		for _, l := range b.blocks("load_balancer") {
			lbs = append(lbs, obj("TargetGroupArn", l["target_group_arn"], "ContainerName", l["container_name"], "ContainerPort", l["container_port"], "LoadBalancerName", l["elb_name"]))
		}
		b.set("LoadBalancers", lbs)
		var cps []any
		for _, c := range b.blocks("capacity_provider_strategy") {
			cps = append(cps, obj("CapacityProvider", c["capacity_provider"], "Base", c["base"], "Weight", c["weight"]))
		}
		b.set("CapacityProviderStrategy", cps)
		if b.str("propagate_tags") == "NONE" {
			b.used["propagate_tags"] = true // NONE: CloudFormation's default, not an enum value
		}
		if len(cps) > 0 {
			b.used["launch_type"] = true // mutually exclusive with a strategy
		}
	},
})

func merge(a, b map[string]any) map[string]any {
	if a == nil {
		return b
	}
	for k, v := range b {
		a[k] = v
	}
	return a
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// ecsFreeFormKeys hold maps whose keys are user data, not field names.
var ecsFreeFormKeys = map[string]bool{"options": true, "dockerLabels": true, "driverOpts": true, "labels": true}

// pascalKeys converts ECS API JSON (camelCase, as Terraform stores
// container_definitions) to CloudFormation's PascalCase property names.
func pascalKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			key := strings.ToUpper(k[:min(1, len(k))]) + k[min(1, len(k)):]
			if ecsFreeFormKeys[k] {
				out[key] = e
				continue
			}
			out[key] = pascalKeys(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = pascalKeys(e)
		}
		return out
	}
	return v
}

var _ = register("AWS::ECS::TaskDefinition", &spec{
	ident:  map[string]func(map[string]any) string{"TaskDefinitionArn": attr("arn")},
	rename: map[string]string{"revision": "", "skip_destroy": "", "track_latest": ""},
	build: func(b *builder) {
		if s := b.str("container_definitions"); s != "" {
			var doc []any
			if err := jsonUnmarshal(s, &doc); err != nil {
				b.note("container_definitions is not valid JSON (%v); left out", err)
			} else {
				b.set("ContainerDefinitions", pascalKeys(doc))
			}
		}
		if p := b.block("runtime_platform"); p != nil {
			b.set("RuntimePlatform", obj("OperatingSystemFamily", p["operating_system_family"], "CpuArchitecture", p["cpu_architecture"]))
		}
		if e := b.block("ephemeral_storage"); e != nil {
			b.set("EphemeralStorage", obj("SizeInGiB", e["size_in_gib"]))
		}
		var vols []any
		for _, v := range b.blocks("volume") {
			vols = append(vols, obj("Name", v["name"], "Host", obj("SourcePath", v["host_path"])))
		}
		b.set("Volumes", vols)
	},
})

var _ = register("AWS::EKS::Cluster", &spec{
	ident: map[string]func(map[string]any) string{"Name": attr("name")},
	build: func(b *builder) {
		if v := b.block("vpc_config"); v != nil {
			b.set("ResourcesVpcConfig", obj("SubnetIds", v["subnet_ids"], "SecurityGroupIds", v["security_group_ids"],
				"EndpointPrivateAccess", v["endpoint_private_access"], "EndpointPublicAccess", v["endpoint_public_access"],
				"PublicAccessCidrs", v["public_access_cidrs"]))
		}
		var types []any
		for _, t := range b.list("enabled_cluster_log_types") {
			types = append(types, map[string]any{"Type": t})
		}
		if len(types) > 0 {
			b.set("Logging", obj("ClusterLogging", obj("EnabledTypes", types)))
		}
		if k := b.block("kubernetes_network_config"); k != nil {
			b.set("KubernetesNetworkConfig", obj("ServiceIpv4Cidr", k["service_ipv4_cidr"], "IpFamily", k["ip_family"]))
		}
		if ac := b.block("access_config"); ac != nil {
			b.set("AccessConfig", obj("AuthenticationMode", ac["authentication_mode"]))
		}
	},
})

var _ = register("AWS::EKS::Nodegroup", &spec{
	rename: map[string]string{"node_group_name": "NodegroupName", "node_role_arn": "NodeRole", "subnet_ids": "Subnets"},
	ident: map[string]func(map[string]any) string{
		// CloudFormation's Id is cluster/nodegroup; Terraform's id is cluster:nodegroup.
		"Id": func(a map[string]any) string {
			c, n := scalarString(a["cluster_name"]), scalarString(a["node_group_name"])
			if c == "" || n == "" {
				return ""
			}
			return c + "/" + n
		},
	},
	build: func(b *builder) {
		if s := b.block("scaling_config"); s != nil {
			b.set("ScalingConfig", obj("DesiredSize", s["desired_size"], "MaxSize", s["max_size"], "MinSize", s["min_size"]))
		}
		if u := b.block("update_config"); u != nil {
			b.set("UpdateConfig", obj("MaxUnavailable", u["max_unavailable"], "MaxUnavailablePercentage", u["max_unavailable_percentage"]))
		}
		var taints []any
		for _, t := range b.blocks("taint") {
			taints = append(taints, obj("Key", t["key"], "Value", t["value"], "Effect", t["effect"]))
		}
		b.set("Taints", taints)
		if lt := b.block("launch_template"); lt != nil {
			b.set("LaunchTemplate", obj("Id", lt["id"], "Version", lt["version"]))
		}
		if ra := b.block("remote_access"); ra != nil {
			b.set("RemoteAccess", obj("Ec2SshKey", ra["ec2_ssh_key"], "SourceSecurityGroups", ra["source_security_group_ids"]))
		}
	},
})

var _ = register("AWS::Lambda::Function", &spec{
	rename: map[string]string{"role": "Role", "kms_key_arn": "KmsKeyArn", "code_signing_config_arn": "CodeSigningConfigArn"},
	ident:  map[string]func(map[string]any) string{"FunctionName": attr("function_name")},
	build: func(b *builder) {
		switch {
		case b.str("image_uri") != "":
			b.set("Code", obj("ImageUri", b.str("image_uri")))
		case b.str("s3_bucket") != "":
			b.set("Code", obj("S3Bucket", b.str("s3_bucket"), "S3Key", b.str("s3_key"), "S3ObjectVersion", b.str("s3_object_version")))
		default:
			// Code is write-only and never read back; import does not deploy it.
			b.set("Code", obj("ZipFile", fmt.Sprintf("# imported by tend from Terraform state; code deployed from %s", orDefault(b.str("filename"), "outside CloudFormation"))))
		}
		if b.str("reserved_concurrent_executions") == "-1" {
			b.used["reserved_concurrent_executions"] = true // -1: unreserved
		}
		if e := b.block("environment"); e != nil {
			vars, _ := e["variables"].(map[string]any)
			out := map[string]any{}
			for _, k := range sortedKeys(vars) {
				if b.isSensitive("environment", "0", "variables", k) {
					out[k] = b.secret("environment."+k, "Env"+k, scalarString(vars[k]))
					b.parameter["environment"] = true
				} else {
					out[k] = scalarString(vars[k])
				}
			}
			b.set("Environment", obj("Variables", out))
		}
		if t := b.block("tracing_config"); t != nil {
			b.set("TracingConfig", obj("Mode", t["mode"]))
		}
		if v := b.block("vpc_config"); v != nil && len(blocksOrList(v["subnet_ids"])) > 0 {
			b.set("VpcConfig", obj("SubnetIds", v["subnet_ids"], "SecurityGroupIds", v["security_group_ids"]))
		}
		if d := b.block("dead_letter_config"); d != nil {
			b.set("DeadLetterConfig", obj("TargetArn", d["target_arn"]))
		}
		if e := b.block("ephemeral_storage"); e != nil {
			b.set("EphemeralStorage", obj("Size", e["size"]))
		}
		if l := b.block("logging_config"); l != nil {
			b.set("LoggingConfig", obj("LogFormat", l["log_format"], "LogGroup", l["log_group"],
				"ApplicationLogLevel", l["application_log_level"], "SystemLogLevel", l["system_log_level"]))
		}
		if ic := b.block("image_config"); ic != nil {
			b.set("ImageConfig", obj("Command", ic["command"], "EntryPoint", ic["entry_point"], "WorkingDirectory", ic["working_directory"]))
		}
	},
})

func blocksOrList(v any) []any { l, _ := v.([]any); return l }

var _ = register("AWS::ElasticBeanstalk::Environment", &spec{
	rename: map[string]string{"name": "EnvironmentName", "application": "ApplicationName", "cname_prefix": "CNAMEPrefix", "tier": ""},
	ident:  map[string]func(map[string]any) string{"EnvironmentName": attr("name")},
	build: func(b *builder) {
		switch b.str("tier") {
		case "WebServer":
			b.set("Tier", obj("Name", "WebServer", "Type", "Standard"))
		case "Worker":
			b.set("Tier", obj("Name", "Worker", "Type", "SQS/HTTP"))
		}
		if b.str("platform_arn") != "" {
			b.used["solution_stack_name"] = true // the platform ARN names the stack already
		}
		if len(b.blocks("setting")) > 0 {
			b.note("option settings are not carried over (write-only in CloudFormation); the environment keeps its live settings")
		}
	},
})

var _ = register("AWS::SageMaker::Endpoint", &spec{
	rename: map[string]string{"name": ""},
	ident:  map[string]func(map[string]any) string{"EndpointArn": attr("arn")},
})

var _ = register("AWS::StepFunctions::Activity", &spec{
	ident: map[string]func(map[string]any) string{"Arn": func(a map[string]any) string { return firstNonEmpty(scalarString(a["arn"]), scalarString(a["id"])) }},
	build: func(b *builder) {
		if e := b.block("encryption_configuration"); e != nil {
			b.set("EncryptionConfiguration", obj("Type", e["type"], "KmsKeyId", e["kms_key_id"], "KmsDataKeyReusePeriodSeconds", e["kms_data_key_reuse_period_seconds"]))
		}
	},
})

var _ = register("AWS::StepFunctions::StateMachine", &spec{
	rename: map[string]string{"name": "StateMachineName", "type": "StateMachineType", "definition": "", "publish": "", "revision_id": "", "version_description": ""},
	ident:  map[string]func(map[string]any) string{"Arn": attr("arn")},
	build: func(b *builder) {
		if d := b.str("definition"); d != "" {
			var doc map[string]any
			if err := jsonUnmarshal(d, &doc); err != nil {
				b.set("DefinitionString", d)
			} else {
				b.set("Definition", doc)
			}
		}
		if l := b.block("logging_configuration"); l != nil {
			var dest []any
			if arn := scalarString(l["log_destination"]); arn != "" {
				dest = []any{map[string]any{"CloudWatchLogsLogGroup": map[string]any{"LogGroupArn": arn}}}
			}
			b.set("LoggingConfiguration", obj("Level", l["level"], "IncludeExecutionData", l["include_execution_data"], "Destinations", dest))
		}
		if t := b.block("tracing_configuration"); t != nil {
			b.set("TracingConfiguration", obj("Enabled", t["enabled"]))
		}
		if e := b.block("encryption_configuration"); e != nil {
			b.set("EncryptionConfiguration", obj("Type", e["type"], "KmsKeyId", e["kms_key_id"], "KmsDataKeyReusePeriodSeconds", e["kms_data_key_reuse_period_seconds"]))
		}
	},
})
