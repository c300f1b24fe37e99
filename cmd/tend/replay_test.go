package main

import (
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

// TestReplayedInsightsClose replays two of NAB's files into a running tend,
// as a new user would try it (issue 10): every insight the replay raises
// closes as the replayed data moves on — none stays ONGOING once the data
// has been normal for the cool-down — and the CLI prints durations in
// hours, minutes or days, never Go's "1560h0m50s".
func TestReplayedInsightsClose(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	nabData := ""
	for _, d := range []string{filepath.Join("..", "..", "..", "shared", "nab", "data"), "/work/shared/nab/data"} {
		if _, err := os.Stat(filepath.Join(d, "realKnownCause")); err == nil {
			nabData = d
			break
		}
	}
	if nabData == "" {
		t.Skip("NAB corpus not found")
	}
	bin := filepath.Join(t.TempDir(), "tend")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	data := filepath.Join(work, "tend-data")
	key, err := exec.Command(bin, "apikey", "create", "--name", "replay", "--data-dir", data).Output()
	if err != nil {
		t.Fatalf("apikey create: %v", err)
	}
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--data-dir", data)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "TEND_CONFIG=", "TEND_INGEST_HOST_ENABLED=false")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		go io.Copy(io.Discard, stderr)
		cmd.Wait()
	}()
	addr, _ := waitRunning(t, stderr)
	env := append(os.Environ(), "TEND_API_KEY="+strings.TrimSpace(string(key)), "TEND_CONFIG=")
	for _, f := range []struct{ file, metric, host string }{
		{"realKnownCause/machine_temperature_system_failure.csv", "machine_temperature", "plant-1"},
		{"realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv", "cpu_utilization", "web-2"},
	} {
		rp := exec.Command(bin, "replay", filepath.Join(nabData, f.file), "--metric", f.metric, "--label", "host="+f.host,
			"--shift-to-now", "--no-progress", "--url", addr)
		rp.Env = env
		if out, err := rp.CombinedOutput(); err != nil {
			t.Fatalf("replay %s: %v\n%s", f.file, err, out)
		}
	}
	// the replays' insights, over the 80 days they span
	var list struct {
		Insights []struct {
			ID, Status, Name string
		} `json:"insights"`
	}
	// the replays are acknowledged before the engine has grouped every
	// sample: wait until the count stands still and nothing is ongoing
	deadline := time.Now().Add(20 * time.Second)
	last, stable := -1, 0
	for {
		req, _ := http.NewRequest(http.MethodGet, addr+"/v1/insights?since=80d&limit=100", nil)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(key)))
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		ongoing := 0
		for _, in := range list.Insights {
			if in.Status != "CLOSED" {
				ongoing++
			}
		}
		if n := len(list.Insights); n > 0 && ongoing == 0 && n == last {
			if stable++; stable == 3 {
				break
			}
		} else {
			stable = 0
		}
		last = len(list.Insights)
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d insights still ongoing after the replays: %+v", ongoing, len(list.Insights), list.Insights)
		}
		time.Sleep(500 * time.Millisecond)
	}
	ls := exec.Command(bin, "insights", "list", "--url", addr, "--since", "80d")
	ls.Env = env
	out, err := ls.CombinedOutput()
	if err != nil {
		t.Fatalf("insights list: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "h0m") || !strings.Contains(string(out), "CLOSED") {
		t.Fatalf("insights list:\n%s", out)
	}
	t.Logf("%d insights, all closed:\n%s", len(list.Insights), out)
}
