package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tendhq/tend/internal/remediate"
	"github.com/tendhq/tend/internal/remediate/policy"
)

// policyReloader loads remediation.policy_dir again on SIGHUP and on
// POST /v1/policies/reload. A directory that does not load (a YAML or
// validation error anywhere in it) changes nothing: the policies in force
// stay, the error is logged with file:line, and
// tend_remediation_policy_reload_success drops to 0 until a reload succeeds.
type policyReloader struct {
	dir string
	eng *remediate.Engine
	log *slog.Logger
	now func() time.Time

	hup      chan os.Signal
	mu       sync.Mutex // one reload at a time
	success  prometheus.Gauge
	lastTime prometheus.Gauge
	loaded   prometheus.Gauge
}

func newPolicyReloader(dir string, eng *remediate.Engine, log *slog.Logger, now func() time.Time, reg prometheus.Registerer) *policyReloader {
	p := &policyReloader{dir: dir, eng: eng, log: log, now: now,
		success: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tend_remediation_policy_reload_success",
			Help: "1 if the last load of the policy directory succeeded, 0 if it failed (the policies before it stay in force)."}),
		lastTime: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tend_remediation_policy_reload_success_timestamp_seconds",
			Help: "When the policy directory was last loaded successfully."}),
		loaded: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tend_remediation_policies",
			Help: "Remediation policies in force."}),
	}
	if reg != nil {
		reg.MustRegister(p.success, p.lastTime, p.loaded)
	}
	// Take SIGHUP from now on, not only once Run's goroutine is up: the
	// default action of SIGHUP would stop tend.
	p.hup = make(chan os.Signal, 1)
	signal.Notify(p.hup, syscall.SIGHUP)
	p.loaded.Set(float64(len(eng.Policies().Policies)))
	p.success.Set(1)
	p.lastTime.Set(float64(now().Unix()))
	return p
}

// Reload loads the directory and, if every policy in it is valid, puts the
// new set in force. Runs already started keep their policy by name and use
// its new definition from their next step; a run whose policy is gone
// fails with a message saying so.
func (p *policyReloader) Reload() (*policy.Set, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	set, err := policy.LoadDir(p.dir)
	if err != nil {
		p.success.Set(0)
		p.log.Error("policies not reloaded; the ones before stay in force", "dir", p.dir, "err", err)
		return nil, fmt.Errorf("load policies from %s:\n%w", p.dir, err)
	}
	p.eng.SetPolicies(set)
	p.success.Set(1)
	p.lastTime.Set(float64(p.now().Unix()))
	p.loaded.Set(float64(len(set.Policies)))
	p.log.Info("policies reloaded", "dir", p.dir, "policies", len(set.Policies))
	return set, nil
}

// Run reloads on SIGHUP until ctx is done.
func (p *policyReloader) Run(ctx context.Context) error {
	defer signal.Stop(p.hup)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.hup:
			_, _ = p.Reload() // logged
		}
	}
}
