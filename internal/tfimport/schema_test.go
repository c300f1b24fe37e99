package tfimport

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustSchemas(t testing.TB) *Schemas {
	t.Helper()
	s, err := LoadSchemas()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The embedded schemas must be byte-for-byte the shared copies, when the
// shared directory sits beside the repository (../shared from the root).
func TestEmbeddedSchemasMatchShared(t *testing.T) {
	shared := filepath.Join("..", "..", "..", "shared", "cfn-schemas")
	if d := os.Getenv("TEND_CFN_SCHEMAS"); d != "" {
		shared = d
	}
	entries, err := os.ReadDir(shared)
	if err != nil {
		t.Skipf("shared schemas not present at %s: %v", shared, err)
	}
	seen := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		want, err := os.ReadFile(filepath.Join(shared, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := schemaFS.ReadFile("schemas/" + e.Name())
		if err != nil {
			t.Errorf("%s is in %s but not embedded: %v", e.Name(), shared, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("embedded %s differs from %s; copy it again", e.Name(), shared)
		}
		seen++
	}
	embedded, _ := schemaFS.ReadDir("schemas")
	if seen != len(embedded) {
		t.Errorf("%d schema files shared, %d embedded", seen, len(embedded))
	}
}

func TestEveryTypeHasASpec(t *testing.T) {
	s := mustSchemas(t)
	types := s.Types()
	if len(types) != 38 {
		t.Errorf("types.json lists %d types, want 38", len(types))
	}
	for _, ti := range types {
		sp, ok := specs[ti.CFNType]
		if !ok {
			t.Errorf("%s (%s): no conversion spec", ti.CFNType, ti.Terraform)
			continue
		}
		for _, k := range importKeys(ti) {
			if _, ok := sp.ident[k]; !ok {
				t.Errorf("%s: identifier %s has no state attribute", ti.CFNType, k)
			}
		}
		sc, _ := s.Schema(ti.CFNType)
		for _, k := range importKeys(ti) {
			if _, ok := sc.Properties[k]; !ok {
				t.Errorf("%s: import key %s is not a schema property", ti.CFNType, k)
			}
		}
	}
	if len(specs) != len(types) {
		t.Errorf("%d specs for %d types", len(specs), len(types))
	}
	if got := len(NewConverter(s, nil).SupportedTerraformTypes()); got != 40 {
		t.Errorf("%d Terraform types supported, want 40 (38 + aws_alb, aws_alb_target_group)", got)
	}
}

func TestImportKeysFollowPrimaryIdentifier(t *testing.T) {
	s := mustSchemas(t)
	for _, ti := range s.Types() {
		keys := importKeys(ti)
		sc, _ := s.Schema(ti.CFNType)
		if strings.Join(sc.PrimaryIdentifier, ",") != strings.Join(ti.PrimaryIdentifier, ",") {
			t.Errorf("%s: types.json primaryIdentifier %v, schema %v", ti.CFNType, ti.PrimaryIdentifier, sc.PrimaryIdentifier)
		}
		legacy := ti.CFNType == "AWS::ElasticLoadBalancing::LoadBalancer" || ti.CFNType == "AWS::Elasticsearch::Domain"
		if !legacy && strings.Join(keys, ",") != strings.Join(sc.PrimaryIdentifier, ",") {
			t.Errorf("%s: import keys %v, schema primaryIdentifier %v", ti.CFNType, keys, sc.PrimaryIdentifier)
		}
	}
}

func TestValidateProperties(t *testing.T) {
	s := mustSchemas(t)
	sqs, _ := s.Schema("AWS::SQS::Queue")
	role, _ := s.Schema("AWS::IAM::Role")
	logs, _ := s.Schema("AWS::Logs::LogGroup")
	tests := []struct {
		name  string
		sc    *Schema
		props map[string]any
		want  string // substring of the first problem, "" for none
	}{
		{"valid", sqs, map[string]any{"QueueName": "q", "DelaySeconds": 0.0, "FifoQueue": false}, ""},
		{"read-only", sqs, map[string]any{"QueueUrl": "https://x"}, "read-only"},
		{"unknown", sqs, map[string]any{"Queue": "q"}, "not a property"},
		{"type", sqs, map[string]any{"DelaySeconds": "soon"}, "expected integer"},
		{"maximum", sqs, map[string]any{"DelaySeconds": 901.0}, "above the maximum"},
		{"nested unknown", sqs, map[string]any{"RedrivePolicy": map[string]any{"deadLetterTargetArn": "a", "bogus": 1.0}}, "unknown property"},
		{"tag shape", sqs, map[string]any{"Tags": []any{map[string]any{"Key": "k"}}}, "required property Value"},
		{"required", role, map[string]any{"RoleName": "r"}, "AssumeRolePolicyDocument: required"},
		{"enum", logs, map[string]any{"RetentionInDays": 2.0}, "not one of"},
		{"intrinsic", sqs, map[string]any{"DelaySeconds": map[string]any{"Ref": "P"}}, ""},
		{"null", sqs, map[string]any{"QueueName": nil}, "null value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := tt.sc.ValidateProperties(tt.props)
			if tt.want == "" {
				if len(probs) > 0 {
					t.Fatalf("unexpected problems: %v", probs)
				}
				return
			}
			if len(probs) == 0 {
				t.Fatalf("no problem found, want %q", tt.want)
			}
			var all []string
			for _, p := range probs {
				all = append(all, p.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Fatalf("problems %v, want one containing %q", all, tt.want)
			}
		})
	}
}

func TestCoerce(t *testing.T) {
	s := mustSchemas(t)
	sqs, _ := s.Schema("AWS::SQS::Queue")
	rds, _ := s.Schema("AWS::RDS::DBInstance")
	got := sqs.coerce(sqs.Properties["RedrivePolicy"].(map[string]any), `{"deadLetterTargetArn":"arn:x","maxReceiveCount":"4"}`)
	m, ok := got.(map[string]any)
	if !ok || m["maxReceiveCount"] != 4.0 {
		t.Errorf("redrive policy string not decoded to an object with a number: %#v", got)
	}
	if v := rds.coerce(rds.Properties["Port"].(map[string]any), 5432.0); v != "5432" {
		t.Errorf("number to string: %#v", v)
	}
	if v := sqs.coerce(sqs.Properties["FifoQueue"].(map[string]any), "false"); v != false {
		t.Errorf("string to bool: %#v", v)
	}
}
