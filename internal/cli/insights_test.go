package cli

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

func insightServer(t *testing.T) (string, map[string]string) {
	t.Helper()
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	start := time.Now().Add(-20 * time.Minute).UTC().Truncate(time.Second)
	in := store.Insight{ID: "ins-1", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityHigh,
		ProblemType: "CPU_SATURATION", Name: "CPU utilisation and load anomalous on host web-1 (stack shop)",
		Description: "2 metrics on 1 resource in stack shop deviated from normal.", BoundaryKey: "stack::shop",
		BoundaryKind: "stack", BoundaryName: "shop", StartedAt: start, CreatedAt: start, UpdatedAt: start,
		Resources:       []store.InsightResource{{ID: "host/web-1", Type: "host", Name: "web-1", InstanceID: "i-0abc", InstanceType: "t3.small"}},
		Recommendations: []store.Recommendation{{Title: "Find what is using the CPU", Reason: "CPU utilisation is far above its baseline."}}}
	if err := s.Insights().Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	var ex []store.Point
	for i := 0; i < 40; i++ {
		v := 10.0
		if i >= 30 {
			v = 99
		}
		ex = append(ex, store.Point{T: start.Add(time.Duration(i-30) * 10 * time.Second), V: v})
	}
	a := store.Anomaly{ID: "ano-1", InsightID: "ins-1", Status: store.AnomalyOpen, SeriesID: "s", Metric: "host_cpu_utilization",
		Unit: "percent", Resource: in.Resources[0], BoundaryKey: "stack::shop", StartedAt: start, PeakScore: 0.97, PeakValue: 99.5,
		Reason: "value 99.5 is 28σ above the baseline", Excerpt: ex, UpdatedAt: start}
	if err := s.Anomalies().Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	keys := apikey.New(s.APIKeys(), nil)
	_, key, err := keys.CreateWith(ctx, apikey.Spec{Name: "reader", Scopes: []access.Scope{access.Read}})
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Store: s, Keys: keys})
	api.RegisterInsights(h, s, nil)
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	return srv.URL, map[string]string{"TEND_API_KEY": key}
}

func TestInsightsCommands(t *testing.T) {
	url, env := insightServer(t)
	code, out, errOut := runCLI(t, env, "insights", "list", "--url", url)
	if code != 0 {
		t.Fatalf("list: %s", errOut)
	}
	for _, want := range []string{"ID", "SEVERITY", "ins-1", "ONGOING", "HIGH", "CPU_SATURATION", "20m+", "CPU utilisation and load anomalous on host web-1 (stack shop)"} {
		if !strings.Contains(out, want) {
			t.Errorf("list output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, map[string]string{"TEND_URL": url, "TEND_API_KEY": env["TEND_API_KEY"]}, "insights", "list", "--severity", "low")
	if code != 0 || !strings.Contains(out, "No insights match") {
		t.Fatalf("filtered list = %d %q", code, out)
	}
	code, out, errOut = runCLI(t, env, "insights", "show", "ins-1", "--url", url)
	if code != 0 {
		t.Fatalf("show: %s", errOut)
	}
	for _, want := range []string{"Problem type  CPU_SATURATION", "Boundary      stack shop", "i-0abc t3.small", "host_cpu_utilization", "99.5%", "0.97",
		"▁▁▁", "|███", "28σ", "1. Find what is using the CPU"} {
		if !strings.Contains(out, want) {
			t.Errorf("show output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, env, "insights", "show", "ins-1", "--json", "--url", url)
	if code != 0 || !strings.Contains(out, `"anomalies": [`) {
		t.Fatalf("show --json = %d %q", code, out)
	}
}

func TestInsightsCommandErrors(t *testing.T) {
	url, env := insightServer(t)
	if code, _, errOut := runCLI(t, nil, "insights", "list", "--url", url); code == 0 || !strings.Contains(errOut, "tend answered 401") {
		t.Errorf("list without a key = %d %q; want a 401", code, errOut)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"insights", "list", "--url", url, "--since", "200d"}, "tend refused the request (400): since: the range"},
		{[]string{"insights", "show", "nope", "--url", url}, `tend answered 404: no insight "nope"`},
		{[]string{"insights", "list", "--url", "http://127.0.0.1:1"}, "cannot reach tend at http://127.0.0.1:1"},
		{[]string{"insights", "list", "--url", "ftp://x"}, "is not an http(s) URL"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(t, env, c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v = %d %q; want an error with %q", c.args, code, errOut, c.want)
		}
	}
}
