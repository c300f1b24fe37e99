package app_test

import (
	"context"
	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/apikey"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/logging"
)

func testConfig(t *testing.T) *config.Config {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Server.Listen = "127.0.0.1:0"
	return &cfg
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// getAs is get with an API key (every endpoint but /healthz, /readyz and
// /metrics needs one).
func getAs(t *testing.T, url, key string) (int, string) {
	t.Helper()
	resp, err := authGet(url, key)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// authGet is http.Get with "Authorization: Bearer key".
func authGet(url, key string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	return http.DefaultClient.Do(req)
}

// readKey creates a key with the read scope.
func readKey(t *testing.T, a *app.App) string {
	t.Helper()
	_, key, err := a.Keys().CreateWith(context.Background(), apikey.Spec{Name: "reader", Scopes: []access.Scope{access.Read}})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestStartServeStopRestart(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	a, err := app.New(ctx, cfg, app.Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()
	if code, body := get(t, base+"/readyz"); code != 200 || !strings.Contains(body, "sqlite") {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	code, body := get(t, base+"/metrics")
	for _, m := range []string{"tend_build_info", "go_goroutines", "process_resident_memory_bytes"} {
		if code != 200 || !strings.Contains(body, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	_, key, err := a.Keys().Create(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := a.Stop(sctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Stop took %s", d)
	}

	// A restart reuses the data: the key still verifies.
	b, err := app.New(ctx, cfg, app.Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop(context.Background())
	if _, err := b.Keys().Verify(ctx, key); err != nil {
		t.Fatalf("key lost across restart: %v", err)
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := testConfig(t)
	cfg.Server.Listen = ln.Addr().String()
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), "--listen") {
		t.Fatalf("Start on a busy port = %v", err)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	cfg := testConfig(t)
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancellation")
	}
}

func TestOneServePerDataDir(t *testing.T) {
	cfg := testConfig(t)
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	b, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "already using the data directory") {
		t.Fatalf("second serve on one data dir = %v", err)
	}
}
