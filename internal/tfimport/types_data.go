package tfimport

import "encoding/json"

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

var _ = register("AWS::DynamoDB::Table", &spec{
	noAuto: true,
	ident:  map[string]func(map[string]any) string{"TableName": attr("name")},
	build: func(b *builder) {
		b.set("TableName", b.str("name"))
		b.set("BillingMode", b.str("billing_mode"))
		b.set("TableClass", b.str("table_class"))
		b.set("DeletionProtectionEnabled", b.get("deletion_protection_enabled"))
		key := func(hash, rng any) []any {
			ks := []any{map[string]any{"AttributeName": hash, "KeyType": "HASH"}}
			if !empty(rng) {
				ks = append(ks, map[string]any{"AttributeName": rng, "KeyType": "RANGE"})
			}
			return ks
		}
		if h := b.str("hash_key"); h != "" {
			b.set("KeySchema", key(h, b.get("range_key")))
		}
		var attrs []any
		for _, a := range b.blocks("attribute") {
			attrs = append(attrs, obj("AttributeName", a["name"], "AttributeType", a["type"]))
		}
		b.set("AttributeDefinitions", attrs)
		provisioned := b.str("billing_mode") == "PROVISIONED"
		if provisioned {
			b.set("ProvisionedThroughput", obj("ReadCapacityUnits", b.get("read_capacity"), "WriteCapacityUnits", b.get("write_capacity")))
		}
		var gsis []any
		for _, g := range b.blocks("global_secondary_index") {
			gsi := obj("IndexName", g["name"], "KeySchema", key(g["hash_key"], g["range_key"]),
				"Projection", obj("ProjectionType", g["projection_type"], "NonKeyAttributes", g["non_key_attributes"]))
			if provisioned {
				gsi["ProvisionedThroughput"] = obj("ReadCapacityUnits", g["read_capacity"], "WriteCapacityUnits", g["write_capacity"])
			}
			gsis = append(gsis, gsi)
		}
		b.set("GlobalSecondaryIndexes", gsis)
		var lsis []any
		for _, l := range b.blocks("local_secondary_index") {
			lsis = append(lsis, obj("IndexName", l["name"], "KeySchema", key(b.str("hash_key"), l["range_key"]),
				"Projection", obj("ProjectionType", l["projection_type"], "NonKeyAttributes", l["non_key_attributes"])))
		}
		b.set("LocalSecondaryIndexes", lsis)
		if on, _ := b.get("stream_enabled").(bool); on {
			b.set("StreamSpecification", obj("StreamViewType", b.get("stream_view_type")))
		}
		if t := b.block("ttl"); t != nil && scalarString(t["attribute_name"]) != "" {
			b.set("TimeToLiveSpecification", obj("AttributeName", t["attribute_name"], "Enabled", t["enabled"]))
		}
		if p := b.block("point_in_time_recovery"); p != nil {
			b.set("PointInTimeRecoverySpecification", obj("PointInTimeRecoveryEnabled", p["enabled"]))
		}
		if s := b.block("server_side_encryption"); s != nil {
			spec := obj("SSEEnabled", s["enabled"])
			if on, _ := s["enabled"].(bool); on {
				spec = merge(spec, obj("SSEType", "KMS", "KMSMasterKeyId", s["kms_key_arn"]))
			}
			b.set("SSESpecification", spec)
		}
	},
})

var _ = register("AWS::RDS::DBInstance", &spec{
	rename: map[string]string{
		"identifier": "DBInstanceIdentifier", "instance_class": "DBInstanceClass", "username": "MasterUsername",
		"db_name": "DBName", "name": "DBName", "parameter_group_name": "DBParameterGroupName",
		"vpc_security_group_ids": "VPCSecurityGroups", "backup_window": "PreferredBackupWindow",
		"maintenance_window": "PreferredMaintenanceWindow", "performance_insights_enabled": "EnablePerformanceInsights",
		"performance_insights_kms_key_id": "PerformanceInsightsKMSKeyId", "enabled_cloudwatch_logs_exports": "EnableCloudwatchLogsExports",
		"iam_database_authentication_enabled": "EnableIAMDatabaseAuthentication", "ca_cert_identifier": "CACertificateIdentifier",
		"cluster_identifier": "DBClusterIdentifier", "replicate_source_db": "SourceDBInstanceIdentifier",
		"apply_immediately": "", "skip_final_snapshot": "", "final_snapshot_identifier": "", "delete_automated_backups": "",
		"allow_major_version_upgrade": "", "blue_green_update": "", "resource_id": "", "status": "", "address": "",
		"endpoint": "", "hosted_zone_id": "", "latest_restorable_time": "", "domain": "",
		"identifier_prefix": "", "snapshot_identifier": "",
	},
	secrets: map[string]string{"password": "MasterUserPassword"},
	// aws_db_instance.id is the DbiResourceId since provider v5: use identifier.
	ident: map[string]func(map[string]any) string{"DBInstanceIdentifier": attr("identifier")},
	build: func(b *builder) {
		if b.str("cluster_identifier") != "" {
			// Aurora instances take storage, credentials and backups from the cluster.
			for _, k := range []string{"allocated_storage", "max_allocated_storage", "storage_type", "storage_encrypted", "kms_key_id",
				"username", "db_name", "backup_retention_period", "backup_window", "vpc_security_group_ids", "iops",
				"storage_throughput", "multi_az", "deletion_protection", "copy_tags_to_snapshot", "port", "license_model"} {
				b.used[k] = true
			}
		}
		if multi, _ := b.a["multi_az"].(bool); multi {
			b.used["availability_zone"] = true // a Multi-AZ instance may not name one
		}
		if b.str("max_allocated_storage") == "0" {
			b.used["max_allocated_storage"] = true // 0: storage autoscaling off
		}
		if b.str("iops") == "0" {
			b.used["iops"] = true // 0: no provisioned IOPS
		}
		if b.str("storage_throughput") == "0" {
			b.used["storage_throughput"] = true
		}
		if on, _ := b.a["performance_insights_enabled"].(bool); !on {
			b.used["performance_insights_retention_period"] = true
			b.used["performance_insights_kms_key_id"] = true
		}
		if b.str("monitoring_interval") == "0" {
			b.used["monitoring_role_arn"] = true
		}
		if b.str("snapshot_identifier") != "" {
			b.note("restored from snapshot %s; DBSnapshotIdentifier left out (import does not restore)", b.str("snapshot_identifier"))
		}
	},
})

var _ = register("AWS::RDS::DBCluster", &spec{
	rename: map[string]string{
		"cluster_identifier": "DBClusterIdentifier", "enabled_cloudwatch_logs_exports": "EnableCloudwatchLogsExports",
		"iam_database_authentication_enabled": "EnableIAMDatabaseAuthentication", "preferred_backup_window": "PreferredBackupWindow",
		"db_instance_parameter_group_name": "", "apply_immediately": "", "skip_final_snapshot": "", "final_snapshot_identifier": "",
		"cluster_resource_id": "", "endpoint": "", "reader_endpoint": "", "hosted_zone_id": "", "cluster_members": "",
		"snapshot_identifier": "", "allow_major_version_upgrade": "", "cluster_identifier_prefix": "", "delete_automated_backups": "",
		"master_user_secret": "",
	},
	secrets: map[string]string{"master_password": "MasterUserPassword"},
	ident:   map[string]func(map[string]any) string{"DBClusterIdentifier": attr("cluster_identifier")},
	build: func(b *builder) {
		if s := b.block("serverlessv2_scaling_configuration"); s != nil {
			b.set("ServerlessV2ScalingConfiguration", obj("MinCapacity", s["min_capacity"], "MaxCapacity", s["max_capacity"]))
		}
		for _, k := range []string{"iops", "allocated_storage", "backtrack_window", "monitoring_interval"} {
			if b.str(k) == "0" {
				b.used[k] = true // 0: unset
			}
		}
	},
})

var _ = register("AWS::Redshift::Cluster", &spec{
	rename: map[string]string{
		"database_name": "DBName", "skip_final_snapshot": "", "final_snapshot_identifier": "", "dns_name": "",
		"endpoint": "", "cluster_nodes": "", "cluster_revision_number": "", "cluster_namespace_arn": "",
		"master_password_secret_arn": "", "snapshot_identifier": "", "default_iam_role_arn": "", "cluster_public_key": "",
		"apply_immediately": "", "aqua_configuration_status": "",
	},
	secrets: map[string]string{"master_password": "MasterUserPassword"},
	ident:   map[string]func(map[string]any) string{"ClusterIdentifier": attr("cluster_identifier")},
	build: func(b *builder) {
		if l := b.block("logging"); l != nil {
			if on, _ := l["enable"].(bool); on {
				b.set("LoggingProperties", obj("BucketName", l["bucket_name"], "S3KeyPrefix", l["s3_key_prefix"],
					"LogDestinationType", l["log_destination_type"], "LogExports", l["log_exports"]))
			}
		}
	},
})

var _ = register("AWS::ElastiCache::CacheCluster", &spec{
	rename: map[string]string{
		"cluster_id": "ClusterName", "node_type": "CacheNodeType", "parameter_group_name": "CacheParameterGroupName",
		"subnet_group_name": "CacheSubnetGroupName", "security_group_ids": "VpcSecurityGroupIds", "az_mode": "AZMode",
		"maintenance_window": "PreferredMaintenanceWindow", "availability_zone": "PreferredAvailabilityZone",
		"apply_immediately": "", "final_snapshot_identifier": "", "cluster_address": "", "configuration_endpoint": "",
		"engine_version_actual": "", "cache_nodes": "", "replication_group_id": "",
	},
	ident: map[string]func(map[string]any) string{"ClusterName": attr("cluster_id")},
	skipIf: func(a map[string]any) string {
		if g := scalarString(a["replication_group_id"]); g != "" {
			return "member cluster of replication group " + g + "; import the aws_elasticache_replication_group instead"
		}
		return ""
	},
	build: func(b *builder) {
		var ldc []any
		for _, l := range b.blocks("log_delivery_configuration") {
			ldc = append(ldc, obj("LogType", l["log_type"], "LogFormat", l["log_format"], "DestinationType", l["destination_type"],
				"DestinationDetails", logDestination(l)))
		}
		b.set("LogDeliveryConfigurations", ldc)
	},
})

func logDestination(l map[string]any) map[string]any {
	switch scalarString(l["destination_type"]) {
	case "cloudwatch-logs":
		return obj("CloudWatchLogsDetails", obj("LogGroup", l["destination"]))
	case "kinesis-firehose":
		return obj("KinesisFirehoseDetails", obj("DeliveryStream", l["destination"]))
	}
	return nil
}

var _ = register("AWS::ElastiCache::ReplicationGroup", &spec{
	rename: map[string]string{
		"description": "ReplicationGroupDescription", "replication_group_description": "ReplicationGroupDescription",
		"node_type": "CacheNodeType", "parameter_group_name": "CacheParameterGroupName", "subnet_group_name": "CacheSubnetGroupName",
		"security_group_ids": "SecurityGroupIds", "maintenance_window": "PreferredMaintenanceWindow",
		"multi_az_enabled": "MultiAZEnabled", "engine_version": "EngineVersion", "num_cache_clusters": "NumCacheClusters",
		"apply_immediately": "", "final_snapshot_identifier": "", "member_clusters": "", "primary_endpoint_address": "",
		"reader_endpoint_address": "", "configuration_endpoint_address": "", "engine_version_actual": "",
		"auth_token_update_strategy": "", "cluster_enabled": "", "global_replication_group_id": "",
	},
	secrets: map[string]string{"auth_token": "AuthToken"},
	ident:   map[string]func(map[string]any) string{"ReplicationGroupId": attr("replication_group_id")},
	build: func(b *builder) {
		var ldc []any
		for _, l := range b.blocks("log_delivery_configuration") {
			ldc = append(ldc, obj("LogType", l["log_type"], "LogFormat", l["log_format"], "DestinationType", l["destination_type"],
				"DestinationDetails", logDestination(l)))
		}
		b.set("LogDeliveryConfigurations", ldc)
	},
})

var _ = register("AWS::S3::Bucket", &spec{
	noAuto: true,
	ident:  map[string]func(map[string]any) string{"BucketName": attr("bucket")},
	build: func(b *builder) {
		b.set("BucketName", b.str("bucket"))
		b.set("ObjectLockEnabled", b.get("object_lock_enabled"))
		if v := b.block("versioning"); v != nil {
			if on, _ := v["enabled"].(bool); on {
				b.set("VersioningConfiguration", obj("Status", "Enabled"))
			}
		}
		if s := b.block("server_side_encryption_configuration"); s != nil {
			var rules []any
			for _, r := range blocksOf(s["rule"]) {
				d := firstBlock(r, "apply_server_side_encryption_by_default")
				rules = append(rules, obj("BucketKeyEnabled", r["bucket_key_enabled"],
					"ServerSideEncryptionByDefault", obj("SSEAlgorithm", d["sse_algorithm"], "KMSMasterKeyID", d["kms_master_key_id"])))
			}
			b.set("BucketEncryption", obj("ServerSideEncryptionConfiguration", rules))
		}
	},
})

var _ = register("AWS::Kinesis::Stream", &spec{
	rename: map[string]string{"retention_period": "RetentionPeriodHours", "shard_level_metrics": "DesiredShardLevelMetrics",
		"encryption_type": "", "kms_key_id": "", "enforce_consumer_deletion": ""},
	ident: map[string]func(map[string]any) string{"Name": attr("name")},
	build: func(b *builder) {
		mode := ""
		if m := b.block("stream_mode_details"); m != nil {
			mode = scalarString(m["stream_mode"])
			b.set("StreamModeDetails", obj("StreamMode", mode))
		}
		if mode == "ON_DEMAND" {
			b.used["shard_count"] = true // shards are managed by AWS
		}
		if b.str("encryption_type") == "KMS" {
			b.set("StreamEncryption", obj("EncryptionType", "KMS", "KeyId", b.get("kms_key_id")))
		}
	},
})

// searchDomain builds the options an Elasticsearch or OpenSearch domain share.
func searchDomain(b *builder, clusterProp string) {
	if c := b.block("cluster_config"); c != nil {
		cc := obj("InstanceType", c["instance_type"], "InstanceCount", c["instance_count"],
			"DedicatedMasterEnabled", c["dedicated_master_enabled"], "ZoneAwarenessEnabled", c["zone_awareness_enabled"],
			"WarmEnabled", c["warm_enabled"])
		if on, _ := c["dedicated_master_enabled"].(bool); on {
			cc = merge(cc, obj("DedicatedMasterType", c["dedicated_master_type"], "DedicatedMasterCount", c["dedicated_master_count"]))
		}
		if on, _ := c["zone_awareness_enabled"].(bool); on {
			if z := firstBlock(c, "zone_awareness_config"); z != nil {
				cc = merge(cc, obj("ZoneAwarenessConfig", obj("AvailabilityZoneCount", z["availability_zone_count"])))
			}
		}
		if on, _ := c["warm_enabled"].(bool); on {
			cc = merge(cc, obj("WarmType", c["warm_type"], "WarmCount", c["warm_count"]))
		}
		b.set(clusterProp, cc)
	}
	if e := b.block("ebs_options"); e != nil {
		eo := obj("EBSEnabled", e["ebs_enabled"])
		if on, _ := e["ebs_enabled"].(bool); on {
			eo = merge(eo, obj("VolumeSize", e["volume_size"], "VolumeType", e["volume_type"]))
			if scalarString(e["iops"]) != "0" {
				eo = merge(eo, obj("Iops", e["iops"]))
			}
			if scalarString(e["throughput"]) != "0" && scalarString(e["throughput"]) != "" && clusterProp == "ClusterConfig" {
				eo = merge(eo, obj("Throughput", e["throughput"]))
			}
		}
		b.set("EBSOptions", eo)
	}
	if e := b.block("encrypt_at_rest"); e != nil {
		b.set("EncryptionAtRestOptions", obj("Enabled", e["enabled"], "KmsKeyId", e["kms_key_id"]))
	}
	if n := b.block("node_to_node_encryption"); n != nil {
		b.set("NodeToNodeEncryptionOptions", obj("Enabled", n["enabled"]))
	}
	if s := b.block("snapshot_options"); s != nil {
		b.set("SnapshotOptions", obj("AutomatedSnapshotStartHour", s["automated_snapshot_start_hour"]))
	}
	if v := b.block("vpc_options"); v != nil {
		b.set("VPCOptions", obj("SubnetIds", v["subnet_ids"], "SecurityGroupIds", v["security_group_ids"]))
	}
	if d := b.block("domain_endpoint_options"); d != nil {
		b.set("DomainEndpointOptions", obj("EnforceHTTPS", d["enforce_https"], "TLSSecurityPolicy", d["tls_security_policy"],
			"CustomEndpointEnabled", d["custom_endpoint_enabled"], "CustomEndpoint", d["custom_endpoint"],
			"CustomEndpointCertificateArn", d["custom_endpoint_certificate_arn"]))
	}
	var logs = map[string]any{}
	for _, l := range b.blocks("log_publishing_options") {
		if t := scalarString(l["log_type"]); t != "" {
			logs[t] = obj("CloudWatchLogsLogGroupArn", l["cloudwatch_log_group_arn"], "Enabled", l["enabled"])
		}
	}
	b.set("LogPublishingOptions", logs)
	b.set("AccessPolicies", b.get("access_policies"))
	b.set("AdvancedOptions", b.get("advanced_options"))
}

var _ = register("AWS::Elasticsearch::Domain", &spec{
	noAuto: true,
	ident:  map[string]func(map[string]any) string{"DomainName": attr("domain_name")},
	build: func(b *builder) {
		b.set("DomainName", b.str("domain_name"))
		b.set("ElasticsearchVersion", b.str("elasticsearch_version"))
		searchDomain(b, "ElasticsearchClusterConfig")
	},
})

var _ = register("AWS::OpenSearchService::Domain", &spec{
	noAuto: true,
	ident:  map[string]func(map[string]any) string{"DomainName": attr("domain_name")},
	build: func(b *builder) {
		b.set("DomainName", b.str("domain_name"))
		b.set("EngineVersion", b.str("engine_version"))
		b.set("IPAddressType", b.str("ip_address_type"))
		searchDomain(b, "ClusterConfig")
	},
})

var _ = register("AWS::Logs::LogGroup", &spec{
	rename: map[string]string{"name": "LogGroupName", "skip_destroy": "", "name_prefix": ""},
	ident:  map[string]func(map[string]any) string{"LogGroupName": attr("name")},
	build: func(b *builder) {
		if b.str("retention_in_days") == "0" {
			b.used["retention_in_days"] = true // 0: never expire, CloudFormation's default
		}
	},
})
