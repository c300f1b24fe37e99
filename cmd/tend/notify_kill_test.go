package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/tendhq/tend/internal/notify/notifytest"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// TestNotificationsSurviveSIGKILL runs tend serve as a binary while metrics
// drive insight changes (40 stacks, a CPU spike every 15 samples in each:
// an insight opens and closes per spike) and kills it with SIGKILL every
// few seconds, restarting it at once. A counting webhook receiver must
// then have every message the store's outbox holds, at least once; none
// it holds may be unknown to the outbox (no message for a change that did
// not commit); every insight in the store must have its NEW_INSIGHT,
// every closed one its CLOSED_INSIGHT (a change never commits without its
// message); and a duplicate can only be a redelivery of the same
// MessageId.
//
// In CI it drives at least 200 changes and 5 kills, each 1–2 s after tend
// became ready (about 30 s); with TEND_TEST_NOTIFY_KILL_FULL=1 at least
// 1,000 changes and 15 kills, 1.5–3.5 s after ready (docs/benchmarks.md
// has a run's numbers).
func TestNotificationsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs for half a minute")
	}
	target, minKills, killEvery, killJitter := 200, 5, time.Second, 1000
	if os.Getenv("TEND_TEST_NOTIFY_KILL_FULL") == "1" {
		target, minKills, killEvery, killJitter = 1000, 15, 1500*time.Millisecond, 2000
	}
	bin := filepath.Join(t.TempDir(), "tend")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	rcv := notifytest.NewReceiver("kill-test-secret")
	defer rcv.Close()
	work := t.TempDir()
	data := filepath.Join(work, "data")
	cfgFile := filepath.Join(work, "tend.yaml")
	if err := os.WriteFile(filepath.Join(work, "hook.secret"), []byte("kill-test-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`notify:
  lease: 2s
  poll_interval: 200ms
  min_backoff: 100ms
  max_backoff: 2s
  channels:
    - name: counter
      type: webhook
      url: %s
      secret_file: %s
      group_wait: 0s
`, rcv.URL, filepath.Join(work, "hook.secret"))
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ(), "TEND_CONFIG="+cfgFile, "TEND_DATA_DIR="+data, "TEND_SERVER_LISTEN="+addr,
		"TEND_INGEST_HOST_ENABLED=false", "TEND_SERIES_DETECTOR=zscore", "TEND_SERIES_BASELINE=1m",
		"TEND_INSIGHT_COOLDOWN=30s", "TEND_INSIGHT_CLOSE_AFTER_SAMPLES=3", "TEND_REMEDIATION_ENABLED=false", "TEND_LOG_LEVEL=warn")

	// One API key, created before tend serves.
	out, err := exec.Command(bin, "apikey", "create", "--name", "driver", "--data-dir", data).Output()
	if err != nil {
		t.Fatalf("apikey create: %v", err)
	}
	key := strings.TrimSpace(string(out))

	var mu sync.Mutex
	var cmd *exec.Cmd
	var logs bytes.Buffer
	start := func() {
		c := exec.Command(bin, "serve", "--log-format", "json")
		c.Env = env
		c.Stdout, c.Stderr = &logs, &logs
		if err := c.Start(); err != nil {
			t.Fatalf("start tend: %v", err)
		}
		mu.Lock()
		cmd = c
		mu.Unlock()
	}
	start()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		if cmd != nil && cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("tend's log (last 4 KiB):\n%s", tail(logs.String(), 4096))
		}
	}()

	// The killer: SIGKILL every 1.5–3.5 s, restart at once.
	// The killer: once tend is ready, SIGKILL it after killEvery + up to
	// killJitter ms (so that it does some work between kills however
	// slowly it starts on a busy machine), and restart it at once.
	stopKilling := make(chan struct{})
	killerDone := make(chan struct{})
	var kills atomic.Int32
	ready := func() bool {
		resp, err := (&http.Client{Timeout: time.Second}).Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	go func() {
		defer close(killerDone)
		for {
			for !ready() {
				select {
				case <-stopKilling:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
			select {
			case <-stopKilling:
				return
			case <-time.After(killEvery + time.Duration(rand.IntN(killJitter))*time.Millisecond):
			}
			mu.Lock()
			c := cmd
			mu.Unlock()
			_ = c.Process.Signal(syscall.SIGKILL)
			_ = c.Wait()
			kills.Add(1)
			start()
		}
	}()

	// The driver: 40 series, one stack each, a sample every 10 s of data
	// time; after 40 normal samples, a spike of 3 every 15 samples.
	const stacks = 40
	t0 := time.Now().Add(-6 * time.Hour).Truncate(time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	send := func(step int) {
		var req prompb.WriteRequest
		for s := range stacks {
			v := 10 + float64((step*31+s*7)%13)/10
			if step >= 40 && (step-40)%15 < 3 {
				v = 95
			}
			req.Timeseries = append(req.Timeseries, prompb.TimeSeries{
				Labels: []prompb.Label{{Name: "__name__", Value: "host_cpu_utilization"}, {Name: "host", Value: fmt.Sprintf("h%02d", s)},
					{Name: "stack", Value: fmt.Sprintf("shop-%02d", s)}, {Name: "unit", Value: "percent"}},
				Samples: []prompb.Sample{{Value: v, Timestamp: t0.Add(time.Duration(step) * 10 * time.Second).UnixMilli()}}})
		}
		raw, _ := req.Marshal()
		body := snappy.Encode(nil, raw)
		for {
			r, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/write", bytes.NewReader(body))
			r.Header.Set("Content-Encoding", "snappy")
			r.Header.Set("Content-Type", "application/x-protobuf")
			r.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
			r.Header.Set("X-API-Key", key)
			resp, err := client.Do(r)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusNoContent {
					return
				}
				if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized {
					t.Fatalf("remote write refused: %s", resp.Status)
				}
			}
			time.Sleep(20 * time.Millisecond) // tend is down or restarting
		}
	}
	// Drive until the receiver has seen target messages and tend was
	// killed minKills times.
	deadline := time.Now().Add(4 * time.Minute)
	step := 0
	for ; len(rcv.Counts()) < target || int(kills.Load()) < minKills; step++ {
		if time.Now().After(deadline) {
			t.Fatalf("after %s only %d messages arrived and %d kills (step %d)", 4*time.Minute, len(rcv.Counts()), kills.Load(), step)
		}
		send(step)
		time.Sleep(30 * time.Millisecond)
	}
	close(stopKilling)
	<-killerDone

	// Let the last tend deliver what is left, then stop it. Stopping
	// writes what the insight engine still holds (insights closing), which
	// the next start delivers: start and drain again until a stop leaves
	// nothing undelivered.
	drain := func() {
		drained := time.Now().Add(60 * time.Second)
		for {
			var v struct {
				Channels []struct {
					Pending int `json:"pending"`
					Dead    int `json:"dead"`
				}
				Undispatched int `json:"undispatched"`
			}
			r, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/channels", nil)
			r.Header.Set("X-API-Key", key)
			resp, err := client.Do(r)
			if err == nil {
				_ = json.NewDecoder(resp.Body).Decode(&v)
				resp.Body.Close()
				if len(v.Channels) == 1 && v.Channels[0].Pending == 0 && v.Undispatched == 0 {
					if v.Channels[0].Dead != 0 {
						t.Fatalf("%d dead letters", v.Channels[0].Dead)
					}
					return
				}
			}
			if time.Now().After(drained) {
				t.Fatalf("the outbox did not drain within 60s: %+v", v)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for stops := 1; ; stops++ {
		drain()
		mu.Lock()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		mu.Unlock()
		st, err := sqlite.Open(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		var left int
		err = st.SQL().QueryRow(`SELECT (SELECT COUNT(*) FROM notify_outbox WHERE dispatched = 0) +
			(SELECT COUNT(*) FROM notify_deliveries WHERE state <> 'sent')`).Scan(&left)
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		if stops == 5 {
			t.Fatalf("every stop leaves messages to deliver (%d after stop %d)", left, stops)
		}
		t.Logf("stop %d left %d messages (written while stopping): start again to deliver them", stops, left)
		start()
	}

	st, err := sqlite.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	outbox := map[string]string{}
	rows, err := st.SQL().Query(`SELECT id, type FROM notify_outbox`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, typ string
		if err := rows.Scan(&id, &typ); err != nil {
			t.Fatal(err)
		}
		outbox[id] = typ
	}
	rows.Close()
	var insights, closed int
	var missing []string
	err = eachInsight(st.SQL(), func(id, status string) {
		insights++
		if outbox[id+".NEW_INSIGHT"] == "" {
			missing = append(missing, id+".NEW_INSIGHT")
		}
		if status == "CLOSED" {
			closed++
			if outbox[id+".CLOSED_INSIGHT"] == "" {
				missing = append(missing, id+".CLOSED_INSIGHT")
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("%d insight changes committed without their message, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
	counts := rcv.Counts()
	var lost, unknown []string
	dups, types := 0, map[string]int{}
	for id, typ := range outbox {
		types[typ]++
		if counts[id] == 0 {
			lost = append(lost, id)
		}
	}
	for id, n := range counts {
		if outbox[id] == "" {
			unknown = append(unknown, id)
		}
		dups += n - 1
	}
	sort.Strings(lost)
	if len(lost) > 0 {
		t.Errorf("%d of %d messages never arrived, e.g. %v", len(lost), len(outbox), lost[:min(5, len(lost))])
	}
	if len(unknown) > 0 {
		t.Errorf("%d messages arrived that the outbox does not hold (for a change that did not commit?), e.g. %v", len(unknown), unknown[:min(5, len(unknown))])
	}
	if len(outbox) < target {
		t.Errorf("only %d insight changes (messages); the test wants at least %d", len(outbox), target)
	}
	reqs, _, bad := rcv.Stats()
	if bad != 0 {
		t.Errorf("%d requests with a bad signature", bad)
	}
	t.Logf("%d kills; %d sample steps; %d insights (%d closed); %d messages %v; all arrived; %d redeliveries of the same id in %d requests",
		kills.Load(), step, insights, closed, len(outbox), types, dups, reqs)
}

func eachInsight(db *sql.DB, fn func(id, status string)) error {
	rows, err := db.Query(`SELECT id, status FROM insights`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			return err
		}
		fn(id, status)
	}
	return rows.Err()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
