package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestProactiveInsightFromALeakingProcess is the seed's walkthrough with
// real parts: tend serve (the binary), a process that leaks 3 MiB/s
// towards a 400 MiB limit (testdata/leaky, built here), and Debian's
// Prometheus scraping it every 250 ms and remote-writing into tend. With
// a 24 s trend window and a 5 minute horizon, a proactive insight
// "Memory utilisation approaching its limit" must open, with a predicted
// time close to the real one, while the process is still alive (it
// opens about 35 s after the process starts, some 90 s before its limit).
func TestProactiveInsightFromALeakingProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries and runs Prometheus for about 40 seconds")
	}
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("prometheus is not installed (.ci/run installs Debian's prometheus)")
		}
		t.Skip("prometheus is not installed")
	}
	dir := t.TempDir()
	bin, leakyBin := filepath.Join(dir, "tend"), filepath.Join(dir, "leaky")
	for _, b := range [][2]string{{bin, "."}, {leakyBin, "./testdata/leaky"}} {
		if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// tend, with a short window and horizon so the test takes seconds.
	data := filepath.Join(dir, "tend-data")
	tend := exec.CommandContext(ctx, bin, "serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--data-dir", data)
	tend.Env = append(os.Environ(), "TEND_CONFIG=", "TEND_INGEST_HOST_ENABLED=false", "TEND_SERIES_BASELINE=5s",
		"TEND_INSIGHT_PROACTIVE_WINDOW_MEMORY=24s", "TEND_INSIGHT_PROACTIVE_HORIZON_MEMORY=5m", "TEND_INSIGHT_PROACTIVE_STALE_AFTER=10m")
	stderr, _ := tend.StderrPipe()
	if err := tend.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tend.Process.Kill(); _ = tend.Wait() }()
	addr, _ := waitRunning(t, stderr)
	key, err := exec.Command(bin, "apikey", "create", "--name", "prometheus", "--data-dir", data).Output()
	if err != nil {
		t.Fatalf("apikey create: %v", err)
	}

	apiKey := strings.TrimSpace(string(key))

	// The leaking process.
	const rate, limit = 3 << 20, 400 << 20
	leaky := exec.CommandContext(ctx, leakyBin, "-rate", strconv.Itoa(rate), "-limit", strconv.Itoa(limit))
	out, _ := leaky.StdoutPipe()
	if err := leaky.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = leaky.Wait(); close(exited) }()
	defer func() { _ = leaky.Process.Kill(); <-exited }()
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "listening on ") {
		t.Fatalf("leaky did not start: %q", sc.Text())
	}
	target := strings.TrimPrefix(sc.Text(), "listening on ")
	go func() {
		for sc.Scan() {
		}
	}()

	// Prometheus scraping it and writing to tend.
	cfg := fmt.Sprintf(`global:
  scrape_interval: 250ms
scrape_configs:
  - job_name: leaky
    scrape_interval: 250ms
    static_configs:
      - targets: [%q]
remote_write:
  - url: %s/api/v1/write
    authorization:
      credentials: %s
    queue_config:
      batch_send_deadline: 250ms
      min_backoff: 100ms
`, target, addr, apiKey)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	webAddr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	pcmd := exec.CommandContext(ctx, prom, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "prom"), "--web.listen-address="+webAddr)
	pcmd.Stdout, pcmd.Stderr = &logs, &logs
	if err := pcmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = pcmd.Process.Kill()
		_ = pcmd.Wait()
		if t.Failed() {
			t.Logf("prometheus:\n%s", logs.String())
		}
	}()

	started := time.Now()
	var id string
	for id == "" {
		select {
		case <-exited:
			t.Fatalf("the process reached its limit after %s and no proactive insight opened", time.Since(started).Round(time.Second))
		case <-ctx.Done():
			t.Fatal("no proactive insight within the test's time")
		case <-time.After(time.Second):
		}
		var page struct {
			Insights []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"insights"`
		}
		resp, err := getWithKey(addr+"/v1/insights?type=proactive", apiKey)
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if len(page.Insights) > 0 {
			id = page.Insights[0].ID
			if !strings.Contains(page.Insights[0].Name, "approaching its limit on container leaky-0/leaky (namespace demo)") {
				t.Errorf("name = %q", page.Insights[0].Name)
			}
		}
	}
	openedAt := time.Now()
	rss := scrape(t, "http://"+target+"/metrics", "container_memory_working_set_bytes")
	select {
	case <-exited:
		t.Fatal("the insight opened only after the process reached its limit")
	default:
	}
	actual := openedAt.Add(time.Duration(float64(limit-rss) / rate * float64(time.Second)))
	var d struct {
		PredictionTimeRange struct {
			Start time.Time `json:"start_time"`
			End   time.Time `json:"end_time"`
		} `json:"prediction_time_range"`
		Anomalies []struct {
			Forecast struct {
				Limit     float64   `json:"limit"`
				ExhaustAt time.Time `json:"exhaust_time"`
				Source    string    `json:"limit_source"`
			} `json:"forecast"`
		} `json:"anomalies"`
	}
	resp, err := getWithKey(addr+"/v1/insights/"+id, apiKey)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if len(d.Anomalies) != 1 || d.Anomalies[0].Forecast.Limit != limit || d.Anomalies[0].Forecast.Source != "container_spec_memory_limit_bytes" {
		t.Fatalf("anomalies = %+v", d.Anomalies)
	}
	pred := d.Anomalies[0].Forecast.ExhaustAt
	left := actual.Sub(openedAt)
	t.Logf("opened %s after the process started, %s before its limit (%.0f MiB of %d); predicted %s, actual %s",
		openedAt.Sub(started).Round(time.Second), left.Round(time.Second), float64(rss)/(1<<20), limit>>20,
		pred.Format(time.TimeOnly), actual.Format(time.TimeOnly))
	if e := math.Abs(pred.Sub(actual).Seconds()) / left.Seconds(); e > 0.3 {
		t.Errorf("predicted the limit at %s, the process reaches it at %s: %.0f %% of the time left off", pred, actual, 100*e)
	}
	showCmd := exec.Command(bin, "insights", "show", id, "--url", addr)
	showCmd.Env = append(os.Environ(), "TEND_API_KEY="+apiKey)
	show, err := showCmd.CombinedOutput()
	if err != nil || !bytes.Contains(show, []byte("Limit reached")) || !bytes.Contains(show, []byte("Look for a memory leak")) {
		t.Errorf("tend insights show: %v\n%s", err, show)
	}
}

// getWithKey reads tend's API with the API key (reads may need one).
func getWithKey(url, key string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	return http.DefaultClient.Do(req)
}

// scrape reads one metric's value from an exposition.
func scrape(t *testing.T, url, metric string) int64 {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, metric+"{") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			return int64(v)
		}
	}
	t.Fatalf("%s has no %s", url, metric)
	return 0
}
