package sqlite_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// BenchmarkRunAdvance measures recording one run step (the hot write of
// self-healing) with 32 concurrent writers, so group commit applies.
//
//	go test -run '^$' -bench BenchmarkRunAdvance ./internal/store/sqlite/
func BenchmarkRunAdvance(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	const runs = 64
	for i := 0; i < runs; i++ {
		r := store.Run{ID: fmt.Sprintf("run-%d", i), Policy: "p", Mode: "auto", State: store.RunPending, Data: []byte(`{}`), NextAt: now, CreatedAt: now, UpdatedAt: now}
		if err := s.Runs().Create(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	claimed, err := s.Runs().Claim(ctx, "w", now, now.Add(time.Hour), runs)
	if err != nil || len(claimed) != runs {
		b.Fatal(err)
	}
	data := []byte(`{"seq":3,"next":"resolve","problem":{"source":"dynatrace","external_id":"P-1","title":"CPU saturation","state":"OPEN","event_type":"CPU_SATURATION","entities":[{"id":"HOST-1","type":"HOST"}]}}`)
	var next atomic.Int64
	var seq [runs]atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1)) % runs
			r := claimed[i]
			r.Data = data
			st := store.Step{Seq: int(seq[i].Add(1)), Name: "enrich", Status: "ok", Input: data, Output: data, StartedAt: now, FinishedAt: now}
			if err := s.Runs().Advance(ctx, "w", r, st); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
