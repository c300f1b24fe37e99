package devopsguru_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/devopsguru"
	"github.com/tendhq/tend/internal/store"
)

// tendServer is an in-process tend: the real app handler behind httptest.
type tendServer struct {
	app      *app.App
	srv      *httptest.Server
	keys     *devopsguru.Keys
	endpoint string // the DevOps Guru API's endpoint URL
	base     time.Time
}

type awsKeyStore interface{ AWSKeys() store.AWSKeys }

func startTend(t *testing.T) *tendServer {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Server.Listen = "127.0.0.1:0"
	ctx := context.Background()
	a, err := app.New(ctx, &cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Stop(ctx)
	})
	keys, err := devopsguru.OpenKeys(a.Store().(awsKeyStore).AWSKeys(), cfg.DataDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &tendServer{app: a, srv: srv, keys: keys, endpoint: srv.URL + devopsguru.Prefix,
		base: time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)}
}

// key creates an AWS key and returns its id and secret.
func (ts *tendServer) key(t *testing.T, scopes []string, accounts ...string) (string, string) {
	t.Helper()
	rec, secret, err := ts.keys.Create(context.Background(), "test", scopes, accounts)
	if err != nil {
		t.Fatal(err)
	}
	return rec.AccessKeyID, secret
}

// seed stores n reactive insights (every 7th one closed, in stack shop,
// account 111111111111; every 5th in account 222222222222), each with one
// anomaly, one minute apart, and one proactive insight.
func (ts *tendServer) seed(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	st := ts.app.Store()
	for i := range n {
		start := ts.base.Add(time.Duration(i) * time.Minute)
		in := store.Insight{ID: fmt.Sprintf("ins-%04d", i), Type: store.InsightReactive, Status: store.InsightOngoing,
			Severity: []string{store.SeverityLow, store.SeverityMedium, store.SeverityHigh}[i%3], ProblemType: "CPU_SATURATION",
			Name: fmt.Sprintf("CPU saturation on web-%d", i), Description: "CPU above its normal range",
			BoundaryKey: fmt.Sprintf("stack::shop-%d", i), BoundaryKind: "stack", BoundaryName: "shop", Account: "111111111111",
			Resources: []store.InsightResource{{ID: "arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc", Type: "AWS::EC2::Instance", Name: fmt.Sprintf("web-%d", i)}},
			StartedAt: start, CreatedAt: start, UpdatedAt: start}
		if i%5 == 0 {
			in.Account = "222222222222"
		}
		if i%7 == 0 {
			in.Status, in.EndedAt = store.InsightClosed, start.Add(30*time.Minute)
		}
		if err := st.Insights().Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		an := store.Anomaly{ID: fmt.Sprintf("anom-%04d", i), InsightID: in.ID, Status: store.AnomalyOpen, SeriesID: fmt.Sprintf("s%d", i),
			Metric: "node_cpu_utilization", Labels: map[string]string{"instance": fmt.Sprintf("web-%d", i), "namespace": "AWS/EC2"},
			Statistic: "Average", Period: time.Minute, Unit: "Percent", Family: "cpu", ProblemType: "CPU_SATURATION",
			Resource:  store.InsightResource{ID: "i-0abc", Type: "AWS::EC2::Instance", Name: fmt.Sprintf("web-%d", i)},
			StartedAt: start, PeakScore: 0.99, PeakValue: 97, PeakAt: start.Add(time.Minute), Reason: "CPU at 97 %, normally 20–40 %",
			Excerpt: []store.Point{{T: start, V: 90, S: 0.9}, {T: start.Add(time.Minute), V: 97, S: 0.99}}, Owner: "test", UpdatedAt: start}
		if err := st.Anomalies().Create(ctx, an); err != nil {
			t.Fatal(err)
		}
	}
	start := ts.base.Add(-time.Hour)
	pro := store.Insight{ID: "pro-0001", Type: store.InsightProactive, Status: store.InsightOngoing, Severity: store.SeverityMedium,
		ProblemType: "MEMORY_SATURATION", Name: "Memory utilisation approaching its limit", BoundaryKey: "app:devops-guru-app:checkout",
		BoundaryKind: "app", BoundaryTagKey: "devops-guru-app", BoundaryName: "checkout", Account: "111111111111", Subject: "mem",
		PredictionTimeRange: &store.TimeRange{Start: start.Add(20 * time.Hour), End: start.Add(24 * time.Hour)},
		StartedAt:           start, CreatedAt: start, UpdatedAt: start}
	if err := st.Insights().Create(ctx, pro); err != nil {
		t.Fatal(err)
	}
	if err := st.Anomalies().Create(ctx, store.Anomaly{ID: "pro-anom-1", InsightID: pro.ID, Status: store.AnomalyOpen, SeriesID: "m1",
		Metric: "pod_memory_utilization_over_pod_limit", Labels: map[string]string{"pod": "checkout-0"}, Family: "memory",
		ProblemType: "MEMORY_SATURATION", Resource: store.InsightResource{ID: "pod/checkout-0", Type: "pod", Name: "checkout-0"},
		StartedAt: start, Owner: "test", UpdatedAt: start,
		Forecast: &store.Forecast{Limit: 100, Direction: "up", ExhaustAt: start.Add(22 * time.Hour), Earliest: start.Add(20 * time.Hour), Latest: start.Add(24 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
}
