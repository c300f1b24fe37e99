package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/remotewrite"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store/storetest"
	"github.com/tendhq/tend/internal/watch"
)

type countObs struct{ n atomic.Int64 }

func (c *countObs) Observe(context.Context, insight.Observation) error { c.n.Add(1); return nil }

// BenchmarkRemoteWriteHTTP measures POST /api/v1/write through the whole
// handler chain — API-key check against SQLite, body limit, snappy,
// decoding, admission — and detection of every sample, with concurrent
// senders; the clock stops when every sample has been observed.
func BenchmarkRemoteWriteHTTP(b *testing.B) {
	s := storetest.OpenSQLite(b)
	keys := apikey.New(s.APIKeys(), nil)
	_, key, err := keys.Create(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	obs := &countObs{}
	w, _ := watch.New(watch.Options{Observer: obs, QueueBytes: 16 << 20})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	reg := prometheus.NewRegistry()
	a := api.New(api.Options{Logger: logging.Discard(), Store: s, Keys: keys, Registerer: reg, Gatherer: reg, MaxBodyBytes: 8 << 20})
	api.RegisterIngest(a, api.IngestOptions{Sink: w, Series: w})
	h := a.Handler()

	const nSeries, perReq = 20_000, 2000
	var reqs [][]byte
	t0 := time.Now().UnixMilli()
	for start := 0; start < nSeries; start += perReq {
		var batch []ingest.Sample
		for i := start; i < start+perReq; i++ {
			batch = append(batch, ingest.Sample{Metric: "node_cpu_utilization", Labels: []ingest.Label{
				{Name: "cpu", Value: strconv.Itoa(i % 64)}, {Name: "instance", Value: fmt.Sprintf("10.0.%d.%d:9100", i/64/250, i/64%250)},
				{Name: "job", Value: "node"}, {Name: "mode", Value: "user"}}, TimeMs: t0, Value: float64(i % 100)})
		}
		body, _ := remotewrite.Encode(batch)
		reqs = append(reqs, body)
	}
	post := func(body []byte) {
		for {
			r := httptest.NewRequest("POST", "/api/v1/write", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/x-protobuf")
			r.Header.Set("Content-Encoding", "snappy")
			r.Header.Set("Authorization", "Bearer "+key)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			switch rec.Code {
			case http.StatusNoContent:
				return
			case http.StatusTooManyRequests:
				time.Sleep(time.Millisecond) // a sender backs off and retries
			default:
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	}
	for _, body := range reqs {
		post(body)
	}
	for w.Pending() > 0 {
		time.Sleep(100 * time.Microsecond)
	}
	before := obs.n.Load()
	b.SetBytes(int64(len(reqs[0])))
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			post(reqs[int(next.Add(1))%len(reqs)])
		}
	})
	for w.Pending() > 0 {
		time.Sleep(100 * time.Microsecond)
	}
	el := time.Since(start)
	b.StopTimer()
	n := obs.n.Load() - before
	if n != int64(b.N*perReq) {
		b.Fatalf("observed %d, want %d", n, b.N*perReq)
	}
	b.ReportMetric(float64(n)/el.Seconds(), "samples/s")
	b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "samples/cpu-s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
