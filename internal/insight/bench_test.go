package insight

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store/storetest"
)

func benchSeries(n, boundaries int) []series.Info {
	out := make([]series.Info, n)
	for i := range out {
		host := fmt.Sprintf("host-%d", i/8)
		out[i] = hostSeries(fmt.Sprintf("host_metric_%d", i%8), host, fmt.Sprintf("stack-%d", (i/8)%boundaries))
		out[i].ID = fmt.Sprintf("s%07d", i)
	}
	return out
}

func benchEngine(b *testing.B, st Store) (*Engine, *clock, func()) {
	cfg := testConfig()
	c := &clock{t: t0}
	e, err := New(Options{Store: st, Config: cfg, Sink: &recordingSink{}, Now: c.Now})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.Run(ctx); close(done) }()
	return e, c, func() { cancel(); <-done }
}

// BenchmarkObserveNormal is the hot path: a normal sample of a series with
// no open anomaly, among 100,000 watched series. It must not allocate.
func BenchmarkObserveNormal(b *testing.B) {
	e, _, stop := benchEngine(b, newMemStore())
	defer stop()
	ss := benchSeries(100_000, 100)
	ctx := context.Background()
	for i, s := range ss { // warm: every series has its ring
		_ = e.Observe(ctx, Observation{Series: s, Time: t0.Add(time.Duration(i)), Value: 1, Score: 0.1})
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		s := &ss[i%len(ss)]
		_ = e.Observe(ctx, Observation{Series: *s, Time: t0.Add(time.Duration(i) * time.Millisecond), Value: 1, Score: 0.1})
		i++
	}
}

// BenchmarkObserveNormalParallel is the hot path from several ingest
// goroutines at once.
func BenchmarkObserveNormalParallel(b *testing.B) {
	e, _, stop := benchEngine(b, newMemStore())
	defer stop()
	ss := benchSeries(100_000, 100)
	ctx := context.Background()
	for i, s := range ss {
		_ = e.Observe(ctx, Observation{Series: s, Time: t0.Add(time.Duration(i)), Value: 1, Score: 0.1})
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			s := &ss[i%len(ss)]
			_ = e.Observe(ctx, Observation{Series: *s, Time: t0.Add(time.Duration(i) * time.Millisecond), Value: 1, Score: 0.1})
			i += 7
		}
	})
}

// BenchmarkGrouping measures one episode: K of N watched series (spread
// over 10 boundaries) become anomalous for 3 samples, return to normal for
// 5, and their insights close after the cool-down. All N series are warm
// in the engine, but only the K report during the episode (the cost of a
// normal sample is BenchmarkObserveNormal's). The store is in memory, so
// this is the engine's own cost: ns/anomaly follows K and not N.
func BenchmarkGrouping(b *testing.B) {
	for _, c := range []struct{ series, anomalies int }{
		{1_000, 100}, {100_000, 100}, {1_000, 1_000}, {100_000, 1_000},
	} {
		b.Run(fmt.Sprintf("series=%d/anomalies=%d", c.series, c.anomalies), func(b *testing.B) {
			benchGrouping(b, newMemStore(), c.series, c.anomalies)
		})
	}
}

// BenchmarkGroupingSQLite is the same episode with 100 anomalies persisted
// in SQLite: what transitions really cost with the embedded store.
func BenchmarkGroupingSQLite(b *testing.B) {
	benchGrouping(b, storetest.OpenSQLite(b), 1_000, 100)
}

func benchGrouping(b *testing.B, st Store, nSeries, nAnom int) {
	e, c, stop := benchEngine(b, st)
	defer stop()
	ss := benchSeries(nSeries, 10)
	ctx := context.Background()
	at := t0
	for i := range ss {
		_ = e.Observe(ctx, Observation{Series: ss[i], Time: at, Value: 1, Score: 0.1})
	}
	var hot []series.Info
	for i := 0; i < nAnom; i++ {
		hot = append(hot, ss[i*(nSeries/nAnom)])
	}
	round := func(score float64) {
		at = at.Add(10 * time.Second)
		c.Set(at)
		for i := range hot {
			_ = e.Observe(ctx, Observation{Series: hot[i], Time: at, Value: 1, Score: score})
		}
	}
	flush := func() {
		if err := e.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		for i, s := range []float64{0.7, 0.9, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1} {
			round(s)
			if i == 2 {
				flush()
			}
		}
		flush()
		at = at.Add(4 * time.Minute)
		c.Set(at)
		flush()
		if n := len(e.g.ongoing); n != 0 {
			b.Fatalf("%d insights still ongoing after the cool-down", n)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nAnom), "ns/anomaly")
}

// BenchmarkSeriesMemory reports the engine's heap per watched series (ring
// at excerpt_before = 30 plus map entry), measured over 100,000 series.
func BenchmarkSeriesMemory(b *testing.B) {
	for b.Loop() {
		ss := benchSeries(100_000, 100)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e, _, stop := benchEngine(b, newMemStore())
		for i := range ss {
			_ = e.Observe(context.Background(), Observation{Series: ss[i], Time: t0, Value: 1, Score: 0.1})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(ss)), "bytes/series")
		runtime.KeepAlive(e)
		stop()
	}
}
