package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/hostagent"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/watch"
)

func init() { builders = append(builders, buildIngest) }

// buildIngest wires metrics in: the detection stage (watch), the
// remote_write and OTLP endpoints, GET /v1/series and the host agent.
func buildIngest(ctx context.Context, a *App) error {
	cfg := a.cfg
	stacks, err := stackMapping(ctx, a.store, cfg.Series.Stacks)
	if err != nil {
		return err
	}
	mapper := series.NewMapper(series.MapperConfig{
		ResourceLabels: cfg.Series.ResourceLabels,
		Stacks:         stacks,
		Account:        cfg.Series.Account,
		Region:         cfg.Series.Region,
		Coverage: series.Coverage{
			Mode: cfg.Series.Coverage, Stacks: cfg.Series.CoverageStacks,
			TagKey: cfg.Series.CoverageTagKey, TagValues: cfg.Series.CoverageTagValues,
		},
	})
	newScorer := a.newScorer
	if newScorer == nil {
		if newScorer, err = watch.DetectorScorers(cfg.Series.Detector); err != nil {
			return fmt.Errorf("series.detector: %w", err)
		}
	}
	w, err := watch.New(watch.Options{
		Logger:       a.log.With("component", "watch"),
		Registerer:   a.reg,
		Observer:     appObserver{a},
		Mapper:       mapper,
		NewScorer:    newScorer,
		Workers:      cfg.Ingest.Workers,
		QueueBytes:   int64(cfg.Ingest.QueueBytes),
		QueueWait:    cfg.Ingest.QueueWait,
		MaxSeries:    cfg.Ingest.MaxSeries,
		Baseline:     cfg.Series.Baseline,
		RetryAfter:   cfg.Ingest.RetryAfter,
		SnapshotPath: filepath.Join(cfg.DataDir, "watch.snapshot"), SnapshotInterval: cfg.Ingest.SnapshotInterval,
		SeriesTTL: cfg.Ingest.SeriesTTL, Now: a.now,
	})
	if err != nil {
		return fmt.Errorf("build the detection stage: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("create data_dir for detection snapshots: %w", err)
	}
	if n, err := w.LoadSnapshot(filepath.Join(cfg.DataDir, "watch.snapshot")); err != nil {
		// A damaged snapshot costs a new baseline, not the start.
		a.log.Warn("detection state not restored; series baseline again", "err", err)
	} else if n > 0 {
		a.log.Info("detection state restored", "series", n)
	}
	a.watch = w
	a.runners["watch"] = w
	api.RegisterIngest(a.api, api.IngestOptions{Sink: tappedSink{a: a, next: w}, Series: w, MaxDecodedBytes: cfg.Ingest.MaxDecodedBytes})

	if h := cfg.Ingest.Host; h.Enabled {
		agent, err := hostagent.New(hostagent.Options{
			Proc: os.DirFS(h.ProcRoot), Sink: w, Logger: a.log.With("component", "hostagent"),
			Interval: h.Interval, Hostname: h.Hostname, InstanceID: h.InstanceID, InstanceType: h.InstanceType,
			Labels: h.Labels, Now: a.now,
		})
		if err != nil {
			return fmt.Errorf("build the host agent: %w", err)
		}
		a.runners["hostagent"] = agent
	}
	return nil
}

// tappedSink is the HTTP sources' sink: the detection stage, then the
// rollout gate's key-metric tap (set by the rollout builder, which runs
// later but before anything is served) sees what was accepted.
type tappedSink struct {
	a    *App
	next ingest.Sink
}

func (s tappedSink) Append(ctx context.Context, batch []ingest.Sample) error {
	if err := s.next.Append(ctx, batch); err != nil {
		return err
	}
	if t := s.a.fleet.keyTap; t != nil {
		t.Observe(batch)
	}
	return nil
}

// appObserver hands observations to the insight stage the app was built
// with (a.observer, set by its builder); without one they are discarded.
type appObserver struct{ a *App }

func (o appObserver) Observe(ctx context.Context, obs insight.Observation) error {
	if o.a.observer == nil {
		return nil
	}
	return o.a.observer.Observe(ctx, obs)
}

// Watcher returns the detection stage (nil if not built).
func (a *App) Watcher() *watch.Watcher { return a.watch }

// stackMapping merges the stacks registered in the store (by tend import
// terraform --deploy: physical IDs and ARNs of their resources) with the
// configured series.stacks mapping, which wins. Stacks registered while
// tend runs are picked up at the next start.
func stackMapping(ctx context.Context, st store.Store, configured map[string]string) (map[string]string, error) {
	all, err := st.Stacks().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("read registered stacks: %w", err)
	}
	out := make(map[string]string, len(all)*2+len(configured))
	for _, r := range all {
		for _, id := range []string{r.PhysicalID, r.ARN} {
			if id != "" {
				out[id] = r.Stack
			}
		}
	}
	for k, v := range configured {
		out[k] = v
	}
	return out, nil
}
