package events

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// cloudTrailRecord is the part of a CloudTrail record tend reads
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
type cloudTrailRecord struct {
	EventVersion string `json:"eventVersion"`
	EventID      string `json:"eventID"`
	EventTime    string `json:"eventTime"`
	EventSource  string `json:"eventSource"`
	EventName    string `json:"eventName"`
	AWSRegion    string `json:"awsRegion"`
	// ErrorCode is set when the call failed: nothing changed.
	ErrorCode    string `json:"errorCode"`
	ReadOnly     *bool  `json:"readOnly"`
	Account      string `json:"recipientAccountId"`
	UserIdentity struct {
		Type        string `json:"type"`
		ARN         string `json:"arn"`
		UserName    string `json:"userName"`
		PrincipalID string `json:"principalId"`
	} `json:"userIdentity"`
	RequestParameters map[string]any `json:"requestParameters"`
	ResponseElements  map[string]any `json:"responseElements"`
	Resources         []struct {
		ARN  string `json:"ARN"`
		Type string `json:"type"`
	} `json:"resources"`
}

// eventBridge is EventBridge's envelope of a CloudTrail record
// (detail-type "AWS API Call via CloudTrail").
type eventBridge struct {
	Version    string           `json:"version"`
	ID         string           `json:"id"`
	DetailType string           `json:"detail-type"`
	Source     string           `json:"source"`
	Account    string           `json:"account"`
	Time       string           `json:"time"`
	Region     string           `json:"region"`
	Resources  []string         `json:"resources"`
	Detail     cloudTrailRecord `json:"detail"`
}

// ParseCloudTrail reads CloudTrail records: one EventBridge event (as an
// API destination or a rule's HTTP target delivers it), an array of them,
// a bare record, or a CloudTrail log file ({"Records": [...]}). Read-only
// calls and failed calls changed nothing and are skipped; the result may
// be empty.
func ParseCloudTrail(body []byte, scope Scope, now time.Time) ([]store.Event, error) {
	body = bytes.TrimSpace(body)
	var recs []cloudTrailRecord
	var fields []string
	switch {
	case len(body) > 0 && body[0] == '[':
		var list []eventBridge
		if err := looseJSON(body, &list); err != nil {
			return nil, err
		}
		for i, e := range list {
			r, err := fromEnvelope(e, fmt.Sprintf("[%d]", i))
			if err != nil {
				return nil, err
			}
			recs, fields = append(recs, r), append(fields, fmt.Sprintf("[%d].detail", i))
		}
	default:
		var probe struct {
			Records    []cloudTrailRecord `json:"Records"`
			DetailType string             `json:"detail-type"`
		}
		if err := looseJSON(body, &probe); err != nil {
			return nil, err
		}
		switch {
		case probe.Records != nil:
			recs = probe.Records
			for i := range recs {
				fields = append(fields, fmt.Sprintf("Records[%d]", i))
			}
		case probe.DetailType != "":
			var e eventBridge
			if err := looseJSON(body, &e); err != nil {
				return nil, err
			}
			r, err := fromEnvelope(e, "")
			if err != nil {
				return nil, err
			}
			recs, fields = []cloudTrailRecord{r}, []string{"detail"}
		default:
			var r cloudTrailRecord
			if err := looseJSON(body, &r); err != nil {
				return nil, err
			}
			recs, fields = []cloudTrailRecord{r}, []string{""}
		}
	}
	if len(recs) > MaxPerRequest {
		return nil, fieldErr("", "at most %d records per request (got %d)", MaxPerRequest, len(recs))
	}
	out := []store.Event{}
	for i, r := range recs {
		f := fields[i]
		at := func(name string) string {
			if f == "" {
				return name
			}
			return f + "." + name
		}
		if r.EventName == "" {
			return nil, fieldErr(at("eventName"), "is required (a CloudTrail record's API action, such as UpdateFunctionCode20150331v2)")
		}
		if r.EventTime == "" {
			return nil, fieldErr(at("eventTime"), "is required")
		}
		t, err := time.Parse(time.RFC3339, r.EventTime)
		if err != nil {
			return nil, fieldErr(at("eventTime"), "%q is not a time such as 2026-11-21T15:04:05Z", r.EventTime)
		}
		if r.ErrorCode != "" || (r.ReadOnly != nil && *r.ReadOnly) || readOnlyAction(r.EventName) {
			continue
		}
		ev := store.Event{Key: r.EventID, Time: t, Source: "cloudtrail", EventSource: r.EventSource, Name: apiName(r.EventName),
			Actor: actorOf(r), Account: r.Account, Region: r.AWSRegion, Resources: cloudTrailResources(r),
			Details: map[string]string{"eventName": r.EventName}}
		scope.apply(&ev)
		if err := finish(&ev, f, now); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

func fromEnvelope(e eventBridge, field string) (cloudTrailRecord, error) {
	if e.DetailType != "AWS API Call via CloudTrail" {
		f := "detail-type"
		if field != "" {
			f = field + ".detail-type"
		}
		return cloudTrailRecord{}, fieldErr(f, "%q is not \"AWS API Call via CloudTrail\": route only CloudTrail API calls to this endpoint", e.DetailType)
	}
	r := e.Detail
	if r.EventTime == "" {
		r.EventTime = e.Time
	}
	if r.AWSRegion == "" {
		r.AWSRegion = e.Region
	}
	if r.Account == "" {
		r.Account = e.Account
	}
	if r.EventID == "" {
		r.EventID = e.ID
	}
	return r, nil
}

// apiName drops the API version CloudTrail appends to some Lambda actions
// (UpdateFunctionCode20150331v2 → UpdateFunctionCode).
func apiName(n string) string {
	i := len(n)
	for i > 0 && (n[i-1] >= '0' && n[i-1] <= '9' || n[i-1] == 'v') {
		i--
	}
	if i < len(n) && len(n)-i >= 8 {
		return n[:i]
	}
	return n
}

// readOnlyAction: records without readOnly still say it by their name.
func readOnlyAction(n string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Head", "Lookup", "BatchGet", "Select"} {
		if strings.HasPrefix(n, p) && len(n) > len(p) && n[len(p)] >= 'A' && n[len(p)] <= 'Z' {
			return true
		}
	}
	return false
}

func actorOf(r cloudTrailRecord) string {
	switch {
	case r.UserIdentity.UserName != "":
		return r.UserIdentity.UserName
	case r.UserIdentity.ARN != "":
		return r.UserIdentity.ARN
	}
	return r.UserIdentity.PrincipalID
}

// cloudTrailResources names what the call touched: its resources list,
// and the identifiers request parameters and response elements carry
// (function names and ARNs, instance ids, stack names, tables).
func cloudTrailResources(r cloudTrailRecord) []store.EventResource {
	var out []store.EventResource
	seen := map[string]int{} // type|name → index
	add := func(typ, id, name string) {
		if id == "" && name == "" {
			return
		}
		key := typ + "|" + name
		if name == "" {
			key = typ + "|" + id
		}
		if i, ok := seen[key]; ok {
			if out[i].ID == "" {
				out[i].ID = id
			}
			return
		}
		if len(out) >= maxResources {
			return
		}
		seen[key] = len(out)
		out = append(out, store.EventResource{Type: typ, ID: id, Name: name})
	}
	for _, x := range r.Resources {
		add(x.Type, x.ARN, arnName(x.ARN))
	}
	str := func(m map[string]any, k string) string {
		if v, ok := m[k].(string); ok && len(v) <= maxText {
			return v
		}
		return ""
	}
	for _, m := range []map[string]any{r.RequestParameters, r.ResponseElements} {
		if fn := str(m, "functionName"); fn != "" {
			add("function", arnOr(fn, str(m, "functionArn")), arnName(fn))
		}
		if s := str(m, "stackName"); s != "" {
			add("stack", arnOr(s, str(m, "stackId")), arnName(s))
		}
		if s := str(m, "tableName"); s != "" {
			add("table", "", s)
		}
		if s := str(m, "instanceId"); s != "" {
			add("host", s, s)
		}
		if s := str(m, "dBInstanceIdentifier"); s != "" {
			add("database", "", s)
		}
		if s := str(m, "name"); s != "" && strings.HasPrefix(r.EventSource, "ssm.") {
			add("parameter", "", s)
		}
		if s := str(m, "bucketName"); s != "" {
			add("bucket", "", s)
		}
		if s := str(m, "roleName"); s != "" {
			add("role", "", s)
		}
		if s := str(m, "groupId"); s != "" {
			add("securitygroup", s, s)
		}
		// RunInstances / TerminateInstances: instancesSet.items[].instanceId
		if set, ok := m["instancesSet"].(map[string]any); ok {
			if items, ok := set["items"].([]any); ok {
				for _, it := range items {
					if im, ok := it.(map[string]any); ok {
						if id := str(im, "instanceId"); id != "" {
							add("host", id, id)
						}
					}
				}
			}
		}
	}
	return out
}

func arnOr(name, arn string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return arn
}

// arnName is the last part of an ARN (function:checkout → checkout).
func arnName(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	parts := strings.Split(s, ":")
	last := parts[len(parts)-1]
	if i := strings.LastIndexByte(last, '/'); i >= 0 {
		last = last[i+1:]
	}
	if len(parts) >= 7 && parts[2] == "lambda" {
		return parts[6]
	}
	if len(parts) >= 6 && strings.HasPrefix(parts[5], "stack/") {
		return strings.Split(parts[5], "/")[1]
	}
	return last
}
