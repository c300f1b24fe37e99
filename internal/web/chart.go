package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/events"
	"github.com/tendhq/tend/internal/store"
)

// Chart geometry, in SVG user units.
const (
	chartW, chartH           = 900.0, 220.0
	padL, padR, padT, padB   = 64.0, 16.0, 14.0, 34.0
	maxChartEvents           = 20
	chartMinSpan             = time.Minute
	chartClassInitialUnknown = "?"
)

// chart draws one anomaly as an SVG line chart: its excerpt's values over
// time, the anomalous span shaded, and the related events as markers on
// the time axis; for a proactive anomaly the trend fitted, its band and
// the limit. Everything is drawn on the server; there is no script.
func chart(a store.Anomaly, evs []events.Related) template.HTML {
	pts := a.Excerpt
	if len(pts) < 2 && a.Forecast == nil {
		return ""
	}
	t0, t1 := time.Time{}, time.Time{}
	lo, hi := math.Inf(1), math.Inf(-1)
	span := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if t0.IsZero() || t.Before(t0) {
			t0 = t
		}
		if t1.IsZero() || t.After(t1) {
			t1 = t
		}
	}
	for _, p := range pts {
		span(p.T)
		lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
	}
	f := a.Forecast
	if f != nil {
		span(f.FitAt)
		span(f.ExhaustAt)
		span(f.Earliest)
		end := f.Latest
		if end.IsZero() || end.Sub(f.ExhaustAt) > 2*f.ExhaustAt.Sub(f.FitAt) {
			end = f.ExhaustAt.Add(f.ExhaustAt.Sub(f.FitAt) / 2) // a band without an end is cut at half again
		}
		span(end)
		lo, hi = math.Min(lo, math.Min(f.Limit, f.Level)), math.Max(hi, math.Max(f.Limit, f.Level))
	}
	shown := 0
	for _, e := range evs {
		if shown == maxChartEvents {
			break
		}
		span(e.Time)
		shown++
	}
	if t1.Sub(t0) < chartMinSpan {
		t1 = t0.Add(chartMinSpan)
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	if hi == lo {
		hi, lo = hi+1, lo-1
	}
	pad := (hi - lo) * 0.06
	lo, hi = lo-pad, hi+pad
	x := func(t time.Time) float64 {
		return padL + float64(t.Sub(t0))/float64(t1.Sub(t0))*(chartW-padL-padR)
	}
	y := func(v float64) float64 { return padT + (hi-v)/(hi-lo)*(chartH-padT-padB) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" width="100%%" preserveAspectRatio="none" role="img" aria-label="%s over time">`,
		chartW, chartH, template.HTMLEscapeString(a.Metric))
	// Axes and grid: 4 value ticks, 6 time ticks.
	fmt.Fprintf(&b, `<rect class="plot" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, padL, padT, chartW-padL-padR, chartH-padT-padB)
	for i := 0; i <= 4; i++ {
		v := lo + (hi-lo)*float64(i)/4
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/><text class="tick" x="%.1f" y="%.1f" text-anchor="end">%s</text>`,
			padL, chartW-padR, y(v), y(v), padL-6, y(v)+4, template.HTMLEscapeString(num(v)))
	}
	layout := "15:04"
	if t1.Sub(t0) > 36*time.Hour {
		layout = "Jan 2 15:04"
	}
	for i := 0; i <= 5; i++ {
		t := t0.Add(time.Duration(float64(t1.Sub(t0)) * float64(i) / 5))
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		} else if i == 5 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="%s">%s</text>`, x(t), chartH-padB+16, anchor, t.UTC().Format(layout))
	}
	// The anomalous span (reactive): from the start to the end, or to the
	// last point while open.
	if f == nil && !a.StartedAt.IsZero() {
		end := a.EndedAt
		if end.IsZero() && len(pts) > 0 {
			end = pts[len(pts)-1].T
		}
		if !end.After(a.StartedAt) {
			end = a.StartedAt.Add(t1.Sub(t0) / 200)
		}
		fmt.Fprintf(&b, `<rect class="span" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>anomalous from %s</title></rect>`,
			x(a.StartedAt), padT, math.Max(1, x(end)-x(a.StartedAt)), chartH-padT-padB, a.StartedAt.UTC().Format("2006-01-02 15:04:05"))
	}
	// Proactive: the limit, the band, the trend to the limit.
	if f != nil {
		fmt.Fprintf(&b, `<line class="limit" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/><text class="limitlabel" x="%.1f" y="%.1f">limit %s</text>`,
			padL, chartW-padR, y(f.Limit), y(f.Limit), padL+4, y(f.Limit)-4, template.HTMLEscapeString(num(f.Limit)))
		late := f.Latest
		if late.IsZero() || late.After(t1) {
			late = t1
		}
		if !f.Earliest.IsZero() && !f.ExhaustAt.IsZero() {
			fmt.Fprintf(&b, `<polygon class="band" points="%.1f,%.1f %.1f,%.1f %.1f,%.1f"><title>95 %% band: the limit between %s and %s</title></polygon>`,
				x(f.FitAt), y(f.Level), x(f.Earliest), y(f.Limit), x(late), y(valueAt(f, late, f.SlopeLow)),
				f.Earliest.UTC().Format("2006-01-02 15:04"), late.UTC().Format("2006-01-02 15:04"))
			fmt.Fprintf(&b, `<line class="trend" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"><title>trend: the limit at %s</title></line>`,
				x(f.FitAt), y(f.Level), x(f.ExhaustAt), y(valueAt(f, f.ExhaustAt, f.Slope)), f.ExhaustAt.UTC().Format("2006-01-02 15:04"))
			fmt.Fprintf(&b, `<circle class="exhaust" cx="%.1f" cy="%.1f" r="4"/>`, x(f.ExhaustAt), y(f.Limit))
		}
	}
	// The values.
	if len(pts) >= 2 {
		b.WriteString(`<polyline class="values" points="`)
		for _, p := range pts {
			fmt.Fprintf(&b, "%.1f,%.1f ", x(p.T), y(p.V))
		}
		b.WriteString(`"/>`)
		for _, p := range pts {
			if p.S >= 0.5 {
				fmt.Fprintf(&b, `<circle class="hot" cx="%.1f" cy="%.1f" r="2.5"/>`, x(p.T), y(p.V))
			}
		}
	}
	// Related events as markers on the time axis.
	for i, e := range evs {
		if i == maxChartEvents {
			break
		}
		ex := x(e.Time)
		fmt.Fprintf(&b, `<g class="event %s"><line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/><path d="M%.1f %.1f l5 -8 l-10 0 z"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text><title>%s %s: %s</title></g>`,
			strings.ToLower(e.Class), ex, ex, padT, chartH-padB, ex, chartH-padB, ex, padT+10, classInitial(e.Class),
			e.Time.UTC().Format("15:04:05"), e.Class, template.HTMLEscapeString(e.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func valueAt(f *store.Forecast, t time.Time, slopePerHour float64) float64 {
	v := f.Level + slopePerHour*t.Sub(f.FitAt).Hours()
	if f.Direction == "down" {
		return math.Max(v, f.Limit)
	}
	return math.Min(v, f.Limit)
}

func classInitial(c string) string {
	switch c {
	case store.EventDeployment:
		return "D"
	case store.EventConfigChange:
		return "C"
	case store.EventInfrastructure:
		return "I"
	case store.EventSchemaChange:
		return "S"
	case store.EventSecurityChange:
		return "X"
	}
	return chartClassInitialUnknown
}
