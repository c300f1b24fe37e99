package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/channel"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/notifytest"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// BenchmarkOutbox measures messages through the outbox of the embedded
// store (SQLite in a temporary directory) to a local signed-webhook
// receiver, with the dispatcher running as in tend serve (woken by the
// store's commits, 32 sends in flight, group wait 0). Each message is its
// own transaction, as an insight change is, about one of 200 insights.
//
//   - burst: b.N messages written by 16 writers as fast as they can;
//     msgs/s is from the first write to the last delivery.
//   - paced: 2,000 (or 500) messages a second offered by 8 writers, for
//     b.N messages.
//
// Both report the latency from the write's start to the receiver's
// arrival (p50/p99/max) and the process's CPU time per message (tend's
// work and the receiver's, which runs in the same process).
//
// go test -run '^$' -bench BenchmarkOutbox -benchtime 20000x ./internal/notify/
func BenchmarkOutbox(b *testing.B) {
	b.Run("burst", func(b *testing.B) { benchOutbox(b, 16, 0) })
	b.Run("paced-2000", func(b *testing.B) { benchOutbox(b, 8, 2000) })
	b.Run("paced-500", func(b *testing.B) { benchOutbox(b, 8, 500) })
}

func benchOutbox(b *testing.B, writers, rate int) {
	st := storetest.OpenSQLite(b)
	rcv := notifytest.NewReceiver("bench-secret")
	defer rcv.Close()
	spec := notify.Spec{Name: "bench", Type: notify.TypeWebhook, URL: rcv.URL, Secret: "bench-secret", GroupWait: notify.Dur(0)}
	rec, err := spec.Record(store.ChannelFromConfig, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := st.Channels().Put(ctx, rec); err != nil {
		b.Fatal(err)
	}
	d, err := notify.New(notify.Options{Store: st, Wake: st.OutboxWake(), Build: channel.Builder(channel.Env{}),
		Logger: slog.New(slog.DiscardHandler), Poll: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()

	n := b.N
	written := make([]time.Time, n)
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("bench-%d.%d.NEW_ASSOCIATION", i%200, i)
	}
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += writers {
				if rate > 0 {
					if due := start.Add(time.Duration(i) * time.Second / time.Duration(rate)); time.Until(due) > 0 {
						time.Sleep(time.Until(due))
					}
				}
				ins := fmt.Sprintf("bench-%d", i%200)
				now := time.Now()
				m := message.Message{MessageId: ids[i], MessageType: message.NewAssociation, InsightId: ins, InsightSeverity: "medium",
					InsightDescription: "CPU utilisation anomalous on " + ins, ProblemType: "CPU_SATURATION", StartTime: now.UnixMilli(), Time: now.UnixMilli(),
					Boundary: &message.Boundary{Kind: "stack", Name: "shop"}}
				written[i] = now
				if err := st.Outbox().Enqueue(ctx, m.Notification(ins, "medium", "stack", "shop")); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(2 * time.Minute)
	for rcv.Distinct() < n {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d messages delivered after 2 minutes", rcv.Distinct(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	var last time.Time
	lat := make([]time.Duration, n)
	for i, id := range ids {
		at := rcv.Arrived(id)
		if at.After(last) {
			last = at
		}
		lat[i] = at.Sub(written[i])
	}
	cancel()
	<-done
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[min(n-1, int(p*float64(n)))].Microseconds()) / 1000 }
	b.ReportMetric(float64(n)/last.Sub(start).Seconds(), "msgs/s")
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[n-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/msg")
	b.ReportMetric(0, "ns/op")
}
