package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeAsABinary runs tend as a newcomer would: `tend serve` with no
// configuration in an empty directory, then SIGTERM, then a restart that
// finds the same data.
func TestServeAsABinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "tend")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()

	for round := 0; round < 2; round++ {
		cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--log-format", "json")
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "TEND_CONFIG=")
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr, data := waitRunning(t, stderr)
		if data != filepath.Join(work, "tend-data") {
			t.Errorf("data path = %q, want ./tend-data", data)
		}
		resp, err := http.Get(addr + "/readyz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("readyz: %v %v", resp, err)
		}
		resp.Body.Close()
		if round == 0 {
			out, err := exec.Command(bin, "apikey", "create", "--name", "ci", "--data-dir", filepath.Join(work, "tend-data")).Output()
			if err != nil || !strings.HasPrefix(string(out), "tend_") {
				t.Fatalf("apikey create while serving: %v %s", err, out)
			}
		} else {
			out, _ := exec.Command(bin, "apikey", "list", "--data-dir", filepath.Join(work, "tend-data")).Output()
			if !strings.Contains(string(out), "ci") {
				t.Fatalf("key lost across restart: %s", out)
			}
		}
		start := time.Now()
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { io.Copy(io.Discard, stderr); done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("tend exited with %v after SIGTERM", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatal("tend did not stop within 10s of SIGTERM")
		}
		t.Logf("round %d: stopped %s after SIGTERM", round, time.Since(start).Round(time.Millisecond))
	}
}

func waitRunning(t *testing.T, r io.Reader) (addr, data string) {
	t.Helper()
	sc := bufio.NewScanner(r)
	deadline := time.After(20 * time.Second)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("tend exited before it was running")
			}
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "tend is running" {
				go func() {
					for range lines {
					}
				}()
				return rec["addr"].(string), rec["data"].(string)
			}
		case <-deadline:
			t.Fatal("tend did not report running within 20s")
		}
	}
}
