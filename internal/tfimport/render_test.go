package tfimport

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseTemplateYAMLShortForms(t *testing.T) {
	doc := `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Pw: {Type: String, NoEcho: true}
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      MasterUserPassword: !Ref Pw
      DBInstanceIdentifier: !Sub "${AWS::StackName}-db"
      KmsKeyId: !GetAtt Key.Arn
      AllocatedStorage: 20
      MultiAZ: false
`
	m, err := ParseTemplate([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	props := m["Resources"].(map[string]any)["Db"].(map[string]any)["Properties"].(map[string]any)
	want := map[string]any{
		"MasterUserPassword":   map[string]any{"Ref": "Pw"},
		"DBInstanceIdentifier": map[string]any{"Fn::Sub": "${AWS::StackName}-db"},
		"KmsKeyId":             map[string]any{"Fn::GetAtt": []any{"Key", "Arn"}},
		"AllocatedStorage":     20.0,
		"MultiAZ":              false,
	}
	if !reflect.DeepEqual(props, want) {
		t.Errorf("got %#v", props)
	}
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		name := string(rune('b' + i))
		laughs += name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
	}
	for _, bad := range []string{"", "   ", "- a\n- b\n", "{\"Resources\": ", "a: [1", laughs} {
		if _, err := ParseTemplate([]byte(bad)); err == nil {
			t.Errorf("ParseTemplate(%q) accepted", bad)
		}
	}
}

func TestWriteFilesAtomicAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "a.json")
	bad := filepath.Join(dir, "missing-dir", "b.json")
	err := WriteFilesAtomic(map[string][]byte{ok: []byte("{}"), bad: []byte("{}")}, 0o644)
	if err == nil || !strings.Contains(err.Error(), "b.json") {
		t.Fatalf("error %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	if err := WriteFilesAtomic(map[string][]byte{ok: []byte("{}")}, 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(ok); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("stat %v %v", fi, err)
	}
}

func TestParseResources(t *testing.T) {
	if _, err := ParseResources([]byte(`[{"ResourceType":"AWS::SQS::Queue","LogicalResourceId":"Q","ResourceIdentifier":{"QueueUrl":"u"}}]`)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{}`, `[{"ResourceType":"AWS::SQS::Queue"}]`, `[{"Type":"x"}]`, `[`} {
		if _, err := ParseResources([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestCheckTemplateResourcesFile(t *testing.T) {
	s := mustSchemas(t)
	tmpl := map[string]any{"Resources": map[string]any{
		"Q": map[string]any{"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": map[string]any{"QueueName": "q"}},
	}}
	imports := []ResourceToImport{
		{ResourceType: "AWS::SQS::Queue", LogicalResourceID: "Q", ResourceIdentifier: map[string]string{"QueueName": "q"}},
		{ResourceType: "AWS::SNS::Topic", LogicalResourceID: "T", ResourceIdentifier: map[string]string{"TopicArn": "a"}},
	}
	probs := s.CheckTemplate(tmpl, imports)
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.String())
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, "CloudFormation imports AWS::SQS::Queue by [QueueUrl]") || !strings.Contains(all, "no resource with this logical ID") {
		t.Errorf("problems:\n%s", all)
	}
}

// FuzzParseTemplate: templates and resources files come from users
// (--validate); parsing and checking them never panics.
func FuzzParseTemplate(f *testing.F) {
	seed, err := os.ReadFile("testdata/golden/seed-sample.template.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed, []byte(`[{"ResourceType":"AWS::SQS::Queue","LogicalResourceId":"SqsQueueSampleSqsQueue","ResourceIdentifier":{"QueueUrl":"u"}}]`))
	f.Add([]byte("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${AWS::StackName}-q'\n      Tags: [{Key: a, Value: !GetAtt X.Y}]\n"), []byte(`[]`))
	f.Add([]byte("a: &x [*x]\n"), []byte(`[{}]`))
	s := mustSchemas(f)
	f.Fuzz(func(t *testing.T, tmpl, resources []byte) {
		m, err := ParseTemplate(tmpl)
		if err != nil {
			return
		}
		imports, _ := ParseResources(resources)
		_ = s.CheckTemplate(m, imports)
	})
}
