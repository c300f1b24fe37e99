package dynatrace

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/problem"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseProblem(t *testing.T) {
	host := problem.Entity{ID: "HOST-A1B2C3D4E5F60789", Type: "HOST", Name: "ip-10-0-1-23.eu-west-1.compute.internal"}
	tests := []struct {
		name    string
		body    string
		want    problem.Problem
		wantErr string
	}{
		{
			name: "cpu saturation with evidence",
			body: string(readFile(t, "problem_cpu.json")),
			want: problem.Problem{
				Source:     problem.SourceDynatrace,
				ExternalID: "-7001863467553125449_1606215300000V2",
				DisplayID:  "P-201123",
				Title:      "CPU saturation",
				State:      problem.StateOpen,
				EventType:  "CPU_SATURATION",
				Severity:   "RESOURCE_CONTENTION",
				Impact:     "INFRASTRUCTURE",
				Entities: []problem.Entity{
					host,
					{ID: "SERVICE-0123456789ABCDEF", Type: "SERVICE", Name: "checkout"},
				},
				RootCause: &host,
				Tags: map[string]string{
					"env": "prod", "tend-product": "prod-abcdefgh12345", "critical": "",
					ManagementZoneTag: "production,web",
				},
				StartedAt: time.UnixMilli(1606215300000).UTC(),
			},
		},
		{
			name: "closed, no root cause relevant event: first event wins",
			body: `{"problemId":"P1","status":"CLOSED","evidenceDetails":{"details":[
				{"evidenceType":"METRIC","eventType":"IGNORED"},
				{"evidenceType":"EVENT","eventType":"MEMORY_SATURATION"},
				{"evidenceType":"EVENT","eventType":"CPU_SATURATION"}]}}`,
			want: problem.Problem{Source: problem.SourceDynatrace, ExternalID: "P1", State: problem.StateResolved, EventType: "MEMORY_SATURATION"},
		},
		{
			name: "affected entity not impacted is kept, duplicates dropped",
			body: `{"problemId":"P2","status":"OPEN",
				"impactedEntities":[{"entityId":{"id":"HOST-1","type":"HOST"},"name":"a"}],
				"affectedEntities":[{"entityId":{"id":"HOST-1","type":"HOST"},"name":"a"},{"entityId":{"id":"PROCESS_GROUP_INSTANCE-2","type":"PROCESS_GROUP_INSTANCE"},"name":"b"}]}`,
			want: problem.Problem{Source: problem.SourceDynatrace, ExternalID: "P2", State: problem.StateOpen, Entities: []problem.Entity{
				{ID: "HOST-1", Type: "HOST", Name: "a"}, {ID: "PROCESS_GROUP_INSTANCE-2", Type: "PROCESS_GROUP_INSTANCE", Name: "b"},
			}},
		},
		{name: "missing problemId", body: `{"title":"x"}`, wantErr: "problemId is missing"},
		{name: "not JSON", body: `<html>`, wantErr: "decode problem"},
		{name: "wrong type", body: `{"problemId":5}`, wantErr: "decode problem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProblem([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseEntity(t *testing.T) {
	tests := []struct {
		name      string
		body      []byte
		wantProps map[string]string
		wantTags  map[string]string
		wantErr   string
	}{
		{
			name: "EC2 host",
			body: readFile(t, "entity_host.json"),
			wantProps: map[string]string{
				"awsInstanceId":             "i-0abc123def4567890",
				"awsInstanceType":           "t3.small",
				"awsNameTag":                "web-1",
				"amiId":                     "ami-0123456789abcdef0",
				"cloudType":                 "EC2",
				"osType":                    "LINUX",
				"cpuCores":                  "2",
				"isMonitoringCandidate":     "false",
				"ipAddress":                 "10.0.1.23,fe80::1",
				"awsSecurityGroup":          "sg-1,sg-2",
				"customHostMetadata":        `[{"key": {"source": "ENVIRONMENT", "key": "team"}, "value": "web"}]`,
				"rel.isNetworkClientOfHost": "HOST-0000000000000001",
				"rel.runsOn":                "EC2_INSTANCE-A1B2C3D4E5F60789",
			},
			wantTags: map[string]string{
				"aws:servicecatalog:productArn": "arn:aws:catalog:eu-west-1:123456789012:product/prod-abcdefgh12345",
				"web":                           "",
			},
		},
		{
			name: "EC2 instance with only an ARN",
			body: readFile(t, "entity_ec2_arn.json"),
			wantProps: map[string]string{
				"arn":             "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc123def4567890",
				"awsInstanceId":   "i-0abc123def4567890",
				"awsInstanceType": "t3.small",
				"regionName":      "eu-west-1",
			},
		},
		{name: "missing entityId", body: []byte(`{"type":"HOST"}`), wantErr: "entityId is missing"},
		{name: "truncated", body: []byte(`{"entityId":"HOST-1","properties":{`), wantErr: "decode entity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEntity(tt.body)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Properties, tt.wantProps) {
				t.Errorf("properties:\ngot  %v\nwant %v", got.Properties, tt.wantProps)
			}
			if !reflect.DeepEqual(got.Tags, tt.wantTags) {
				t.Errorf("tags:\ngot  %v\nwant %v", got.Tags, tt.wantTags)
			}
		})
	}
}

func TestInstanceIDFromARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc": "i-0abc",
		"arn:aws-cn:ec2:cn-north-1:1:instance/i-1":           "i-1",
		"arn:aws:ec2:eu-west-1:123456789012:volume/vol-1":    "",
		"arn:aws:s3:::bucket":                                "",
		"i-0abc":                                             "",
		"":                                                   "",
	} {
		if got := InstanceIDFromARN(arn); got != want {
			t.Errorf("InstanceIDFromARN(%q) = %q, want %q", arn, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		" 10 ":                          10 * time.Second,
		"0":                             0,
		"-5":                            0,
		"soon":                          0,
		"Sat, 21 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Sat, 21 Nov 2026 11:00:00 GMT": 0,
		"999999999":                     24 * time.Hour,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	base, max := 100*time.Millisecond, time.Second
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := backoff(base, max, i); got != w*time.Millisecond {
			t.Errorf("backoff(attempt %d) = %v, want %v", i, got, w*time.Millisecond)
		}
	}
	if got := backoff(base, max, 200); got != max {
		t.Errorf("backoff(200) = %v, want cap %v", got, max)
	}
}

func FuzzParseProblem(f *testing.F) {
	f.Add(readFile(f, "problem_cpu.json"))
	f.Add([]byte(`{"problemId":"x","evidenceDetails":{"details":[{"evidenceType":"EVENT","eventType":"A"}]}}`))
	f.Add([]byte(`{"problemId":"x","rootCauseEntity":null,"entityTags":[{"key":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseProblem(b)
		if err == nil && p.ExternalID == "" {
			t.Fatal("parsed a problem without an id")
		}
	})
}

func FuzzParseEntity(f *testing.F) {
	f.Add(readFile(f, "entity_host.json"))
	f.Add(readFile(f, "entity_ec2_arn.json"))
	f.Add([]byte(`{"entityId":"H","properties":{"a":[1,"b",true],"b":{"c":1},"c":1e400}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEntity(b)
		if err == nil && e.ID == "" {
			t.Fatal("parsed an entity without an id")
		}
	})
}

func FuzzParseCommentsPage(f *testing.F) {
	f.Add([]byte(`{"comments":[{"id":"1","createdAtTimestamp":1,"content":"x","authorName":"a","context":"c"}],"totalCount":1,"pageSize":10,"nextPageKey":"k"}`))
	f.Add([]byte(`{"comments":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseCommentsPage(b)
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	f.Add("120")
	f.Add("Sat, 21 Nov 2026 12:00:30 GMT")
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s, now); d < 0 || d > 24*time.Hour {
			t.Fatalf("parseRetryAfter(%q) = %v", s, d)
		}
	})
}
