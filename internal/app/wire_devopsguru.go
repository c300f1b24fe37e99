package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/devopsguru"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

func init() { builders = append(builders, buildDevOpsGuru) }

// CoverageParam is the parameter that keeps a coverage set through the
// DevOps Guru API (UpdateResourceCollection); once set, it overrides
// series.coverage* of the configuration.
const CoverageParam = "/tend/devops-guru/coverage"

// coveragePoll is how often a replica looks for a coverage another replica
// changed.
const coveragePoll = 15 * time.Second

// buildDevOpsGuru serves Amazon DevOps Guru's API under /devops-guru on
// tend's listener (docs/devops-guru-api.md). The route is access.Signed:
// the handler verifies each request's Signature Version 4 itself and checks
// each operation's scope and the key's accounts with package access.
func buildDevOpsGuru(ctx context.Context, a *App) error {
	keys, err := devopsguru.OpenKeys(a.store.AWSKeys(), a.cfg.DataDir, a.now)
	if err != nil {
		return fmt.Errorf("devops guru api: %w", err)
	}
	// A coverage kept from UpdateResourceCollection applies from the start.
	version := 0
	if p, err := a.store.Params().Get(ctx, CoverageParam); err == nil {
		var c devopsguru.Coverage
		if err := json.Unmarshal([]byte(p.Value), &c); err != nil {
			return fmt.Errorf("parameter %s: %w (remove it with tend param to use series.coverage)", CoverageParam, err)
		}
		a.applyCoverage(c)
		version = p.Version
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("read parameter %s: %w", CoverageParam, err)
	}
	h := devopsguru.New(devopsguru.Options{
		Store: a.store, Keys: keys, Logger: a.log.With("component", "devopsguru"), Registerer: a.reg, Now: a.now,
		Coverage: a.coverage,
		SetCoverage: func(ctx context.Context, c devopsguru.Coverage) error {
			b, err := json.Marshal(c)
			if err != nil {
				return err
			}
			if _, err := a.store.Params().Set(ctx, CoverageParam, string(b), a.now()); err != nil {
				return err
			}
			a.applyCoverage(c)
			return nil
		},
		MetricsAnalyzed: func() int {
			if a.watch == nil {
				return 0
			}
			return a.watch.SeriesCount()
		},
		ChannelsChanged: func() {
			if d, ok := a.runners["notify"].(interface{ Reload() }); ok {
				d.Reload()
			}
		},
		Policies: a.policyTypes,
		Lookback: a.cfg.Events.Lookback,
	})
	a.api.HandleRoute(api.Route{Pattern: devopsguru.Prefix + "/", Scope: access.Signed, Handler: h, TooLarge: h.TooLarge})
	a.runners["devopsguru-coverage"] = RunnerFunc(func(ctx context.Context) error {
		t := time.NewTicker(coveragePoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			p, err := a.store.Params().Get(ctx, CoverageParam)
			if err != nil || p.Version == version {
				continue
			}
			var c devopsguru.Coverage
			if json.Unmarshal([]byte(p.Value), &c) == nil {
				a.applyCoverage(c)
				version = p.Version
			}
		}
	})
	return nil
}

// coverage is what tend analyses now.
func (a *App) coverage() devopsguru.Coverage {
	if a.watch != nil {
		c := a.watch.Coverage()
		return devopsguru.Coverage{Mode: c.Mode, Stacks: c.Stacks, TagKey: c.TagKey, TagValues: c.TagValues}
	}
	s := a.cfg.Series
	return devopsguru.Coverage{Mode: s.Coverage, Stacks: s.CoverageStacks, TagKey: s.CoverageTagKey, TagValues: s.CoverageTagValues}
}

// applyCoverage makes c what tend analyses: through the detection stage
// once it exists, else through the configuration it is built from.
func (a *App) applyCoverage(c devopsguru.Coverage) {
	if a.watch != nil {
		a.watch.SetCoverage(series.Coverage{Mode: c.Mode, Stacks: c.Stacks, TagKey: c.TagKey, TagValues: c.TagValues})
		return
	}
	a.cfg.Series.Coverage, a.cfg.Series.CoverageStacks = c.Mode, c.Stacks
	a.cfg.Series.CoverageTagKey, a.cfg.Series.CoverageTagValues = c.TagKey, c.TagValues
}
