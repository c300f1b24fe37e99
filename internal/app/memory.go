package app

import (
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/config"
)

// GCPercent is the garbage collector's target that tend serve runs with
// (Go's GOGC, which wins when set): a collection when the heap has grown
// by a quarter since the last one, not doubled (GOGC=100). Most of tend's
// heap is long-lived detector state without pointers, which a collection
// does not scan, and ingest allocates about 30 bytes a sample, so
// collecting four times as often costs little CPU (docs/benchmarks.md)
// and keeps the resident set near what is live.
const GCPercent = 25

// SetMemoryLimit sets the process' garbage-collector settings for tend
// serve: GCPercent, and the soft memory limit of ingest.memory_limit
// (Go's GOMEMLIMIT) — or, when that is 0, 90 % of the memory limit of the
// cgroup (container) tend runs in, if it has one. As the heap nears the
// limit the collector runs more often. The GOGC and GOMEMLIMIT environment
// variables, when set, win. Both settings are process-wide, so tend serve
// calls it, not New (tests start several tends in one process). It
// returns the memory limit in force (math.MaxInt64: none).
func SetMemoryLimit(limit config.ByteSize, log *slog.Logger) int64 {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		cur := debug.SetMemoryLimit(-1)
		log.Info("memory limit from GOMEMLIMIT; ingest.memory_limit ignored", "GOMEMLIMIT", v, "bytes", cur)
		return cur
	}
	from := "ingest.memory_limit"
	if limit <= 0 {
		c := cgroupMemoryLimit()
		if c <= 0 {
			return debug.SetMemoryLimit(-1)
		}
		limit, from = config.ByteSize(c/10*9), "90% of the cgroup's memory limit"
	}
	debug.SetMemoryLimit(int64(limit))
	log.Info("memory limit set", "limit", limit.String(), "from", from)
	return int64(limit)
}

// cgroupMemoryLimit returns the memory limit of this process' cgroup (v2
// memory.max, or v1 memory.limit_in_bytes), or 0 when there is none.
func cgroupMemoryLimit() int64 {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= math.MaxInt64/2 || n > 1<<50 {
			return 0 // v1 reports "unlimited" as a huge number
		}
		return n
	}
	return 0
}
