package app

import (
	"context"
	"fmt"

	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/watch"
	"github.com/tendhq/tend/internal/web"
)

func init() { builders = append(builders, buildWeb) }

// buildWeb serves the web page at / (read-only; no API key needed).
func buildWeb(_ context.Context, a *App) error {
	ui, err := web.New(web.Options{Store: a.store, Series: appSeries{a}, Logger: a.log.With("component", "web"), Now: a.now,
		Lookback: a.cfg.Events.Lookback, Policies: a.policyTypes})
	if err != nil {
		return fmt.Errorf("build the web page: %w", err)
	}
	for _, r := range ui.Routes() {
		a.api.Read(r.Pattern, r.Handler)
	}
	return nil
}

// appSeries lists the detection stage's series, if ingest is built.
type appSeries struct{ a *App }

func (s appSeries) List(sel series.Selector, offset, limit int) ([]watch.Status, int) {
	if s.a.watch == nil {
		return nil, 0
	}
	return s.a.watch.List(sel, offset, limit)
}
