package review

import (
	"context"
	"os"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
)

// asCLI runs a benchmark with the garbage collector set as tend review sets
// it (GOGC=400 unless GOGC is set).
func asCLI(b *testing.B) {
	if os.Getenv("GOGC") == "" {
		prev := debug.SetGCPercent(400)
		b.Cleanup(func() { debug.SetGCPercent(prev) })
	}
}

// cpuTime is the process's user+system CPU time: on a shared machine MB per
// CPU-second is the per-core throughput, whatever else runs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReviewSuite reviews TEND_REVIEW_BENCH_DIR (default: the OWASP
// BenchmarkPython beside the repository, skipped when absent) end to end:
// walk, read, parse, analyse. It reports source bytes per second.
func BenchmarkReviewSuite(b *testing.B) {
	dir := os.Getenv("TEND_REVIEW_BENCH_DIR")
	if dir == "" {
		dir = "../../../shared/sast/BenchmarkPython"
	}
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("no suite at %s", dir)
	}
	asCLI(b)
	var size int64
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		rep, err := Review(context.Background(), []string{dir}, Options{Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		size = rep.Bytes
	}
	b.ReportMetric(float64(size)*float64(b.N)/1e6/(cpuTime()-cpu0).Seconds(), "MB/cpu-s")
	b.SetBytes(size)
}

func t0ctx() context.Context { return context.Background() }
