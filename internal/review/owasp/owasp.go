// Package owasp scores a static analyser the way the OWASP Benchmark does:
// each test case is a file with an expected category, CWE and verdict
// (expectedresults-*.csv); a tool "reports" a case when it has a finding
// with the case's CWE in the case's file. Per category the score is the
// true-positive rate minus the false-positive rate; the overall score is
// the mean over categories. The same code scores tend's findings and any
// other tool's SARIF, so the numbers compare.
package owasp

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Case is one expected result.
type Case struct {
	Name       string // test name, the file's base name without extension
	Category   string
	Vulnerable bool
	CWE        int
}

// LoadExpected reads an OWASP Benchmark expected-results CSV:
// "# test name, category, real vulnerability, cwe, ..." then one case a line.
func LoadExpected(r io.Reader) ([]Case, error) {
	var out []Case
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) < 4 {
			return nil, fmt.Errorf("expected results line %d: want 4 fields (name, category, real vulnerability, cwe), got %d", n, len(f))
		}
		v, err := strconv.ParseBool(strings.TrimSpace(f[2]))
		if err != nil {
			return nil, fmt.Errorf("expected results line %d: field \"real vulnerability\": %q is not true or false", n, f[2])
		}
		cwe, err := strconv.Atoi(strings.TrimSpace(f[3]))
		if err != nil {
			return nil, fmt.Errorf("expected results line %d: field \"cwe\": %q is not a number", n, f[3])
		}
		out = append(out, Case{Name: strings.TrimSpace(f[0]), Category: strings.TrimSpace(f[1]), Vulnerable: v, CWE: cwe})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read expected results: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("expected results: no test cases")
	}
	return out, nil
}

// LoadExpectedFile reads an expected-results CSV file.
func LoadExpectedFile(p string) ([]Case, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cs, err := LoadExpected(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return cs, nil
}

// Reported is what a tool found: for each test name, the CWEs reported in it.
type Reported map[string]map[int]bool

// Add records a finding with a CWE in a file (any path; its base name
// without extension names the test).
func (r Reported) Add(file string, cwe int) {
	name := strings.TrimSuffix(path.Base(strings.ReplaceAll(file, "\\", "/")), path.Ext(file))
	if r[name] == nil {
		r[name] = map[int]bool{}
	}
	r[name][cwe] = true
	// OWASP BenchmarkUtils counts a CWE-327 (broken crypto) finding for a
	// CWE-328 (weak hash) test case: tools such as Bandit report MD5 and
	// SHA-1 as 327.
	if cwe == 327 {
		r[name][328] = true
	}
}

// Row is one category's result.
type Row struct {
	Category       string
	CWE            int
	TP, FN, TN, FP int
}

// TPR is the true-positive rate.
func (r Row) TPR() float64 { return ratio(r.TP, r.TP+r.FN) }

// FPR is the false-positive rate.
func (r Row) FPR() float64 { return ratio(r.FP, r.FP+r.TN) }

// Score is TPR − FPR.
func (r Row) Score() float64 { return r.TPR() - r.FPR() }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Table is a scored run.
type Table struct {
	Rows []Row // by category name
}

// Score computes the table.
func Score(cases []Case, rep Reported) Table {
	rows := map[string]*Row{}
	for _, c := range cases {
		r := rows[c.Category]
		if r == nil {
			r = &Row{Category: c.Category, CWE: c.CWE}
			rows[c.Category] = r
		}
		hit := rep[c.Name][c.CWE]
		switch {
		case c.Vulnerable && hit:
			r.TP++
		case c.Vulnerable:
			r.FN++
		case hit:
			r.FP++
		default:
			r.TN++
		}
	}
	var t Table
	for _, r := range rows {
		t.Rows = append(t.Rows, *r)
	}
	sort.Slice(t.Rows, func(i, j int) bool { return t.Rows[i].Category < t.Rows[j].Category })
	return t
}

// Mean is the mean score over the categories accepted by keep (all when nil).
func (t Table) Mean(keep func(Row) bool) float64 {
	s, n := 0.0, 0
	for _, r := range t.Rows {
		if keep != nil && !keep(r) {
			continue
		}
		s += r.Score()
		n++
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}

// Row returns the category's row.
func (t Table) Row(category string) (Row, bool) {
	for _, r := range t.Rows {
		if r.Category == category {
			return r, true
		}
	}
	return Row{}, false
}
