package app

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// IngestBench says how to run BenchIngest.
type IngestBench struct {
	// Binary is the tend to measure (the running executable when empty);
	// it runs as `tend serve` in a child process, so its RSS is its own.
	Binary string
	// Prometheus, when set, is a prometheus binary measured the same way
	// right after tend: its own remote_write receiver, the same loader.
	Prometheus string
	// Series, SeriesPerRequest and SamplesPerSeries shape the load
	// (defaults 100,000, 500 and 10); Senders send concurrently (8) for
	// Duration (25s) after one round that creates every series.
	Series, SeriesPerRequest, SamplesPerSeries, Senders int
	Duration                                            time.Duration
	// Rate paces the senders in samples/s in total (0: as fast as they can);
	// MatchPrometheus paces tend at the rate Prometheus sustained unpaced.
	Rate            int
	MatchPrometheus bool
	// Timeout is each request's timeout, the sender's (default 30s, as
	// Prometheus' remote_timeout).
	Timeout time.Duration
	// Env is added to tend serve's environment (TEND_INGEST_MEMORY_LIMIT=…).
	Env []string
	// Progress, when set, is told what is running.
	Progress func(string)
}

// IngestBenchResult is one receiver's measurement.
type IngestBenchResult struct {
	Receiver string // "tend" or "prometheus"
	loadResult
	// Offered rate (0 when unpaced) and the accepted samples per second.
	OfferedRate, AcceptedRate float64
	// RefusedPct is the share of offered samples answered 429.
	RefusedPct float64
	// PeakRSS is the receiver process' high-water resident set (VmHWM),
	// EndRSS its resident set when the load ended; bytes.
	PeakRSS, EndRSS int64
	// Series tracked at the end; HeapBytes is tend's Go heap in use then
	// (go_memstats_heap_inuse_bytes), PerSeries its RSS / series.
	Series    int64
	HeapBytes int64
	// Memory is tend's Go memory statistics at the end, for the report.
	Memory       map[string]float64
	PerSeriesRSS float64
	CPUSeconds   float64 // receiver process CPU time (user+system) over the whole run
	LoadAvg      string
}

func (o *IngestBench) defaults() error {
	if o.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the tend binary: %w", err)
		}
		o.Binary = exe
	}
	if o.Series <= 0 {
		o.Series = 100_000
	}
	if o.SeriesPerRequest <= 0 {
		o.SeriesPerRequest = 500
	}
	if o.SamplesPerSeries <= 0 {
		o.SamplesPerSeries = 10
	}
	if o.Senders <= 0 {
		o.Senders = 8
	}
	if o.Duration <= 0 {
		o.Duration = 25 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	return nil
}

// BenchIngest measures remote_write ingest from outside: it starts
// `tend serve` (host agent off, a fresh data directory) as a child
// process, creates an API key with `tend apikey create`, and sends the
// synthetic fleet over HTTP for Duration; then, if o.Prometheus is set,
// it does the same to Prometheus' own remote_write receiver. Each result
// has the accepted rate, the refused share and the receiver's RSS.
func BenchIngest(ctx context.Context, o IngestBench) ([]IngestBenchResult, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	shape := loadShape{Series: o.Series, PerRequest: o.SeriesPerRequest, SamplesPerSeries: o.SamplesPerSeries}
	dir, err := os.MkdirTemp("", "tend-bench-ingest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var out []IngestBenchResult
	run := func(name string, rate int, start func(context.Context, string) (*child, error)) error {
		o.Progress(fmt.Sprintf("starting %s", name))
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		c, err := start(cctx, filepath.Join(dir, name))
		if err != nil {
			return err
		}
		defer c.stop()
		o.Progress(fmt.Sprintf("loading %s: %d series, %d per request, %d samples each, %d senders, %s", name, o.Series, o.SeriesPerRequest, o.SamplesPerSeries, o.Senders, o.Duration))
		l := newLoader(shape, time.Now().Add(-30*time.Minute))
		lr, err := runLoad(ctx, l, c.writeURL, c.key, o.Senders, rate, o.Duration, o.Timeout)
		if err != nil {
			return fmt.Errorf("%s: %w (its log: %s)", name, err, c.logTail())
		}
		r := IngestBenchResult{Receiver: name, loadResult: lr, LoadAvg: loadAvg()}
		r.EndRSS, r.PeakRSS = procRSS(c.cmd.Process.Pid)
		r.CPUSeconds = procCPU(c.cmd.Process.Pid)
		r.AcceptedRate = float64(lr.Accepted) / lr.Elapsed.Seconds()
		if rate > 0 {
			r.OfferedRate = float64(rate)
		}
		if lr.Offered > 0 {
			r.RefusedPct = 100 * float64(lr.Refused) / float64(lr.Offered)
		}
		if m, err := scrape(ctx, c.metricsURL, c.key); err == nil {
			r.Series = int64(m["tend_watch_series"])
			r.HeapBytes = int64(m["go_memstats_heap_inuse_bytes"])
			r.Memory = map[string]float64{}
			for _, k := range []string{"go_memstats_heap_inuse_bytes", "go_memstats_heap_idle_bytes", "go_memstats_heap_released_bytes", "go_memstats_next_gc_bytes", "go_memstats_sys_bytes", "go_memstats_stack_inuse_bytes", "go_gc_duration_seconds_count", "tend_watch_queue_bytes"} {
				r.Memory[strings.TrimPrefix(k, "go_memstats_")] = m[k]
			}
			if name == "prometheus" {
				r.Series = int64(m["prometheus_tsdb_head_series"])
			}
		}
		if r.Series > 0 {
			r.PerSeriesRSS = float64(r.PeakRSS) / float64(r.Series)
		}
		out = append(out, r)
		return nil
	}
	var promRate float64
	if o.Prometheus != "" {
		if err := run("prometheus", o.Rate, func(ctx context.Context, d string) (*child, error) { return startPrometheus(ctx, o.Prometheus, d) }); err != nil {
			return out, err
		}
		promRate = out[len(out)-1].AcceptedRate
	}
	rate := o.Rate
	if o.MatchPrometheus && promRate > 0 {
		rate = int(promRate)
	}
	if err := run("tend", rate, func(ctx context.Context, d string) (*child, error) { return startTend(ctx, o.Binary, d, o.Env) }); err != nil {
		return out, err
	}
	// tend first in the table
	if len(out) == 2 {
		out[0], out[1] = out[1], out[0]
	}
	return out, nil
}

// child is a receiver process under load.
type child struct {
	cmd                  *exec.Cmd
	writeURL, metricsURL string
	key                  string
	mu                   sync.Mutex
	log                  bytes.Buffer
	done                 chan struct{}
}

func (c *child) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.log.Len() < 1<<20 {
		c.log.Write(p)
	}
	return len(p), nil
}

func (c *child) logTail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.log.String()
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return strings.TrimSpace(s)
}

// stop ends the process with SIGTERM, then SIGKILL after 10s.
func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (c *child) start(ctx context.Context, ready string) error {
	c.cmd.Stdout, c.cmd.Stderr = c, c
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", c.cmd.Path, err)
	}
	c.done = make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(c.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-c.done:
			return fmt.Errorf("%s exited before it was ready: %s", c.cmd.Path, c.logTail())
		case <-ctx.Done():
			c.stop()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			c.stop()
			return fmt.Errorf("%s not ready after 60s: %s", c.cmd.Path, c.logTail())
		}
	}
}

func startTend(ctx context.Context, bin, dir string, env []string) (*child, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	keyOut, err := exec.CommandContext(ctx, bin, "apikey", "create", "--name", "bench", "--data-dir", dir).Output()
	if err != nil {
		return nil, fmt.Errorf("tend apikey create: %w", err)
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "--listen", addr, "--data-dir", dir, "--log-format", "json")
	cmd.Env = append(os.Environ(), "TEND_CONFIG=", "TEND_INGEST_HOST_ENABLED=false", "TEND_LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	c := &child{cmd: cmd, writeURL: "http://" + addr + "/api/v1/write", metricsURL: "http://" + addr + "/metrics", key: strings.TrimSpace(string(keyOut))}
	return c, c.start(ctx, "http://"+addr+"/readyz")
}

func startPrometheus(ctx context.Context, bin, dir string) (*child, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\n"), 0o600); err != nil {
		return nil, err
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--web.enable-remote-write-receiver", "--log.level=warn")
	c := &child{cmd: cmd, writeURL: "http://" + addr + "/api/v1/write", metricsURL: "http://" + addr + "/metrics"}
	return c, c.start(ctx, "http://"+addr+"/-/ready")
}

// procRSS returns a process' resident set and its high-water mark, bytes.
func procRSS(pid int) (rss, hwm int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1, -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// procCPU returns a process' user+system CPU seconds from /proc/PID/stat.
func procCPU(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// scrape reads a Prometheus text exposition into name → value for samples
// without labels (and sums those with labels under the bare name); key,
// when set, is sent as a bearer token (tend's /metrics may need one).
func scrape(ctx context.Context, url, key string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 64<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		name := line[:sp]
		out[name] += v
		if i := strings.IndexByte(name, '{'); i >= 0 {
			out[name[:i]] += v
		}
	}
	return out, sc.Err()
}
