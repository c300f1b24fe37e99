package dynatracetest

import "time"

// CPUSaturation builds an open CPU_SATURATION problem on one host, shaped
// like the problem of the self-healing seed: infrastructure impact, resource
// contention, the host as impacted, affected and root-cause entity.
func CPUSaturation(problemID, displayID, hostID, hostName string) Problem {
	host := Stub(hostID, hostName)
	start := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC).UnixMilli()
	return Problem{
		ProblemID:        problemID,
		DisplayID:        displayID,
		Title:            "CPU saturation",
		ImpactLevel:      "INFRASTRUCTURE",
		SeverityLevel:    "RESOURCE_CONTENTION",
		Status:           "OPEN",
		StartTime:        start,
		EndTime:          -1,
		AffectedEntities: []EntityStub{host},
		ImpactedEntities: []EntityStub{host},
		RootCauseEntity:  &host,
		ManagementZones:  []ManagementZone{{ID: "4213553393911249283", Name: "production"}},
		EntityTags:       []Tag{NewTag("CONTEXTLESS", "env", "prod")},
		ProblemFilters:   []ManagementZone{},
		EvidenceDetails: &EvidenceDetails{Details: []Evidence{{
			EvidenceType:      "EVENT",
			DisplayName:       "CPU saturation",
			Entity:            host,
			GroupingEntity:    &host,
			RootCauseRelevant: true,
			StartTime:         start,
			EventID:           "-5353216374212346789_" + problemID,
			EventType:         "CPU_SATURATION",
		}}},
	}
}

// EC2Host builds a HOST entity monitored by OneAgent on an EC2 instance,
// with the properties Dynatrace reports for one (awsInstanceId,
// awsInstanceType, cloudType …) and the instance's AWS tags imported.
func EC2Host(hostID, name, instanceID, instanceType string, awsTags map[string]string) Entity {
	e := Entity{
		EntityID:     hostID,
		Type:         "HOST",
		DisplayName:  name,
		FirstSeenTms: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).UnixMilli(),
		LastSeenTms:  time.Date(2026, 11, 21, 9, 5, 0, 0, time.UTC).UnixMilli(),
		Properties: map[string]any{
			"awsInstanceId":   instanceID,
			"awsInstanceType": instanceType,
			"awsNameTag":      name,
			"cloudType":       "EC2",
			"osType":          "LINUX",
			"cpuCores":        2,
			"monitoringMode":  "FULL_STACK",
			"ipAddress":       []string{"10.0.1.23"},
		},
		Tags:            []Tag{},
		ManagementZones: []ManagementZone{{ID: "4213553393911249283", Name: "production"}},
		FromRelationships: map[string][]EntityID{
			"runsOn": {{ID: "EC2_INSTANCE-" + hostID[len("HOST-"):], Type: "EC2_INSTANCE"}},
		},
	}
	for k, v := range awsTags {
		e.Tags = append(e.Tags, NewTag("AWS", k, v))
	}
	return e
}
