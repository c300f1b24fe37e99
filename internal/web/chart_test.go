package web_test

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
	"github.com/tendhq/tend/internal/web"
)

// seedPages stores a reactive insight with a related deployment and a
// proactive one with its forecast, and serves the pages.
func seedPages(t testing.TB, s store.Store, now time.Time) {
	ctx := context.Background()
	start := now.Add(-20 * time.Minute)
	re := store.Insight{ID: "ins-r", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityHigh,
		ProblemType: "LATENCY_DEGRADATION", Name: "Latency anomalous on function checkout (stack shop)", Description: "lambda_duration_seconds p50 rose.",
		BoundaryKey: "stack::shop", BoundaryKind: "stack", BoundaryName: "shop",
		Resources: []store.InsightResource{{ID: "function/checkout", Type: "function", Name: "checkout"}}, StartedAt: start, CreatedAt: start, UpdatedAt: now}
	var pts []store.Point
	for i := range 90 {
		at := now.Add(time.Duration(i-90) * 30 * time.Second)
		v, sc := 120+float64(i%7), 0.0
		if at.After(start) {
			v, sc = 480+float64(i%11)*6, 0.92
		}
		pts = append(pts, store.Point{T: at, V: v, S: sc})
	}
	pro := store.Insight{ID: "ins-p", Type: store.InsightProactive, Status: store.InsightOngoing, Severity: store.SeverityMedium,
		ProblemType: "MEMORY_SATURATION", Name: "Memory utilisation approaching its limit on pod cart-1 (namespace prod/shop)",
		Description: "pod_memory_utilization on pod cart-1 rises by 1.5 % per hour.", BoundaryKey: "namespace::prod/shop", BoundaryKind: "namespace",
		BoundaryName: "prod/shop", Subject: "s-mem", Resources: []store.InsightResource{{ID: "pod/prod/cart-1", Type: "pod", Name: "cart-1"}},
		StartedAt: now, CreatedAt: now, UpdatedAt: now, PredictionTimeRange: &store.TimeRange{Start: now.Add(16 * time.Hour), End: now.Add(30 * time.Hour)}}
	var mem []store.Point
	for i := range 48 {
		at := now.Add(time.Duration(i-48) * time.Hour)
		mem = append(mem, store.Point{T: at, V: 40 + 0.6*float64(i) + 4*float64(i%3)})
	}
	for _, in := range []store.Insight{re, pro} {
		if err := s.Insights().Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	anoms := []store.Anomaly{
		{ID: "ano-r", InsightID: "ins-r", Status: "OPEN", SeriesID: "s-lat", Metric: "lambda_duration_seconds", Statistic: "p50", Family: "latency",
			ProblemType: "LATENCY_DEGRADATION", Resource: re.Resources[0], BoundaryKey: re.BoundaryKey, StartedAt: start, PeakScore: 0.92, PeakValue: 540,
			PeakAt: now, Reason: "value 540 is 31σ from the baseline mean 123", Excerpt: pts, Owner: "t", UpdatedAt: now},
		{ID: "ano-p", InsightID: "ins-p", Status: "OPEN", SeriesID: "s-mem", Metric: "pod_memory_utilization", Unit: "percent", Family: "memory",
			ProblemType: "MEMORY_SATURATION", Resource: pro.Resources[0], BoundaryKey: pro.BoundaryKey, StartedAt: now, PeakValue: 70, PeakAt: now,
			Reason: "pod_memory_utilization rises by 1.5 % per hour", Excerpt: mem, Owner: "t", UpdatedAt: now,
			Forecast: &store.Forecast{Limit: 100, Direction: "up", LimitSource: "100 %", FitAt: now, Level: 70, Slope: 1.5, SlopeLow: 1, SlopeHigh: 1.9,
				Spread: 1, ExhaustAt: now.Add(20 * time.Hour), Earliest: now.Add(16 * time.Hour), Latest: now.Add(30 * time.Hour), WindowSeconds: 172800, HorizonSeconds: 86400}},
	}
	if err := s.Anomalies().Upsert(ctx, anoms); err != nil {
		t.Fatal(err)
	}
	evs := []store.Event{
		{ID: "evt-1", Key: "ct-1", Time: start.Add(-4 * time.Minute), Source: "cloudtrail", EventSource: "lambda.amazonaws.com", Class: store.EventDeployment,
			Name: "UpdateFunctionCode", Actor: "ci", Resources: []store.EventResource{{Type: "function", Name: "checkout"}}, ReceivedAt: now},
		{ID: "evt-2", Key: "ct-2", Time: start.Add(-70 * time.Minute), Source: "cloudtrail", Class: store.EventConfigChange, Name: "UpdateFunctionConfiguration",
			Resources: []store.EventResource{{Type: "function", Name: "checkout"}}, ReceivedAt: now},
		{ID: "evt-3", Key: "k-1", Time: now.Add(-2 * time.Hour), Source: "kubernetes", Class: store.EventDeployment, Name: "ScalingReplicaSet: Scaled up replica set cart-7d9f6 to 3",
			Resources: []store.EventResource{{Type: "deployment", ID: "deployment/prod/cart", Name: "cart"}}, Namespace: "prod/shop", ReceivedAt: now},
	}
	if _, _, err := s.Events().Add(ctx, evs); err != nil {
		t.Fatal(err)
	}
}

func serve(t testing.TB, s store.Store, now time.Time) *httptest.Server {
	ui, err := web.New(web.Options{Store: s, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, r := range ui.Routes() {
		mux.HandleFunc(r.Pattern, r.Handler)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t testing.TB, url string) string {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d: %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func TestInsightPageCharts(t *testing.T) {
	s := storetest.OpenSQLite(t)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	seedPages(t, s, now)
	srv := serve(t, s, now)
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/ui/insights/ins-r", []string{`<svg class="chart"`, `class="span"`, `class="values"`, `class="hot"`, `class="event deployment"`,
			`class="event config_change"`, "UpdateFunctionCode", "Move initialisation out of the handler", "Why:", "resource"}},
		{"/ui/insights/ins-p", []string{`class="band"`, `class="limit"`, `class="trend"`, `class="exhaust"`, "limit reached", "2026-11-22 04:00",
			"Look for a memory leak", "Raise the memory limit", "ScalingReplicaSet", "boundary", `class="event deployment"`}},
	} {
		body := get(t, srv.URL+tt.path)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", tt.path, w)
			}
		}
	}
}

// TestInsightPageScreenshots renders both pages in headless Chromium and
// checks the pictures: the chart's values, anomalous span, forecast band,
// limit and event markers are there in their colours.
func TestInsightPageScreenshots(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (.ci/run installs Debian's chromium)")
		}
		t.Skip("chromium is not installed")
	}
	s := storetest.OpenSQLite(t)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	seedPages(t, s, now)
	srv := serve(t, s, now)
	dir := t.TempDir()
	for _, tt := range []struct {
		id     string
		colors map[string][3]uint8
	}{
		{"ins-r", map[string][3]uint8{"values line": {0x1f, 0x4f, 0xbf}, "event marker": {0xd9, 0x77, 0x06}, "anomalous span": {0xf7, 0xe1, 0xe2}}},
		{"ins-p", map[string][3]uint8{"values line": {0x1f, 0x4f, 0xbf}, "trend": {0x7c, 0x3a, 0xed}, "limit": {0xc0, 0x26, 0x2d}, "band": {0xe8, 0xde, 0xfc}}},
	} {
		shot := filepath.Join(dir, tt.id+".png")
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
			"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir="+filepath.Join(dir, "profile-"+tt.id), "--window-size=1280,1400",
			"--screenshot="+shot, srv.URL+"/ui/insights/"+tt.id)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, out)
		}
		f, err := os.Open(shot)
		if err != nil {
			t.Fatalf("no screenshot: %v\n%s", err, out)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 1400 {
			t.Errorf("%s: screenshot is %v", tt.id, b)
		}
		for what, c := range tt.colors {
			if n := countNear(img, c, 24); n < 20 {
				t.Errorf("%s: the screenshot shows %d pixels of the %s's colour #%02x%02x%02x, want at least 20", tt.id, n, what, c[0], c[1], c[2])
			}
		}
		if dst := os.Getenv("TEND_SCREENSHOT_DIR"); dst != "" {
			b, _ := os.ReadFile(shot)
			_ = os.WriteFile(filepath.Join(dst, tt.id+".png"), b, 0o644)
		}
	}
}

func countNear(img image.Image, c [3]uint8, tol int) int {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if abs(int(r>>8)-int(c[0])) <= tol && abs(int(g>>8)-int(c[1])) <= tol && abs(int(bl>>8)-int(c[2])) <= tol {
				n++
			}
		}
	}
	return n
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// seedMany stores n insights with two anomalies of 270 points each, and n
// events, for the page benchmarks.
func seedMany(b testing.TB, s store.Store, n int, now time.Time) {
	ctx := context.Background()
	var evs []store.Event
	for i := range n {
		start := now.Add(-time.Duration(i) * time.Hour)
		in := store.Insight{ID: fmt.Sprintf("ins-%04d", i), Type: store.InsightReactive, Status: store.InsightClosed, Severity: store.SeverityMedium,
			ProblemType: "CPU_SATURATION", Name: fmt.Sprintf("CPU utilisation and load anomalous on host web-%d (stack shop)", i),
			BoundaryKey: fmt.Sprintf("stack::shop-%d", i), BoundaryKind: "stack", BoundaryName: "shop",
			Resources: []store.InsightResource{{ID: fmt.Sprintf("host/web-%d", i), Type: "host", Name: fmt.Sprintf("web-%d", i)}},
			StartedAt: start, EndedAt: start.Add(10 * time.Minute), CreatedAt: start, UpdatedAt: start}
		if err := s.Insights().Create(ctx, in); err != nil {
			b.Fatal(err)
		}
		var anoms []store.Anomaly
		for j, m := range []string{"host_cpu_utilization", "host_load1"} {
			var pts []store.Point
			for k := range 270 {
				pts = append(pts, store.Point{T: start.Add(time.Duration(k-30) * 10 * time.Second), V: float64(20 + k%50), S: float64(k%2) * 0.9})
			}
			anoms = append(anoms, store.Anomaly{ID: fmt.Sprintf("ano-%04d-%d", i, j), InsightID: in.ID, Status: "CLOSED", SeriesID: m, Metric: m,
				Family: "cpu", ProblemType: "CPU_SATURATION", Resource: in.Resources[0], BoundaryKey: in.BoundaryKey, StartedAt: start,
				EndedAt: start.Add(10 * time.Minute), PeakScore: 0.95, PeakValue: 99, PeakAt: start, Reason: "far off", Excerpt: pts, Owner: "t", UpdatedAt: start})
		}
		if err := s.Anomalies().Upsert(ctx, anoms); err != nil {
			b.Fatal(err)
		}
		evs = append(evs, store.Event{ID: fmt.Sprintf("evt-%04d", i), Key: fmt.Sprint(i), Time: start.Add(-10 * time.Minute), Source: "api",
			Class: store.EventDeployment, Name: "deploy", Resources: []store.EventResource{{Name: in.Resources[0].Name}}, Stack: "shop", ReceivedAt: start})
	}
	if _, _, err := s.Events().Add(ctx, evs); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPages1000Insights serves the overview and an insight page from
// a store of 1,000 insights (2,000 anomalies of 270 points, 1,000 events).
func BenchmarkPages1000Insights(b *testing.B) {
	s := storetest.OpenSQLite(b)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	seedMany(b, s, 1000, now)
	srv := serve(b, s, now)
	for _, path := range []string{"/", "/ui/insights/ins-0500", "/ui/insights/ins-0000"} {
		b.Run(strings.Trim(strings.ReplaceAll(path, "/", "_"), "_")+"_", func(b *testing.B) {
			for b.Loop() {
				get(b, srv.URL+path)
			}
		})
	}
}
