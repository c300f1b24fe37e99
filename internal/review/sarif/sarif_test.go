package sarif

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/tendhq/tend/internal/review"
)

// TestGitHubShape checks what GitHub code scanning requires of an upload:
// version 2.1.0, a tool name, rules with ids, and results whose ruleIndex
// names the same rule, with a message and a location with a URI and a
// 1-based line.
func TestGitHubShape(t *testing.T) {
	rep, err := review.Review(context.Background(), []string{"../testdata/pysuite"}, review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["version"] != "2.1.0" || doc["$schema"] != Schema {
		t.Fatalf("version %v schema %v", doc["version"], doc["$schema"])
	}
	run := doc["runs"].([]any)[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	if driver["name"] == "" {
		t.Fatal("no tool name")
	}
	rules := driver["rules"].([]any)
	results := run["results"].([]any)
	if len(results) != len(rep.Findings) || len(results) == 0 {
		t.Fatalf("%d results for %d findings", len(results), len(rep.Findings))
	}
	for _, r := range rules {
		rl := r.(map[string]any)
		props := rl["properties"].(map[string]any)
		if rl["id"] == "" || rl["help"] == nil || props["security-severity"] == "" || len(props["tags"].([]any)) < 2 {
			t.Errorf("rule %v lacks id, help, security-severity or tags", rl["id"])
		}
	}
	for _, x := range results {
		res := x.(map[string]any)
		idx := int(res["ruleIndex"].(float64))
		if rules[idx].(map[string]any)["id"] != res["ruleId"] {
			t.Errorf("result %v: ruleIndex %d names %v", res["ruleId"], idx, rules[idx].(map[string]any)["id"])
		}
		if res["message"].(map[string]any)["text"] == "" {
			t.Errorf("result %v has no message", res["ruleId"])
		}
		loc := res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
		uri := loc["artifactLocation"].(map[string]any)["uri"].(string)
		line := loc["region"].(map[string]any)["startLine"].(float64)
		if uri == "" || uri[0] == '/' || line < 1 {
			t.Errorf("result %v location %v:%v", res["ruleId"], uri, line)
		}
		switch res["level"] {
		case "error", "warning", "note":
		default:
			t.Errorf("level %v", res["level"])
		}
	}
	// and it reads back with the CWEs
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rep.Findings) {
		t.Fatalf("read %d results", len(got))
	}
	for i, f := range got {
		if len(f.CWEs) == 0 || f.CWEs[0] != rep.Findings[i].CWE || f.File != rep.Findings[i].File {
			t.Errorf("result %d read back as %+v, want CWE %d in %s", i, f, rep.Findings[i].CWE, rep.Findings[i].File)
		}
	}
}

func TestReadRefusesOtherVersions(t *testing.T) {
	if _, err := Read(bytes.NewReader([]byte(`{"version":"2.0.0","runs":[]}`))); err == nil {
		t.Fatal("read a SARIF 2.0.0 log")
	}
}
