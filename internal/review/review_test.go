package review

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/review/owasp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestSuites reviews tend's own fixture suites (bad and good variants of
// every rule, scored like the OWASP Benchmark) and pins the findings in
// golden files.
func TestSuites(t *testing.T) {
	for _, suite := range []string{"pysuite", "javasuite", "javabench"} {
		t.Run(suite, func(t *testing.T) {
			dir := filepath.Join("testdata", suite)
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
				if r.FN > 0 || r.FP > 0 {
					t.Errorf("%s: TP %d FN %d TN %d FP %d (want every bad variant found and no good one)", r.Category, r.TP, r.FN, r.TN, r.FP)
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
			golden := filepath.Join("testdata", suite+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(sb.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if sb.String() != string(want) {
				t.Errorf("findings differ from %s (go test -update rewrites it):\n%s", golden, sb.String())
			}
		})
	}
}

func TestFindingHasRecommendationAndPath(t *testing.T) {
	rep, err := Review(context.Background(), []string{"testdata/pysuite/app/sqli_bad1.py"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var f *Finding
	for i := range rep.Findings {
		if rep.Findings[i].Rule == "py/sql-injection" {
			f = &rep.Findings[i]
		}
	}
	if f == nil {
		t.Fatalf("no py/sql-injection in %+v", rep.Findings)
	}
	if f.CWE != 89 || f.Line != 11 || f.Column < 1 || f.Recommendation == "" || f.Fix == "" || len(f.Path) < 2 {
		t.Fatalf("incomplete finding: %+v", f)
	}
	if first := f.Path[0]; !strings.Contains(first.Note, "request") {
		t.Errorf("path starts at %+v, want the request", first)
	}
}

// A finding keeps its fingerprint when code above it moves, so a baseline
// stays valid across unrelated edits.
func TestBaselineSurvivesMovedCode(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/pysuite/app/cmdi_bad1.py")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "svc.py")
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	before, err := Review(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, before); err != nil {
		t.Fatal(err)
	}
	base, err := ReadBaseline(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if base.Len() != len(before.Findings) || len(before.Findings) == 0 {
		t.Fatalf("baseline has %d of %d findings", base.Len(), len(before.Findings))
	}
	moved := append([]byte("# a comment\n\n\n"), src...)
	moved = append(moved, []byte("\n\ndef again():\n    os.system(request.args['x'])\n")...)
	if err := os.WriteFile(p, moved, 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := Review(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fresh := after.New(base)
	if len(fresh) != 1 || fresh[0].Line != len(strings.Split(string(moved), "\n"))-1 {
		t.Fatalf("new findings %+v, want only the one added at the end", fresh)
	}
}

func TestReadBaselineErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`nope`, "not a tend review JSON or SARIF"},
		{`{"other": 1}`, `neither field "findings"`},
		{`{"findings": [{"rule": "x"}]}`, `no field "fingerprint"`},
	} {
		_, err := ReadBaseline(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadBaseline(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestReviewErrors(t *testing.T) {
	if _, err := Review(context.Background(), []string{"testdata/missing"}, Options{}); err == nil || !strings.Contains(err.Error(), "testdata/missing") {
		t.Errorf("missing path: %v", err)
	}
	if _, err := Review(context.Background(), []string{"review.go"}, Options{}); err == nil || !strings.Contains(err.Error(), "not a .py or .java file") {
		t.Errorf("Go file: %v", err)
	}
	if _, err := Review(context.Background(), []string{t.TempDir()}, Options{}); err == nil || !strings.Contains(err.Error(), ErrNoSources.Error()) {
		t.Errorf("empty dir: %v", err)
	}
}
