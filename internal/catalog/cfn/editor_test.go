package cfn

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/catalog"
)

var update = flag.Bool("update", false, "rewrite the want.* golden files")

// goldenCase is one directory under testdata: input.{yaml,json}, args and,
// for successful edits, want.{yaml,json}.
type goldenCase struct {
	dir, ext                  string
	logicalID, newType        string
	current, wantErr, diffStr string
}

func loadCases(t *testing.T) []goldenCase {
	t.Helper()
	dirs, err := filepath.Glob("testdata/*/args")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	var cases []goldenCase
	for _, a := range dirs {
		dir := filepath.Dir(a)
		c := goldenCase{dir: dir, ext: ".yaml"}
		if _, err := os.Stat(filepath.Join(dir, "input.json")); err == nil {
			c.ext = ".json"
		}
		raw, err := os.ReadFile(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
			k, v, _ := strings.Cut(line, ":")
			v = strings.TrimSpace(v)
			switch k {
			case "logical-id":
				c.logicalID = v
			case "type":
				c.newType = v
			case "current":
				c.current = v
			case "error":
				c.wantErr = v
			case "diff":
				c.diffStr = v
			default:
				t.Fatalf("%s: unknown key %q", a, k)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

func TestGolden(t *testing.T) {
	cases := loadCases(t)
	if len(cases) < 15 {
		t.Fatalf("only %d golden cases", len(cases))
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(c.dir, "input"+c.ext))
			if err != nil {
				t.Fatal(err)
			}
			format := catalog.FormatCFNYAML
			if c.ext == ".json" {
				format = catalog.FormatCFNJSON
			}
			editors := []*Editor{NewEditor(format), NewEditor("")}
			if format == catalog.FormatCFNJSON {
				// JSON is YAML: the YAML path must give the same bytes.
				editors = append(editors, NewEditor(catalog.FormatCFNYAML))
			}
			for _, ed := range editors {
				out, err := ed.SetInstanceType(in, c.logicalID, c.newType)
				if c.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), c.wantErr) {
						t.Fatalf("SetInstanceType error = %v, want one containing %q", err, c.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("SetInstanceType: %v", err)
				}
				cur, err := ed.InstanceType(in, c.logicalID)
				if err != nil || cur != c.current {
					t.Errorf("InstanceType(input) = %q, %v; want %q", cur, err, c.current)
				}
				got, err := ed.InstanceType(out, c.logicalID)
				if err != nil || got != c.newType {
					t.Errorf("InstanceType(output) = %q, %v; want %q", got, err, c.newType)
				}
				if d := lineDiff(in, out); d != c.diffStr {
					t.Errorf("changed lines = %q, want %q\n%s", d, c.diffStr, out)
				}
				wantPath := filepath.Join(c.dir, "want"+c.ext)
				if *update {
					if err := os.WriteFile(wantPath, out, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(wantPath)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out, want) {
					t.Errorf("output differs from %s:\n%s", wantPath, out)
				}
			}
		})
	}
}

// lineDiff returns the lines removed from a ("-N") and added in b ("+N"),
// 1-based, from a longest-common-subsequence alignment.
func lineDiff(a, b []byte) string {
	la, lb := splitLines(a), splitLines(b)
	n, m := len(la), len(lb)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if la[i] == lb[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var minus, plus []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && la[i] == lb[j]:
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			plus = append(plus, fmt.Sprintf("+%d", j+1))
			j++
		default:
			minus = append(minus, fmt.Sprintf("-%d", i+1))
			i++
		}
	}
	return strings.Join(append(minus, plus...), " ")
}

// splitLines keeps each line's break so CRLF changes would show.
func splitLines(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, string(b))
			break
		}
		out = append(out, string(b[:i+1]))
		b = b[i+1:]
	}
	return out
}
