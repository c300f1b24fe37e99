package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/config"
)

// startTend runs a whole tend in-process (host agent off) and returns its
// URL and an API key.
func startTend(t *testing.T) (string, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Ingest.Host.Enabled = false
	cfg.Series.Baseline = 30 * time.Minute
	ctx := context.Background()
	a, err := app.New(ctx, &cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := a.Keys().Create(ctx, "replay")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = a.Stop(sctx)
	})
	return "http://" + a.Addr(), key
}

func TestReplayAndSeriesList(t *testing.T) {
	url, key := startTend(t)
	env := map[string]string{"TEND_URL": url, "TEND_API_KEY": key}
	file := filepath.Join("..", "ingest", "replay", "testdata", "nab_sample.csv")

	code, _, errOut := runCLI(t, env, "replay", file, "--metric", "machine_temperature", "--label", "host=plant-1", "--label", "stack=factory", "--batch", "7")
	if code != 0 || !strings.Contains(errOut, "Replayed 40 samples") {
		t.Fatalf("replay = %d %s", code, errOut)
	}
	var out string
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, out, errOut = runCLI(t, env, "series", "list", "--match", `machine_temperature{stack="factory"}`)
		if code != 0 {
			t.Fatalf("series list = %d %s", code, errOut)
		}
		if strings.Contains(out, " 40 ") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{"METRIC", "machine_temperature", "host/plant-1", "stack factory", " 40 ", "watching"} {
		if !strings.Contains(out, want) {
			t.Fatalf("series list lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = runCLI(t, env, "series", "list", "--output", "json")
	var page struct{ Total int }
	if err := json.Unmarshal([]byte(out), &page); err != nil || page.Total != 1 {
		t.Fatalf("json = %v %s", err, out)
	}
	if _, out, _ = runCLI(t, env, "series", "list", "--match", "nothing_here"); !strings.Contains(out, "No series match") {
		t.Fatalf("empty list = %q", out)
	}
}

func TestReplayBadInput(t *testing.T) {
	url, key := startTend(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join("..", "ingest", "replay", "testdata", "nab_sample.csv")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"malformed row", map[string]string{"TEND_URL": url, "TEND_API_KEY": key}, []string{bad, "--metric", "m"}, "line 3: value: \"oops\" is not a finite number (nothing was sent)"},
		{"no key", map[string]string{"TEND_URL": url}, []string{good, "--metric", "m"}, "TEND_API_KEY"},
		{"wrong key", map[string]string{"TEND_URL": url, "TEND_API_KEY": "tend_x_" + strings.Repeat("A", 43)}, []string{good, "--metric", "m"}, "401"},
		{"bad label", map[string]string{"TEND_URL": url, "TEND_API_KEY": key}, []string{good, "--metric", "m", "--label", "x"}, "key=value"},
		{"missing file", map[string]string{"TEND_URL": url, "TEND_API_KEY": key}, []string{filepath.Join(dir, "nope.csv"), "--metric", "m"}, "no such file"},
		{"no metric", map[string]string{"TEND_URL": url, "TEND_API_KEY": key}, []string{good}, "metric"},
		{"bad url", map[string]string{"TEND_API_KEY": key}, []string{good, "--metric", "m", "--url", "ftp://x"}, "http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.env, append([]string{"replay"}, tt.args...)...)
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("replay = %d %q, want an error containing %q", code, errOut, tt.want)
			}
		})
	}
	_, out, _ := runCLI(t, map[string]string{"TEND_URL": url, "TEND_API_KEY": key}, "series", "list")
	if !strings.Contains(out, "No series") {
		t.Fatalf("bad input reached tend: %s", out)
	}

}
