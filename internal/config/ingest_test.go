package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIngestAndSeriesValidation(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"queue", "ingest:\n  queue_bytes: 10\n", "ingest.queue_bytes: must be between 64KiB"},
		{"queue unit", "ingest:\n  queue_bytes: 64 apples\n", `"64 apples" is not a size`},
		{"memory limit", "ingest:\n  memory_limit: 1MiB\n", "ingest.memory_limit: must be 0 (none) or at least 64MiB (got 1MiB)"},
		{"queue wait", "ingest:\n  queue_wait: -1s\n", "ingest.queue_wait"},
		{"retry", "ingest:\n  retry_after: 0s\n", "ingest.retry_after"},
		{"interval", "ingest:\n  host:\n    interval: 100ms\n", "ingest.host.interval: must be at least 1s"},
		{"reserved host label", "ingest:\n  host:\n    labels: {host: x}\n", "ingest.host.labels: label \"host\" is reserved"},
		{"coverage", "series:\n  coverage: some\n", "series.coverage: must be all, stacks or tag"},
		{"stacks without list", "series:\n  coverage: stacks\n", "series.coverage_stacks: must list at least one stack"},
		{"tag key prefix", "series:\n  coverage: tag\n  coverage_tag_key: team\n", "series.coverage_tag_key: must start with devops-guru- or tend-"},
		{"negative baseline", "series:\n  baseline: -1m\n", "series.baseline: must not be negative"},
		{"snapshot", "ingest:\n  snapshot_interval: 1s\n", "ingest.snapshot_interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tend.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(Sources{File: path})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "ok.yaml")
	ok := "series:\n  coverage: tag\n  coverage_tag_key: DevOps-Guru-App\n  coverage_tag_values: [shop]\n  baseline: 5m\n  stacks: {host/web-1: shop}\ningest:\n  host:\n    labels: {stack: shop}\n"
	if err := os.WriteFile(path, []byte(ok), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Sources{File: path, Env: func(k string) (string, bool) {
		if k == "TEND_SERIES_COVERAGE_TAG_VALUES" {
			return "shop, billing", true
		}
		return "", false
	}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Series.Stacks["host/web-1"] != "shop" || len(cfg.Series.CoverageTagValues) != 2 || cfg.Ingest.Host.Labels["stack"] != "shop" {
		t.Fatalf("cfg = %+v", cfg.Series)
	}
}
