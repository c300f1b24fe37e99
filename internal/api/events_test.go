package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

var eventNow = time.Date(2026, 11, 21, 12, 30, 0, 0, time.UTC)

type eventAPI struct {
	srv *httptest.Server
	st  store.Store
	key string
}

func newEventAPI(t *testing.T) eventAPI {
	t.Helper()
	s := storetest.OpenSQLite(t)
	keys := apikey.New(s.APIKeys(), nil)
	_, key, err := keys.Create(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return eventNow }
	a := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Store: s, Keys: keys, Now: now, MaxBodyBytes: 64 << 10})
	api.RegisterEvents(a, s, api.EventsOptions{Now: now, GitHubSecret: "s3cret"})
	api.RegisterInsights(a, s, now)
	srv := httptest.NewServer(keyedReads(a.Handler(), key))
	t.Cleanup(srv.Close)
	return eventAPI{srv: srv, st: s, key: key}
}

func (e eventAPI) do(t *testing.T, method, path, body string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func readTestdata(t *testing.T, name string) string {
	b, err := os.ReadFile("../events/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEventIntake(t *testing.T) {
	e := newEventAPI(t)
	auth := map[string]string{"X-API-Key": e.key}
	sign := func(body string) string {
		m := hmac.New(sha256.New, []byte("s3cret"))
		m.Write([]byte(body))
		return "sha256=" + hex.EncodeToString(m.Sum(nil))
	}
	gh := readTestdata(t, "github/deployment.json")
	for _, tt := range []struct {
		name, method, path, body string
		hdr                      map[string]string
		status                   int
		field                    string
		accepted                 float64
	}{
		{"native", "POST", "/v1/events", readTestdata(t, "native/deploy.json"), auth, 202, "", 1},
		{"native again is a duplicate", "POST", "/v1/events", readTestdata(t, "native/deploy.json"), auth, 202, "", 0},
		{"no key", "POST", "/v1/events", readTestdata(t, "native/deploy.json"), nil, 401, "", 0},
		{"missing time names the field", "POST", "/v1/events", `{"name":"x"}`, auth, 400, "time", 0},
		{"array element", "POST", "/v1/events", `[{"time":"2026-11-21T12:00:00Z","name":"a"},{"time":"soon","name":"b"}]`, auth, 400, "[1].time", 0},
		{"unknown scope parameter", "POST", "/v1/events?colour=red", readTestdata(t, "native/deploy.json"), auth, 400, "colour", 0},
		{"too large", "POST", "/v1/events", `{"time":"2026-11-21T12:00:00Z","name":"` + strings.Repeat("x", 70<<10) + `"}`, auth, 413, "", 0},
		{"cloudtrail", "POST", "/v1/events/cloudtrail?stack=shop", readTestdata(t, "cloudtrail/update_function_code.json"), auth, 202, "", 1},
		{"cloudtrail wrong type", "POST", "/v1/events/cloudtrail", readTestdata(t, "cloudtrail/wrong_detail_type.json"), auth, 400, "detail-type", 0},
		{"kubernetes", "POST", "/v1/events/kubernetes", readTestdata(t, "kubernetes/event_list.json"), auth, 202, "", 2},
		{"github signed", "POST", "/v1/webhooks/github?resource=web-1", gh, map[string]string{"X-GitHub-Event": "deployment", "X-GitHub-Delivery": "d1", "X-Hub-Signature-256": sign(gh)}, 202, "", 1},
		{"github bad signature", "POST", "/v1/webhooks/github", gh, map[string]string{"X-GitHub-Event": "deployment", "X-Hub-Signature-256": sign(gh + " ")}, 401, "X-Hub-Signature-256", 0},
		{"github ping", "POST", "/v1/webhooks/github", `{"zen":"hi"}`, map[string]string{"X-GitHub-Event": "ping", "X-Hub-Signature-256": sign(`{"zen":"hi"}`)}, 202, "", 0},
		{"grafana", "POST", "/api/annotations", readTestdata(t, "grafana/annotation.json"), map[string]string{"Authorization": "Bearer " + e.key}, 200, "", -1},
		{"grafana no text", "POST", "/api/annotations", readTestdata(t, "grafana/no_text.json"), auth, 400, "text", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, out := e.do(t, tt.method, tt.path, tt.body, tt.hdr)
			if status != tt.status {
				t.Fatalf("%s %s = %d %v, want %d", tt.method, tt.path, status, out, tt.status)
			}
			if tt.field != "" {
				if f := out["error"].(map[string]any)["field"]; f != tt.field {
					t.Errorf("error field %v, want %s (%v)", f, tt.field, out)
				}
			}
			if tt.accepted >= 0 && status == 202 && out["accepted"] != tt.accepted {
				t.Errorf("accepted %v, want %v (%v)", out["accepted"], tt.accepted, out)
			}
			if tt.accepted < 0 && out["message"] != "Annotation added" {
				t.Errorf("grafana answer %v", out)
			}
		})
	}
	// Everything accepted is stored: 1 + 1 + 2 + 1 + 1.
	page, err := e.st.Events().List(context.Background(), store.EventFilter{})
	if err != nil || len(page.Events) != 6 {
		t.Fatalf("stored %d events, %v; want 6", len(page.Events), err)
	}
	for _, tt := range []struct {
		query string
		n     int
	}{
		{"", 6}, {"source=kubernetes", 2}, {"class=deployment", 5}, {"class=infrastructure", 1}, {"stack=shop", 3},
		{"resource=web-1", 1}, {"since=1h", 6}, {"since=0.75h", 5}, {"limit=2", 2},
	} {
		status, out := e.do(t, "GET", "/v1/events?"+tt.query, "", nil)
		if status != 200 || len(out["events"].([]any)) != tt.n {
			t.Errorf("GET /v1/events?%s = %d, %d events; want %d", tt.query, status, len(out["events"].([]any)), tt.n)
		}
	}
	if status, out := e.do(t, "GET", "/v1/events?class=party", "", nil); status != 400 || out["error"].(map[string]any)["field"] != "class" {
		t.Errorf("bad class = %d %v", status, out)
	}
}

func TestInsightDetailHasRelatedEventsAndRecommendations(t *testing.T) {
	e := newEventAPI(t)
	ctx := context.Background()
	start := eventNow.Add(-20 * time.Minute)
	in := store.Insight{ID: "ins-fn", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityMedium,
		ProblemType: "LATENCY_DEGRADATION", Name: "Latency anomalous on function checkout (stack shop)", BoundaryKey: "stack::shop",
		BoundaryKind: "stack", BoundaryName: "shop", Resources: []store.InsightResource{{ID: "function/checkout", Type: "function", Name: "checkout"}},
		StartedAt: start, CreatedAt: start, UpdatedAt: start}
	if err := e.st.Insights().Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Anomalies().Create(ctx, store.Anomaly{ID: "ano-fn", InsightID: "ins-fn", Status: store.AnomalyOpen, SeriesID: "s", Metric: "lambda_duration_seconds",
		Statistic: "p50", Family: "latency", ProblemType: "LATENCY_DEGRADATION", Resource: in.Resources[0], BoundaryKey: in.BoundaryKey,
		StartedAt: start, UpdatedAt: start}); err != nil {
		t.Fatal(err)
	}
	// The seed's CloudTrail record: UpdateFunctionCode 2 minutes before.
	ct := strings.Replace(readTestdata(t, "cloudtrail/update_function_code.json"), "2026-11-21T11:58:01Z", start.Add(-2*time.Minute).Format(time.RFC3339), 1)
	if status, out := e.do(t, "POST", "/v1/events/cloudtrail", ct, map[string]string{"X-API-Key": e.key}); status != 202 {
		t.Fatalf("cloudtrail = %d %v", status, out)
	}
	status, out := e.do(t, "GET", "/v1/insights/ins-fn", "", nil)
	if status != 200 {
		t.Fatalf("GET insight = %d %v", status, out)
	}
	evs := out["events"].([]any)
	if len(evs) != 1 || evs[0].(map[string]any)["name"] != "UpdateFunctionCode" || evs[0].(map[string]any)["relation"] != "resource" {
		t.Fatalf("events = %v", evs)
	}
	recs := out["recommendations"].([]any)
	first := recs[0].(map[string]any)
	if first["rule"] != "function-latency-after-code-change" || first["related_events"].([]any)[0] != evs[0].(map[string]any)["id"] {
		t.Errorf("first recommendation = %v", first)
	}
}
