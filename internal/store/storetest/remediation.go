package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// runRemediation runs the conformance tests of the self-healing aggregates.
func runRemediation(t *testing.T, open func(t testing.TB) store.Store) {
	t.Run("Problems", func(t *testing.T) { testProblems(t, open(t)) })
	t.Run("Runs", func(t *testing.T) { testRuns(t, open(t)) })
	t.Run("RunsConcurrentClaim", func(t *testing.T) { testConcurrentClaim(t, open(t)) })
	t.Run("Qualify", func(t *testing.T) { testQualify(t, open(t)) })
	t.Run("Guard", func(t *testing.T) { testGuard(t, open(t)) })
	t.Run("Params", func(t *testing.T) { testParams(t, open(t)) })
	t.Run("Catalog", func(t *testing.T) { testCatalog(t, open(t)) })
}

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func newRun(id string) store.Run {
	return store.Run{ID: id, Policy: "p", Mode: "auto", State: store.RunPending, Data: []byte(`{}`), NextAt: t0, CreatedAt: t0, UpdatedAt: t0}
}

func testProblems(t *testing.T, s store.Store) {
	ctx := context.Background()
	ps := s.Problems()
	rec := store.ProblemRecord{ID: "prb-1", Source: "dynatrace", ExternalID: "P1", Title: "cpu", State: "OPEN", EventType: "CPU_SATURATION", Body: []byte(`{"a":1}`)}
	occ := store.Occurrence{ID: "occ-1", Digest: "d1", State: "OPEN", Body: []byte(`{"a":1}`), ReceivedAt: t0}
	res, err := ps.Record(ctx, rec, occ, []store.Run{newRun("run-1")})
	if err != nil || res.Duplicate || res.ProblemID != "prb-1" || len(res.RunIDs) != 1 {
		t.Fatalf("Record = %+v, %v", res, err)
	}
	// Identical delivery: duplicate, no new run.
	rec.ID, occ.ID = "prb-2", "occ-2"
	res, err = ps.Record(ctx, rec, occ, []store.Run{newRun("run-2")})
	if err != nil || !res.Duplicate || res.ProblemID != "prb-1" || res.OccurrenceID != "occ-1" || len(res.RunIDs) != 1 || res.RunIDs[0] != "run-1" {
		t.Fatalf("Record(duplicate) = %+v, %v", res, err)
	}
	// Changed delivery: a new occurrence of the same problem.
	occ.Digest, occ.ReceivedAt = "d2", t0.Add(time.Minute)
	rec.Title = "cpu again"
	res, err = ps.Record(ctx, rec, occ, nil)
	if err != nil || res.Duplicate || res.ProblemID != "prb-1" {
		t.Fatalf("Record(changed) = %+v, %v", res, err)
	}
	got, err := ps.Get(ctx, "prb-1")
	if err != nil || got.Occurrences != 2 || got.Title != "cpu again" || !got.LastSeen.Equal(t0.Add(time.Minute)) || !got.FirstSeen.Equal(t0) {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if _, err := ps.Find(ctx, "dynatrace", "P1"); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(missing) = %v", err)
	}
	occs, err := ps.Occurrences(ctx, "prb-1")
	if err != nil || len(occs) != 2 || occs[0].ID != "occ-1" {
		t.Fatalf("Occurrences = %+v, %v", occs, err)
	}
	for i := 0; i < 2; i++ {
		if err := ps.AddComment(ctx, store.Comment{ID: fmt.Sprintf("c%d", i), Source: "dynatrace", ExternalID: "P1", Author: "tend", Content: fmt.Sprint(i), CreatedAt: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := ps.Comments(ctx, "dynatrace", "P1")
	if err != nil || len(cs) != 2 || cs[0].ID != "c1" {
		t.Fatalf("Comments = %+v, %v (want newest first)", cs, err)
	}
	list, err := ps.List(ctx, store.ProblemFilter{Source: "dynatrace"})
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %+v, %v", list, err)
	}
}

func testRuns(t *testing.T, s store.Store) {
	ctx := context.Background()
	rs := s.Runs()
	if err := rs.Create(ctx, newRun("run-a"), newRun("run-b")); err != nil {
		t.Fatal(err)
	}
	if err := rs.Create(ctx, newRun("run-a")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Create(duplicate) = %v", err)
	}
	got, err := rs.Claim(ctx, "w1", t0, t0.Add(time.Minute), 10)
	if err != nil || len(got) != 2 || got[0].LeaseOwner != "w1" || got[0].Attempts != 1 {
		t.Fatalf("Claim = %+v, %v", got, err)
	}
	if again, _ := rs.Claim(ctx, "w2", t0.Add(time.Second), t0.Add(time.Minute), 10); len(again) != 0 {
		t.Fatalf("claimed leased runs: %+v", again)
	}
	r := got[0]
	r.Data, r.State = []byte(`{"seq":1}`), store.RunWaiting
	if err := rs.Advance(ctx, "w2", r); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Advance by non-owner = %v", err)
	}
	st := store.Step{Seq: 1, Name: "enrich", Status: "ok", Input: []byte(`{}`), Output: []byte(`{"x":1}`), StartedAt: t0, FinishedAt: t0.Add(time.Millisecond)}
	if err := rs.Advance(ctx, "w1", r, st); err != nil {
		t.Fatal(err)
	}
	if err := rs.Advance(ctx, "w1", r, st); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Advance(same step twice) = %v", err)
	}
	steps, err := rs.Steps(ctx, r.ID)
	if err != nil || len(steps) != 1 || string(steps[0].Output) != `{"x":1}` || !steps[0].FinishedAt.Equal(t0.Add(time.Millisecond)) {
		t.Fatalf("Steps = %+v, %v", steps, err)
	}
	// Several steps in one record: all or nothing.
	st2, st3 := st, st
	st2.Seq, st2.Name, st3.Seq, st3.Name = 2, "resolve", 3, "decide"
	if err := rs.Advance(ctx, "w1", r, st2, st); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Advance(new step, recorded step) = %v", err)
	}
	if steps, _ := rs.Steps(ctx, r.ID); len(steps) != 1 {
		t.Fatalf("a failed Advance recorded %d steps, want the 1 before it", len(steps))
	}
	// (committed without waiting for the disk: the same result)
	if err := rs.Advance(store.Unsynced(ctx), "w1", r, st2, st3); err != nil {
		t.Fatal(err)
	}
	if steps, err := rs.Steps(ctx, r.ID); err != nil || len(steps) != 3 || steps[1].Name != "resolve" || steps[2].Name != "decide" {
		t.Fatalf("Steps after recording two at once = %+v, %v", steps, err)
	}
	if _, err := rs.Approve(ctx, "run-b", "alice", t0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Approve(not waiting) = %v", err)
	}
	ap, err := rs.Approve(ctx, r.ID, "alice", t0.Add(time.Minute))
	if err != nil || ap.State != store.RunPending || ap.ApprovedBy != "alice" {
		t.Fatalf("Approve = %+v, %v", ap, err)
	}
	if _, err := rs.Approve(ctx, "missing", "alice", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Approve(missing) = %v", err)
	}
	c, err := rs.Cancel(ctx, "run-b", "bob", t0)
	if err != nil || c.State != store.RunCanceled {
		t.Fatalf("Cancel = %+v, %v", c, err)
	}
	if _, err := rs.Cancel(ctx, "run-b", "bob", t0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Cancel(cancelled) = %v", err)
	}
	b := got[1]
	b.State = store.RunDone
	if err := rs.Advance(ctx, "w1", b); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Advance(cancelled run) = %v", err)
	}
	list, err := rs.List(ctx, store.RunFilter{State: store.RunCanceled})
	if err != nil || len(list) != 1 || list[0].ID != "run-b" {
		t.Fatalf("List(cancelled) = %+v, %v", list, err)
	}
	// After the lease lapses another worker takes the run over.
	over, err := rs.Claim(ctx, "w2", t0.Add(2*time.Minute), t0.Add(3*time.Minute), 10)
	if err != nil || len(over) != 1 || over[0].ID != r.ID || over[0].LeaseOwner != "w2" {
		t.Fatalf("Claim after lease = %+v, %v", over, err)
	}
}

// testConcurrentClaim: several workers claiming at once never get the same run.
func testConcurrentClaim(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 60
	var all []store.Run
	for i := 0; i < n; i++ {
		all = append(all, newRun(fmt.Sprintf("run-%03d", i)))
	}
	if err := s.Runs().Create(ctx, all...); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", w)
			for {
				got, err := s.Runs().Claim(ctx, owner, t0, t0.Add(time.Hour), 3)
				if err != nil {
					t.Errorf("Claim: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, r := range got {
					if prev, dup := seen[r.ID]; dup {
						t.Errorf("run %s claimed by %s and %s", r.ID, prev, owner)
					}
					seen[r.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d runs, want %d", len(seen), n)
	}
}

func testQualify(t *testing.T, s store.Store) {
	ctx := context.Background()
	rs := s.Runs()
	q := func(occ, run string, at time.Time) (int, bool) {
		n, ok, err := rs.Qualify(ctx, store.QualifyRequest{Policy: "p", Entity: "HOST-1", OccurrenceID: occ, RunID: run, At: at, Since: at.Add(-time.Hour), Need: 3})
		if err != nil {
			t.Fatal(err)
		}
		return n, ok
	}
	if n, ok := q("o1", "r1", t0); n != 1 || ok {
		t.Fatalf("first = %d %v", n, ok)
	}
	if n, ok := q("o1", "r1b", t0); n != 1 || ok {
		t.Fatalf("same occurrence again = %d %v", n, ok)
	}
	if _, ok := q("o2", "r2", t0.Add(time.Minute)); ok {
		t.Fatal("second qualified")
	}
	if n, ok := q("o3", "r3", t0.Add(2*time.Minute)); n != 3 || !ok {
		t.Fatalf("third = %d %v", n, ok)
	}
	if _, ok := q("o3", "r3", t0.Add(2*time.Minute)); !ok {
		t.Fatal("repeating a qualified run's question must qualify again")
	}
	if n, ok := q("o4", "r4", t0.Add(3*time.Minute)); n != 1 || ok {
		t.Fatalf("after consumption = %d %v", n, ok)
	}
	// Outside the window, old hits do not count.
	if n, _ := q("o5", "r5", t0.Add(5*time.Hour)); n != 1 {
		t.Fatalf("window: %d", n)
	}
}

func testGuard(t *testing.T, s store.Store) {
	ctx := context.Background()
	rs := s.Runs()
	g := func(key, run string, at time.Time) store.GuardResult {
		r, err := rs.Guard(ctx, store.GuardRequest{Key: key, RunID: run, Now: at, Cooldown: time.Hour, RateLimit: 2, RateWindow: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := g("p/a", "r1", t0); !r.Allowed {
		t.Fatalf("first = %+v", r)
	}
	if r := g("p/a", "r1", t0.Add(time.Minute)); !r.Allowed {
		t.Fatalf("same run again = %+v", r)
	}
	if r := g("p/a", "r2", t0.Add(time.Minute)); r.Allowed || r.Reason != "cooldown" || r.HeldBy != "r1" || !r.Until.Equal(t0.Add(time.Hour)) {
		t.Fatalf("cooldown = %+v", r)
	}
	if r := g("p/b", "r3", t0.Add(time.Minute)); !r.Allowed {
		t.Fatalf("other target = %+v", r)
	}
	if r := g("p/c", "r4", t0.Add(2*time.Minute)); r.Allowed || r.Reason != "rate-limit" {
		t.Fatalf("rate limit = %+v", r)
	}
	if r := g("p/a", "r5", t0.Add(2*time.Hour)); !r.Allowed {
		t.Fatalf("after cooldown = %+v", r)
	}
}

func testParams(t *testing.T, s store.Store) {
	ctx := context.Background()
	ps := s.Params()
	if _, err := ps.Get(ctx, "/x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(missing) = %v", err)
	}
	p, err := ps.Set(ctx, "/x", "a,b", t0)
	if err != nil || p.Version != 1 {
		t.Fatalf("Set = %+v, %v", p, err)
	}
	p, err = ps.Set(ctx, "/x", "a,b,c", t0.Add(time.Second))
	if err != nil || p.Version != 2 {
		t.Fatalf("Set again = %+v, %v", p, err)
	}
	got, err := ps.Get(ctx, "/x")
	if err != nil || got.Value != "a,b,c" || got.Version != 2 || !got.UpdatedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if l, _ := ps.List(ctx); len(l) != 1 {
		t.Fatalf("List = %+v", l)
	}
}

func testCatalog(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := s.Catalog()
	if _, err := c.Latest(ctx, "web"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Latest(missing) = %v", err)
	}
	if _, err := c.Versions(ctx, "web"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Versions(missing) = %v", err)
	}
	v1, created, err := c.Publish(ctx, store.CatalogVersion{Product: "web", Format: "cfn-yaml", Template: []byte("a"), CreatedAt: t0}, false, nil)
	if err != nil || !created || v1.Number != 1 || !v1.Active {
		t.Fatalf("Publish = %+v %v %v", v1, created, err)
	}
	v2, created, err := c.Publish(ctx, store.CatalogVersion{Product: "web", Format: "cfn-yaml", Template: []byte("b"), IdempotencyKey: "k", CreatedAt: t0}, true, nil)
	if err != nil || !created || v2.Number != 2 {
		t.Fatalf("Publish v2 = %+v %v %v", v2, created, err)
	}
	again, created, err := c.Publish(ctx, store.CatalogVersion{Product: "web", Format: "cfn-yaml", Template: []byte("c"), IdempotencyKey: "k", CreatedAt: t0}, true, nil)
	if err != nil || created || again.Number != 2 || string(again.Template) != "b" {
		t.Fatalf("Publish(same key) = %+v %v %v", again, created, err)
	}
	old, err := c.Version(ctx, "web", 1)
	if err != nil || old.Active || string(old.Template) != "a" {
		t.Fatalf("v1 after deprecate = %+v, %v", old, err)
	}
	if l, err := c.Latest(ctx, "web"); err != nil || l.Number != 2 {
		t.Fatalf("Latest = %+v, %v", l, err)
	}
	// Concurrent publishes get distinct numbers.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := c.Publish(ctx, store.CatalogVersion{Product: "web", Format: "cfn-yaml", Template: []byte("x"), CreatedAt: t0}, false, nil); err != nil {
				t.Errorf("concurrent Publish: %v", err)
			}
		}()
	}
	wg.Wait()
	vs, err := c.Versions(ctx, "web")
	if err != nil || len(vs) != 10 || vs[9].Number != 10 {
		t.Fatalf("Versions = %d, %v", len(vs), err)
	}
	if ps, _ := c.Products(ctx); len(ps) != 1 || ps[0].Latest != 10 {
		t.Fatalf("Products = %+v", ps)
	}

	// A publish commits the run record its caller asks for with the
	// version, or neither.
	rs := s.Runs()
	if err := rs.Create(ctx, newRun("run-pub")); err != nil {
		t.Fatal(err)
	}
	claimed, err := rs.Claim(ctx, "w1", t0, t0.Add(time.Minute), 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("Claim = %+v, %v", claimed, err)
	}
	record := func(owner string) func(store.CatalogVersion) *store.RunRecord {
		return func(v store.CatalogVersion) *store.RunRecord {
			r := claimed[0]
			r.Target = fmt.Sprintf("%s v%d", v.Product, v.Number)
			return &store.RunRecord{Owner: owner, Run: r, Steps: []store.Step{{Seq: 1, Name: "act", Status: "ok", StartedAt: t0, FinishedAt: t0}}}
		}
	}
	if _, _, err := c.Publish(ctx, store.CatalogVersion{Product: "db", Format: "cfn-yaml", Template: []byte("x"), IdempotencyKey: "run-pub", CreatedAt: t0}, false, record("w2")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Publish recording a run leased to another = %v, want ErrConflict", err)
	}
	if _, err := c.Latest(ctx, "db"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the publish whose record failed left a version: %v", err)
	}
	v, created, err := c.Publish(ctx, store.CatalogVersion{Product: "db", Format: "cfn-yaml", Template: []byte("x"), IdempotencyKey: "run-pub", CreatedAt: t0}, false, record("w1"))
	if err != nil || !created || v.Number != 1 {
		t.Fatalf("Publish with a record = %+v %v %v", v, created, err)
	}
	got, err := rs.Get(ctx, "run-pub")
	if steps, _ := rs.Steps(ctx, "run-pub"); err != nil || got.Target != "db v1" || len(steps) != 1 || steps[0].Name != "act" {
		t.Fatalf("run after publish = %+v (steps %+v), %v", got, steps, err)
	}
}
