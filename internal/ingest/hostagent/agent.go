// Package hostagent is tend's built-in host agent: every interval it reads
// the CPU, load, memory, swap, disks and network of the machine tend runs
// on from /proc (and statfs for disk space) and appends the samples to the
// detection stage, as a OneAgent would.
//
// Metrics (all with the label host, plus instance_id / instance_type when
// configured and any configured extra labels):
//
//	host_cpu_utilization                   % of CPU time not idle or waiting for I/O
//	host_cpu_steal                         % of CPU time stolen by the hypervisor
//	host_load1, host_load5, host_load15    load averages
//	host_memory_utilization                % of memory in use (MemTotal − MemAvailable)
//	host_swap_utilization                  % of swap in use (when there is swap)
//	host_disk_utilization{mount}           % of each real filesystem used, as df shows it
//	host_disk_io_bytes_per_second{direction="read|write"}      over whole disks
//	host_network_bytes_per_second{direction="receive|transmit"} over all interfaces but lo
//
// Rates and CPU percentages need two readings, so they start with the
// second interval.
package hostagent

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/tendhq/tend/internal/ingest"
)

// Statfs returns a filesystem's size and the bytes available to users and
// used, as statfs(2) reports them.
type Statfs func(path string) (size, avail, used uint64, err error)

// Options configure an Agent.
type Options struct {
	// Proc is procfs (os.DirFS("/proc")); tests use a copy in testdata.
	Proc fs.FS
	// Statfs reads disk space; the statfs(2) system call when nil.
	Statfs Statfs
	Sink   ingest.Sink
	Logger *slog.Logger
	// Interval between readings (10s when 0).
	Interval time.Duration
	// Hostname is the host label; os.Hostname() when empty.
	Hostname     string
	InstanceID   string
	InstanceType string
	// Labels are added to every series.
	Labels map[string]string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Agent reads the host's metrics.
type Agent struct {
	o    Options
	base []ingest.Label
	prev *reading
}

type reading struct {
	at   time.Time
	cpu  cpuTimes
	disk ioCounters
	net  ioCounters
}

// New builds an Agent. It starts nothing: call Run.
func New(o Options) (*Agent, error) {
	if o.Proc == nil {
		o.Proc = os.DirFS("/proc")
	}
	if o.Statfs == nil {
		o.Statfs = statfs
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Interval <= 0 {
		o.Interval = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sink == nil {
		return nil, fmt.Errorf("host agent: a Sink is required")
	}
	if o.Hostname == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("host agent: find the hostname (set ingest.host.hostname): %w", err)
		}
		o.Hostname = h
	}
	a := &Agent{o: o}
	a.base = append(a.base, ingest.Label{Name: "host", Value: o.Hostname})
	if o.InstanceID != "" {
		a.base = append(a.base, ingest.Label{Name: "instance_id", Value: o.InstanceID})
	}
	if o.InstanceType != "" {
		a.base = append(a.base, ingest.Label{Name: "instance_type", Value: o.InstanceType})
	}
	for k, v := range o.Labels {
		a.base = append(a.base, ingest.Label{Name: k, Value: v})
	}
	ingest.SortLabels(a.base)
	return a, nil
}

// Run reads every interval until ctx is cancelled.
func (a *Agent) Run(ctx context.Context) error {
	t := time.NewTicker(a.o.Interval)
	defer t.Stop()
	for {
		a.tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (a *Agent) tick(ctx context.Context) {
	samples, err := a.Collect()
	if err != nil {
		a.o.Logger.Warn("host agent could not read the host's metrics", "err", err)
	}
	if len(samples) == 0 {
		return
	}
	if err := a.o.Sink.Append(ctx, samples); err != nil {
		a.o.Logger.Warn("host agent samples not accepted; this reading is skipped", "err", err)
	}
}

// Collect takes one reading and returns its samples. A file that cannot be
// read is reported in the error while the other metrics are still returned.
func (a *Agent) Collect() ([]ingest.Sample, error) {
	now := a.o.Now()
	ms := now.UnixMilli()
	var out []ingest.Sample
	var errs []error
	add := func(metric string, v float64, extra ...ingest.Label) {
		ls := a.base
		if len(extra) > 0 {
			ls = append(append([]ingest.Label(nil), a.base...), extra...)
			ingest.SortLabels(ls)
		}
		out = append(out, ingest.Sample{Metric: metric, Labels: ls, TimeMs: ms, Value: v})
	}
	cur := &reading{at: now}
	prev := a.prev

	if data, err := fs.ReadFile(a.o.Proc, "stat"); err != nil {
		errs = append(errs, err)
	} else if cpu, err := parseStat(data); err != nil {
		errs = append(errs, err)
	} else {
		cur.cpu = cpu
		if prev != nil && cpu.total() > prev.cpu.total() {
			d := float64(cpu.total() - prev.cpu.total())
			idle := float64(sub(cpu.idle, prev.cpu.idle) + sub(cpu.iowait, prev.cpu.iowait))
			add("host_cpu_utilization", clampPct(100*(1-idle/d)))
			add("host_cpu_steal", clampPct(100*float64(sub(cpu.steal, prev.cpu.steal))/d))
		}
	}
	if data, err := fs.ReadFile(a.o.Proc, "loadavg"); err != nil {
		errs = append(errs, err)
	} else if l, err := parseLoadavg(data); err != nil {
		errs = append(errs, err)
	} else {
		add("host_load1", l[0])
		add("host_load5", l[1])
		add("host_load15", l[2])
	}
	if data, err := fs.ReadFile(a.o.Proc, "meminfo"); err != nil {
		errs = append(errs, err)
	} else if m, err := parseMeminfo(data); err != nil {
		errs = append(errs, err)
	} else {
		add("host_memory_utilization", 100*float64(m.total-m.available)/float64(m.total))
		if m.swapTotal > 0 {
			add("host_swap_utilization", 100*float64(m.swapTotal-m.swapFree)/float64(m.swapTotal))
		}
	}
	if data, err := fs.ReadFile(a.o.Proc, "self/mounts"); err != nil {
		errs = append(errs, err)
	} else if mounts, err := parseMounts(data); err != nil {
		errs = append(errs, err)
	} else {
		for _, m := range mounts {
			_, avail, used, err := a.o.Statfs(m.path)
			if err != nil || used+avail == 0 {
				continue // unmounted since, or no permission: skip this mount
			}
			add("host_disk_utilization", 100*float64(used)/float64(used+avail), ingest.Label{Name: "mount", Value: m.path})
		}
	}
	if data, err := fs.ReadFile(a.o.Proc, "diskstats"); err != nil {
		errs = append(errs, err)
	} else if c, err := parseDiskstats(data); err != nil {
		errs = append(errs, err)
	} else {
		cur.disk = c
		if prev != nil {
			a.rates(add, "host_disk_io_bytes_per_second", "read", "write", prev.disk, c, now.Sub(prev.at))
		}
	}
	if data, err := fs.ReadFile(a.o.Proc, "net/dev"); err != nil {
		errs = append(errs, err)
	} else if c, err := parseNetDev(data); err != nil {
		errs = append(errs, err)
	} else {
		cur.net = c
		if prev != nil {
			a.rates(add, "host_network_bytes_per_second", "receive", "transmit", prev.net, c, now.Sub(prev.at))
		}
	}
	a.prev = cur
	if len(errs) > 0 {
		return out, fmt.Errorf("read host metrics: %w", joinErrs(errs))
	}
	return out, nil
}

func (a *Agent) rates(add func(string, float64, ...ingest.Label), metric, in, out string, prev, cur ioCounters, dt time.Duration) {
	if dt <= 0 {
		return
	}
	s := dt.Seconds()
	add(metric, float64(sub(cur.in, prev.in))/s, ingest.Label{Name: "direction", Value: in})
	add(metric, float64(sub(cur.out, prev.out))/s, ingest.Label{Name: "direction", Value: out})
}

// sub is a counter difference; a counter that went backwards (reset,
// device removed) counts as no change.
func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

func clampPct(v float64) float64 { return max(0, min(100, v)) }
