package app

import (
	"context"
	"fmt"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/devopsguru"
)

func init() { builders = append(builders, buildDevOpsGuru) }

// buildDevOpsGuru serves Amazon DevOps Guru's API under /devops-guru on
// tend's listener (docs/devops-guru-api.md). The route is access.Signed:
// the handler verifies each request's Signature Version 4 itself and checks
// each operation's scope and the key's accounts with package access.
func buildDevOpsGuru(ctx context.Context, a *App) error {
	keys, err := devopsguru.OpenKeys(a.store.AWSKeys(), a.cfg.DataDir, a.now)
	if err != nil {
		return fmt.Errorf("devops guru api: %w", err)
	}
	cfg := a.cfg.Series
	h := devopsguru.New(devopsguru.Options{
		Store: a.store, Keys: keys, Logger: a.log.With("component", "devopsguru"), Registerer: a.reg, Now: a.now,
		Coverage: func() devopsguru.Coverage {
			return devopsguru.Coverage{Mode: cfg.Coverage, Stacks: cfg.CoverageStacks, TagKey: cfg.CoverageTagKey, TagValues: cfg.CoverageTagValues}
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
	a.api.HandleRoute(api.Route{Pattern: devopsguru.Prefix + "/", Scope: access.Signed, Handler: h})
	return nil
}
