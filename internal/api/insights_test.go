package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

var insightNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func newInsightAPI(t *testing.T) *httptest.Server {
	t.Helper()
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	for i := 0; i < 6; i++ {
		in := store.Insight{
			ID: fmt.Sprintf("ins-%d", i), Type: store.InsightReactive, Status: store.InsightClosed, Severity: store.SeverityLow,
			ProblemType: "CPU_SATURATION", Name: fmt.Sprintf("insight %d", i), BoundaryKey: fmt.Sprintf("stack::shop-%d", i),
			BoundaryKind: "stack", BoundaryName: "shop", Account: "111122223333",
			StartedAt: insightNow.Add(-time.Duration(i) * 24 * time.Hour), CreatedAt: insightNow, UpdatedAt: insightNow,
		}
		if i == 0 {
			in.Status, in.Severity = store.InsightOngoing, store.SeverityHigh
		}
		if i == 1 {
			in.BoundaryKind, in.BoundaryName = "app", "checkout"
		}
		if i == 5 {
			in.StartedAt = insightNow.Add(-200 * 24 * time.Hour)
		}
		if err := s.Insights().Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	an := store.Anomaly{ID: "ano-1", InsightID: "ins-0", Status: store.AnomalyOpen, SeriesID: "s1", Metric: "host_cpu_utilization",
		Resource: store.InsightResource{ID: "host/web-1", Type: "host", Name: "web-1"}, BoundaryKey: "stack::shop-0",
		StartedAt: insightNow, PeakScore: 0.9, PeakValue: 99, Excerpt: []store.Point{{T: insightNow, V: 99, S: 0.9}}, UpdatedAt: insightNow}
	if err := s.Anomalies().Create(ctx, an); err != nil {
		t.Fatal(err)
	}
	keys := apikey.New(s.APIKeys(), nil)
	a := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Store: s, Keys: keys, Now: func() time.Time { return insightNow }})
	api.RegisterInsights(a, s, func() time.Time { return insightNow })
	srv := httptest.NewServer(keyedReads(a.Handler(), mustKey(t, keys)))
	t.Cleanup(srv.Close)
	return srv
}

func TestInsightsListFilters(t *testing.T) {
	srv := newInsightAPI(t)
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"ins-0", "ins-1", "ins-2", "ins-3", "ins-4"}}, // ins-5 is older than 180 days
		{"status=ongoing", []string{"ins-0"}},
		{"status=ONGOING,closed&severity=low", []string{"ins-1", "ins-2", "ins-3", "ins-4"}},
		{"severity=high", []string{"ins-0"}},
		{"stack=shop&since=2d", []string{"ins-0", "ins-2"}},
		{"app=checkout", []string{"ins-1"}},
		{"resource=web-1", []string{"ins-0"}},
		{"account=111122223333,444455556666&type=reactive&limit=2", []string{"ins-0", "ins-1"}},
		{"type=proactive", nil},
		{"from=2026-05-01T00:00:00Z&to=2026-06-01T00:00:00Z", []string{"ins-5"}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/v1/insights?" + c.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var page store.InsightPage
			if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&page) != nil {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var got []string
			for _, in := range page.Insights {
				got = append(got, in.ID)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestInsightsListRefusesBadFilters(t *testing.T) {
	srv := newInsightAPI(t)
	cases := []struct{ query, field, msg string }{
		{"from=2026-01-01T00:00:00Z&to=2026-11-01T00:00:00Z", "from", "at most 180 days"},
		{"since=181d", "since", "at most 180 days"},
		{"since=7m", "since", "at most 180 days"},
		{"from=2026-11-22T00:00:00Z", "from", "must be before to"},
		{"from=yesterday", "from", "RFC 3339"},
		{"type=predictive", "type", "reactive, proactive"},
		{"severity=critical", "severity", "low, medium, high"},
		{"limit=0", "limit", "1 to 1000"},
		{"cursor=nope", "cursor", "not a cursor"},
		{"account=1,2,3,4,5,6", "account", "at most 5"},
		{"colour=red", "colour", "unknown filter"},
		{"since=soon", "since", "not a duration"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/v1/insights?" + c.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct{ Error api.Error }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != 400 || body.Error.Field != c.field || !strings.Contains(body.Error.Message, c.msg) {
				t.Fatalf("status %d, error %+v; want 400 on %s mentioning %q", resp.StatusCode, body.Error, c.field, c.msg)
			}
		})
	}
}

func TestInsightAndAnomalyByID(t *testing.T) {
	srv := newInsightAPI(t)
	resp, err := http.Get(srv.URL + "/v1/insights/ins-0")
	if err != nil {
		t.Fatal(err)
	}
	var d api.InsightDetail
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if d.ID != "ins-0" || len(d.Anomalies) != 1 || len(d.Anomalies[0].Excerpt) != 1 || d.Anomalies[0].Resource.Name != "web-1" {
		t.Fatalf("detail = %+v", d)
	}
	for path, want := range map[string]int{"/v1/anomalies/ano-1": 200, "/v1/anomalies/nope": 404, "/v1/insights/nope": 404} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
}
