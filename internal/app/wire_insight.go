package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/problem"
)

func init() { builders = append(builders, buildInsight) }

// buildInsight builds the insight engine from the insight.* settings,
// restores its state from the store, serves its API and runs it. Problems
// go to a.problems, read when an insight is handed on, so the remediation
// wiring may set it in any builder order.
func buildInsight(ctx context.Context, a *App) error {
	c := a.cfg.Insight
	log := a.log.With("component", "insight")
	var warnOnce sync.Once
	sink := problem.SinkFunc(func(ctx context.Context, p problem.Problem) (problem.Receipt, error) {
		if a.problems == nil {
			warnOnce.Do(func() {
				log.Warn("no remediation engine is wired: insights are recorded but not handed on as problems")
			})
			return problem.Receipt{}, nil
		}
		return a.problems.Submit(ctx, p)
	})
	e, err := insight.New(insight.Options{
		Store: a.store,
		Config: insight.Config{
			Threshold: c.Threshold, CloseAfterSamples: c.CloseAfterSamples, CloseAfter: c.CloseAfter, SettleAfter: c.SettleAfter, ConfirmSamples: c.ConfirmSamples,
			GroupGap: c.GroupGap, Cooldown: c.Cooldown, StaleAfter: c.StaleAfter,
			ExcerptBefore: c.ExcerptBefore, ExcerptMax: c.ExcerptMax, Instance: c.Instance,
		},
		Sink:       sink,
		Logger:     log,
		Registerer: a.reg,
		Now:        a.now,
		InsightURL: func(id string) string {
			addr := a.Addr()
			if addr == "" {
				addr = a.cfg.Server.Listen
			}
			return "http://" + addr + "/v1/insights/" + id
		},
		Lookback: a.cfg.Events.Lookback,
	})
	if err != nil {
		return fmt.Errorf("build insight engine: %w", err)
	}
	if err := e.Load(ctx); err != nil {
		return fmt.Errorf("restore insights: %w", err)
	}
	a.insights, a.observer = e, e
	a.runners["insight"] = e
	if pc := c.Proactive; pc.Enabled {
		p, err := insight.NewProactive(insight.ProactiveOptions{
			Store: a.store,
			Config: insight.ProactiveConfig{
				HorizonMemory: pc.HorizonMemory, HorizonDisk: pc.HorizonDisk, HorizonOther: pc.HorizonOther,
				WindowMemory: pc.WindowMemory, WindowDisk: pc.WindowDisk, WindowOther: pc.WindowOther,
				MinRise: pc.MinRise, Confirm: pc.Confirm, StaleAfter: pc.StaleAfter, Instance: c.Instance,
			},
			Logger: log.With("engine", "proactive"), Registerer: a.reg, Now: a.now,
			InsightURL: func(id string) string { return "http://" + a.cfg.Server.Listen + "/v1/insights/" + id },
			Lookback:   a.cfg.Events.Lookback,
		})
		if err != nil {
			return fmt.Errorf("build proactive insights: %w", err)
		}
		if err := p.Load(ctx); err != nil {
			return fmt.Errorf("restore proactive insights: %w", err)
		}
		a.proactive, a.observer = p, insight.Observers{e, p}
		a.runners["proactive"] = p
	}
	api.RegisterInsightsWith(a.api, a.store, api.InsightsOptions{Now: a.now, Lookback: a.cfg.Events.Lookback, Policies: a.policyTypes})
	return nil
}

// Observer returns what scored samples are handed to: the insight engine.
func (a *App) Observer() insight.Observer { return a.observer }

// Proactive returns the proactive insight engine (nil when disabled).
func (a *App) Proactive() *insight.Proactive { return a.proactive }

// Insights returns the insight engine.
func (a *App) Insights() *insight.Engine { return a.insights }
