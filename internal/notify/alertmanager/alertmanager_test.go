package alertmanager_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/alertmanager"
	"github.com/tendhq/tend/internal/notify/message"
)

// realAlertmanager starts Debian's prometheus-alertmanager on a free port
// with a route to hook (a webhook receiver), and returns its URL.
func realAlertmanager(t *testing.T, hook string) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus-alertmanager")
	if err != nil {
		if bin, err = exec.LookPath("alertmanager"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("prometheus-alertmanager is not installed (.ci/run installs it)")
			}
			t.Skip("prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)")
		}
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: hook
  group_by: [insight_id, severity]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: %s
        send_resolved: true
`, hook)
	if err := os.WriteFile(filepath.Join(dir, "am.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "am.yml"), "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=warn")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start alertmanager: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("alertmanager not ready at %s: %v\n%s", base, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// hookReceiver records Alertmanager's webhook notifications.
type hookReceiver struct {
	mu  sync.Mutex
	got []struct {
		Status string
		Alerts []struct {
			Status string
			Labels map[string]string
		}
	}
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n struct {
		Status string
		Alerts []struct {
			Status string
			Labels map[string]string
		}
	}
	_ = json.NewDecoder(r.Body).Decode(&n)
	h.mu.Lock()
	h.got = append(h.got, n)
	h.mu.Unlock()
}

// notified reports whether an alert of the insight reached the receiver
// with status (firing or resolved).
func (h *hookReceiver) notified(insight, status string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.got {
		for _, a := range n.Alerts {
			if a.Labels["insight_id"] == insight && a.Status == status {
				return true
			}
		}
	}
	return false
}

type amAlert struct {
	Labels map[string]string `json:"labels"`
	Status struct {
		State      string   `json:"state"`
		SilencedBy []string `json:"silencedBy"`
	} `json:"status"`
	EndsAt time.Time `json:"endsAt"`
}

func alerts(t *testing.T, base string) []amAlert {
	t.Helper()
	resp, err := http.Get(base + "/api/v2/alerts?filter=" + url.QueryEscape(`alertname="TendInsight"`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []amAlert
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func insightMsg(id, typ, sev, prev string, now time.Time) message.Message {
	return message.Message{MessageId: id + "." + typ, MessageType: typ, InsightId: id, InsightDescription: "CPU utilisation anomalous on host " + id,
		InsightSeverity: sev, PreviousSeverity: prev, ProblemType: "CPU_SATURATION", AccountId: "111122223333", Region: "eu-west-1",
		Boundary: &message.Boundary{Kind: "stack", Name: "shop"}, InsightUrl: "http://tend.test/v1/insights/" + id,
		StartTime: now.Add(-time.Minute).UnixMilli(), Time: now.UnixMilli(),
		Anomalies: []message.Anomaly{{Id: "ano-1", Resource: "web-1", Reason: "value 99 is 9σ above the baseline",
			SourceDetails: []message.SourceDetail{{DataSource: "TEND_METRICS", DataIdentifiers: message.DataIdentifiers{Name: "host_cpu_utilization"}}}}}}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAgainstRealAlertmanager: tend's insights become alerts in a real
// Alertmanager, which routes them to its receiver; a silence made in
// Alertmanager silences tend's alert; a severity upgrade replaces the
// alert; a closed insight resolves it.
func TestAgainstRealAlertmanager(t *testing.T) {
	hook := &hookReceiver{}
	hs := httptest.NewServer(hook)
	defer hs.Close()
	base := realAlertmanager(t, hs.URL)
	ctx := context.Background()
	now := time.Now().UTC()

	// A silence for ins-B, made in Alertmanager as an operator would.
	sil, _ := json.Marshal(map[string]any{"matchers": []map[string]any{{"name": "insight_id", "value": "ins-B", "isRegex": false, "isEqual": true}},
		"startsAt": now.Add(-time.Minute), "endsAt": now.Add(time.Hour), "createdBy": "oncall", "comment": "maintenance of B"})
	resp, err := http.Post(base+"/api/v2/silences", "application/json", bytes.NewReader(sil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var silence struct{ SilenceID string }
	if json.Unmarshal(body, &silence); resp.StatusCode != 200 || silence.SilenceID == "" {
		t.Fatalf("create silence: %s %s", resp.Status, body)
	}

	am := alertmanager.New(notify.Spec{URL: base}, nil, nil)
	for _, id := range []string{"ins-A", "ins-B"} {
		b := notify.Batch{Channel: "am", Messages: []message.Message{insightMsg(id, message.NewInsight, "low", "", now)}}
		if err := am.Notify(ctx, b); err != nil {
			t.Fatalf("Notify %s: %v", id, err)
		}
	}
	waitFor(t, "the alerts in Alertmanager", func() bool { return len(alerts(t, base)) == 2 })
	for _, a := range alerts(t, base) {
		want := map[string]string{"alertname": "TendInsight", "problem_type": "CPU_SATURATION", "severity": "low", "stack": "shop", "source": "tend",
			"account": "111122223333", "region": "eu-west-1"}
		for k, v := range want {
			if a.Labels[k] != v {
				t.Errorf("alert %s: label %s = %q, want %q", a.Labels["insight_id"], k, a.Labels[k], v)
			}
		}
		switch a.Labels["insight_id"] {
		case "ins-A":
			if a.Status.State != "active" {
				t.Errorf("ins-A is %s, want active", a.Status.State)
			}
		case "ins-B":
			if a.Status.State != "suppressed" || len(a.Status.SilencedBy) != 1 || a.Status.SilencedBy[0] != silence.SilenceID {
				t.Errorf("ins-B is %s (silenced by %v), want suppressed by the silence %s", a.Status.State, a.Status.SilencedBy, silence.SilenceID)
			}
		}
	}
	waitFor(t, "Alertmanager to notify its receiver of ins-A", func() bool { return hook.notified("ins-A", "firing") })

	// ins-A rises to high: one active alert, with the new severity.
	up := notify.Batch{Channel: "am", Messages: []message.Message{insightMsg("ins-A", message.SeverityUpgraded, "high", "low", time.Now())}}
	if err := am.Notify(ctx, up); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the upgraded alert", func() bool {
		var active []string
		for _, a := range alerts(t, base) {
			if a.Labels["insight_id"] == "ins-A" && a.Status.State == "active" && a.EndsAt.After(time.Now()) {
				active = append(active, a.Labels["severity"])
			}
		}
		return len(active) == 1 && active[0] == "high"
	})

	// ins-A closes: resolved in Alertmanager, and its receiver told so.
	closed := insightMsg("ins-A", message.ClosedInsight, "high", "", time.Now())
	closed.EndTime = time.Now().UnixMilli()
	if err := am.Notify(ctx, notify.Batch{Channel: "am", Messages: []message.Message{closed}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ins-A resolved at the receiver", func() bool { return hook.notified("ins-A", "resolved") })
	time.Sleep(1500 * time.Millisecond) // a group interval: B would have been sent by now
	if hook.notified("ins-B", "firing") {
		t.Fatal("the silenced alert ins-B reached the receiver")
	}
	if strings.Contains(fmt.Sprint(alerts(t, base)), "ins-A") {
		for _, a := range alerts(t, base) {
			if a.Labels["insight_id"] == "ins-A" && a.EndsAt.After(time.Now()) {
				t.Errorf("ins-A still active after CLOSED_INSIGHT: %+v", a)
			}
		}
	}
}

// TestAlertmanagerRejectsBadAlerts: Alertmanager's 400 is permanent.
func TestAlertmanagerRejectsBadAlerts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"code":400,"message":"start time must be before end time"}`, http.StatusBadRequest)
	}))
	defer srv.Close()
	am := alertmanager.New(notify.Spec{URL: srv.URL}, nil, nil)
	err := am.Notify(context.Background(), notify.Batch{Messages: []message.Message{insightMsg("ins-A", message.NewInsight, "low", "", time.Now())}})
	var ne *notify.Error
	if err == nil || !strings.Contains(err.Error(), "400") || !asError(err, &ne) || !ne.Permanent {
		t.Fatalf("Notify = %v, want a permanent 400", err)
	}
}

func asError(err error, target **notify.Error) bool {
	for err != nil {
		if e, ok := err.(*notify.Error); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
