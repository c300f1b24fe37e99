package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReviewCommand(t *testing.T) {
	suite := filepath.Join("..", "review", "testdata", "pysuite")
	// text by default, every rule's recommendation and fix included
	code, out, errs := runCLI(t, nil, "review", suite)
	if code != 0 || !strings.Contains(out, "py/sql-injection (CWE-89)") || !strings.Contains(out, "Fix:") {
		t.Fatalf("review: %d\n%s\n%s", code, out, errs)
	}
	// --fail-on high fails
	if code, _, errs := runCLI(t, nil, "review", suite, "--fail-on", "high"); code == 0 || !strings.Contains(errs, "at or above high") {
		t.Fatalf("--fail-on high: %d %s", code, errs)
	}
	// a baseline of the same code: nothing new, so it passes
	base := filepath.Join(t.TempDir(), "baseline.json")
	if code, _, errs := runCLI(t, nil, "review", suite, "--format", "json", "-o", base); code != 0 {
		t.Fatalf("write baseline: %s", errs)
	}
	var rep struct {
		Findings []struct{ Fingerprint string } `json:"findings"`
	}
	data, err := os.ReadFile(base)
	if err != nil || json.Unmarshal(data, &rep) != nil || len(rep.Findings) == 0 || rep.Findings[0].Fingerprint == "" {
		t.Fatalf("baseline file: %v %s", err, data)
	}
	if code, out, errs := runCLI(t, nil, "review", suite, "--baseline", base, "--fail-on", "high"); code != 0 || !strings.Contains(out, "0 findings new") {
		t.Fatalf("with baseline: %d %s %s", code, out, errs)
	}
	// SARIF to stdout
	code, out, _ = runCLI(t, nil, "review", suite, "--format", "sarif")
	if code != 0 || !strings.Contains(out, `"version": "2.1.0"`) {
		t.Fatalf("sarif: %d %s", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"review", suite, "--format", "xml"}, "--format must be text, json or sarif"},
		{[]string{"review", suite, "--fail-on", "severe"}, "--fail-on: unknown severity"},
		{[]string{"review", suite, "--baseline", "/nonexistent"}, "--baseline"},
		{[]string{"review"}, "requires at least 1 arg"},
	} {
		if code, _, errs := runCLI(t, nil, tc.args...); code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: %d %q, want %q", tc.args, code, errs, tc.want)
		}
	}
}

func TestBenchReview(t *testing.T) {
	code, out, errs := runCLI(t, nil, "bench", "review", "--suite", filepath.Join("..", "review", "testdata", "javasuite"))
	if code != 0 || !strings.Contains(out, "nullderef") || !strings.Contains(out, "mean, all") {
		t.Fatalf("bench review: %d\n%s\n%s", code, out, errs)
	}
}
