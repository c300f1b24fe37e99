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

// RunFleet runs the conformance tests of the deployment and rollout
// aggregates against stores made by open.
func RunFleet(t *testing.T, open func(t testing.TB) store.Store) {
	t.Run("Deployments", func(t *testing.T) { testDeployments(t, open(t)) })
	t.Run("DeploymentsConcurrentClaim", func(t *testing.T) { testDeploymentsConcurrentClaim(t, open(t)) })
	t.Run("Rollouts", func(t *testing.T) { testRollouts(t, open(t)) })
	t.Run("RolloutControl", func(t *testing.T) { testRolloutControl(t, open(t)) })
	t.Run("RolloutsConcurrentClaim", func(t *testing.T) { testRolloutsConcurrentClaim(t, open(t)) })
}

var ft0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func newDeployment(id string) store.Deployment {
	return store.Deployment{ID: id, Product: "shop", Type: store.DeploymentPool, Account: "111122223333", Region: "eu-west-1",
		Tenants: []string{"acme", "globex"}, Provider: "process", State: store.DeploymentPending, Stack: "tend-shop-" + id,
		NextAt: ft0, CreatedAt: ft0, UpdatedAt: ft0}
}

func testDeployments(t *testing.T, s store.Store) {
	ctx := context.Background()
	ds := s.Deployments()
	d := newDeployment("d1")
	if err := ds.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := ds.Create(ctx, d); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second create: %v, want ErrConflict", err)
	}
	got, err := ds.Get(ctx, "d1")
	if err != nil || got.Revision != 1 || len(got.Tenants) != 2 || got.Tenants[1] != "globex" || got.Stack != "tend-shop-d1" || !got.CreatedAt.Equal(ft0) {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := ds.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	silo := newDeployment("d0")
	silo.Type, silo.Tenants, silo.State = store.DeploymentSilo, []string{"initech"}, store.DeploymentActive
	if err := ds.Create(ctx, silo); err != nil {
		t.Fatal(err)
	}
	list, err := ds.List(ctx, store.DeploymentFilter{Product: "shop"})
	if err != nil || len(list) != 2 || list[0].ID != "d0" {
		t.Fatalf("list: %v %v", list, err)
	}
	list, _ = ds.List(ctx, store.DeploymentFilter{Type: store.DeploymentSilo})
	if len(list) != 1 || list[0].ID != "d0" {
		t.Fatalf("list silo: %v", list)
	}
	// Only due, pending (or removing) deployments are claimed.
	claimed, err := ds.Claim(ctx, "w1", ft0, ft0.Add(time.Minute), 10)
	if err != nil || len(claimed) != 1 || claimed[0].ID != "d1" || claimed[0].LeaseOwner != "w1" || claimed[0].Attempts != 1 || claimed[0].Revision != 2 {
		t.Fatalf("claim: %+v %v", claimed, err)
	}
	if again, _ := ds.Claim(ctx, "w2", ft0.Add(time.Second), ft0.Add(time.Minute), 10); len(again) != 0 {
		t.Fatalf("claimed a leased deployment: %+v", again)
	}
	c := claimed[0]
	c.State, c.Target, c.Outputs = store.DeploymentProvisioning, 3, map[string]string{"pid": "42"}
	up, err := ds.Update(ctx, c)
	if err != nil || up.Revision != 3 || up.State != store.DeploymentProvisioning || up.Outputs["pid"] != "42" {
		t.Fatalf("update: %+v %v", up, err)
	}
	if _, err := ds.Update(ctx, c); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	up.State, up.Version, up.Target, up.Error = store.DeploymentActive, 3, 0, ""
	up.LeaseOwner, up.LeaseUntil = "", time.Time{}
	if _, err := ds.Update(ctx, up); err != nil {
		t.Fatal(err)
	}
	if err := ds.Delete(ctx, "d1"); err != nil {
		t.Fatal(err)
	}
	if err := ds.Delete(ctx, "d1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := ds.Update(ctx, up); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update deleted: %v", err)
	}
}

func testDeploymentsConcurrentClaim(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := range 20 {
		if err := s.Deployments().Create(ctx, newDeployment(fmt.Sprintf("d%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.Deployments().Claim(ctx, fmt.Sprintf("w%d", w), ft0, ft0.Add(time.Minute), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					if prev, dup := seen[d.ID]; dup {
						t.Errorf("%s claimed by %s and w%d", d.ID, prev, w)
					}
					seen[d.ID] = d.LeaseOwner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 20 {
		t.Fatalf("claimed %d of 20", len(seen))
	}
}

func newRollout(id, product string) store.Rollout {
	return store.Rollout{ID: id, Product: product, Version: 2, Strategy: []byte(`{"strategy":"canary"}`), State: store.RolloutPending,
		CreatedBy: "test", NextAt: ft0, CreatedAt: ft0, UpdatedAt: ft0}
}

func testRollouts(t *testing.T, s store.Store) {
	ctx := context.Background()
	rs := s.Rollouts()
	if err := rs.Create(ctx, newRollout("r1", "shop")); err != nil {
		t.Fatal(err)
	}
	// One active rollout per product.
	if err := rs.Create(ctx, newRollout("r2", "shop")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second active rollout: %v, want ErrConflict", err)
	}
	if err := rs.Create(ctx, newRollout("r3", "cart")); err != nil {
		t.Fatalf("another product's rollout: %v", err)
	}
	claimed, err := rs.Claim(ctx, "w1", ft0, ft0.Add(time.Minute), 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %+v %v", claimed, err)
	}
	r := claimed[0]
	if r.ID != "r1" || r.LeaseOwner != "w1" || r.Attempts != 1 || string(r.Strategy) != `{"strategy":"canary"}` {
		t.Fatalf("claimed %+v", r)
	}
	if _, err := rs.Advance(ctx, "w2", r); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("advance without the lease: %v", err)
	}
	r.State, r.Wave, r.Data, r.Summary = store.RolloutRunning, 1, []byte(`{"seq":1}`), "wave 1 of 3"
	step := store.RolloutStep{Seq: 1, Name: "plan", Status: "ok", Output: []byte(`{"waves":3}`), StartedAt: ft0, FinishedAt: ft0.Add(time.Millisecond)}
	ctl, err := rs.Advance(ctx, "w1", r, step)
	if err != nil || ctl.PauseRequested || ctl.AbortRequested {
		t.Fatalf("advance: %+v %v", ctl, err)
	}
	if _, err := rs.Advance(ctx, "w1", r, step); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a step recorded twice: %v", err)
	}
	steps, err := rs.Steps(ctx, "r1")
	if err != nil || len(steps) != 1 || steps[0].Name != "plan" || string(steps[0].Output) != `{"waves":3}` || string(steps[0].Input) != "null" {
		t.Fatalf("steps: %+v %v", steps, err)
	}
	got, _ := rs.Get(ctx, "r1")
	if got.State != store.RolloutRunning || got.Wave != 1 || got.Summary != "wave 1 of 3" {
		t.Fatalf("get: %+v", got)
	}
	// Finished: the product may have a new rollout; advancing it is refused.
	r.State, r.FinishedAt, r.LeaseOwner, r.LeaseUntil = store.RolloutSucceeded, ft0.Add(time.Hour), "", time.Time{}
	if _, err := rs.Advance(ctx, "w1", r); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Advance(ctx, "", r); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("advance a finished rollout: %v", err)
	}
	if err := rs.Create(ctx, newRollout("r2", "shop")); err != nil {
		t.Fatalf("new rollout after the first finished: %v", err)
	}
	list, err := rs.List(ctx, store.RolloutFilter{Product: "shop"})
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %v", list, err)
	}
	list, _ = rs.List(ctx, store.RolloutFilter{State: store.RolloutSucceeded})
	if len(list) != 1 || list[0].ID != "r1" || !list[0].FinishedAt.Equal(ft0.Add(time.Hour)) {
		t.Fatalf("list succeeded: %+v", list)
	}
}

func testRolloutControl(t *testing.T, s store.Store) {
	ctx := context.Background()
	rs := s.Rollouts()
	// A pending rollout nobody holds aborts at once.
	if err := rs.Create(ctx, newRollout("a1", "a")); err != nil {
		t.Fatal(err)
	}
	x, err := rs.Control(ctx, "a1", store.RolloutAbort, "ops", ft0)
	if err != nil || x.State != store.RolloutAborted || x.ControlBy != "ops" {
		t.Fatalf("abort pending: %+v %v", x, err)
	}
	if _, err := rs.Control(ctx, "a1", store.RolloutPause, "ops", ft0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("pause finished: %v", err)
	}
	if _, err := rs.Control(ctx, "nope", store.RolloutAbort, "ops", ft0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("abort missing: %v", err)
	}
	// A running one is flagged; Advance reports the flags.
	if err := rs.Create(ctx, newRollout("b1", "b")); err != nil {
		t.Fatal(err)
	}
	c, _ := rs.Claim(ctx, "w", ft0, ft0.Add(time.Minute), 1)
	r := c[0]
	r.State = store.RolloutRunning
	if _, err := rs.Advance(ctx, "w", r); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Control(ctx, "b1", store.RolloutResume, "ops", ft0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("resume a running rollout: %v", err)
	}
	if _, err := rs.Control(ctx, "b1", store.RolloutPause, "ops", ft0); err != nil {
		t.Fatal(err)
	}
	ctl, err := rs.Advance(ctx, "w", r)
	if err != nil || !ctl.PauseRequested || ctl.AbortRequested {
		t.Fatalf("flags after pause: %+v %v", ctl, err)
	}
	// The engine honours the pause: paused, lease released.
	r.State, r.LeaseOwner, r.LeaseUntil = store.RolloutPaused, "", time.Time{}
	if _, err := rs.Advance(ctx, "w", r); err != nil {
		t.Fatal(err)
	}
	if got, _ := rs.Claim(ctx, "w", ft0.Add(time.Second), ft0.Add(time.Minute), 1); len(got) != 0 {
		t.Fatalf("claimed a paused rollout: %+v", got)
	}
	x, err = rs.Control(ctx, "b1", store.RolloutResume, "ops", ft0.Add(time.Second))
	if err != nil || x.State != store.RolloutRunning || x.PauseRequested {
		t.Fatalf("resume: %+v %v", x, err)
	}
	if got, _ := rs.Claim(ctx, "w", ft0.Add(2*time.Second), ft0.Add(time.Minute), 1); len(got) != 1 {
		t.Fatalf("resumed rollout not claimed: %+v", got)
	}
	// Waiting for approval: approve; an abort request makes it claimable.
	r.State, r.LeaseOwner, r.LeaseUntil = store.RolloutWaiting, "", time.Time{}
	if _, err := rs.Advance(ctx, "w", r); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Approve(ctx, "a1", "ops", ft0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("approve a finished rollout: %v", err)
	}
	if got, _ := rs.Claim(ctx, "w", ft0.Add(3*time.Second), ft0.Add(time.Minute), 1); len(got) != 0 {
		t.Fatalf("claimed a rollout waiting for approval: %+v", got)
	}
	if _, err := rs.Control(ctx, "b1", store.RolloutAbort, "ops", ft0.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	got, _ := rs.Claim(ctx, "w", ft0.Add(4*time.Second), ft0.Add(time.Minute), 1)
	if len(got) != 1 || !got[0].AbortRequested || got[0].State != store.RolloutWaiting {
		t.Fatalf("abort-requested rollout: %+v", got)
	}
	if err := rs.Create(ctx, newRollout("c1", "c")); err != nil {
		t.Fatal(err)
	}
	c, _ = rs.Claim(ctx, "w", ft0, ft0.Add(time.Minute), 1)
	c[0].State, c[0].LeaseOwner = store.RolloutWaiting, ""
	if _, err := rs.Advance(ctx, "w", c[0]); err != nil {
		t.Fatal(err)
	}
	x, err = rs.Approve(ctx, "c1", "ops", ft0.Add(time.Second))
	if err != nil || x.State != store.RolloutRunning || x.ControlBy != "ops" {
		t.Fatalf("approve: %+v %v", x, err)
	}
}

func testRolloutsConcurrentClaim(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := range 12 {
		if err := s.Rollouts().Create(ctx, newRollout(fmt.Sprintf("r%02d", i), fmt.Sprintf("p%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.Rollouts().Claim(ctx, fmt.Sprintf("w%d", w), ft0, ft0.Add(time.Minute), 2)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, r := range got {
					if seen[r.ID] {
						t.Errorf("%s claimed twice", r.ID)
					}
					seen[r.ID] = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 12 {
		t.Fatalf("claimed %d of 12", len(seen))
	}
}
