package review

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/review/owasp"
)

// pyappsFloor is the lowest score per category tend may fall to on
// pyapps, tend's own Flask, Django and FastAPI application-style fixtures
// (1.0 for a category not listed). Lower a floor only for a case the
// models cannot decide, and say which.
var pyappsFloor = map[string]float64{}

// TestPyApps reviews the pyapps suite, checks each category's OWASP score
// (TPR − FPR) against its floor and pins the findings in pyapps.golden.
func TestPyApps(t *testing.T) {
	dir := filepath.Join("testdata", "pyapps")
	rep, err := Review(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("file errors: %v", rep.Errors)
	}
	cases, err := owasp.LoadExpectedFile(filepath.Join(dir, "expectedresults.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got := owasp.Reported{}
	for _, f := range rep.Findings {
		got.Add(f.File, f.CWE)
	}
	for _, r := range owasp.Score(cases, got).Rows {
		floor, ok := pyappsFloor[r.Category]
		if !ok {
			floor = 1
		}
		if r.Score() < floor-1e-9 {
			t.Errorf("%s: score %.3f below %.3f (TP %d FN %d TN %d FP %d)", r.Category, r.Score(), floor, r.TP, r.FN, r.TN, r.FP)
		}
	}
	var sb strings.Builder
	for _, f := range rep.Findings {
		fmt.Fprintf(&sb, "%s:%d:%d %s CWE-%d %s", f.File, f.Line, f.Column, f.Rule, f.CWE, f.Severity)
		if f.Source != "" {
			fmt.Fprintf(&sb, " from %q", f.Source)
		}
		sb.WriteString("\n")
	}
	golden := filepath.Join("testdata", "pyapps.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestPyApps -update)", err)
	}
	if sb.String() != string(want) {
		t.Errorf("findings differ from %s (go test -run TestPyApps -update rewrites it):\n%s", golden, sb.String())
	}
}
