package app

import (
	"context"
	"strings"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/remediate/policy"
	"github.com/tendhq/tend/internal/store"
)

func init() { builders = append(builders, buildEvents) }

// buildEvents serves the change-event endpoints (docs/api.md, "Events").
func buildEvents(_ context.Context, a *App) error {
	api.RegisterEvents(a.api, a.store, api.EventsOptions{Now: a.now, GitHubSecret: a.cfg.Events.GitHubSecret.Reveal(), Associate: a.associateEvents})
	return nil
}

// associateEvents gives events the NEW_ASSOCIATION messages of the ongoing
// insights they relate to, written with them (docs/notifications.md).
func (a *App) associateEvents(ctx context.Context, evs []store.Event) ([]store.Event, error) {
	return insight.Associate(ctx, a.store, evs, insight.AssociateOptions{Lookback: a.cfg.Events.Lookback, Now: a.now,
		InsightURL: func(id string) string {
			addr := a.Addr()
			if addr == "" {
				addr = a.cfg.Server.Listen
			}
			return "http://" + addr + "/v1/insights/" + id
		}})
}

// policyTypes lists the problem types the remediation policies in force
// act on, for the recommendations (nil when remediation is not wired).
func (a *App) policyTypes() map[string]bool {
	pe, ok := a.problems.(interface{ Policies() *policy.Set })
	if !ok || pe.Policies() == nil {
		return nil
	}
	out := map[string]bool{}
	for _, p := range pe.Policies().Policies {
		for _, t := range p.Match.EventType {
			out[strings.ToUpper(t)] = true
		}
	}
	return out
}

// recordingCatalog records every version published through it as one of
// tend's own change events (source "tend"), so insights show self-healing
// among what changed before them.
type recordingCatalog struct {
	catalog.Catalog
	a *App
}

var _ catalog.Catalog = recordingCatalog{}

// Publish publishes, then records the event; a failure to record is
// logged, not returned: the version exists.
func (c recordingCatalog) Publish(ctx context.Context, product string, p catalog.Publish) (catalog.Version, error) {
	v, err := c.Catalog.Publish(ctx, product, p)
	if err != nil {
		return v, err
	}
	now := c.a.now()
	ev := store.Event{ID: store.NewID("evt", now), Key: "catalog/" + product + "/" + v.ID, Time: now.UTC(), Source: "tend",
		EventSource: "tend/catalog/" + c.Catalog.Kind(), Class: store.EventDeployment, Name: "PublishCatalogVersion", Actor: "tend",
		Resources:  []store.EventResource{{Type: "product", ID: "product/" + product, Name: product}},
		Details:    map[string]string{"product": product, "version": v.ID, "description": v.Description, "idempotency_key": p.IdempotencyKey},
		ReceivedAt: now.UTC()}
	evs, err := c.a.associateEvents(ctx, []store.Event{ev})
	if err != nil {
		c.a.log.Warn("relate the catalog version's event to ongoing insights", "product", product, "version", v.ID, "err", err)
	}
	if _, _, err := c.a.store.Events().Add(ctx, evs); err != nil {
		c.a.log.Warn("record the catalog version as an event", "product", product, "version", v.ID, "err", err)
	}
	return v, nil
}
