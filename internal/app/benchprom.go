package app

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// QueueManagerBench says how to run BenchQueueManager.
type QueueManagerBench struct {
	// Binary is the tend to measure (the running executable when empty);
	// Prometheus the prometheus binary that scrapes and remote-writes.
	Binary, Prometheus string
	// Series are served by Targets /metrics pages (default 100,000 over 10),
	// scraped every ScrapeInterval (5s) for Duration (60s).
	Series, Targets int
	ScrapeInterval  time.Duration
	Duration        time.Duration
	// Env is added to tend serve's environment.
	Env []string
	// Progress, when set, is told what is running.
	Progress func(string)
}

// QueueManagerResult is what Prometheus' remote-write queue manager and
// tend saw.
type QueueManagerResult struct {
	// Counters of Prometheus' queue manager (prometheus_remote_storage_*)
	// at the end: samples sent, failed (not retried: lost), retried,
	// dropped, and still pending; the highest shard count seen.
	Sent, Failed, Retried, Dropped, Pending float64
	MaxShards                               float64
	// Scraped is the samples Prometheus appended from its scrapes
	// (prometheus_tsdb_head_samples_appended_total).
	Scraped float64
	// Tend's counts (tend_ingest_samples_total) and series.
	Accepted, Overloaded, TendSeries float64
	// Rate is the samples/s tend accepted over the run.
	Rate            float64
	PeakRSS, EndRSS int64 // tend serve's
	PromPeakRSS     int64
	Elapsed         time.Duration
	LoadAvg         string
	// PrometheusLog is what Prometheus logged at warn and above (why a
	// batch was retried, say).
	PrometheusLog string
}

// BenchQueueManager runs a real Prometheus that scrapes a synthetic fleet
// (Series series on Targets /metrics pages served by this process, the
// same labels as BenchIngest's) and remote-writes everything through its
// queue manager, with its default queue_config, to `tend serve` (a child
// process); then it reads the queue manager's counters: a receiver that
// keeps up has samples_failed and samples_retried at 0.
func BenchQueueManager(ctx context.Context, o QueueManagerBench) (QueueManagerResult, error) {
	var res QueueManagerResult
	if o.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return res, err
		}
		o.Binary = exe
	}
	if o.Prometheus == "" {
		return res, fmt.Errorf("a prometheus binary is needed")
	}
	if o.Series <= 0 {
		o.Series = 100_000
	}
	if o.Targets <= 0 {
		o.Targets = 10
	}
	o.Targets = min(o.Targets, o.Series)
	if o.ScrapeInterval <= 0 {
		o.ScrapeInterval = 5 * time.Second
	}
	if o.Duration <= 0 {
		o.Duration = time.Minute
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	dir, err := os.MkdirTemp("", "tend-bench-qm-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)

	// The fleet: target k serves series k, k+Targets, k+2·Targets, ...
	var targets []string
	for k := range o.Targets {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return res, err
		}
		srv := &http.Server{Handler: fleetPage(k, o.Targets, o.Series), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		targets = append(targets, ln.Addr().String())
	}

	o.Progress("starting tend")
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tend, err := startTend(cctx, o.Binary, filepath.Join(dir, "tend"), o.Env)
	if err != nil {
		return res, err
	}
	defer tend.stop()

	pdir := filepath.Join(dir, "prometheus")
	if err := os.MkdirAll(pdir, 0o750); err != nil {
		return res, err
	}
	var quoted []string
	for _, t := range targets {
		quoted = append(quoted, strconv.Quote(t))
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: %s
  scrape_timeout: %s
scrape_configs:
  - job_name: fleet
    honor_labels: true
    static_configs:
      - targets: [%s]
remote_write:
  - url: %s
    authorization:
      credentials: %s
`, o.ScrapeInterval, o.ScrapeInterval, strings.Join(quoted, ", "), tend.writeURL, tend.key)
	cfgFile := filepath.Join(pdir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		return res, err
	}
	addr, err := freePort()
	if err != nil {
		return res, err
	}
	o.Progress(fmt.Sprintf("starting prometheus: %d series on %d targets every %s, remote_write to tend, for %s", o.Series, o.Targets, o.ScrapeInterval, o.Duration))
	prom := &child{cmd: exec.CommandContext(cctx, o.Prometheus, "--config.file="+cfgFile, "--storage.tsdb.path="+filepath.Join(pdir, "data"),
		"--web.listen-address="+addr, "--log.level=warn"), metricsURL: "http://" + addr + "/metrics"}
	if err := prom.start(cctx, "http://"+addr+"/-/ready"); err != nil {
		return res, err
	}
	defer prom.stop()

	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for time.Since(start) < o.Duration {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-tick.C:
		}
		if m, err := scrape(ctx, prom.metricsURL, ""); err == nil {
			res.MaxShards = math.Max(res.MaxShards, m["prometheus_remote_storage_shards"])
		}
	}
	// Let the queue send what it holds (its batch_send_deadline is 5s).
	time.Sleep(6 * time.Second)
	res.Elapsed = time.Since(start)
	m, err := scrape(ctx, prom.metricsURL, "")
	if err != nil {
		return res, fmt.Errorf("read prometheus' metrics: %w", err)
	}
	res.Sent = m["prometheus_remote_storage_samples_total"]
	res.Failed = m["prometheus_remote_storage_samples_failed_total"]
	res.Retried = m["prometheus_remote_storage_samples_retried_total"]
	res.Dropped = m["prometheus_remote_storage_samples_dropped_total"]
	res.Pending = m["prometheus_remote_storage_samples_pending"]
	res.Scraped = m["prometheus_tsdb_head_samples_appended_total"]
	_, res.PromPeakRSS = procRSS(prom.cmd.Process.Pid)
	tm, err := scrape(ctx, tend.metricsURL, tend.key)
	if err != nil {
		return res, fmt.Errorf("read tend's metrics: %w", err)
	}
	res.Accepted = tm[`tend_ingest_samples_total{result="accepted"}`]
	res.Overloaded = tm[`tend_ingest_samples_total{result="overloaded"}`]
	res.TendSeries = tm["tend_watch_series"]
	res.Rate = res.Accepted / res.Elapsed.Seconds()
	res.EndRSS, res.PeakRSS = procRSS(tend.cmd.Process.Pid)
	res.LoadAvg = loadAvg()
	res.PrometheusLog = prom.logTail()
	return res, nil
}

// fleetPage serves target k's share of the fleet in Prometheus' text
// format: every n-th series from k, gauges that move with time and
// counters that grow.
func fleetPage(k, n, total int) http.Handler {
	type line struct {
		prefix  string // name{labels} and a space
		counter bool
		i       int
	}
	var lines []line
	for i := k; i < total; i += n {
		ls := loadSeriesLabels(i)
		var b strings.Builder
		b.WriteString(ls[0][1])
		b.WriteByte('{')
		for j, kv := range ls[1:] {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=%q", kv[0], kv[1])
		}
		b.WriteString("} ")
		lines = append(lines, line{prefix: b.String(), counter: strings.HasSuffix(ls[0][1], "_total"), i: i})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sec := time.Now().Unix()
		var buf bytes.Buffer
		for _, l := range lines {
			buf.WriteString(l.prefix)
			var v float64
			if l.counter {
				v = float64(sec * int64(1+l.i%5))
			} else {
				v = float64(l.i%97) + 0.25*float64(sec%7) + math.Sin(float64(sec)/30)
			}
			buf.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
			buf.WriteByte('\n')
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write(buf.Bytes())
	})
}
