package remediate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// blockingMonitor holds every entity lookup of the entity named block until
// the lookup's context ends; the rest it answers from the store.
type blockingMonitor struct {
	remediate.StoreMonitor
	block   string
	blocked chan struct{} // closed when a lookup is held
}

func (m blockingMonitor) Entity(ctx context.Context, id string) (problem.Entity, error) {
	if id == m.block {
		close(m.blocked)
		<-ctx.Done()
		return problem.Entity{}, ctx.Err()
	}
	return m.StoreMonitor.Entity(ctx, id)
}

func (f *fixture) runningEngine(t *testing.T, owner string, mon func(string) remediate.Monitor) (*remediate.Engine, func()) {
	t.Helper()
	e, err := remediate.New(remediate.Options{
		Store: f.st, Policies: f.pols, Catalog: f.cat, Params: remediate.StoreParams{Store: f.st.Params()},
		Editors:  remediate.Editors{catalog.FormatCFNYAML: lineEditor{}},
		Monitors: mon,
		// One worker, and no polling during the test: a run is executed
		// only if Submit hands it over.
		Now: f.clock.Now, Owner: owner, Lease: 10 * time.Second, Workers: 1, Poll: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Run(ctx) }()
	return e, func() { cancel(); <-done }
}

// TestHandOff: while the engine runs, a submitted run is executed at once
// by this process's workers, without the store being polled for it.
func TestHandOff(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t), strings.Replace(seedPolicy, "occurrences: 3", "occurrences: 1", 1))
	e, stop := f.runningEngine(t, "w1", func(source string) remediate.Monitor {
		return remediate.StoreMonitor{Store: f.st.Problems(), Source: source, Now: f.clock.Now}
	})
	defer stop()
	// The first poll happens at start; let it find nothing.
	time.Sleep(50 * time.Millisecond)
	rec := submit(t, e, cpuProblem("501"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := f.st.Runs().Get(context.Background(), rec.RunIDs[0])
		if err == nil && r.State == store.RunDone {
			if r.Outcome != remediate.OutcomeActed || r.Attempts != 1 {
				t.Fatalf("run = %s/%s after %d attempts, want done/acted after 1", r.State, r.Outcome, r.Attempts)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the handed-over run did not finish: %+v, %v", r, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(f.comments(t, "501")); n != 1 {
		t.Fatalf("comments = %d, want 1", n)
	}
}

// TestHandOffRelease: runs still waiting for a worker when the engine stops
// are given back, so that another process claims them at once rather than
// after their lease.
func TestHandOffRelease(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t), strings.Replace(seedPolicy, "occurrences: 3", "occurrences: 1", 1))
	blocked := make(chan struct{})
	e, stop := f.runningEngine(t, "w1", func(source string) remediate.Monitor {
		return blockingMonitor{StoreMonitor: remediate.StoreMonitor{Store: f.st.Problems(), Source: source, Now: f.clock.Now},
			block: "HOST-BLOCK", blocked: blocked}
	})
	first := cpuProblem("601")
	first.Entities[0].ID = "HOST-BLOCK"
	submit(t, e, first)
	<-blocked // the only worker is busy
	queued := submit(t, e, cpuProblem("602"))
	stop()

	r, err := f.st.Runs().Get(context.Background(), queued.RunIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.State != store.RunPending || r.LeaseOwner != "" {
		t.Fatalf("queued run after stop: state %s, lease %q; want pending and released", r.State, r.LeaseOwner)
	}
	// Another process claims and finishes it without waiting for a lease.
	e2 := f.engine(t, "w2")
	drain(t, e2)
	if r, _ := f.st.Runs().Get(context.Background(), queued.RunIDs[0]); r.State != store.RunDone || r.Outcome != remediate.OutcomeActed {
		t.Fatalf("released run = %s/%s, want done/acted", r.State, r.Outcome)
	}
}
