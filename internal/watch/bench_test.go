package watch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/remotewrite"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/watch"
)

// counter is the cheapest Observer: it counts.
type counter struct{ n atomic.Int64 }

func (c *counter) Observe(context.Context, insight.Observation) error { c.n.Add(1); return nil }

// bodies builds remote_write requests as Prometheus sends them: 2000
// series per request with one sample each and node_exporter-like labels,
// cycling over nSeries series.
func bodies(tb testing.TB, nSeries, perReq int, t0 int64) [][]byte {
	tb.Helper()
	var out [][]byte
	for start := 0; start < nSeries; start += perReq {
		var batch []ingest.Sample
		for i := start; i < start+perReq && i < nSeries; i++ {
			batch = append(batch, ingest.Sample{
				Metric: "node_cpu_utilization",
				Labels: []ingest.Label{
					{Name: "cpu", Value: strconv.Itoa(i % 64)},
					{Name: "instance", Value: fmt.Sprintf("10.0.%d.%d:9100", i/64/250, i/64%250)},
					{Name: "job", Value: "node"},
					{Name: "mode", Value: "user"},
				},
				TimeMs: t0, Value: float64(i%100) + 0.5,
			})
		}
		b, err := remotewrite.Encode(batch)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// BenchmarkRemoteWriteIngest measures remote_write bodies decoded, admitted
// and scored by the default fallback detector on every worker, end to end:
// the clock stops when every sample has been observed.
func BenchmarkRemoteWriteIngest(b *testing.B) {
	for _, name := range []string{"tend", "fallback"} {
		b.Run("detector="+name, func(b *testing.B) { benchIngest(b, scorers(b, name)) })
	}
}

// scorers returns the detector factory: detect's by name, or the fallback.
func scorers(b *testing.B, name string) watch.NewScorer {
	if name == "fallback" {
		return watch.NewZScore
	}
	ns, err := watch.DetectorScorers(name)
	if err != nil {
		b.Fatal(err)
	}
	return ns
}

func benchIngest(b *testing.B, ns watch.NewScorer) {
	const nSeries, perReq = 20_000, 2000
	obs := &counter{}
	w, err := watch.New(watch.Options{Observer: obs, QueueBytes: 16 << 20, NewScorer: ns})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	reqs := bodies(b, nSeries, perReq, time.Now().UnixMilli())
	// Warm up: create the series.
	for _, body := range reqs {
		ingestBody(b, w, body)
	}
	waitIdle(w)
	before := obs.n.Load()

	b.SetBytes(int64(len(reqs[0])))
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	// Concurrent senders, as remote_write shards and HTTP handlers are.
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ingestBody(b, w, reqs[int(next.Add(1))%len(reqs)])
		}
	})
	waitIdle(w)
	el := time.Since(start)
	b.StopTimer()
	samples := obs.n.Load() - before
	if samples != int64(b.N*perReq) {
		b.Fatalf("observed %d samples, want %d", samples, b.N*perReq)
	}
	b.ReportMetric(float64(samples)/el.Seconds(), "samples/s")
	// The machine may be shared: samples per CPU-second says what the code
	// costs whatever else runs (two idle cores give up to twice this).
	b.ReportMetric(float64(samples)/(cpuTime()-cpu0).Seconds(), "samples/cpu-s")
}

// cpuTime is the process' user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ingestBody(b *testing.B, w *watch.Watcher, body []byte) {
	res, err := remotewrite.Decode(body, 32<<20)
	if err != nil {
		b.Fatal(err)
	}
	for {
		err := w.Append(context.Background(), res.Samples)
		var oe *ingest.OverloadedError
		if errors.As(err, &oe) {
			runtime.Gosched() // a real sender gets 429 and retries later
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		return
	}
}

func waitIdle(w *watch.Watcher) {
	for w.Pending() > 0 {
		time.Sleep(100 * time.Microsecond)
	}
}

// BenchmarkActiveSeries100k creates 100,000 series (each with a detector
// that has seen 10 samples) and reports the heap and the process' RSS.
func BenchmarkActiveSeries100k(b *testing.B) {
	for _, name := range []string{"tend", "fallback"} {
		b.Run("detector="+name, func(b *testing.B) { benchSeries(b, scorers(b, name)) })
	}
}

func benchSeries(b *testing.B, ns watch.NewScorer) {
	for range b.N {
		b.StopTimer()
		runtime.GC()
		var m0 runtime.MemStats
		runtime.ReadMemStats(&m0)
		b.StartTimer()
		obs := &counter{}
		w, _ := watch.New(watch.Options{Observer: obs, QueueBytes: 64 << 20, NewScorer: ns})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = w.Run(ctx); close(done) }()
		t0 := time.Now().UnixMilli()
		for round := range 10 {
			for _, body := range bodies(b, 100_000, 2000, t0+int64(round)*10_000) {
				ingestBody(b, w, body)
			}
		}
		waitIdle(w)
		b.StopTimer()
		if w.SeriesCount() != 100_000 {
			b.Fatalf("%d series", w.SeriesCount())
		}
		runtime.GC()
		var m1 runtime.MemStats
		runtime.ReadMemStats(&m1)
		b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/100_000, "heap-B/series")
		b.ReportMetric(rssMiB(), "rss-MiB")
		runtime.KeepAlive(w)
		cancel()
		<-done
		b.StartTimer()
	}
}

// rssMiB reads the process' resident set size from /proc/self/status.
func rssMiB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("VmRSS:")) {
			f := bytes.Fields(line)
			kb, _ := strconv.ParseFloat(string(f[1]), 64)
			return kb / 1024
		}
	}
	return -1
}

// TestActiveSeriesMemory keeps the 100k-series bound in the test suite:
// 100,000 series, each with the default detector, must stay under 1 GiB
// of heap.
func TestActiveSeriesMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("creates 100,000 series; not in -short or under -race, which inflates memory")
	}
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	ns, err := watch.DetectorScorers("")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := watch.New(watch.Options{Observer: &counter{}, QueueBytes: 64 << 20, NewScorer: ns})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for _, body := range bodies(t, 100_000, 2000, time.Now().UnixMilli()) {
		res, err := remotewrite.Decode(body, 32<<20)
		if err != nil {
			t.Fatal(err)
		}
		for w.Append(context.Background(), res.Samples) != nil {
			time.Sleep(time.Millisecond)
		}
	}
	waitIdle(w)
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	heap := int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
	t.Logf("100,000 series: heap %.1f MiB (%d B/series), RSS %.0f MiB", float64(heap)/(1<<20), heap/100_000, rssMiB())
	start := time.Now()
	var size countWriter
	if n, err := w.WriteSnapshot(&size); err != nil || n != 100_000 {
		t.Fatalf("snapshot: %d series, %v", n, err)
	}
	t.Logf("snapshot of 100,000 series: %.1f MiB in %s", float64(size)/(1<<20), time.Since(start).Round(time.Millisecond))
	if w.SeriesCount() != 100_000 || heap > 1<<30 {
		t.Fatalf("%d series in %d bytes of heap", w.SeriesCount(), heap)
	}
	runtime.KeepAlive(w)
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
