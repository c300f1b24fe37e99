package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/notifytest"
	"github.com/tendhq/tend/internal/series"
)

func do(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestNotifyWiring runs a whole tend with a webhook channel from the
// configuration: an insight reaches the receiver as NEW_INSIGHT; channels
// are listed, added (API key), tested and removed through /v1/channels; a
// configured channel cannot be removed there; the page lists them.
func TestNotifyWiring(t *testing.T) {
	ctx := context.Background()
	rcv := notifytest.NewReceiver("s3cret")
	defer rcv.Close()
	cfg := config.Default()
	cfg.DataDir, cfg.Server.Listen = t.TempDir(), "127.0.0.1:0"
	cfg.Notify.Channels = []notify.Spec{{Name: "ops", Type: notify.TypeWebhook, URL: rcv.URL, Secret: "s3cret", GroupWait: notify.Dur(0)}}
	a, err := New(ctx, &cfg, Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	_, key, err := a.Keys().Create(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()

	info := series.Info{ID: "cpu-web-1", Metric: "host_cpu_utilization", Unit: "percent",
		Resource: series.Resource{Type: "host", ID: "host/web-1", Name: "web-1"}, Boundary: series.Boundary{Kind: "stack", Name: "shop"}}
	at := time.Now()
	for range 3 {
		if err := a.Observer().Observe(ctx, insight.Observation{Series: info, Time: at, Value: 99, Score: 0.99, Reason: "far above"}); err != nil {
			t.Fatal(err)
		}
		at = at.Add(10 * time.Second)
	}
	deadline := time.After(10 * time.Second)
	for {
		got := rcv.Messages()
		if len(got) > 0 {
			if got[0].MessageType != message.NewInsight || got[0].InsightUrl == "" || !strings.Contains(got[0].InsightUrl, a.Addr()) {
				t.Fatalf("first message %+v", got[0])
			}
			break
		}
		select {
		case <-deadline:
			t.Fatal("no NEW_INSIGHT at the webhook within 10s")
		case <-time.After(50 * time.Millisecond):
		}
	}

	code, body := do(t, "GET", base+"/v1/channels", key, "")
	if code != 200 || !strings.Contains(body, `"name": "ops"`) || !strings.Contains(body, `"source": "config"`) || strings.Contains(body, "s3cret") {
		t.Fatalf("GET /v1/channels = %d %s", code, body)
	}
	spec := `{"name":"second","type":"webhook","url":"` + rcv.URL + `","secret":"s3cret","group_wait":"0s"}`
	if code, _ := do(t, "POST", base+"/v1/channels", "", spec); code != 401 {
		t.Fatalf("POST without a key = %d, want 401", code)
	}
	if code, body := do(t, "POST", base+"/v1/channels", key, `{"name":"bad","type":"webhook","url":"ftp://x"}`); code != 400 || !strings.Contains(body, `"field": "url"`) {
		t.Fatalf("POST bad url = %d %s", code, body)
	}
	if code, body := do(t, "POST", base+"/v1/channels", key, `{"name":"x","type":"webhook","url":"http://x","colour":"red"}`); code != 400 || !strings.Contains(body, "colour") {
		t.Fatalf("POST unknown field = %d %s", code, body)
	}
	if code, body := do(t, "POST", base+"/v1/channels", key, spec); code != 201 || strings.Contains(body, "s3cret") {
		t.Fatalf("POST = %d %s", code, body)
	}
	if code, _ := do(t, "POST", base+"/v1/channels", key, spec); code != 409 {
		t.Fatalf("POST again = %d, want 409", code)
	}
	if code, body := do(t, "POST", base+"/v1/channels/second/test", key, ""); code != 200 {
		t.Fatalf("test = %d %s", code, body)
	}
	if code, body := do(t, "GET", base+"/v1/channels/ops", key, ""); code != 200 || !strings.Contains(body, `"state": "sent"`) {
		t.Fatalf("GET /v1/channels/ops = %d %s", code, body)
	}
	if code, _ := do(t, "DELETE", base+"/v1/channels/ops", key, ""); code != 409 {
		t.Fatalf("DELETE a configured channel = %d, want 409", code)
	}
	if code, _ := do(t, "DELETE", base+"/v1/channels/second", key, ""); code != 204 {
		t.Fatalf("DELETE = %d, want 204", code)
	}
	if code, _ := do(t, "DELETE", base+"/v1/channels/second", key, ""); code != 404 {
		t.Fatalf("DELETE again = %d, want 404", code)
	}
	if code, body := do(t, "GET", base+"/ui/channels", key, ""); code != 200 || !strings.Contains(body, "<b>ops</b>") {
		t.Fatalf("page = %d %s", code, body)
	}
	code, body = do(t, "GET", base+"/metrics", "", "")
	for _, m := range []string{"tend_notify_sent_total", "tend_notify_queue_depth", "tend_notify_oldest_pending_seconds", "tend_notify_failed_total"} {
		if code != 200 || !strings.Contains(body, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	var list struct{ Channels []json.RawMessage }
	_, body = do(t, "GET", base+"/v1/channels", key, "")
	if json.Unmarshal([]byte(body), &list); len(list.Channels) != 1 {
		t.Fatalf("channels after delete: %s", body)
	}
}
