package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/detect"
	"github.com/tendhq/tend/internal/nab"
)

var _ = registerCommand(newNABCmd)

func newNABCmd(_ *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nab",
		Short: "Run and score detectors on the Numenta Anomaly Benchmark",
		Long: `Run tend's detectors over the Numenta Anomaly Benchmark (NAB v1.1) corpus and
score results with NAB's rules. See docs/detection.md.

  tend nab run   --corpus ../shared/nab --out results/tend
  tend nab score --corpus ../shared/nab --results results/tend
  tend nab resample --corpus ../shared/kpi --step 1h --out /tmp/kpi-1h`,
	}
	cmd.AddCommand(newNABRunCmd(), newNABScoreCmd(), newNABResampleCmd())
	return cmd
}

func newNABRunCmd() *cobra.Command {
	var corpusDir, outDir, name string
	var workers int
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a detector over every corpus file and write NAB-layout results",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if corpusDir == "" || outDir == "" {
				return fmt.Errorf("--corpus and --out are required")
			}
			if _, err := detect.New(name); err != nil {
				return fmt.Errorf("--detector: %w", err)
			}
			c, err := nab.LoadCorpus(corpusDir)
			if err != nil {
				return fmt.Errorf("load corpus: %w", err)
			}
			bar := newProgress(cmd.ErrOrStderr(), "detect", "rows", 0, false)
			start := time.Now()
			s, err := c.Run(cmd.Context(), nab.Named(name), workers, bar.update)
			bar.done()
			if err != nil {
				return err
			}
			elapsed := time.Since(start)
			if err := c.WriteResults(outDir, s); err != nil {
				return err
			}
			rows := 0
			for _, f := range c.Files {
				rows += f.Len()
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d files, %d rows in %s (%.0f rows/s); results in %s\n",
				name, len(c.Files), rows, elapsed.Round(time.Millisecond), float64(rows)/elapsed.Seconds(), outDir)
			return nil
		},
	}
	cmd.Flags().StringVar(&corpusDir, "corpus", "", "NAB corpus directory (holds data/, labels/, config/)")
	cmd.Flags().StringVar(&outDir, "out", "", "directory for results: <out>/<category>/<name>.csv")
	cmd.Flags().StringVar(&name, "detector", detect.DefaultName, "detector: "+strings.Join(detect.Names(), ", "))
	cmd.Flags().IntVar(&workers, "workers", 0, "files processed at once (0: one per CPU)")
	return cmd
}

func newNABScoreCmd() *cobra.Command {
	var corpusDir, resultsDir string
	var threshold float64
	var asJSON, perFile bool
	cmd := &cobra.Command{
		Use:   "score",
		Short: "Score a results directory with NAB's rules",
		Long: `Score a results directory with NAB's rules. Without --threshold, each profile's
threshold is chosen by NAB's sweep over the whole corpus (in-sample, as NAB
does); with --threshold, all three profiles use that one value.

Results files need an anomaly_score column and one row per data row, at
<results>/<category>/<name>.csv or NAB's <results>/<category>/<detector>_<name>.csv.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if corpusDir == "" || resultsDir == "" {
				return fmt.Errorf("--corpus and --results are required")
			}
			fixed := cmd.Flags().Changed("threshold")
			if fixed && (math.IsNaN(threshold) || math.IsInf(threshold, 0)) {
				return fmt.Errorf("--threshold: want a finite number")
			}
			c, err := nab.LoadCorpus(corpusDir)
			if err != nil {
				return fmt.Errorf("load corpus: %w", err)
			}
			s, err := c.LoadResults(resultsDir)
			if err != nil {
				return err
			}
			var scores []nab.ProfileScore
			for _, p := range c.Profiles {
				var ps nab.ProfileScore
				if fixed {
					ps, err = c.ScoreAt(s, p, threshold)
				} else {
					ps, err = c.Optimize(s, p)
				}
				if err != nil {
					return err
				}
				scores = append(scores, ps)
			}
			if asJSON {
				return writeScoreJSON(cmd.OutOrStdout(), scores, fixed)
			}
			if err := writeScoreTables(cmd.OutOrStdout(), scores, fixed); err != nil || !perFile {
				return err
			}
			return writeFileTable(cmd.OutOrStdout(), scores)
		},
	}
	cmd.Flags().StringVar(&corpusDir, "corpus", "", "NAB corpus directory (holds data/, labels/, config/)")
	cmd.Flags().StringVar(&resultsDir, "results", "", "results directory to score")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, "score every profile at this threshold instead of optimising it")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of tables")
	cmd.Flags().BoolVar(&perFile, "files", false, "also print a table of every file (standard profile): windows hit, FP rows, raw score")
	return cmd
}

func newNABResampleCmd() *cobra.Command {
	var corpusDir, outDir string
	var step time.Duration
	var split int
	cmd := &cobra.Command{
		Use:   "resample",
		Short: "Write a corpus aggregated to a coarser step, its windows rebuilt from the raw labels",
		Long: `Write a copy of a NAB-layout corpus with every file aggregated into buckets of
--step (the mean of each bucket, timed at its start), its raw labels
(labels/raw_windows.json or NAB's labels/combined_labels.json) moved to their
buckets and widened into windows with NAB's rule. The same incidents seen at
another sampling interval: a check that a detector's parameters are not tied
to one corpus's step. The result can be run and scored like any corpus, by
tend or by NAB's own run.py.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if corpusDir == "" || outDir == "" {
				return fmt.Errorf("--corpus and --out are required")
			}
			if split < 0 || split > 0 && split < 20 {
				return fmt.Errorf("--split: want at least 20 rows, got %d", split)
			}
			if step < time.Second {
				return fmt.Errorf("--step: want at least 1s, got %s", step)
			}
			c, err := nab.LoadCorpus(corpusDir)
			if err != nil {
				return fmt.Errorf("load corpus: %w", err)
			}
			runs, err := c.LoadRuns()
			if err != nil {
				return err
			}
			r, rr := c, runs
			if cmd.Flags().Changed("step") || split == 0 {
				r, rr = r.Resample(step, rr, "")
			}
			if split > 0 {
				r, rr = r.Split(split, rr)
			}
			if err := r.WriteCorpus(outDir, rr); err != nil {
				return err
			}
			rows := 0
			for _, f := range r.Files {
				rows += f.Len()
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d files, %d rows, %d windows in %s\n", len(r.Files), rows, r.Windows(), outDir)
			return nil
		},
	}
	cmd.Flags().StringVar(&corpusDir, "corpus", "", "NAB corpus directory (holds data/, labels/, config/)")
	cmd.Flags().StringVar(&outDir, "out", "", "directory to write the resampled corpus to")
	cmd.Flags().DurationVar(&step, "step", time.Hour, "bucket length")
	cmd.Flags().IntVar(&split, "split", 0, "also cut every file into pieces of this many rows (short series); without --step, the step is left as it is")
	return cmd
}

type profileJSON struct {
	Threshold float64 `json:"threshold"`
	Raw       float64 `json:"raw"`
	Detected  int     `json:"windows_detected"`
	Windows   int     `json:"windows"`
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	TN        int     `json:"tn"`
}

func writeScoreJSON(w io.Writer, scores []nab.ProfileScore, fixed bool) error {
	out := map[string]any{}
	details := map[string]profileJSON{}
	thresholds := map[string]float64{}
	for _, ps := range scores {
		out[ps.Profile.Name] = ps.Score
		thresholds[ps.Profile.Name] = ps.Threshold
		details[ps.Profile.Name] = profileJSON{ps.Threshold, ps.Raw, ps.Detected, ps.Windows, ps.TP, ps.FP, ps.FN, ps.TN}
	}
	out["thresholds"] = thresholds
	out["counts"] = details
	out["threshold_optimised"] = !fixed
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeFileTable prints, for the first profile at its threshold, each
// file's windows, hits, FP rows and raw score, worst first: where a
// detector loses.
func writeFileTable(w io.Writer, scores []nab.ProfileScore) error {
	if len(scores) == 0 {
		return nil
	}
	ps := scores[0]
	files := append([]nab.FileScore(nil), ps.Files...)
	sort.SliceStable(files, func(i, j int) bool {
		return files[i].Raw-float64(files[i].Scorable) < files[j].Raw-float64(files[j].Scorable)
	})
	fmt.Fprintf(w, "\nPer file (%s at %.6g; worst first by raw score less windows):\n", ps.Profile.Name, ps.Threshold)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\trows\twindows\thit\tFP rows\traw\t")
	for _, f := range files {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.3f\t\n", f.File.Key, f.File.Len(), f.Windows, f.Detected, f.FP, f.Raw)
	}
	return tw.Flush()
}

func writeScoreTables(w io.Writer, scores []nab.ProfileScore, fixed bool) error {
	how := "optimised per profile (NAB sweep, in-sample)"
	if fixed {
		how = "fixed"
	}
	fmt.Fprintf(w, "Threshold: %s\n\n", how)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "profile\tthreshold\tscore\traw\twindows hit\tTP rows\tFP rows\tFN rows\tTN rows\t")
	for _, ps := range scores {
		fmt.Fprintf(tw, "%s\t%.6g\t%.2f\t%.3f\t%d/%d\t%d\t%d\t%d\t%d\t\n", ps.Profile.Name, ps.Threshold, ps.Score, ps.Raw,
			ps.Detected, ps.Windows, ps.TP, ps.FP, ps.FN, ps.TN)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	type cat struct {
		files, windows, scorable int
		hit, fp                  [3]int
		raw                      [3]float64
	}
	cats := map[string]*cat{}
	for pi, ps := range scores {
		for _, f := range ps.Files {
			c := cats[f.File.Category]
			if c == nil {
				c = &cat{}
				cats[f.File.Category] = c
			}
			if pi == 0 {
				c.files++
				c.windows += f.Windows
				c.scorable += f.Scorable
			}
			c.hit[pi] += f.Detected
			c.fp[pi] += f.FP
			c.raw[pi] += f.Raw
		}
	}
	names := make([]string, 0, len(cats))
	for n := range cats {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "\nPer category (each profile at its threshold; score normalised within the category):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "category\tfiles\twindows"
	for _, ps := range scores {
		head += "\t" + ps.Profile.Name + "\thit\tFP rows"
	}
	fmt.Fprintln(tw, head+"\t")
	for _, n := range names {
		c := cats[n]
		line := fmt.Sprintf("%s\t%d\t%d", n, c.files, c.windows)
		for pi, ps := range scores {
			score := fmt.Sprintf("raw %.3f", c.raw[pi])
			if c.windows > 0 {
				null, perfect := nab.NullPerfect(ps.Profile, c.scorable, c.windows)
				score = fmt.Sprintf("%.2f", nab.Normalize(c.raw[pi], null, perfect))
			}
			line += fmt.Sprintf("\t%s\t%d\t%d", score, c.hit[pi], c.fp[pi])
		}
		fmt.Fprintln(tw, line+"\t")
	}
	return tw.Flush()
}
