package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/cloud/process"
	"github.com/tendhq/tend/internal/fleet"
	"github.com/tendhq/tend/internal/rollout"
	"github.com/tendhq/tend/internal/store"
)

func init() { builders = append(builders, buildRollout) }

// fleetProviders adds deployment providers beyond the local process one
// (the cfn provider, wire_cfn.go); a constructor returning nil adds none.
var fleetProviders = map[string]func(ctx context.Context, a *App) (fleet.Provider, error){}

// fleetParts are the deployment and rollout components of an App.
type fleetParts struct {
	fleet    *fleet.Engine
	rollouts *rollout.Engine
	process  *process.Provider
	recorder *rollout.Recorder
	keyTap   *rollout.KeyTap
}

// buildRollout wires the deployment database (fleet), the process
// provider (and cfn when configured), the rollout engine and their API.
// It runs after the remediation builder, whose catalog it reads, and the
// ingest builder, whose sink the process provider's scrapes feed.
func buildRollout(ctx context.Context, a *App) error {
	c := a.cfg.Fleet
	if a.catalog == nil {
		return fmt.Errorf("rollouts need the catalog, which the remediation wiring builds")
	}
	rec := rollout.NewRecorder(0, 0)
	dir := c.ProcessDir
	if dir == "" {
		dir = filepath.Join(a.cfg.DataDir, "processes")
	}
	po := process.Options{Dir: dir, ScrapeInterval: c.ScrapeInterval, StartTimeout: c.StartTimeout, Now: a.now,
		Logger: a.log.With("component", "process-provider"),
		OnKey:  func(k process.KeySample) { rec.Add(k.Deployment, k.Version, k.Time, k.Values) }}
	if a.watch != nil {
		po.Sink = a.watch
	}
	proc, err := process.New(po)
	if err != nil {
		return err
	}
	providers := map[string]fleet.Provider{"process": proc}
	for name, build := range fleetProviders {
		p, err := build(ctx, a)
		if err != nil {
			return fmt.Errorf("deployment provider %s: %w", name, err)
		}
		if p != nil {
			providers[name] = p
		}
	}
	fl, err := fleet.New(fleet.Options{Store: a.store, Catalog: a.catalog, Providers: providers, Logger: a.log.With("component", "fleet"),
		Registerer: a.reg, Now: a.now, Workers: c.Workers, Poll: c.PollInterval})
	if err != nil {
		return err
	}
	st := a.store
	ro, err := rollout.New(rollout.Options{Store: st, Catalog: a.catalog, Deployer: fl, Metrics: rec, Review: a.ReviewGate(), Associate: a.associateEvents,
		Notifier: rollout.NotifierFunc(func(ctx context.Context, msgs ...store.Notification) error {
			return st.Outbox().Enqueue(ctx, msgs...)
		}),
		Logger: a.log.With("component", "rollout"), Registerer: a.reg, Now: a.now, Workers: c.RolloutWorkers, Lease: c.RolloutLease, Poll: c.PollInterval})
	if err != nil {
		return err
	}
	km := c.KeyMetrics
	tap, err := rollout.NewKeyTap(rollout.KeyTapOptions{Recorder: rec, Deployments: st.Deployments(), Refresh: c.PollInterval,
		Logger: a.log.With("component", "rollout-key-metrics"),
		Series: rollout.KeySeries{Label: km.Label, Metrics: map[string][]string{
			rollout.MetricErrorRate: km.ErrorRate, rollout.MetricLatency: km.Latency, rollout.MetricSaturation: km.Saturation}}})
	if err != nil {
		return err
	}
	api.RegisterFleet(a.api, fl, ro, st, a.now)
	a.runners["rollout-key-metrics"] = tap
	a.runners["process-provider"] = proc
	a.runners["fleet"] = fl
	a.runners["rollout"] = ro
	a.fleet = fleetParts{fleet: fl, rollouts: ro, process: proc, recorder: rec, keyTap: tap}
	return nil
}

// Fleet returns the deployment engine.
func (a *App) Fleet() *fleet.Engine { return a.fleet.fleet }

// Rollouts returns the rollout engine.
func (a *App) Rollouts() *rollout.Engine { return a.fleet.rollouts }

// ProcessProvider returns the local process provider.
func (a *App) ProcessProvider() *process.Provider { return a.fleet.process }
