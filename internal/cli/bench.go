package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/app"
)

var _ = registerCommand(newBenchCmd)

func newBenchCmd(_ *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure what tend sustains on this machine",
	}
	cmd.AddCommand(newBenchRemediationCmd())
	cmd.AddCommand(newBenchIngestCmd())
	cmd.AddCommand(newBenchReviewCmd())
	return cmd
}

func newBenchRemediationCmd() *cobra.Command {
	var o app.RemediationBench
	var trace bool
	cmd := &cobra.Command{
		Use:   "remediation",
		Short: "Run the self-healing loop end to end and report problems/s and webhook → comment latency",
		Long: `Starts a tend of its own in this process — the embedded catalog and parameter
store, the seed's policy, an in-process Dynatrace, and the SQLite store in a
temporary directory (or the PostgreSQL at --store) — and sends it the
Dynatrace webhook over HTTP: each host three CPU_SATURATION problems, the
third of which qualifies, upsizes the host's product and comments on the
problem. It fails unless nothing is lost or duplicated (one comment and one
new version per host). Nothing outside the temporary directory is touched.

  tend bench remediation                    # 1,000 hosts at 500 problems/s
  tend bench remediation --rate 0           # as fast as 32 senders can
  tend bench remediation --hosts 3000 --trace`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Hosts < 1 || o.Hosts > 1_000_000 {
				return fmt.Errorf("--hosts must be between 1 and 1000000 (got %d)", o.Hosts)
			}
			if o.Rate < 0 {
				return fmt.Errorf("--rate must be 0 (unpaced) or more (got %d)", o.Rate)
			}
			if o.Senders < 1 || o.Senders > 1024 {
				return fmt.Errorf("--senders must be between 1 and 1024 (got %d)", o.Senders)
			}
			bar := newProgress(cmd.ErrOrStderr(), "send", "problems", 3*o.Hosts, false)
			o.Progress = bar.update
			if trace {
				o.Trace = cmd.OutOrStdout()
			}
			res, err := app.BenchRemediation(cmd.Context(), o)
			bar.done()
			if err != nil {
				return err
			}
			ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
			offered := "unpaced"
			if o.Rate > 0 {
				offered = fmt.Sprintf("%.0f/s", res.Offered)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "problems\t%d (%d hosts × 3; nothing lost or duplicated)\n", res.Problems, o.Hosts)
			fmt.Fprintf(tw, "offered\t%s\n", offered)
			fmt.Fprintf(tw, "sustained\t%.0f problems/s\n", res.Sustained)
			fmt.Fprintf(tw, "CPU\t%.2f ms per problem\n", float64(res.CPUPerProblem.Microseconds())/1000)
			fmt.Fprintf(tw, "webhook → comment\tp50 %s  p90 %s  p99 %s  max %s\n", ms(res.P50), ms(res.P90), ms(res.P99), ms(res.Max))
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&o.Hosts, "hosts", 1000, "hosts; each sends 3 problems")
	cmd.Flags().IntVar(&o.Rate, "rate", 500, "problems per second (0: as fast as the senders can)")
	cmd.Flags().IntVar(&o.Senders, "senders", 32, "concurrent webhook senders")
	cmd.Flags().StringVar(&o.StoreURL, "store", "", "PostgreSQL URL to measure instead of the embedded SQLite store (use an empty database)")
	cmd.Flags().BoolVar(&trace, "trace", false, "also print where the acting runs spent their time")
	return cmd
}
