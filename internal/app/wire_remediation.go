package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/catalog/gitcatalog"
	"github.com/tendhq/tend/internal/remediate"
	"github.com/tendhq/tend/internal/remediate/policy"
)

func init() { builders = append(builders, buildRemediation) }

// Provider hooks. Other wire files fill these from their init functions,
// one line each, to replace the embedded defaults:
//
//	remediationMonitors[problem.SourceDynatrace] = newDynatraceMonitor
//	remediationEditors[catalog.FormatCFNYAML] = cfn.YAML{}
//
// A constructor returning a nil value (e.g. not configured) keeps the
// embedded default.
var (
	// remediationMonitors builds the Monitor for a problem source. Sources
	// without one get the embedded monitor: details are what was delivered,
	// comments are kept in tend (GET /v1/problems/{id}).
	remediationMonitors = map[string]func(ctx context.Context, a *App) (remediate.Monitor, error){}
	// remediationEditors edits templates by format.
	remediationEditors = remediate.Editors{}
	// remediationInventory finds cloud instances (EC2); none by default.
	remediationInventory func(ctx context.Context, a *App) (remediate.Inventory, error)
	// remediationParams reads approved types etc.; tend's parameter store
	// by default.
	remediationParams func(ctx context.Context, a *App) (remediate.Params, error)
	// remediationCatalog is where versions are published (e.g. AWS Service
	// Catalog); when nil or returning nil, remediation.catalog decides
	// (tend's embedded catalog, or git).
	remediationCatalog func(ctx context.Context, a *App) (catalog.Catalog, error)
)

func buildRemediation(ctx context.Context, a *App) error {
	rc := a.cfg.Remediation
	pols := &policy.Set{}
	if rc.Enabled && rc.PolicyDir != "" {
		if _, err := os.Stat(rc.PolicyDir); err != nil {
			return fmt.Errorf("remediation.policy_dir: %w (create it, or leave the key empty to run without policies)", err)
		}
		set, err := policy.LoadDir(rc.PolicyDir)
		if err != nil {
			return fmt.Errorf("load policies from %s:\n%w", rc.PolicyDir, err)
		}
		pols = set
	}

	var cat catalog.Catalog = embedded.New(a.store.Catalog(), a.now)
	if rc.Catalog == "git" {
		dir := rc.Git.Dir
		if dir == "" {
			dir = filepath.Join(a.cfg.DataDir, "catalog.git")
		}
		g, err := gitcatalog.Open(ctx, gitcatalog.Config{Dir: dir, Init: true, Branch: rc.Git.Branch, Remote: rc.Git.Remote,
			Now: a.now, Logger: a.log.With("component", "gitcatalog")})
		if err != nil {
			return fmt.Errorf("remediation.catalog git: %w", err)
		}
		cat = g
	}
	if remediationCatalog != nil {
		c, err := remediationCatalog(ctx, a)
		if err != nil {
			return fmt.Errorf("remediation catalog: %w", err)
		}
		if c != nil {
			cat = c
		}
	}
	var params remediate.Params = remediate.StoreParams{Store: a.store.Params()}
	if remediationParams != nil {
		p, err := remediationParams(ctx, a)
		if err != nil {
			return fmt.Errorf("remediation parameters: %w", err)
		}
		if p != nil {
			params = p
		}
	}
	var inv remediate.Inventory
	if remediationInventory != nil {
		i, err := remediationInventory(ctx, a)
		if err != nil {
			return fmt.Errorf("remediation inventory: %w", err)
		}
		inv = i
	}
	monitors := map[string]remediate.Monitor{}
	for source, build := range remediationMonitors {
		m, err := build(ctx, a)
		if err != nil {
			return fmt.Errorf("monitor for %s problems: %w", source, err)
		}
		if m != nil {
			monitors[source] = m
		}
	}
	for source, m := range a.monitors {
		monitors[source] = m
	}
	st := a.store
	eng, err := remediate.New(remediate.Options{
		Store: st, Policies: pols, Catalog: recordingCatalog{cat, a}, Params: params, Inventory: inv, Editors: remediationEditors,
		Monitors: func(source string) remediate.Monitor {
			if m, ok := monitors[source]; ok {
				return m
			}
			return remediate.StoreMonitor{Store: st.Problems(), Source: source, Now: a.now}
		},
		Logger: a.log.With("component", "remediation"), Registerer: a.reg, Now: a.now,
		Workers: rc.Workers, Lease: rc.Lease, Poll: rc.PollInterval, MaxAttempts: rc.MaxAttempts,
		RateLimit: rc.RateLimit, RateWindow: rc.RateWindow,
		BaseURL: a.baseURL, Associate: a.associateEvents,
	})
	if err != nil {
		return err
	}
	// tend's own insights are problems too: the insight stage hands them here.
	a.problems = eng
	api.RegisterProblems(a.api, eng, st.Problems())
	api.RegisterRuns(a.api, st.Runs(), a.now, eng.Wake)
	api.RegisterCatalog(a.api, cat)
	api.RegisterCatalogDiff(a.api, cat)
	a.catalog = cat
	var reload func() (*policy.Set, error)
	if rc.Enabled && rc.PolicyDir != "" {
		rl := newPolicyReloader(rc.PolicyDir, eng, a.log.With("component", "policies"), a.now, a.reg)
		reload = rl.Reload
		a.runners["policy-reload"] = rl
	}
	api.RegisterPolicies(a.api, eng.Policies, reload)
	if rc.Enabled {
		a.runners["remediation"] = eng
		a.log.Info("self-healing ready", "policies", len(pols.Policies), "catalog", cat.Kind(), "editors", len(remediationEditors))
	}
	return nil
}
