package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/detect"
)

// Ingest configures how metrics come in and wait for detection.
type Ingest struct {
	// Detection workers; series are sharded over them. 0 means one per CPU.
	Workers int `yaml:"workers"`
	// Most memory that what was admitted and waits for detection may hold
	// (a sample takes 16 bytes, a series in a request 24 bytes and its
	// labels). A request that finds no room waits up to queue_wait for the
	// workers to make some, then gets 429 with Retry-After.
	QueueBytes ByteSize `yaml:"queue_bytes"`
	// Longest time a request waits for room in the queue before 429; keep
	// it shorter than the senders' timeout (Prometheus' remote_timeout is
	// 30s). 0s refuses at once.
	QueueWait time.Duration `yaml:"queue_wait"`
	// Soft memory limit of the process (Go's GOMEMLIMIT, which wins when
	// set): the garbage collector works harder as the heap nears it. 0
	// means 90% of the container's (cgroup's) memory limit, or none.
	MemoryLimit ByteSize `yaml:"memory_limit"`
	// Most series tracked; at the limit a request with new series is
	// refused whole (400), known series still get in.
	MaxSeries int `yaml:"max_series"`
	// How long a series that sends nothing is kept before it is forgotten
	// (with what its detector learned).
	SeriesTTL time.Duration `yaml:"series_ttl"`
	// Largest ingest body after decompression (remote_write's snappy,
	// OTLP's gzip), in bytes.
	MaxDecodedBytes int `yaml:"max_decoded_bytes"`
	// What 429 answers tell senders to wait.
	RetryAfter time.Duration `yaml:"retry_after"`
	// How often the detectors' learned state is saved to data_dir (it is
	// also saved at shutdown and loaded at start).
	SnapshotInterval time.Duration `yaml:"snapshot_interval"`
	// Host agent: the machine tend runs on.
	Host HostAgent `yaml:"host"`
}

// HostAgent configures the built-in host agent.
type HostAgent struct {
	// Read the host's CPU, load, memory, swap, disks and network from /proc.
	Enabled bool `yaml:"enabled"`
	// How often to read.
	Interval time.Duration `yaml:"interval"`
	// Where procfs is mounted (/host/proc in a container with the host's
	// /proc mounted).
	ProcRoot string `yaml:"proc_root"`
	// Host name for the host label; the machine's hostname when empty.
	Hostname string `yaml:"hostname"`
	// Cloud instance ID and type, carried on every host series.
	InstanceID   string `yaml:"instance_id"`
	InstanceType string `yaml:"instance_type"`
	// Extra labels on every host series, e.g. {stack: shop} or
	// {devops-guru-app: shop} to put the host in an application boundary.
	Labels map[string]string `yaml:"labels"`
}

// Series configures series identity, boundaries, coverage and baselining.
type Series struct {
	// How long a new series only learns before anomalies are raised.
	Baseline time.Duration `yaml:"baseline"`
	// The detector each covered series gets (see tend nab run for the
	// detectors tend has; "tend" is the default ensemble).
	Detector string `yaml:"detector"`
	// What tend analyses: all, stacks (coverage_stacks) or tag
	// (coverage_tag_key with coverage_tag_values).
	Coverage string `yaml:"coverage"`
	// Stacks analysed when coverage is stacks.
	CoverageStacks []string `yaml:"coverage_stacks"`
	// Tag key analysed when coverage is tag; starts with devops-guru- or
	// tend- (prefix case-insensitive).
	CoverageTagKey string `yaml:"coverage_tag_key"`
	// Tag values analysed when coverage is tag; empty means every value.
	CoverageTagValues []string `yaml:"coverage_tag_values"`
	// Resource ID or name → stack, for series without a stack label.
	Stacks map[string]string `yaml:"stacks"`
	// Extra label name → resource type, checked before the well-known labels.
	ResourceLabels map[string]string `yaml:"resource_labels"`
	// Account and region for series whose labels carry none.
	Account string `yaml:"account"`
	Region  string `yaml:"region"`
}

func defaultIngest() Ingest {
	return Ingest{
		QueueBytes: 32 << 20, QueueWait: 5 * time.Second, MaxSeries: 1_000_000, SeriesTTL: 24 * time.Hour, MaxDecodedBytes: 32 << 20, RetryAfter: 5 * time.Second, SnapshotInterval: 5 * time.Minute,
		Host: HostAgent{Enabled: true, Interval: 10 * time.Second, ProcRoot: "/proc"},
	}
}

func defaultSeries() Series {
	return Series{Baseline: 2 * time.Hour, Coverage: "all", Detector: detect.DefaultName}
}

func (in Ingest) validate() []FieldError {
	var errs []FieldError
	bad := func(key, format string, a ...any) {
		errs = append(errs, FieldError{Key: key, Reason: fmt.Sprintf(format, a...)})
	}
	if in.Workers < 0 || in.Workers > 256 {
		bad("ingest.workers", "must be 0 (one per CPU) to 256 (got %d)", in.Workers)
	}
	if in.QueueBytes < 64<<10 || in.QueueBytes > 64<<30 {
		bad("ingest.queue_bytes", "must be between 64KiB and 64GiB (got %s)", in.QueueBytes)
	}
	if in.QueueWait < 0 || in.QueueWait > 10*time.Minute {
		bad("ingest.queue_wait", "must be between 0s and 10m (got %s)", in.QueueWait)
	}
	if in.MemoryLimit != 0 && in.MemoryLimit < 64<<20 {
		bad("ingest.memory_limit", "must be 0 (none) or at least 64MiB (got %s)", in.MemoryLimit)
	}
	if in.MaxSeries < 1 || in.MaxSeries > 100_000_000 {
		bad("ingest.max_series", "must be between 1 and 100000000 (got %d)", in.MaxSeries)
	}
	if in.MaxDecodedBytes < 1024 || in.MaxDecodedBytes > 1<<30 {
		bad("ingest.max_decoded_bytes", "must be between 1024 and 1073741824 (got %d)", in.MaxDecodedBytes)
	}
	if in.RetryAfter < time.Second || in.RetryAfter > time.Hour {
		bad("ingest.retry_after", "must be between 1s and 1h (got %s)", in.RetryAfter)
	}
	if in.SeriesTTL < time.Minute {
		bad("ingest.series_ttl", "must be at least 1m (got %s)", in.SeriesTTL)
	}
	if in.SnapshotInterval < 10*time.Second {
		bad("ingest.snapshot_interval", "must be at least 10s (got %s)", in.SnapshotInterval)
	}
	if in.Host.Enabled {
		if in.Host.Interval < time.Second {
			bad("ingest.host.interval", "must be at least 1s (got %s)", in.Host.Interval)
		}
		if strings.TrimSpace(in.Host.ProcRoot) == "" {
			bad("ingest.host.proc_root", "must not be empty while the host agent is enabled")
		}
	}
	for k := range in.Host.Labels {
		if k == "" || k == "host" || k == "__name__" {
			bad("ingest.host.labels", "label %q is reserved or empty", k)
		}
	}
	return errs
}

func (s Series) validate() []FieldError {
	var errs []FieldError
	bad := func(key, format string, a ...any) {
		errs = append(errs, FieldError{Key: key, Reason: fmt.Sprintf(format, a...)})
	}
	if !slices.Contains(detect.Names(), s.Detector) {
		bad("series.detector", "unknown detector %q; tend has %s", s.Detector, strings.Join(detect.Names(), ", "))
	}
	if s.Baseline < 0 {
		bad("series.baseline", "must not be negative (got %s)", s.Baseline)
	}
	switch s.Coverage {
	case "all":
	case "stacks":
		if len(s.CoverageStacks) == 0 {
			bad("series.coverage_stacks", "must list at least one stack when series.coverage is stacks")
		}
	case "tag":
		k := strings.ToLower(s.CoverageTagKey)
		if !strings.HasPrefix(k, "devops-guru-") && !strings.HasPrefix(k, "tend-") || len(k) == len("tend-") || k == "devops-guru-" {
			bad("series.coverage_tag_key", "must start with devops-guru- or tend- when series.coverage is tag (got %q)", s.CoverageTagKey)
		}
	default:
		bad("series.coverage", "must be all, stacks or tag (got %q)", s.Coverage)
	}
	for l, t := range s.ResourceLabels {
		if l == "" || t == "" {
			bad("series.resource_labels", "label %q → type %q: neither may be empty", l, t)
		}
	}
	return errs
}
