package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// TestProactiveMemoryLeakWalkthrough is the seed's walkthrough in-process,
// with tend's defaults: a pod whose memory leaks steadily after a
// deployment raises a PROACTIVE insight "Memory utilisation approaching
// its limit" with the predicted time, before the limit (before any
// restart); the deployment is among its related events, the API serves
// the prediction and the recommendations, the page draws the forecast.
func TestProactiveMemoryLeakWalkthrough(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir, cfg.Server.Listen = t.TempDir(), "127.0.0.1:0"
	var mu sync.Mutex
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	now := start
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a, err := New(ctx, &cfg, Options{Logger: logging.Discard(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	base := "http://" + a.Addr()
	_, key, err := a.Keys().Create(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}

	info := series.Info{ID: "pod-mem", Metric: "pod_memory_utilization", Unit: "percent",
		Labels:   series.Labels{"namespace": "prod", "pod": "cart-1"},
		Resource: series.Resource{Type: "pod", ID: "pod/prod/cart-1", Name: "cart-1"},
		Boundary: series.Boundary{Kind: "namespace", Name: "eu-1/prod"}}
	// A deployment at hour 60; from then on the pod leaks 1.2 % an hour.
	onset := start.Add(60 * time.Hour)
	k8s := `{"kind":"Event","metadata":{"uid":"u-9","namespace":"prod"},"involvedObject":{"kind":"Pod","name":"cart-1","namespace":"prod"},
		"reason":"ScalingReplicaSet","message":"Scaled up replica set cart-7d9f6 to 1","lastTimestamp":"` + onset.Format(time.RFC3339) + `"}`
	rng := rand.New(rand.NewPCG(11, 12))
	var opened store.Insight
	var atOpening *store.Forecast // the forecast as the insight opened
	var openedAt time.Time
	var openedValue float64
	for at := start; at.Before(start.Add(110 * time.Hour)); at = at.Add(5 * time.Minute) {
		mu.Lock()
		now = at
		mu.Unlock()
		h := at.Sub(start).Hours()
		v := 35 + 6*math.Sin(2*math.Pi*h/24) + rng.NormFloat64()
		if at.After(onset) {
			v += 1.2 * at.Sub(onset).Hours()
		}
		if v >= 100 {
			break // OOM-killed: the walkthrough is about what comes before
		}
		if err := a.Observer().Observe(ctx, insight.Observation{Series: info, Time: at, Value: v, Score: 0.01}); err != nil {
			t.Fatal(err)
		}
		if at.Equal(onset) || at.Equal(onset.Add(5*time.Minute)) { // delivered twice: stored once
			postEvent(t, base+"/v1/events/kubernetes?namespace=eu-1/prod", key, k8s)
		}
		if opened.ID == "" && at.Minute() == 0 {
			if err := a.Proactive().Flush(ctx); err != nil {
				t.Fatal(err)
			}
			var page store.InsightPage
			getJSON(t, base+"/v1/insights?type=proactive&status=ongoing", key, &page)
			if len(page.Insights) > 0 {
				opened, openedAt, openedValue = page.Insights[0], at, v
				var d struct {
					Anomalies []store.Anomaly `json:"anomalies"`
				}
				getJSON(t, base+"/v1/insights/"+opened.ID, key, &d)
				if len(d.Anomalies) == 1 {
					atOpening = d.Anomalies[0].Forecast
				}
			}
		}
	}
	if opened.ID == "" {
		t.Fatal("no proactive insight before the pod reached its memory limit")
	}
	// The trend line reaches 100 % at onset + (100-35)/1.2 h.
	limitAt := onset.Add(time.Duration((100 - 35) / 1.2 * float64(time.Hour)))
	t.Logf("opened %s before the trend reaches the limit, at %.1f %%: %s", limitAt.Sub(openedAt).Round(time.Minute), openedValue, opened.Name)
	if lead := limitAt.Sub(openedAt); lead < 12*time.Hour {
		t.Errorf("opened %s before the limit, want at least half the 24h horizon", lead)
	}
	var d struct {
		store.Insight
		Anomalies []store.Anomaly `json:"anomalies"`
		Events    []struct {
			Name     string `json:"name"`
			Class    string `json:"event_class"`
			Relation string `json:"relation"`
		} `json:"events"`
	}
	getJSON(t, base+"/v1/insights/"+opened.ID, key, &d)
	if d.Type != store.InsightProactive || d.ProblemType != "MEMORY_SATURATION" || d.PredictionTimeRange == nil ||
		d.Name != "Memory utilisation approaching its limit on pod cart-1 (namespace eu-1/prod)" {
		t.Fatalf("insight = %+v", d.Insight)
	}
	if f := d.Anomalies[0].Forecast; f == nil || f.Limit != 100 {
		t.Fatalf("forecast = %+v", f)
	}
	// The prediction made when the insight opened (later ones move, and
	// which is the last depends on when the writer ran): the series'
	// highs (the trend plus the tops of its ±6 % daily cycle) reach the
	// limit at ExhaustAt, up to about 6/1.2 = 5 hours before the trend
	// line does; the trend line's time is inside the band.
	f := atOpening
	if f == nil || f.Limit != 100 {
		t.Fatalf("forecast at opening = %+v", f)
	}
	early := limitAt.Sub(f.ExhaustAt)
	t.Logf("at opening: highs predicted at the limit %s before the trend line; band %s to %s", early.Round(time.Minute),
		f.Earliest.Format(time.DateTime), f.Latest.Format(time.DateTime))
	if early < -time.Hour || early > 8*time.Hour || early.Hours()/limitAt.Sub(f.FitAt).Hours() > 0.35 {
		t.Errorf("predicted the limit at %s, the trend reaches it at %s: %s early", f.ExhaustAt, limitAt, early)
	}
	if f.Earliest.After(limitAt) || !f.Latest.IsZero() && f.Latest.Add(time.Hour).Before(limitAt) {
		t.Errorf("the band %s to %s leaves out %s", f.Earliest, f.Latest, limitAt)
	}
	if len(d.Events) != 1 || d.Events[0].Class != store.EventDeployment || !strings.HasPrefix(d.Events[0].Name, "ScalingReplicaSet") {
		t.Errorf("related events = %+v, want the deployment", d.Events)
	}
	rules := ""
	for _, r := range d.Recommendations {
		rules += r.Rule + " "
	}
	if !strings.Contains(rules, "container-memory-leak") || !strings.Contains(rules, "container-memory-limit") {
		t.Errorf("recommendations %s", rules)
	}
	resp, err := authGet(base+"/ui/insights/"+opened.ID, key)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`class="band"`, `class="limit"`, `class="event deployment"`, "Look for a memory leak"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page lacks %s", want)
		}
	}
	var reactive store.InsightPage
	getJSON(t, base+"/v1/insights?type=reactive", key, &reactive)
	if len(reactive.Insights) != 0 {
		t.Errorf("a reactive insight too: %s", reactive.Insights[0].Name)
	}
}

func postEvent(t *testing.T, url, key, body string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("POST %s = %d %s", url, resp.StatusCode, b)
	}
}

func getJSON(t *testing.T, url, key string, v any) {
	t.Helper()
	resp, err := authGet(url, key)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
