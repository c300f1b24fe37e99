// Package web is tend's web page: what tend watches, the insights it
// raised and what self-healing did, at a glance, for people who would
// rather look than read JSON. Pages are rendered on the server from the
// store (html/template, no JavaScript) and refresh themselves.
package web

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/events"
	"github.com/tendhq/tend/internal/humanize"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/watch"
)

//go:embed templates/*.html
var templatesFS embed.FS

// SeriesLister is what the page needs of the detection stage.
type SeriesLister interface {
	List(sel series.Selector, offset, limit int) ([]watch.Status, int)
}

// Options are the page's dependencies.
type Options struct {
	Store  store.Store
	Series SeriesLister // nil when metrics ingest is off
	Logger *slog.Logger
	Now    func() time.Time
	// Lookback is how long before an insight's start a related event may
	// be (events.lookback); Policies the problem types remediation
	// policies act on (nil: unknown). Both feed the insight page.
	Lookback time.Duration
	Policies func() map[string]bool
}

// UI serves the pages.
type UI struct {
	o    Options
	tmpl *template.Template
}

// New parses the templates.
func New(o Options) (*UI, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	t, err := template.New("").Funcs(template.FuncMap{
		"ago":       func(t time.Time) string { return humanize.Ago(o.Now(), t, "—", time.UTC) },
		"lower":     strings.ToLower,
		"sparkline": sparkline,
		"chart":     chart,
		"neg":       func(d time.Duration) time.Duration { return -d },
		"before": func(in store.Insight, e events.Related) string {
			if e.BeforeSeconds < 0 {
				return humanize.Span(in.StartedAt, e.Time, o.Now()) + " after the start"
			}
			return humanize.Span(e.Time, in.StartedAt, o.Now()) + " before"
		},
		"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"num":  num,
		"dur":  func(a, b time.Time) string { return humanize.Span(a, b, o.Now()) },
		"ms":   func(a, b time.Time) string { return fmt.Sprintf("%.1f ms", float64(b.Sub(a).Microseconds())/1000) },
		"list": func(s ...string) []string { return s },
	}).ParseFS(templatesFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse web templates: %w", err)
	}
	return &UI{o: o, tmpl: t}, nil
}

// Route is one page: its pattern for http.ServeMux and its handler.
type Route struct {
	Pattern string
	Handler http.HandlerFunc
}

// Routes lists the pages.
func (u *UI) Routes() []Route {
	return []Route{
		{"GET /{$}", u.dashboard},
		{"GET /ui/insights/{id}", u.insight},
		{"GET /ui/runs/{id}", u.run},
		{"GET /ui/channels", u.channels},
	}
}

type dashboardData struct {
	Now         time.Time
	Filter      filterForm
	Insights    []store.Insight
	Ongoing     int
	Runs        []store.Run
	Series      []watch.Status
	SeriesTotal int
	Baselining  int
	Anomalous   int
	Backend     string
}

func (u *UI) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := dashboardData{Now: u.o.Now(), Backend: u.o.Store.Backend()}
	// The insight list takes GET /v1/insights' filters and its rules (one
	// authorisation layer: the caller sees its accounts only).
	q := r.URL.Query()
	d.Filter = newFilterForm(q)
	for k, v := range q {
		if len(v) == 1 && v[0] == "" {
			q.Del(k) // an empty field of the filter form
		}
	}
	if q.Get("limit") == "" {
		q.Set("limit", "25")
	}
	f, err := api.InsightFilterFromQuery(q, d.Now)
	if err == nil {
		f, err = api.ScopeInsightFilter(ctx, u.o.Store.Org(), f, q)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	page, err := u.o.Store.Insights().List(ctx, f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Insights = page.Insights
	for _, in := range d.Insights {
		if in.Status == store.InsightOngoing {
			d.Ongoing++
		}
	}
	runs, err := u.o.Store.Runs().List(ctx, store.RunFilter{Limit: 25})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := api.Principal(r)
	for _, run := range runs {
		if api.RunVisible(ctx, u.o.Store.Problems(), p, run) {
			d.Runs = append(d.Runs, run)
		}
	}
	if u.o.Series != nil {
		all, total := u.o.Series.List(series.Selector{}, 0, 0)
		if !p.AllAccounts() {
			var mine []watch.Status
			for _, s := range all {
				if p.SeesAccount(s.Boundary.Account) {
					mine = append(mine, s)
				}
			}
			all, total = mine, len(mine)
		}
		d.SeriesTotal = total
		for _, s := range all {
			if s.Baselining {
				d.Baselining++
			}
			if s.LastScore >= 0.5 {
				d.Anomalous++
			}
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].LastScore > all[j].LastScore })
		d.Series = all[:min(len(all), 15)]
	}
	u.render(w, r, "dashboard.html", d)
}

type insightData struct {
	Insight   store.Insight
	Anomalies []store.Anomaly
	Events    []events.Related
	Lookback  time.Duration
	Runs      []store.Run
}

func (u *UI) insight(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	det, err := insight.LoadDetail(ctx, u.o.Store, id, insight.DetailOptions{Lookback: u.o.Lookback, Policies: u.o.Policies, Now: u.o.Now})
	p := api.Principal(r)
	if err == nil && !p.SeesInsight(det.Account, det.CreatedAt) {
		err = store.ErrNotFound // another account's: as if it did not exist
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	kept := det.Events[:0]
	for _, e := range det.Events {
		if p.SeesAccount(e.Account) || e.Account == "" {
			kept = append(kept, e)
		}
	}
	det.Events = kept
	d := insightData{Insight: det.Insight, Anomalies: det.Anomalies, Events: det.Events,
		Lookback: time.Duration(det.Lookback * float64(time.Second))}
	// Runs self-healing started for this insight (problems from source tend).
	if p, err := u.o.Store.Problems().Find(ctx, "tend", id); err == nil {
		d.Runs, _ = u.o.Store.Runs().List(ctx, store.RunFilter{ProblemID: p.ID, Limit: 20})
	}
	u.render(w, r, "insight.html", d)
}

type runData struct {
	Run   store.Run
	Steps []store.Step
}

func (u *UI) run(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	run, err := u.o.Store.Runs().Get(ctx, id)
	if err == nil && !api.RunVisible(ctx, u.o.Store.Problems(), api.Principal(r), run) {
		err = store.ErrNotFound // another account's: as if it did not exist
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	steps, err := u.o.Store.Runs().Steps(ctx, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, "run.html", runData{Run: run, Steps: steps})
}

func (u *UI) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	var b strings.Builder
	if err := u.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		u.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:")
	_, _ = w.Write([]byte(b.String()))
}

func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	msg := "tend could not render this page; the log has the details."
	var ae *api.Error
	if errors.As(err, &ae) {
		status, msg = ae.Status, ae.Error()
	} else if errors.Is(err, store.ErrNotFound) {
		status, msg = http.StatusNotFound, "There is no such record. It may have been created by another tend, or the link is mistyped."
	} else {
		u.o.Logger.ErrorContext(r.Context(), "render page", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = u.tmpl.ExecuteTemplate(w, "error.html", map[string]any{"Status": status, "Message": msg})
}

// sparkline draws an excerpt as an inline SVG polyline, with the points
// whose score reached the threshold marked.
func sparkline(points []store.Point) template.HTML {
	const w, h, pad = 320.0, 60.0, 4.0
	if len(points) < 2 {
		return ""
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range points {
		lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
	}
	if hi == lo {
		hi = lo + 1
	}
	x := func(i int) float64 { return pad + float64(i)*(w-2*pad)/float64(len(points)-1) }
	y := func(v float64) float64 { return h - pad - (v-lo)/(hi-lo)*(h-2*pad) }
	var line, dots strings.Builder
	for i, p := range points {
		fmt.Fprintf(&line, "%.1f,%.1f ", x(i), y(p.V))
		if p.S >= 0.5 {
			fmt.Fprintf(&dots, `<circle cx="%.1f" cy="%.1f" r="2.5" class="hot"/>`, x(i), y(p.V))
		}
	}
	return template.HTML(fmt.Sprintf(`<svg class="spark" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="values %s to %s"><polyline points="%s"/>%s</svg>`,
		w, h, w, h, num(lo), num(hi), strings.TrimSpace(line.String()), dots.String()))
}

func num(f float64) string {
	switch a := math.Abs(f); {
	case a >= 1e9:
		return fmt.Sprintf("%.1fG", f/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.1fM", f/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.1fk", f/1e3)
	case a >= 100:
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.2f", f)
}
