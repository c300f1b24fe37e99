package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tendhq/tend/internal/series"
)

// TestRealPrometheusRemoteWrite runs the prometheus binary (Debian package
// "prometheus") scraping a tiny exporter every second and remote-writing
// to tend, and checks that the samples arrive and are scored.
func TestRealPrometheusRemoteWrite(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus binary not installed (apt-get install prometheus)")
	}
	e := newIngestAPI(t, nil)

	reg := prometheus.NewRegistry()
	temp := prometheus.NewGauge(prometheus.GaugeOpts{Name: "demo_temperature_celsius", Help: "A demo gauge."})
	temp.Set(21.5)
	reg.MustRegister(temp)
	exporter := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer exporter.Close()

	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  external_labels:
    stack: shop
scrape_configs:
  - job_name: demo
    scrape_interval: 1s
    static_configs:
      - targets: [%q]
remote_write:
  - url: %s/api/v1/write
    authorization:
      credentials: %s
    queue_config:
      batch_send_deadline: 500ms
      min_backoff: 100ms
`, exporter.Listener.Addr().String(), e.srv.URL, e.key)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	webAddr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+webAddr)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus logs:\n%s", logs.String())
		}
	}()

	deadline := time.Now().Add(45 * time.Second)
	for e.rec.metrics()["demo_temperature_celsius"] < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("no samples from Prometheus after 45s; got %v", e.rec.metrics())
		}
		time.Sleep(100 * time.Millisecond)
	}
	sel, _ := series.ParseSelector(`demo_temperature_celsius{job="demo", stack="shop"}`)
	list, n := e.w.List(sel, 0, 10)
	if n != 1 || list[0].LastValue != 21.5 || list[0].Resource.Type != "instance" || list[0].Boundary.Name != "shop" {
		t.Fatalf("series = %+v", list)
	}
	if up, _ := e.w.List(mustSel(t, `up{job="demo"}`), 0, 1); len(up) != 1 || up[0].LastValue != 1 {
		t.Fatalf("up = %+v", up)
	}
}

func mustSel(t *testing.T, s string) series.Selector {
	t.Helper()
	sel, err := series.ParseSelector(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}
