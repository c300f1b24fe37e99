package app

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/store/storetest"
)

// BenchmarkRemediation measures the whole loop in-process over HTTP with the
// embedded default (SQLite store, embedded catalog and parameters) and an
// in-process Dynatrace (BenchRemediation, as `tend bench remediation` runs
// it): b.N hosts each send three CPU_SATURATION webhooks from 32
// concurrent senders; the third qualifies, the product gets a new version
// and the problem a comment. It reports sustained problems/s (all runs
// finished) and the latency from the webhook that completed qualification
// to the comment, and fails if anything is lost or duplicated.
//
// With TEND_TEST_POSTGRES_URL set, the same runs on PostgreSQL too. With
// TEND_BENCH_TRACE set, it prints where the acting runs spent their time.
//
// Sub-benchmarks: "max" sends as fast as 32 senders can (sustained
// throughput); "rate=N" paces the webhooks at N problems/s and measures
// the latency at that load (500/s is the target).
//
//	go test -run '^$' -bench BenchmarkRemediation -benchtime 3000x ./internal/app/
func BenchmarkRemediation(b *testing.B) {
	b.Run("max", func(b *testing.B) { benchRemediation(b, 0, "") })
	b.Run("rate=100", func(b *testing.B) { benchRemediation(b, 100, "") })
	b.Run("rate=500", func(b *testing.B) { benchRemediation(b, 500, "") })
	if os.Getenv(storetest.PostgresEnv) != "" {
		b.Run("postgres/max", func(b *testing.B) { benchRemediation(b, 0, storetest.PostgresSchemaURL(b)) })
		b.Run("postgres/rate=500", func(b *testing.B) { benchRemediation(b, 500, storetest.PostgresSchemaURL(b)) })
	}
}

func benchRemediation(b *testing.B, rate int, storeURL string) {
	o := RemediationBench{Hosts: b.N, Rate: rate, StoreURL: storeURL}
	if os.Getenv("TEND_BENCH_TRACE") != "" && b.N > 1 {
		o.Trace = os.Stdout // printed, not logged: a benchmark's log is cut short
	}
	b.ResetTimer()
	res, err := BenchRemediation(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	ms := func(d interface{ Microseconds() int64 }) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(res.Sustained, "problems/s")
	b.ReportMetric(ms(res.CPUPerProblem), "cpu-ms/problem")
	if rate > 0 {
		b.ReportMetric(res.Offered, "offered/s")
	}
	b.ReportMetric(ms(res.P50), "p50-ms")
	b.ReportMetric(ms(res.P99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// TestBenchRemediationStore: on PostgreSQL the benchmark runs in an empty
// database and refuses one that holds anything (it would add products,
// problems and runs to it).
func TestBenchRemediationStore(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skip(storetest.PostgresEnv + " not set")
	}
	url := storetest.PostgresSchemaURL(t)
	res, err := BenchRemediation(context.Background(), RemediationBench{Hosts: 5, StoreURL: url})
	if err != nil || res.Problems != 15 {
		t.Fatalf("BenchRemediation = %+v, %v", res, err)
	}
	_, err = BenchRemediation(context.Background(), RemediationBench{Hosts: 5, StoreURL: url})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("BenchRemediation on a used database = %v, want a refusal", err)
	}
}
