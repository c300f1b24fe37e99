package tfimport

import (
	"sort"
	"strings"
)

var _ = register("AWS::ApiGateway::RestApi", &spec{
	rename: map[string]string{"api_key_source": "ApiKeySourceType", "body": "", "put_rest_api_mode": "", "fail_on_warnings": "",
		"root_resource_id": "", "execution_arn": "", "created_date": ""},
	ident: map[string]func(map[string]any) string{"RestApiId": attr("id")},
	build: func(b *builder) {
		if e := b.block("endpoint_configuration"); e != nil {
			b.set("EndpointConfiguration", obj("Types", e["types"], "VpcEndpointIds", e["vpc_endpoint_ids"], "IpAddressType", e["ip_address_type"]))
		}
		if v := b.str("minimum_compression_size"); v == "" || v == "-1" {
			b.used["minimum_compression_size"] = true // unset
		}
		if p := b.str("policy"); p != "" {
			b.set("Policy", b.get("policy"))
		}
	},
})

var _ = register("AWS::ApiGateway::Stage", &spec{
	rename: map[string]string{"xray_tracing_enabled": "TracingEnabled", "invoke_url": "", "execution_arn": "", "web_acl_arn": ""},
	ident: map[string]func(map[string]any) string{
		"RestApiId": attr("rest_api_id"),
		"StageName": attr("stage_name"),
	},
	build: func(b *builder) {
		if l := b.block("access_log_settings"); l != nil {
			b.set("AccessLogSetting", obj("DestinationArn", l["destination_arn"], "Format", l["format"]))
		}
		if c := b.block("canary_settings"); c != nil {
			b.set("CanarySetting", obj("DeploymentId", c["deployment_id"], "PercentTraffic", c["percent_traffic"],
				"StageVariableOverrides", c["stage_variable_overrides"], "UseStageCache", c["use_stage_cache"]))
		}
		if on, _ := b.a["cache_cluster_enabled"].(bool); !on {
			b.used["cache_cluster_size"] = true
		}
	},
})

var _ = register("AWS::CloudFront::Distribution", &spec{
	noAuto: true,
	ident:  map[string]func(map[string]any) string{"Id": attr("id")},
	build: func(b *builder) {
		dc := obj("Enabled", b.get("enabled"), "Comment", b.get("comment"), "Aliases", b.get("aliases"),
			"DefaultRootObject", b.get("default_root_object"), "HttpVersion", b.get("http_version"),
			"IPV6Enabled", b.get("is_ipv6_enabled"), "PriceClass", b.get("price_class"), "WebACLId", b.get("web_acl_id"))
		var origins []any
		for _, o := range b.blocks("origin") {
			var custom, s3 map[string]any
			if c := firstBlock(o, "custom_origin_config"); c != nil {
				custom = obj("HTTPPort", c["http_port"], "HTTPSPort", c["https_port"], "OriginProtocolPolicy", c["origin_protocol_policy"],
					"OriginSSLProtocols", c["origin_ssl_protocols"], "OriginReadTimeout", c["origin_read_timeout"],
					"OriginKeepaliveTimeout", c["origin_keepalive_timeout"])
			}
			if s := firstBlock(o, "s3_origin_config"); s != nil {
				s3 = obj("OriginAccessIdentity", s["origin_access_identity"])
				if s3 == nil {
					s3 = map[string]any{}
				}
			}
			var headers []any
			for _, h := range blocksOf(o["custom_header"]) {
				headers = append(headers, obj("HeaderName", h["name"], "HeaderValue", h["value"]))
			}
			origin := obj("Id", o["origin_id"], "DomainName", o["domain_name"], "OriginPath", o["origin_path"],
				"OriginAccessControlId", o["origin_access_control_id"], "ConnectionAttempts", o["connection_attempts"],
				"ConnectionTimeout", o["connection_timeout"], "CustomOriginConfig", custom, "OriginCustomHeaders", headers)
			if s3 != nil {
				origin["S3OriginConfig"] = s3
			}
			origins = append(origins, origin)
		}
		dc = merge(dc, obj("Origins", origins))
		if d := b.block("default_cache_behavior"); d != nil {
			dc = merge(dc, obj("DefaultCacheBehavior", cacheBehavior(d)))
		}
		var behaviors []any
		for _, c := range b.blocks("ordered_cache_behavior") {
			cb := cacheBehavior(c)
			cb["PathPattern"] = c["path_pattern"]
			behaviors = append(behaviors, cb)
		}
		dc = merge(dc, obj("CacheBehaviors", behaviors))
		if v := b.block("viewer_certificate"); v != nil {
			vc := obj("CloudFrontDefaultCertificate", v["cloudfront_default_certificate"])
			if on, _ := v["cloudfront_default_certificate"].(bool); !on {
				vc = merge(vc, obj("AcmCertificateArn", v["acm_certificate_arn"], "IamCertificateId", v["iam_certificate_id"],
					"SslSupportMethod", v["ssl_support_method"], "MinimumProtocolVersion", v["minimum_protocol_version"]))
			}
			dc = merge(dc, obj("ViewerCertificate", vc))
		}
		if r := b.block("restrictions"); r != nil {
			if g := firstBlock(r, "geo_restriction"); g != nil {
				dc = merge(dc, obj("Restrictions", obj("GeoRestriction", obj("RestrictionType", g["restriction_type"], "Locations", g["locations"]))))
			}
		}
		var errs []any
		for _, e := range b.blocks("custom_error_response") {
			er := obj("ErrorCode", e["error_code"], "ErrorCachingMinTTL", e["error_caching_min_ttl"], "ResponsePagePath", e["response_page_path"])
			if scalarString(e["response_code"]) != "0" {
				er = merge(er, obj("ResponseCode", e["response_code"]))
			}
			errs = append(errs, er)
		}
		dc = merge(dc, obj("CustomErrorResponses", errs))
		if l := b.block("logging_config"); l != nil {
			dc = merge(dc, obj("Logging", obj("Bucket", l["bucket"], "Prefix", l["prefix"], "IncludeCookies", l["include_cookies"])))
		}
		b.set("DistributionConfig", dc)
	},
})

func cacheBehavior(d map[string]any) map[string]any {
	cb := obj("TargetOriginId", d["target_origin_id"], "ViewerProtocolPolicy", d["viewer_protocol_policy"],
		"AllowedMethods", sortedStrings(d["allowed_methods"]), "CachedMethods", sortedStrings(d["cached_methods"]),
		"Compress", d["compress"], "CachePolicyId", d["cache_policy_id"], "OriginRequestPolicyId", d["origin_request_policy_id"],
		"ResponseHeadersPolicyId", d["response_headers_policy_id"], "RealtimeLogConfigArn", d["realtime_log_config_arn"],
		"FieldLevelEncryptionId", d["field_level_encryption_id"], "SmoothStreaming", d["smooth_streaming"])
	if scalarString(d["cache_policy_id"]) == "" {
		// Legacy cache settings apply only without a cache policy.
		cb = merge(cb, obj("DefaultTTL", d["default_ttl"], "MinTTL", d["min_ttl"], "MaxTTL", d["max_ttl"]))
		if f := firstBlock(d, "forwarded_values"); f != nil {
			var cookies map[string]any
			if c := firstBlock(f, "cookies"); c != nil {
				cookies = obj("Forward", c["forward"], "WhitelistedNames", c["whitelisted_names"])
			}
			cb = merge(cb, obj("ForwardedValues", obj("QueryString", f["query_string"], "Headers", f["headers"],
				"QueryStringCacheKeys", f["query_string_cache_keys"], "Cookies", cookies)))
		}
	}
	var fns []any
	for _, f := range blocksOf(d["function_association"]) {
		fns = append(fns, obj("EventType", f["event_type"], "FunctionARN", f["function_arn"]))
	}
	var lambdas []any
	for _, l := range blocksOf(d["lambda_function_association"]) {
		lambdas = append(lambdas, obj("EventType", l["event_type"], "LambdaFunctionARN", l["lambda_arn"], "IncludeBody", l["include_body"]))
	}
	return merge(cb, obj("FunctionAssociations", fns, "LambdaFunctionAssociations", lambdas))
}

func sortedStrings(v any) []any {
	l, _ := v.([]any)
	s := make([]string, 0, len(l))
	for _, e := range l {
		s = append(s, scalarString(e))
	}
	sort.Strings(s)
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}

var _ = register("AWS::ElasticLoadBalancing::LoadBalancer", &spec{
	noAuto: true,
	ident:  map[string]func(map[string]any) string{"LoadBalancerName": attr("name")},
	build: func(b *builder) {
		b.set("LoadBalancerName", b.str("name"))
		var ls []any
		for _, l := range b.blocks("listener") {
			// Terraform stores protocols as the API returns them, lower case.
			ls = append(ls, obj("InstancePort", l["instance_port"], "InstanceProtocol", strings.ToUpper(scalarString(l["instance_protocol"])),
				"LoadBalancerPort", l["lb_port"], "Protocol", strings.ToUpper(scalarString(l["lb_protocol"])), "SSLCertificateId", l["ssl_certificate_id"]))
		}
		b.set("Listeners", ls)
		if len(b.list("subnets")) > 0 {
			b.set("Subnets", b.get("subnets"))
		} else {
			b.set("AvailabilityZones", b.get("availability_zones"))
		}
		b.set("SecurityGroups", b.get("security_groups"))
		b.set("Instances", b.get("instances"))
		b.set("CrossZone", b.get("cross_zone_load_balancing"))
		if internal, _ := b.get("internal").(bool); internal {
			b.set("Scheme", "internal")
		}
		if h := b.block("health_check"); h != nil {
			b.set("HealthCheck", obj("Target", h["target"], "HealthyThreshold", h["healthy_threshold"],
				"UnhealthyThreshold", h["unhealthy_threshold"], "Interval", h["interval"], "Timeout", h["timeout"]))
		}
		if d, ok := b.get("connection_draining").(bool); ok {
			cd := obj("Enabled", d)
			if d {
				cd = merge(cd, obj("Timeout", b.get("connection_draining_timeout")))
			}
			b.set("ConnectionDrainingPolicy", cd)
		}
		b.set("ConnectionSettings", obj("IdleTimeout", b.get("idle_timeout")))
		if l := b.block("access_logs"); l != nil {
			b.set("AccessLoggingPolicy", obj("Enabled", l["enabled"], "S3BucketName", l["bucket"], "S3BucketPrefix", l["bucket_prefix"], "EmitInterval", l["interval"]))
		}
	},
})

var _ = register("AWS::ElasticLoadBalancingV2::LoadBalancer", &spec{
	noAuto: true,
	ident: map[string]func(map[string]any) string{
		"LoadBalancerArn": func(a map[string]any) string { return firstNonEmpty(scalarString(a["arn"]), scalarString(a["id"])) },
	},
	build: func(b *builder) {
		typ := orDefault(b.str("load_balancer_type"), "application")
		b.set("Name", b.str("name"))
		b.set("Type", typ)
		b.set("IpAddressType", b.str("ip_address_type"))
		if internal, ok := b.get("internal").(bool); ok {
			b.set("Scheme", map[bool]string{true: "internal", false: "internet-facing"}[internal])
		}
		b.set("SecurityGroups", b.get("security_groups"))
		explicit := false
		var maps []any
		for _, m := range b.blocks("subnet_mapping") {
			if scalarString(m["allocation_id"]) != "" || scalarString(m["private_ipv4_address"]) != "" || scalarString(m["ipv6_address"]) != "" {
				explicit = true
			}
			maps = append(maps, obj("SubnetId", m["subnet_id"], "AllocationId", m["allocation_id"],
				"PrivateIPv4Address", m["private_ipv4_address"], "IPv6Address", m["ipv6_address"]))
		}
		if explicit {
			b.set("SubnetMappings", maps)
		} else {
			b.set("Subnets", b.get("subnets"))
		}
		attrs := map[string]string{}
		put := func(key, attrName string) {
			if v := scalarString(b.get(attrName)); v != "" {
				attrs[key] = v
			}
		}
		put("deletion_protection.enabled", "enable_deletion_protection")
		put("load_balancing.cross_zone.enabled", "enable_cross_zone_load_balancing")
		if typ == "application" {
			put("idle_timeout.timeout_seconds", "idle_timeout")
			put("routing.http2.enabled", "enable_http2")
			put("routing.http.drop_invalid_header_fields.enabled", "drop_invalid_header_fields")
		}
		if l := b.block("access_logs"); l != nil {
			if v := scalarString(l["enabled"]); v != "" {
				attrs["access_logs.s3.enabled"] = v
			}
			if v := scalarString(l["bucket"]); v != "" {
				attrs["access_logs.s3.bucket"] = v
			}
			if v := scalarString(l["prefix"]); v != "" {
				attrs["access_logs.s3.prefix"] = v
			}
		}
		b.set("LoadBalancerAttributes", keyValues(attrs))
	},
})

func keyValues(m map[string]string) []any {
	var out []any
	for _, k := range sortedKeys(m) {
		out = append(out, map[string]any{"Key": k, "Value": m[k]})
	}
	return out
}

var _ = register("AWS::ElasticLoadBalancingV2::TargetGroup", &spec{
	noAuto: true,
	ident: map[string]func(map[string]any) string{
		"TargetGroupArn": func(a map[string]any) string { return firstNonEmpty(scalarString(a["arn"]), scalarString(a["id"])) },
	},
	build: func(b *builder) {
		typ := orDefault(b.str("target_type"), "instance")
		b.set("Name", b.str("name"))
		b.set("TargetType", typ)
		if typ != "lambda" {
			b.set("Port", b.get("port"))
			b.set("Protocol", b.get("protocol"))
			b.set("VpcId", b.get("vpc_id"))
			b.set("ProtocolVersion", b.get("protocol_version"))
			b.set("IpAddressType", b.get("ip_address_type"))
		}
		if h := b.block("health_check"); h != nil {
			b.set("HealthCheckEnabled", h["enabled"])
			b.set("HealthCheckIntervalSeconds", h["interval"])
			b.set("HealthCheckPath", h["path"])
			b.set("HealthCheckPort", h["port"])
			b.set("HealthCheckProtocol", h["protocol"])
			b.set("HealthCheckTimeoutSeconds", h["timeout"])
			b.set("HealthyThresholdCount", h["healthy_threshold"])
			b.set("UnhealthyThresholdCount", h["unhealthy_threshold"])
			if m := scalarString(h["matcher"]); m != "" {
				key := "HttpCode"
				if strings.HasPrefix(scalarString(b.a["protocol_version"]), "GRPC") {
					key = "GrpcCode"
				}
				b.set("Matcher", obj(key, m))
			}
		}
		attrs := map[string]string{}
		if v := b.str("deregistration_delay"); v != "" {
			attrs["deregistration_delay.timeout_seconds"] = v
		}
		if s := b.block("stickiness"); s != nil {
			if on, _ := s["enabled"].(bool); on {
				attrs["stickiness.enabled"] = "true"
				attrs["stickiness.type"] = scalarString(s["type"])
			}
		}
		b.set("TargetGroupAttributes", keyValues(attrs))
	},
})

var _ = register("AWS::EC2::NatGateway", &spec{
	rename: map[string]string{"private_ip": "PrivateIpAddress", "network_interface_id": "", "public_ip": "", "association_id": ""},
	ident:  map[string]func(map[string]any) string{"NatGatewayId": attr("id")},
	build: func(b *builder) {
		if b.str("secondary_private_ip_address_count") == "0" {
			b.used["secondary_private_ip_address_count"] = true
		}
		if b.str("connectivity_type") == "private" {
			b.used["allocation_id"] = true
		}
	},
})

var _ = register("AWS::Route53::HealthCheck", &spec{
	noAuto:  true,
	tagProp: "HealthCheckTags",
	ident:   map[string]func(map[string]any) string{"HealthCheckId": attr("id")},
	build: func(b *builder) {
		typ := b.str("type")
		c := obj("Type", typ, "Inverted", b.get("invert_healthcheck"))
		if typ == "CALCULATED" {
			c = merge(c, obj("ChildHealthChecks", b.get("child_healthchecks"), "HealthThreshold", b.get("child_health_threshold")))
		} else if typ == "CLOUDWATCH_METRIC" {
			c = merge(c, obj("AlarmIdentifier", obj("Name", b.get("cloudwatch_alarm_name"), "Region", b.get("cloudwatch_alarm_region")),
				"InsufficientDataHealthStatus", b.get("insufficient_data_health_status")))
		} else {
			c = merge(c, obj("IPAddress", b.get("ip_address"), "FullyQualifiedDomainName", b.get("fqdn"), "Port", b.get("port"),
				"ResourcePath", b.get("resource_path"), "RequestInterval", b.get("request_interval"),
				"FailureThreshold", b.get("failure_threshold"), "SearchString", b.get("search_string"),
				"MeasureLatency", b.get("measure_latency"), "Regions", b.get("regions")))
			if strings.HasPrefix(typ, "HTTPS") {
				c = merge(c, obj("EnableSNI", b.get("enable_sni")))
			}
		}
		b.set("HealthCheckConfig", c)
	},
})

var _ = register("AWS::Route53::HostedZone", &spec{
	noAuto:  true,
	tagProp: "HostedZoneTags",
	ident:   map[string]func(map[string]any) string{"Id": func(a map[string]any) string { return firstNonEmpty(scalarString(a["zone_id"]), scalarString(a["id"])) }},
	build: func(b *builder) {
		b.set("Name", b.str("name"))
		b.set("HostedZoneConfig", obj("Comment", b.str("comment")))
		var vpcs []any
		for _, v := range b.blocks("vpc") {
			vpcs = append(vpcs, obj("VPCId", v["vpc_id"], "VPCRegion", v["vpc_region"]))
		}
		b.set("VPCs", vpcs)
	},
})

var _ = register("AWS::SNS::Topic", &spec{
	rename: map[string]string{"name": "TopicName", "policy": "", "delivery_policy": "", "owner": "", "beginning_archive_time": "", "name_prefix": ""},
	ident:  map[string]func(map[string]any) string{"TopicArn": attr("arn")},
	build: func(b *builder) {
		if b.str("signature_version") == "0" {
			b.used["signature_version"] = true // 0: the service default
		}
	},
})

var _ = register("AWS::SQS::Queue", &spec{
	rename: map[string]string{
		"name": "QueueName", "max_message_size": "MaximumMessageSize", "message_retention_seconds": "MessageRetentionPeriod",
		"receive_wait_time_seconds": "ReceiveMessageWaitTimeSeconds", "visibility_timeout_seconds": "VisibilityTimeout",
		"policy": "", "url": "", "name_prefix": "",
	},
	ident: map[string]func(map[string]any) string{"QueueUrl": func(a map[string]any) string { return firstNonEmpty(scalarString(a["url"]), scalarString(a["id"])) }},
	build: func(b *builder) {
		if on, _ := b.a["fifo_queue"].(bool); !on {
			// FIFO-only settings Terraform keeps with defaults on standard queues.
			b.used["deduplication_scope"] = true
			b.used["fifo_throughput_limit"] = true
			b.used["content_based_deduplication"] = true
		}
		if b.str("kms_master_key_id") == "" {
			b.used["kms_data_key_reuse_period_seconds"] = true
		}
	},
})

var _ = register("AWS::Events::Rule", &spec{
	rename: map[string]string{"is_enabled": "", "name_prefix": "", "force_destroy": ""},
	ident:  map[string]func(map[string]any) string{"Arn": attr("arn")},
	build: func(b *builder) {
		if b.str("state") == "" {
			// Provider versions before v5.x recorded is_enabled instead of state.
			if on, ok := b.a["is_enabled"].(bool); ok {
				b.set("State", map[bool]string{true: "ENABLED", false: "DISABLED"}[on])
			}
		}
	},
})

var _ = register("AWS::IAM::Role", &spec{
	rename: map[string]string{"name": "RoleName", "assume_role_policy": "AssumeRolePolicyDocument", "force_detach_policies": "",
		"unique_id": "", "create_date": "", "name_prefix": ""},
	ident: map[string]func(map[string]any) string{"RoleName": attr("name")},
	build: func(b *builder) {
		var pols []any
		for _, p := range b.blocks("inline_policy") {
			if scalarString(p["name"]) != "" {
				pols = append(pols, obj("PolicyName", p["name"], "PolicyDocument", p["policy"]))
			}
		}
		b.set("Policies", pols)
	},
})
