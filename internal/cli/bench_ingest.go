package cli

import (
	"fmt"
	"os/exec"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/app"
)

func newBenchIngestCmd() *cobra.Command {
	var o app.IngestBench
	var prom string
	var noProm, viaProm bool
	var targets int
	var scrapeEvery time.Duration
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Load tend's remote_write endpoint from outside and report samples/s, refused %, RSS and bytes per series",
		Long: `Starts this tend binary as ` + "`tend serve`" + ` in a child process (a fresh data
directory in a temporary directory, the host agent off), creates an API key,
and sends it a synthetic fleet over Prometheus remote_write: --series series
(100 metrics per host, node_exporter-like labels, a tenth counters),
--series-per-request to a request with --samples-per-series samples each,
from --senders concurrent senders for --duration, after one round that
creates every series. A request answered 429 is counted as refused and not
retried. The RSS is the child's own (VmHWM, its high-water mark).

When a prometheus binary is on PATH (or given with --prometheus) the same
load goes to Prometheus' own remote_write receiver (--web.enable-remote-write-receiver)
first, for comparison on the same machine in the same run; with
--match-prometheus tend is then offered exactly the rate Prometheus sustained.

  tend bench ingest                                   # 100k series, 10 samples a series a request
  tend bench ingest --samples-per-series 1 --series-per-request 2000
  tend bench ingest --match-prometheus                # tend at Prometheus' rate: refused % there
  tend bench ingest --env TEND_INGEST_MEMORY_LIMIT=512MiB
  tend bench ingest --via-prometheus --scrape-interval 2s   # Prometheus' own queue manager → tend`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Series < 1 || o.Series > 10_000_000 {
				return fmt.Errorf("--series must be between 1 and 10000000 (got %d)", o.Series)
			}
			if o.SeriesPerRequest < 1 || o.SamplesPerSeries < 1 || o.Senders < 1 {
				return fmt.Errorf("--series-per-request, --samples-per-series and --senders must be at least 1")
			}
			if o.Rate < 0 {
				return fmt.Errorf("--rate must be 0 (unpaced) or more (got %d)", o.Rate)
			}
			if !noProm {
				if prom != "" {
					o.Prometheus = prom
				} else if p, err := exec.LookPath("prometheus"); err == nil {
					o.Prometheus = p
				}
			}
			if o.MatchPrometheus && o.Prometheus == "" {
				return fmt.Errorf("--match-prometheus needs a prometheus binary (on PATH or --prometheus)")
			}
			o.Progress = func(s string) { fmt.Fprintf(cmd.ErrOrStderr(), "%s  %s\n", time.Now().Format("15:04:05"), s) }
			if viaProm {
				if o.Prometheus == "" {
					return fmt.Errorf("--via-prometheus needs a prometheus binary (on PATH or --prometheus)")
				}
				qo := app.QueueManagerBench{Binary: o.Binary, Prometheus: o.Prometheus, Series: o.Series, Targets: targets,
					ScrapeInterval: scrapeEvery, Duration: o.Duration, Env: o.Env, Progress: o.Progress}
				if !cmd.Flags().Changed("duration") {
					qo.Duration = time.Minute
				}
				r, err := app.BenchQueueManager(cmd.Context(), qo)
				if err != nil {
					return err
				}
				mib := func(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
				fmt.Fprintf(cmd.OutOrStdout(), "prometheus → tend, %d series on %d targets every %s, %s:\n", qo.Series, targets, scrapeEvery, r.Elapsed.Round(time.Second))
				fmt.Fprintf(cmd.OutOrStdout(), "  prometheus: scraped %.0f samples; remote_storage samples sent %.0f, failed %.0f, retried %.0f, dropped %.0f, pending %.0f; up to %.0f shards; peak RSS %s\n",
					r.Scraped, r.Sent, r.Failed, r.Retried, r.Dropped, r.Pending, r.MaxShards, mib(r.PromPeakRSS))
				fmt.Fprintf(cmd.OutOrStdout(), "  tend: accepted %.0f samples (%.0f/s), refused %.0f (429), %.0f series; peak RSS %s, end RSS %s; load avg %s\n",
					r.Accepted, r.Rate, r.Overloaded, r.TendSeries, mib(r.PeakRSS), mib(r.EndRSS), r.LoadAvg)
				if r.PrometheusLog != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "prometheus' log (warnings and errors, the last 2,000 bytes):\n%s\n", r.PrometheusLog)
				}
				return nil
			}
			res, err := app.BenchIngest(cmd.Context(), o)
			if err != nil {
				return err
			}
			mib := func(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "receiver\toffered\taccepted/s\trefused\tfailed\tp50\tp99\tpeak RSS\tend RSS\tseries\tRSS/series\tCPU s\tload avg\n")
			for _, r := range res {
				offered := "unpaced"
				if r.OfferedRate > 0 {
					offered = fmt.Sprintf("%.0f/s", r.OfferedRate)
				}
				fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f %%\t%d\t%s\t%s\t%s\t%s\t%d\t%.0f B\t%.1f\t%s\n", r.Receiver, offered, r.AcceptedRate, r.RefusedPct, r.Failed,
					r.LatencyP50.Round(100*time.Microsecond), r.LatencyP99.Round(100*time.Microsecond), mib(r.PeakRSS), mib(r.EndRSS), r.Series, r.PerSeriesRSS, r.CPUSeconds, r.LoadAvg)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, r := range res {
				if r.Receiver == "tend" && len(r.Memory) > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "tend memory: heap in use %s, idle %s (released %s), next GC at %s, from the OS %s, queue %s; %.0f GCs\n",
						mib(int64(r.Memory["heap_inuse_bytes"])), mib(int64(r.Memory["heap_idle_bytes"])), mib(int64(r.Memory["heap_released_bytes"])),
						mib(int64(r.Memory["next_gc_bytes"])), mib(int64(r.Memory["sys_bytes"])), mib(int64(r.Memory["tend_watch_queue_bytes"])), r.Memory["go_gc_duration_seconds_count"])
				}
				if r.FirstError != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: first error: %s\n", r.Receiver, r.FirstError)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Series, "series", 100_000, "active series")
	f.IntVar(&o.SeriesPerRequest, "series-per-request", 500, "series in each remote_write request")
	f.IntVar(&o.SamplesPerSeries, "samples-per-series", 10, "samples of each series in a request")
	f.IntVar(&o.Senders, "senders", 8, "concurrent senders")
	f.DurationVar(&o.Duration, "duration", 25*time.Second, "how long to send, after the round that creates the series")
	f.IntVar(&o.Rate, "rate", 0, "samples/s offered in total (0: as fast as the senders can)")
	f.BoolVar(&o.MatchPrometheus, "match-prometheus", false, "offer tend the rate Prometheus sustained unpaced in this run")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "each request's timeout (Prometheus' remote_timeout is 30s)")
	f.StringVar(&o.Binary, "binary", "", "tend binary to measure (default: this one)")
	f.StringVar(&prom, "prometheus", "", "prometheus binary to compare with (default: prometheus on PATH)")
	f.BoolVar(&noProm, "no-prometheus", false, "measure tend only")
	f.BoolVar(&viaProm, "via-prometheus", false, "instead: a real Prometheus scrapes --series series on --targets /metrics pages every --scrape-interval and remote-writes them to tend through its queue manager; prints its samples sent/failed/retried counters (--duration defaults to 1m)")
	f.IntVar(&targets, "targets", 10, "with --via-prometheus: /metrics pages the series are spread over")
	f.DurationVar(&scrapeEvery, "scrape-interval", 5*time.Second, "with --via-prometheus: Prometheus' scrape_interval")
	f.StringArrayVar(&o.Env, "env", nil, "NAME=VALUE added to tend serve's environment (repeatable), e.g. TEND_INGEST_MEMORY_LIMIT=512MiB")
	return cmd
}
