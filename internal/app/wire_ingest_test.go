package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/logging"
)

// TestHostAgentSeriesAndSnapshot runs tend with its host agent on a 1 s
// interval, waits for the host's CPU series to be listed, and checks that
// stopping saves the detection state that the next start restores.
func TestHostAgentSeriesAndSnapshot(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no /proc")
	}
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.Ingest.Host.Interval = time.Second
	cfg.Ingest.Host.Hostname = "test-host"
	cfg.Ingest.Host.Labels = map[string]string{"stack": "shop"}
	a, err := app.New(ctx, cfg, app.Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()
	key := readKey(t, a)
	deadline := time.Now().Add(15 * time.Second)
	var body string
	for {
		_, body = getAs(t, base+`/v1/series?match=host_cpu_utilization%7Bhost%3D%22test-host%22%7D`, key)
		if strings.Contains(body, `"total": 1`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{`"id": "host/test-host"`, `"kind": "stack"`, `"name": "shop"`, `"baselining": true`} {
		if !strings.Contains(body, want) {
			t.Fatalf("/v1/series lacks %s:\n%s", want, body)
		}
	}
	if _, m := get(t, base+"/metrics"); !strings.Contains(m, "tend_ingest_samples_total") || !strings.Contains(m, "tend_watch_series") {
		t.Error("/metrics lacks the ingest metrics")
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.Stop(sctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "watch.snapshot")); err != nil {
		t.Fatalf("no snapshot after stop: %v", err)
	}
	cfg.Ingest.Host.Enabled = false
	b, err := app.New(ctx, cfg, app.Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop(sctx)
	if n := b.Watcher().SeriesCount(); n < 5 {
		t.Fatalf("restored %d series, want the host's", n)
	}
}
