package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/store"
)

// Options are the engine's dependencies and limits.
type Options struct {
	Store     store.Store
	Catalog   catalog.Catalog
	Providers map[string]Provider

	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
	// Owner names this process in leases; a random id if empty.
	Owner string
	// Workers bounds how many deployments provision at once (default 10).
	Workers int
	// Lease is how long a claimed deployment stays this process's
	// (default 5m: provisioning a stack takes minutes); it is renewed
	// while the provider works.
	Lease time.Duration
	// Poll is how often to look for work nothing woke the engine for
	// (default 1s).
	Poll time.Duration
	// MaxAttempts bounds provisioning attempts before FAILED (default 3).
	MaxAttempts int
}

// Engine provisions and removes deployments in the background.
type Engine struct {
	o       Options
	log     *slog.Logger
	wake    chan struct{}
	metrics struct {
		ops     *prometheus.CounterVec
		seconds *prometheus.HistogramVec
	}
}

// New builds an engine; it starts nothing.
func New(o Options) (*Engine, error) {
	if o.Store == nil || o.Catalog == nil {
		return nil, errors.New("fleet: Store and Catalog are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Owner == "" {
		o.Owner = store.NewID("fleet", time.Now())
	}
	if o.Workers <= 0 {
		o.Workers = 10
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.Providers == nil {
		o.Providers = map[string]Provider{}
	}
	e := &Engine{o: o, log: o.Logger, wake: make(chan struct{}, 1)}
	e.metrics.ops = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tend_fleet_operations_total",
		Help: "Deployment operations by provider, operation (provision, update, remove) and result."}, []string{"provider", "op", "result"})
	e.metrics.seconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tend_fleet_operation_seconds",
		Help: "Time a provider took to provision, update or remove a deployment.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 10)}, []string{"provider", "op"})
	if o.Registerer != nil {
		o.Registerer.MustRegister(e.metrics.ops, e.metrics.seconds)
	}
	return e, nil
}

// Providers returns the configured providers.
func (e *Engine) Providers() map[string]Provider { return e.o.Providers }

// Add validates a spec and stores the deployment PENDING; a worker
// provisions it. Errors: *FieldError for a bad spec, store.ErrConflict
// when the ID exists.
func (e *Engine) Add(ctx context.Context, s Spec) (store.Deployment, error) {
	if err := s.Validate(e.o.Providers); err != nil {
		return store.Deployment{}, err
	}
	if _, err := ReleasedVersion(ctx, e.o.Store.Rollouts(), e.o.Catalog, s.Product); err != nil {
		return store.Deployment{}, err
	}
	now := e.o.Now().UTC()
	d := store.Deployment{ID: s.ID, Product: s.Product, Type: s.Type, Account: s.Account, Region: s.Region, Tenants: s.Tenants,
		Provider: s.Provider, State: store.DeploymentPending, Stack: StackName(s.Product, s.ID), NextAt: now, CreatedAt: now, UpdatedAt: now}
	if err := e.o.Store.Deployments().Create(ctx, d); err != nil {
		return d, err
	}
	e.Wake()
	d.Revision = 1
	return d, nil
}

// ErrBusy is returned (wrapped) when a deployment cannot be removed now.
var ErrBusy = errors.New("deployment is busy")

// Remove asks for a deployment to be removed: a worker releases it at its
// provider (deleting its resources only with deleteResources) and deletes
// the record. A deployment an active rollout of its product may touch
// cannot be removed (ErrBusy).
func (e *Engine) Remove(ctx context.Context, id string, deleteResources bool) (store.Deployment, error) {
	for {
		d, err := e.o.Store.Deployments().Get(ctx, id)
		if err != nil {
			return d, err
		}
		active, err := e.activeRollout(ctx, d.Product)
		if err != nil {
			return d, err
		}
		if active != "" {
			return d, fmt.Errorf("%w: rollout %s of %s is active; wait for it or abort it first", ErrBusy, active, d.Product)
		}
		if d.State == store.DeploymentRemoving {
			return d, nil
		}
		now := e.o.Now().UTC()
		d.State, d.DeleteResources, d.NextAt, d.UpdatedAt, d.Attempts, d.Error = store.DeploymentRemoving, deleteResources, now, now, 0, ""
		if d.LeaseUntil.After(now) {
			// Provisioning in progress: the worker sees REMOVING when it
			// records its result and leaves it; the removal waits for the
			// lease.
			d.NextAt = d.LeaseUntil
		}
		up, err := e.o.Store.Deployments().Update(ctx, d)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err == nil {
			e.Wake()
		}
		return up, err
	}
}

func (e *Engine) activeRollout(ctx context.Context, product string) (string, error) {
	rs, err := e.o.Store.Rollouts().List(ctx, store.RolloutFilter{Product: product, Limit: 5})
	if err != nil {
		return "", err
	}
	for _, r := range rs {
		if store.RolloutActive(r.State) {
			return r.ID, nil
		}
	}
	return "", nil
}

// Wake makes the workers look for work now.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run restores the deployments whose provider lives in this process, then
// provisions and removes deployments with Workers goroutines until ctx is
// cancelled, and returns when they have stopped.
func (e *Engine) Run(ctx context.Context) error {
	e.restore(ctx)
	var wg sync.WaitGroup
	for i := 0; i < e.o.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.work(ctx)
		}()
	}
	wg.Wait()
	return nil
}

func (e *Engine) restore(ctx context.Context) {
	for name, p := range e.o.Providers {
		r, ok := p.(Restorer)
		if !ok {
			continue
		}
		ds, err := e.o.Store.Deployments().List(ctx, store.DeploymentFilter{Provider: name})
		if err != nil {
			e.log.Error("list deployments to restore", "provider", name, "err", err)
			continue
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, e.o.Workers)
		for _, d := range ds {
			if d.Version == 0 || (d.State != store.DeploymentActive && d.State != store.DeploymentUpdating) {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				v, err := FindVersion(ctx, e.o.Catalog, d.Product, d.Version)
				var out map[string]string
				if err == nil {
					out, err = r.Restore(ctx, d, v)
				}
				if err == nil && out != nil {
					err = e.recordOutputs(ctx, d.ID, d.Version, out)
				}
				if err != nil {
					e.log.Error("restore deployment", "deployment", d.ID, "version", d.Version, "err", err)
					return
				}
				e.log.Info("deployment restored", "deployment", d.ID, "version", d.Version)
			}()
		}
		wg.Wait()
	}
}

// recordOutputs stores what a restored deployment's provider reported,
// unless it has moved to another version since.
func (e *Engine) recordOutputs(ctx context.Context, id string, version int, out map[string]string) error {
	for range 5 {
		d, err := e.o.Store.Deployments().Get(ctx, id)
		if err != nil || d.Version != version {
			return err
		}
		d.Outputs, d.UpdatedAt = out, e.o.Now().UTC()
		if _, err = e.o.Store.Deployments().Update(ctx, d); !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("record the outputs of %s: it keeps changing", id)
}

func (e *Engine) work(ctx context.Context) {
	timer := time.NewTimer(e.o.Poll)
	defer timer.Stop()
	for ctx.Err() == nil {
		now := e.o.Now()
		got, err := e.o.Store.Deployments().Claim(ctx, e.o.Owner, now, now.Add(e.o.Lease), 1)
		if err != nil && ctx.Err() == nil {
			e.log.Error("claim deployments", "err", err)
		}
		if len(got) > 0 {
			e.Wake() // there may be more: let an idle worker look
			e.handle(ctx, got[0])
			continue
		}
		timer.Reset(e.o.Poll)
		select {
		case <-ctx.Done():
		case <-e.wake:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// Drain provisions and removes due deployments until none is left,
// without background goroutines (tests and the CLI).
func (e *Engine) Drain(ctx context.Context) (int, error) {
	n := 0
	for {
		now := e.o.Now()
		got, err := e.o.Store.Deployments().Claim(ctx, e.o.Owner, now, now.Add(e.o.Lease), e.o.Workers)
		if err != nil {
			return n, err
		}
		if len(got) == 0 {
			return n, nil
		}
		var wg sync.WaitGroup
		for _, d := range got {
			wg.Add(1)
			go func() { defer wg.Done(); e.handle(ctx, d) }()
		}
		wg.Wait()
		n += len(got)
	}
}

func (e *Engine) handle(ctx context.Context, d store.Deployment) {
	switch d.State {
	case store.DeploymentPending:
		e.provision(ctx, d)
	case store.DeploymentRemoving:
		e.remove(ctx, d)
	}
}

func (e *Engine) provider(d store.Deployment) (Provider, error) {
	p, ok := e.o.Providers[d.Provider]
	if !ok || p == nil {
		return nil, fmt.Errorf("provider %q is not configured in this tend", d.Provider)
	}
	return p, nil
}

func (e *Engine) provision(ctx context.Context, d store.Deployment) {
	log := e.log.With("deployment", d.ID, "product", d.Product, "provider", d.Provider)
	fail := func(cause error) {
		now := e.o.Now().UTC()
		d.LeaseOwner, d.LeaseUntil, d.UpdatedAt, d.Error = "", time.Time{}, now, cause.Error()
		if d.Attempts >= e.o.MaxAttempts {
			d.State, d.Target = store.DeploymentFailed, 0
		} else {
			d.State, d.NextAt = store.DeploymentPending, now.Add(time.Duration(1<<min(d.Attempts, 6))*time.Second)
		}
		if _, err := e.o.Store.Deployments().Update(context.WithoutCancel(ctx), d); err != nil {
			log.Warn("record a failed provisioning", "err", err)
		}
		e.metrics.ops.WithLabelValues(d.Provider, "provision", "failed").Inc()
		log.Warn("provisioning failed", "attempt", d.Attempts, "state", d.State, "err", cause)
	}
	p, err := e.provider(d)
	if err != nil {
		d.Attempts = e.o.MaxAttempts
		fail(err)
		return
	}
	n, err := ReleasedVersion(ctx, e.o.Store.Rollouts(), e.o.Catalog, d.Product)
	if err != nil {
		fail(err)
		return
	}
	v, err := FindVersion(ctx, e.o.Catalog, d.Product, n)
	if err != nil {
		fail(err)
		return
	}
	d.State, d.Target, d.UpdatedAt = store.DeploymentProvisioning, v.Number, e.o.Now().UTC()
	if d, err = e.o.Store.Deployments().Update(ctx, d); err != nil {
		log.Warn("record provisioning", "err", err)
		return
	}
	start := e.o.Now()
	out, err := e.applyLeased(ctx, p, &d, v)
	e.metrics.seconds.WithLabelValues(d.Provider, "provision").Observe(e.o.Now().Sub(start).Seconds())
	if err != nil {
		if ctx.Err() != nil {
			return // stopping: the lease lapses and provisioning resumes
		}
		fail(err)
		return
	}
	now := e.o.Now().UTC()
	if d.State == store.DeploymentRemoving {
		// Removal was asked for while provisioning: remove it now, with
		// what was just created.
		d.Version, d.Target, d.Outputs, d.LeaseOwner, d.LeaseUntil, d.NextAt, d.UpdatedAt = v.Number, 0, out, "", time.Time{}, now, now
		if _, err := e.o.Store.Deployments().Update(context.WithoutCancel(ctx), d); err != nil {
			log.Warn("record a provisioned deployment being removed", "err", err)
		}
		e.Wake()
		return
	}
	d.State, d.Version, d.Target, d.Error, d.Outputs = store.DeploymentActive, v.Number, 0, "", out
	d.LeaseOwner, d.LeaseUntil, d.UpdatedAt, d.Attempts = "", time.Time{}, now, 0
	if _, err := e.o.Store.Deployments().Update(context.WithoutCancel(ctx), d); err != nil {
		log.Warn("record an active deployment", "err", err)
		return
	}
	e.metrics.ops.WithLabelValues(d.Provider, "provision", "ok").Inc()
	log.Info("deployment active", "version", v.Number, "took", now.Sub(start).Round(time.Millisecond).String())
}

// applyLeased runs the provider's Apply while renewing the deployment's
// lease; d is kept current with the stored revision.
func (e *Engine) applyLeased(ctx context.Context, p Provider, d *store.Deployment, v catalog.Version) (map[string]string, error) {
	done := make(chan struct{})
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(e.o.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				mu.Lock()
				x := *d
				x.LeaseUntil = e.o.Now().Add(e.o.Lease)
				if up, err := e.o.Store.Deployments().Update(ctx, x); err == nil {
					*d = up
				}
				mu.Unlock()
			}
		}
	}()
	out, err := p.Apply(ctx, *d, v)
	close(done)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	// Re-read: a removal may have been asked for meanwhile.
	if cur, gerr := e.o.Store.Deployments().Get(context.WithoutCancel(ctx), d.ID); gerr == nil {
		if cur.State == store.DeploymentRemoving {
			*d = cur
			d.State = store.DeploymentRemoving
			return out, nil
		}
		*d = cur
	}
	return out, err
}

func (e *Engine) remove(ctx context.Context, d store.Deployment) {
	log := e.log.With("deployment", d.ID, "product", d.Product, "provider", d.Provider, "delete_resources", d.DeleteResources)
	p, err := e.provider(d)
	if err == nil {
		start := e.o.Now()
		err = p.Remove(ctx, d, d.DeleteResources)
		e.metrics.seconds.WithLabelValues(d.Provider, "remove").Observe(e.o.Now().Sub(start).Seconds())
	}
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		now := e.o.Now().UTC()
		d.Error, d.LeaseOwner, d.LeaseUntil, d.UpdatedAt = "remove: "+err.Error(), "", time.Time{}, now
		d.NextAt = now.Add(time.Duration(1<<min(d.Attempts, 8)) * time.Second)
		if _, uerr := e.o.Store.Deployments().Update(context.WithoutCancel(ctx), d); uerr != nil {
			log.Warn("record a failed removal", "err", uerr)
		}
		e.metrics.ops.WithLabelValues(d.Provider, "remove", "failed").Inc()
		log.Warn("removal failed; retrying", "attempt", d.Attempts, "err", err)
		return
	}
	if err := e.o.Store.Deployments().Delete(context.WithoutCancel(ctx), d.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		log.Warn("delete a removed deployment's record", "err", err)
		return
	}
	e.metrics.ops.WithLabelValues(d.Provider, "remove", "ok").Inc()
	log.Info("deployment removed")
}

// Deploy moves an ACTIVE (or FAILED) deployment to version n of its
// product with its provider, recording UPDATING while the provider works
// and the outcome after: ACTIVE at n, or — when the provider fails — the
// deployment keeps its old Version, state ACTIVE with Error set (the
// caller rolls back). The returned deployment is as stored.
func (e *Engine) Deploy(ctx context.Context, id string, n int) (store.Deployment, error) {
	ds := e.o.Store.Deployments()
	d, err := ds.Get(ctx, id)
	if err != nil {
		return d, err
	}
	p, err := e.provider(d)
	if err != nil {
		return d, err
	}
	v, err := FindVersion(ctx, e.o.Catalog, d.Product, n)
	if err != nil {
		return d, err
	}
	switch d.State {
	case store.DeploymentActive, store.DeploymentFailed, store.DeploymentUpdating:
	default:
		return d, fmt.Errorf("%w: deployment %s is %s", ErrBusy, d.ID, d.State)
	}
	op := "update"
	d.State, d.Target, d.UpdatedAt = store.DeploymentUpdating, n, e.o.Now().UTC()
	if d, err = ds.Update(ctx, d); err != nil {
		return d, fmt.Errorf("record update of %s: %w", id, err)
	}
	start := e.o.Now()
	out, aerr := p.Apply(ctx, d, v)
	e.metrics.seconds.WithLabelValues(d.Provider, op).Observe(e.o.Now().Sub(start).Seconds())
	wctx := context.WithoutCancel(ctx)
	for {
		now := e.o.Now().UTC()
		d.State, d.Target, d.UpdatedAt = store.DeploymentActive, 0, now
		if aerr == nil {
			d.Version, d.Error = n, ""
			if out != nil {
				d.Outputs = out
			}
		} else {
			d.Error = fmt.Sprintf("update to version %d failed: %v", n, aerr)
		}
		up, err := ds.Update(wctx, d)
		if errors.Is(err, store.ErrConflict) {
			if d, err = ds.Get(wctx, id); err == nil {
				continue
			}
		}
		if err != nil {
			return d, errors.Join(aerr, fmt.Errorf("record update of %s: %w", id, err))
		}
		d = up
		break
	}
	result := "ok"
	if aerr != nil {
		result = "failed"
	}
	e.metrics.ops.WithLabelValues(d.Provider, op, result).Inc()
	if aerr != nil {
		return d, aerr
	}
	return d, nil
}
