package dynatrace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/problem"
)

// Property names Dynatrace uses for the cloud instance behind a HOST (and on
// EC2_INSTANCE entities). Entity copies them as they are and fills
// PropAWSInstanceID from an EC2 ARN when only "arn" is present.
const (
	PropAWSInstanceID   = "awsInstanceId"
	PropAWSInstanceType = "awsInstanceType"
	PropARN             = "arn"
	PropCloudType       = "cloudType"
)

type wireEntity struct {
	EntityID          string                     `json:"entityId"`
	Type              string                     `json:"type"`
	DisplayName       string                     `json:"displayName"`
	Properties        map[string]json.RawMessage `json:"properties"`
	Tags              []meTag                    `json:"tags"`
	FromRelationships map[string][]entityID      `json:"fromRelationships"`
}

// RelationshipPrefix prefixes the properties Entity adds for an entity's
// outgoing relationships: "rel.runsOn" lists what a HOST runs on (e.g. an
// EC2_INSTANCE entity id), comma-separated.
const RelationshipPrefix = "rel."

// Entity returns a monitored entity's properties and tags.
func (c *Client) Entity(ctx context.Context, id string) (problem.Entity, error) {
	if err := checkID("entity id", id); err != nil {
		return problem.Entity{}, err
	}
	body, err := c.do(ctx, request{
		method: http.MethodGet,
		call:   "GET /api/v2/entities/{entityId}",
		// Without "fields" Dynatrace returns every property, tag and
		// relationship of the entity.
		path: "/api/v2/entities/" + id,
	})
	if err != nil {
		return problem.Entity{}, fmt.Errorf("get entity %q: %w", id, err)
	}
	e, err := ParseEntity(body)
	if err != nil {
		return problem.Entity{}, fmt.Errorf("get entity %q: %w", id, err)
	}
	return e, nil
}

// ParseEntity decodes a Monitored entities API v2 entity. Properties are
// flattened to strings: strings as they are, numbers and booleans in their
// JSON form, lists of scalars comma-separated, anything else as JSON;
// null properties are left out.
func ParseEntity(body []byte) (problem.Entity, error) {
	var w wireEntity
	if err := json.Unmarshal(body, &w); err != nil {
		return problem.Entity{}, fmt.Errorf("decode entity: %w", err)
	}
	if w.EntityID == "" {
		return problem.Entity{}, errors.New("decode entity: entityId is missing")
	}
	e := problem.Entity{ID: w.EntityID, Type: w.Type, Name: w.DisplayName, Tags: tagMap(w.Tags)}
	if len(w.Properties) > 0 || len(w.FromRelationships) > 0 {
		e.Properties = make(map[string]string, len(w.Properties)+len(w.FromRelationships))
	}
	for k, raw := range w.Properties {
		if string(raw) == "null" {
			continue
		}
		e.Properties[k] = flatten(raw)
	}
	for rel, ids := range w.FromRelationships {
		list := make([]string, 0, len(ids))
		for _, id := range ids {
			list = append(list, id.ID)
		}
		sort.Strings(list)
		e.Properties[RelationshipPrefix+rel] = strings.Join(list, ",")
	}
	if e.Properties[PropAWSInstanceID] == "" {
		if id := InstanceIDFromARN(e.Properties[PropARN]); id != "" {
			e.Properties[PropAWSInstanceID] = id
		}
	}
	return e, nil
}

// InstanceIDFromARN returns the instance id of an EC2 instance ARN
// (arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc…), or "".
func InstanceIDFromARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "ec2" {
		return ""
	}
	id, ok := strings.CutPrefix(parts[5], "instance/")
	if !ok || !strings.HasPrefix(id, "i-") {
		return ""
	}
	return id
}

func flatten(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		parts := make([]string, 0, len(list))
		for _, item := range list {
			var v any
			if json.Unmarshal(item, &v) != nil {
				return string(raw)
			}
			switch v := v.(type) {
			case string:
				parts = append(parts, v)
			case float64, bool:
				parts = append(parts, string(item))
			default:
				return string(raw)
			}
		}
		return strings.Join(parts, ",")
	}
	var num json.Number
	if json.Unmarshal(raw, &num) == nil {
		return num.String()
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return strconv.FormatBool(b)
	}
	return string(raw)
}
