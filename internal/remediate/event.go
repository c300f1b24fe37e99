package remediate

import (
	"context"
	"strings"

	"github.com/tendhq/tend/internal/store"
)

// The hand-off to insights' related events: a run that acted (published
// a new version of the product behind the resource) is one of tend's own
// change events, so an insight on that resource shows what tend changed
// just before it, ranked with the deploys and config changes people made.

// EventName is the name of the event a self-healing run records.
const EventName = "SelfHealingRun"

// runEvent is the INFRASTRUCTURE event of a run that acted: the resource
// it acted on (by the monitor's entity id, its name and the cloud
// instance id), the product, the boundary from the problem's tags, and a
// link to the run. Its key is the run's id, so recording it again after a
// crash is a duplicate, not a second event.
func (e *Engine) runEvent(x *exec) store.Event {
	now := e.o.Now().UTC()
	w := x.w
	ev := store.Event{ID: store.NewID("evt", now), Key: "run/" + x.run.ID, Time: now, Source: "tend", EventSource: "tend/remediation",
		Class: store.EventInfrastructure, Name: EventName, Actor: "tend policy " + x.pol.Name, Resources: []store.EventResource{},
		Details: map[string]string{"run": x.run.ID, "policy": x.pol.Name, "summary": w.Summary}, ReceivedAt: now}
	if s := w.Subject; s != nil {
		ev.Resources = append(ev.Resources, store.EventResource{Type: strings.ToLower(s.Type), ID: s.ID, Name: s.Name})
		for _, k := range instanceIDProps {
			if v := s.Properties[k]; v != "" {
				ev.Resources = append(ev.Resources, store.EventResource{Type: "instance", ID: v})
				break
			}
		}
	}
	if pl := w.Plan; pl != nil {
		ev.Resources = append(ev.Resources, store.EventResource{Type: "product", ID: "product/" + pl.Product, Name: pl.Product})
		ev.Details["product"] = pl.Product
		if pl.CurrentType != "" && pl.NextType != "" {
			ev.Details["change"] = "InstanceType " + pl.CurrentType + " → " + pl.NextType
		}
	}
	if v := w.Version; v != nil {
		ev.Details["version"] = v.ID
	}
	if p := w.Problem; p != nil {
		ev.Details["problem"] = p.ExternalID
		ev.Stack, ev.App, ev.Namespace = p.Tags["stack"], p.Tags["app"], p.Tags["namespace"]
		ev.Account, ev.Region = p.Tags["account"], p.Tags["region"]
	}
	if e.o.BaseURL != nil {
		if base := strings.TrimSuffix(e.o.BaseURL(), "/"); base != "" {
			ev.Links = []store.Link{{Title: "tend run " + x.run.ID, URL: base + "/ui/runs/" + x.run.ID}}
		}
	}
	return ev
}

// recordRunEvent stores the run's event; a failure is logged, not
// returned: the run has acted and its record is what counts.
func (e *Engine) recordRunEvent(ctx context.Context, x *exec) {
	ctx = context.WithoutCancel(ctx)
	evs := []store.Event{e.runEvent(x)}
	if e.o.Associate != nil {
		related, err := e.o.Associate(ctx, evs)
		if err != nil {
			e.log.Warn("relate the run's event to ongoing insights", "run", x.run.ID, "err", err)
		} else {
			evs = related
		}
	}
	if _, _, err := e.o.Store.Events().Add(ctx, evs); err != nil {
		e.log.Warn("record the run as an event", "run", x.run.ID, "err", err)
	}
}
