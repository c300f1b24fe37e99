package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/review"
	"github.com/tendhq/tend/internal/review/owasp"
	"github.com/tendhq/tend/internal/review/rule"
	"github.com/tendhq/tend/internal/review/sarif"
)

var _ = registerCommand(newReviewCmd)

func newReviewCmd(_ *globals) *cobra.Command {
	var format, output, baseline, failOn string
	cmd := &cobra.Command{
		Use:   "review PATH...",
		Short: "Security review of Python and Java code (data-flow analysis; text, JSON or SARIF)",
		Long: `Reads the Python and Java files under each PATH, follows untrusted input
(request parameters, headers, cookies, environment) through assignments,
helpers, collections and calls between files to the APIs where it does harm
(SQL, files, commands, eval, deserialisation, LDAP, XPath, redirects,
sessions, HTML), and checks cryptography (weak hashes, PBKDF2, ECB, static
IVs, insecure randomness) and, in Java, dereferences of values that may be
null. See docs/review.md for the rules.

  tend review .                                   # text for a terminal
  tend review src --format sarif -o tend.sarif    # for GitHub code scanning
  tend review . --format json -o baseline.json    # record a baseline
  tend review . --baseline baseline.json --fail-on high   # CI: fail on new HIGH findings

The exit status is 1 when --fail-on is set and a (new) finding is at or
above it.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "text", "json", "sarif":
			default:
				return fmt.Errorf("--format must be text, json or sarif (got %q)", format)
			}
			var threshold rule.Severity
			if failOn != "" {
				s, err := rule.ParseSeverity(failOn)
				if err != nil {
					return fmt.Errorf("--fail-on: %w", err)
				}
				threshold = s
			}
			var base *review.Baseline
			if baseline != "" {
				b, err := review.ReadBaselineFile(baseline)
				if err != nil {
					return err
				}
				base = b
			}
			tuneGC()
			rep, err := review.Review(cmd.Context(), args, review.Options{})
			if err != nil {
				return err
			}
			fresh := rep.New(base)
			var out io.Writer = cmd.OutOrStdout()
			var buf bytes.Buffer
			if output != "" && output != "-" {
				out = &buf
			}
			switch format {
			case "text":
				err = review.WriteText(out, rep, fresh)
			case "json":
				err = review.WriteJSON(out, rep)
			case "sarif":
				err = sarif.Write(out, rep)
			}
			if err != nil {
				return err
			}
			if output != "" && output != "-" {
				if err := os.WriteFile(output, buf.Bytes(), 0o644); err != nil {
					return fmt.Errorf("--output: %w", err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%d findings (%d new) in %d files written to %s\n", len(rep.Findings), len(fresh), rep.Files, output)
			}
			if threshold > 0 {
				n := 0
				for _, f := range fresh {
					if f.Severity >= threshold {
						n++
					}
				}
				if n > 0 {
					what := "findings"
					if base != nil {
						what = "new findings"
					}
					return &exitError{code: 1, err: fmt.Errorf("%d %s at or above %s", n, what, threshold)}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or sarif")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the report to this file instead of stdout")
	cmd.Flags().StringVar(&baseline, "baseline", "", "a previous --format json (or sarif) report: only findings not in it count for --fail-on")
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 when a (new) finding is at or above this severity: low, medium, high or critical")
	return cmd
}

// tuneGC lets a review's garbage collector run less often (GOGC=400) unless
// the user set GOGC: the parser's trees are short-lived garbage, and a
// batch command trades some memory for a third more speed. A soft memory
// limit (GOMEMLIMIT, default 1 GiB here) keeps the trade bounded.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// past 1 GiB the collector works as hard as it must, so GOGC=400
		// does not multiply a large repository's memory
		debug.SetMemoryLimit(1 << 30)
	}
}

func newBenchReviewCmd() *cobra.Command {
	var suite, expected string
	var compare []string
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Score tend review on an OWASP Benchmark suite (TPR − FPR per category), beside other tools' SARIF",
		Long: `Reviews the suite directory, scores the findings against its expected
results the way the OWASP Benchmark does (a test case counts as reported
when a finding with its CWE is in its file; per category TPR − FPR; overall
the mean over categories) and scores every other tool's SARIF found in
DIR/results (or given with --compare) with the same code.

  tend bench review --suite ../shared/sast/BenchmarkPython`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if suite == "" {
				return fmt.Errorf("--suite is required")
			}
			if expected == "" {
				m, _ := filepath.Glob(filepath.Join(suite, "expectedresults*.csv"))
				if len(m) == 0 {
					return fmt.Errorf("--suite %s: no expectedresults*.csv (give --expected)", suite)
				}
				expected = m[0]
			}
			cases, err := owasp.LoadExpectedFile(expected)
			if err != nil {
				return err
			}
			if len(compare) == 0 {
				compare, _ = filepath.Glob(filepath.Join(suite, "results", "*.sarif"))
			}
			tuneGC()
			rep, err := review.Review(cmd.Context(), []string{suite}, review.Options{})
			if err != nil {
				return err
			}
			tendRep := owasp.Reported{}
			for _, f := range rep.Findings {
				tendRep.Add(f.File, f.CWE)
			}
			tables := []owasp.Table{owasp.Score(cases, tendRep)}
			names := []string{"tend"}
			for _, c := range compare {
				fh, err := os.Open(c)
				if err != nil {
					return fmt.Errorf("--compare: %w", err)
				}
				fs, err := sarif.Read(fh)
				fh.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", c, err)
				}
				r := owasp.Reported{}
				for _, f := range fs {
					for _, cwe := range f.CWEs {
						r.Add(f.File, cwe)
					}
				}
				tables = append(tables, owasp.Score(cases, r))
				names = append(names, toolName(c))
			}
			covered := coveredCWEs()
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d test cases; tend reviewed %d files (%d lines, %.1f MB) in %s (%.2f MB/s)\n\n",
				filepath.Base(filepath.Clean(suite)), len(cases), rep.Files, rep.Lines, float64(rep.Bytes)/1e6, rep.Duration.Round(1e6),
				float64(rep.Bytes)/1e6/rep.Duration.Seconds())
			writeOWASP(cmd.OutOrStdout(), names, tables, covered)
			return nil
		},
	}
	cmd.Flags().StringVar(&suite, "suite", "", "OWASP Benchmark directory (holds expectedresults*.csv and the test code)")
	cmd.Flags().StringVar(&expected, "expected", "", "expected results CSV (default: DIR/expectedresults*.csv)")
	cmd.Flags().StringSliceVar(&compare, "compare", nil, "other tools' SARIF to score the same way (default: DIR/results/*.sarif)")
	return cmd
}

func toolName(path string) string {
	b := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if i := strings.LastIndexAny(b, "-_"); i >= 0 && i+1 < len(b) {
		return b[i+1:]
	}
	return b
}

// coveredCWEs are the CWEs tend has a rule for, by language.
func coveredCWEs() map[int]bool {
	out := map[int]bool{}
	for _, r := range rule.All() {
		out[r.CWE] = true
	}
	return out
}

func writeOWASP(w io.Writer, names []string, tables []owasp.Table, covered map[int]bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "category\tCWE\tcases\t")
	for _, n := range names {
		fmt.Fprintf(tw, "%s TP\tFN\tTN\tFP\tTPR\tFPR\tscore\t", n)
	}
	fmt.Fprintln(tw)
	rows := tables[0].Rows
	sort.Slice(rows, func(i, j int) bool { return rows[i].Category < rows[j].Category })
	for _, r0 := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t", r0.Category, r0.CWE, r0.TP+r0.FN+r0.TN+r0.FP)
		for _, t := range tables {
			r, _ := t.Row(r0.Category)
			fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%.2f\t%.2f\t%.3f\t", r.TP, r.FN, r.TN, r.FP, r.TPR(), r.FPR(), r.Score())
		}
		fmt.Fprintln(tw)
	}
	isCovered := func(r owasp.Row) bool { return covered[r.CWE] }
	n := 0
	for _, r := range rows {
		if covered[r.CWE] {
			n++
		}
	}
	fmt.Fprintf(tw, "mean, %d categories tend covers\t\t\t", n)
	for _, t := range tables {
		fmt.Fprintf(tw, "\t\t\t\t\t\t%.3f\t", t.Mean(isCovered))
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "mean, all %d categories\t\t\t", len(rows))
	for _, t := range tables {
		fmt.Fprintf(tw, "\t\t\t\t\t\t%.3f\t", t.Mean(nil))
	}
	fmt.Fprintln(tw)
	tw.Flush()
}
