package remediate_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/store/storetest"
)

// TestSeveralProcesses runs two engines, each with its own connection pool
// to one database (as two tend processes), over the same runs: every run is
// executed exactly once, so every problem gets exactly one comment.
func TestSeveralProcesses(t *testing.T) {
	type pair struct {
		name string
		open func(t *testing.T) (*sqlstore.DB, *sqlstore.DB)
	}
	pairs := []pair{{"sqlite", func(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
		dir := t.TempDir()
		a, err := sqlite.Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := sqlite.Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close(); b.Close() })
		return a, b
	}}}
	if os.Getenv(storetest.PostgresEnv) != "" {
		pairs = append(pairs, pair{"postgres", func(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
			url := storetest.PostgresSchemaURL(t)
			a, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			b, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close(); b.Close() })
			return a, b
		}})
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			s1, s2 := p.open(t)
			pol := strings.Replace(seedPolicy, "occurrences: 3", "occurrences: 1", 1) + "mode: dry-run\n"
			f1 := newFixture(t, s1, pol)
			f2 := &fixture{st: s2, clock: f1.clock, pols: f1.pols, cat: f1.cat}
			e1, e2 := f1.engine(t, "proc-1"), f2.engine(t, "proc-2")
			const n = 40
			for i := 0; i < n; i++ {
				submit(t, e1, cpuProblem(fmt.Sprintf("p%02d", i)))
			}
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for _, e := range []interface{ Run(context.Context) error }{e1, e2} {
				wg.Add(1)
				go func() { defer wg.Done(); _ = e.Run(ctx) }()
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				done, _ := s1.Runs().List(context.Background(), store.RunFilter{State: store.RunDone, Limit: 1000})
				if len(done) == n {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d runs done", len(done), n)
				}
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			wg.Wait()
			owners := map[string]int{}
			for i := 0; i < n; i++ {
				pid := fmt.Sprintf("p%02d", i)
				if c := f1.comments(t, pid); len(c) != 1 {
					t.Fatalf("problem %s has %d comments, want 1", pid, len(c))
				}
			}
			runs, _ := s1.Runs().List(context.Background(), store.RunFilter{Limit: 1000})
			for _, r := range runs {
				steps, _ := s1.Runs().Steps(context.Background(), r.ID)
				if len(steps) != 5 {
					t.Fatalf("run %s has %d steps, want 5", r.ID, len(steps))
				}
				owners[r.Outcome]++
			}
			if owners["dry-run"] != n {
				t.Fatalf("outcomes = %v", owners)
			}
		})
	}
}
