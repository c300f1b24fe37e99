package process

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tendhq/tend/internal/ingest"
)

// Key metric names, as KeySample carries them.
const (
	KeyErrorRate  = "error_rate" // share of requests that failed (5xx), 0–1
	KeyLatency    = "latency"    // mean request duration, seconds
	KeySaturation = "saturation" // CPU used, cores
)

// KeySample is one scrape interval of a deployment's key metrics, derived
// from the differences of its counters between two scrapes:
//
//	error_rate  Δ http_requests_total{code=~"5.."} / Δ http_requests_total
//	latency     Δ http_request_duration_seconds_sum / Δ …_count
//	saturation  Δ process_cpu_seconds_total / Δt
//
// (status may also be in a "status" label). A metric without traffic in
// the interval is absent from Values.
type KeySample struct {
	Deployment string
	Version    int
	Time       time.Time
	Values     map[string]float64
}

// scraper reads one process's metrics.
type scraper struct {
	p    *Provider
	pr   *proc
	prev *totals
	// labels every sample of this deployment carries (not the version:
	// a series that changed identity with every version would baseline
	// again after each deployment).
	labels []ingest.Label
}

type totals struct {
	t                          time.Time
	requests, errors, sum, cnt float64
	cpu                        float64
	hasReq, hasDur, hasCPU     bool
}

func newScraper(p *Provider, pr *proc) *scraper {
	d := pr.dep
	ls := []ingest.Label{{Name: "stack", Value: d.Stack}, {Name: "deployment", Value: d.ID}, {Name: "product", Value: d.Product},
		{Name: "instance", Value: d.ID}, {Name: "job", Value: d.Product}}
	if d.Account != "" {
		ls = append(ls, ingest.Label{Name: "account", Value: d.Account})
	}
	if d.Region != "" {
		ls = append(ls, ingest.Label{Name: "region", Value: d.Region})
	}
	return &scraper{p: p, pr: pr, labels: ls}
}

func (s *scraper) reset() { s.prev = nil }

func (s *scraper) scrape() {
	s.pr.mu.Lock()
	url := "http://127.0.0.1:" + strconv.Itoa(s.pr.port) + s.pr.spec.MetricsPath
	s.pr.mu.Unlock()
	now := s.p.o.Now()
	ctx, cancel := context.WithTimeout(context.Background(), max(s.p.o.ScrapeInterval, time.Second))
	defer cancel()
	fams, err := s.fetch(ctx, url)
	if err != nil {
		s.p.o.Logger.Debug("scrape deployment", "deployment", s.pr.dep.ID, "err", err)
		return
	}
	if s.p.o.Sink != nil {
		if batch := s.samples(fams, now); len(batch) > 0 {
			if err := s.p.o.Sink.Append(ctx, batch); err != nil {
				s.p.o.Logger.Debug("hand scraped samples to ingest", "deployment", s.pr.dep.ID, "err", err)
			}
		}
	}
	cur := readTotals(fams, now)
	if prev := s.prev; prev != nil && s.p.o.OnKey != nil {
		if ks, ok := derive(prev, cur); ok {
			ks.Deployment, ks.Version = s.pr.dep.ID, s.pr.version
			s.p.o.OnKey(ks)
		}
	}
	s.prev = cur
}

func (s *scraper) fetch(ctx context.Context, url string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := s.p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d", url, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", url, err)
	}
	return fams, nil
}

// samples turns metric families into ingest samples with the deployment's
// labels: counters and gauges as they are, summaries and histograms as
// their _sum and _count (and a summary's quantiles).
func (s *scraper) samples(fams map[string]*dto.MetricFamily, now time.Time) []ingest.Sample {
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	ms := now.UnixMilli()
	var out []ingest.Sample
	add := func(name string, m *dto.Metric, extra []ingest.Label, v float64, counter bool) {
		ls := append([]ingest.Label(nil), s.labels...)
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "stack" || lp.GetName() == "deployment" {
				continue // the deployment's own labels win
			}
			ls = append(ls, ingest.Label{Name: lp.GetName(), Value: lp.GetValue()})
		}
		ls = append(ls, extra...)
		ingest.SortLabels(ls)
		out = append(out, ingest.Sample{Metric: name, Labels: ls, TimeMs: ms, Value: v, Counter: counter})
	}
	for _, n := range names {
		f := fams[n]
		for _, m := range f.GetMetric() {
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				add(n, m, nil, m.GetCounter().GetValue(), true)
			case dto.MetricType_GAUGE:
				add(n, m, nil, m.GetGauge().GetValue(), false)
			case dto.MetricType_UNTYPED:
				add(n, m, nil, m.GetUntyped().GetValue(), false)
			case dto.MetricType_SUMMARY:
				sm := m.GetSummary()
				add(n+"_sum", m, nil, sm.GetSampleSum(), true)
				add(n+"_count", m, nil, float64(sm.GetSampleCount()), true)
				for _, q := range sm.GetQuantile() {
					add(n, m, []ingest.Label{{Name: "quantile", Value: strconv.FormatFloat(q.GetQuantile(), 'g', -1, 64)}}, q.GetValue(), false)
				}
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				add(n+"_sum", m, nil, h.GetSampleSum(), true)
				add(n+"_count", m, nil, float64(h.GetSampleCount()), true)
			}
		}
	}
	return out
}

func readTotals(fams map[string]*dto.MetricFamily, now time.Time) *totals {
	t := &totals{t: now}
	if f := fams["http_requests_total"]; f != nil {
		for _, m := range f.GetMetric() {
			v := m.GetCounter().GetValue()
			if f.GetType() == dto.MetricType_UNTYPED {
				v = m.GetUntyped().GetValue()
			}
			t.requests += v
			t.hasReq = true
			for _, lp := range m.GetLabel() {
				if (lp.GetName() == "code" || lp.GetName() == "status") && strings.HasPrefix(lp.GetValue(), "5") {
					t.errors += v
				}
			}
		}
	}
	if f := fams["http_request_duration_seconds"]; f != nil {
		for _, m := range f.GetMetric() {
			if sm := m.GetSummary(); sm != nil {
				t.sum += sm.GetSampleSum()
				t.cnt += float64(sm.GetSampleCount())
				t.hasDur = true
			} else if h := m.GetHistogram(); h != nil {
				t.sum += h.GetSampleSum()
				t.cnt += float64(h.GetSampleCount())
				t.hasDur = true
			}
		}
	}
	if f := fams["process_cpu_seconds_total"]; f != nil && len(f.GetMetric()) > 0 {
		t.cpu = f.GetMetric()[0].GetCounter().GetValue()
		t.hasCPU = true
	}
	return t
}

// derive computes one interval's key metrics; ok is false when nothing
// could be derived (a counter went backwards: the process restarted).
func derive(prev, cur *totals) (KeySample, bool) {
	ks := KeySample{Time: cur.t, Values: map[string]float64{}}
	dt := cur.t.Sub(prev.t).Seconds()
	if dt <= 0 {
		return ks, false
	}
	if cur.hasReq && prev.hasReq {
		dr, de := cur.requests-prev.requests, cur.errors-prev.errors
		if dr < 0 || de < 0 {
			return ks, false
		}
		if dr > 0 {
			ks.Values[KeyErrorRate] = de / dr
		}
	}
	if cur.hasDur && prev.hasDur {
		ds, dc := cur.sum-prev.sum, cur.cnt-prev.cnt
		if ds < 0 || dc < 0 {
			return ks, false
		}
		if dc > 0 {
			ks.Values[KeyLatency] = ds / dc
		}
	}
	if cur.hasCPU && prev.hasCPU {
		dc := cur.cpu - prev.cpu
		if dc < 0 {
			return ks, false
		}
		ks.Values[KeySaturation] = dc / dt
	}
	return ks, len(ks.Values) > 0
}
