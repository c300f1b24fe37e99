package cli

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/humanize"
	"github.com/tendhq/tend/internal/store"
)

func printInsights(w io.Writer, list []store.Insight, now time.Time) error {
	if len(list) == 0 {
		fmt.Fprintln(w, "No insights match. tend raises one when metrics of a boundary leave their baseline (see docs/insights.md).")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tPROBLEM\tACCOUNT\tSTARTED\tDURATION\tNAME")
	for _, in := range list {
		acct := in.Account
		if acct == "" {
			acct = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Status, in.Severity, in.ProblemType, acct,
			in.StartedAt.Local().Format("2006-01-02 15:04"), humanize.Span(in.StartedAt, in.EndedAt, now), truncate(in.Name, 90))
	}
	return tw.Flush()
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func printInsight(w io.Writer, d api.InsightDetail, now time.Time) error {
	in := d.Insight
	fmt.Fprintf(w, "%s\n%s\n\n", in.Name, strings.Repeat("=", min(len([]rune(in.Name)), 100)))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("ID", in.ID)
	row("Type", in.Type)
	row("Status", in.Status)
	row("Severity", in.Severity)
	row("Problem type", in.ProblemType)
	boundary := in.BoundaryKind + " " + in.BoundaryName
	if in.BoundaryTagKey != "" {
		boundary += " (tag " + in.BoundaryTagKey + ")"
	}
	row("Boundary", boundary)
	row("Account", strings.TrimSpace(in.Account+" "+in.Region))
	row("Started", in.StartedAt.Local().Format("2006-01-02 15:04:05 MST"))
	if !in.EndedAt.IsZero() {
		row("Ended", in.EndedAt.Local().Format("2006-01-02 15:04:05 MST"))
	}
	row("Duration", humanize.Span(in.StartedAt, in.EndedAt, now))
	if r := in.PredictionTimeRange; r != nil {
		pred := r.Start.Local().Format("2006-01-02 15:04 MST")
		if !r.End.IsZero() {
			pred += " to " + r.End.Local().Format("2006-01-02 15:04 MST")
		}
		row("Limit reached", pred)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", in.Description)

	if len(in.Resources) > 0 {
		fmt.Fprintln(w, "\nResources")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  TYPE\tNAME\tID\tINSTANCE")
		for _, r := range in.Resources {
			inst := strings.TrimSpace(r.InstanceID + " " + r.InstanceType)
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Type, r.Name, r.ID, dash(inst))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(d.Anomalies) > 0 {
		fmt.Fprintln(w, "\nAnomalies")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  METRIC\tRESOURCE\tSTATUS\tSTARTED\tDURATION\tPEAK\tSCORE\tVALUES (before | during)")
		for _, a := range d.Anomalies {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\n", metricName(a), a.Resource.Name, a.Status,
				a.StartedAt.Local().Format("15:04:05"), humanize.Span(a.StartedAt, a.EndedAt, now),
				strconv.FormatFloat(a.PeakValue, 'g', 4, 64)+unitSuffix(a.Unit), a.PeakScore, sparkline(a))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w, "\nAt the peak")
		for _, a := range d.Anomalies {
			reason := a.Reason
			if reason == "" {
				reason = "(the detector gave no reason)"
			}
			fmt.Fprintf(w, "  %s on %s at %s: %s  [%s]\n", metricName(a), a.Resource.Name, a.PeakAt.Local().Format("15:04:05"), reason, a.ID)
		}
	}
	for _, a := range d.Anomalies {
		if f := a.Forecast; f != nil {
			limit := strconv.FormatFloat(f.Limit, 'g', 6, 64) + unitSuffix(a.Unit)
			if src := f.LimitSource; src != "" && !strings.Contains(src, " ") {
				limit += " (" + src + ")" // a limit series, not a fixed "100 %"
			}
			fmt.Fprintf(w, "\nForecast of %s: %s per hour (95 %%: %s to %s) towards %s; its highs reach it %s, between %s and %s\n",
				metricName(a), strconv.FormatFloat(f.Slope, 'g', 4, 64), strconv.FormatFloat(f.SlopeLow, 'g', 4, 64), strconv.FormatFloat(f.SlopeHigh, 'g', 4, 64),
				limit, f.ExhaustAt.Local().Format("2006-01-02 15:04"),
				f.Earliest.Local().Format("2006-01-02 15:04"), dash(formatMaybe(f.Latest)))
		}
	}
	if len(d.Events) > 0 {
		fmt.Fprintf(w, "\nRelated events (up to %s before the start)\n", humanize.Span(time.Time{}, time.Time{}.Add(time.Duration(d.Lookback*float64(time.Second))), now))
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  TIME\tCLASS\tNAME\tSOURCE\tACTOR\tRELATION\tBEFORE START")
		for _, e := range d.Events {
			before := humanize.Span(e.Time, in.StartedAt, now)
			if e.BeforeSeconds < 0 {
				before = "after " + humanize.Span(in.StartedAt, e.Time, now)
			}
			at := e.Time.Local().Format("15:04:05")
			if y, m, dd := e.Time.Local().Date(); y != in.StartedAt.Local().Year() || m != in.StartedAt.Local().Month() || dd != in.StartedAt.Local().Day() {
				at = e.Time.Local().Format("01-02 15:04") // another day than the start
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", at, e.Class, truncate(e.Name, 48),
				strings.TrimSpace(e.Source+" "+e.EventSource), dash(e.Actor), e.Relation, before)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(in.Recommendations) > 0 {
		fmt.Fprintln(w, "\nRecommendations")
		for i, r := range in.Recommendations {
			fmt.Fprintf(w, "  %d. %s\n", i+1, r.Title)
			if r.Description != "" {
				fmt.Fprintf(w, "     %s\n", r.Description)
			}
			fmt.Fprintf(w, "     Why: %s\n", r.Reason)
			if r.Link != "" {
				fmt.Fprintf(w, "     %s\n", r.Link)
			}
			if r.Policy != "" {
				fmt.Fprintf(w, "     Policy:\n")
				for _, l := range strings.Split(strings.TrimRight(r.Policy, "\n"), "\n") {
					fmt.Fprintf(w, "       %s\n", l)
				}
			}
		}
	}
	return nil
}

func formatMaybe(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

func unitSuffix(u string) string {
	switch strings.ToLower(u) {
	case "", "none", "1":
		return ""
	case "percent", "%":
		return "%"
	}
	return " " + u
}

// metricName is the metric with its distinguishing labels (mount, device …).
func metricName(a store.Anomaly) string {
	var extra []string
	for _, k := range []string{"mount", "mountpoint", "device", "interface", "container", "code", "quantile"} {
		if v, ok := a.Labels[k]; ok {
			extra = append(extra, k+"="+v)
		}
	}
	if len(extra) == 0 {
		return a.Metric
	}
	return a.Metric + "{" + strings.Join(extra, ",") + "}"
}

// sparkline draws the excerpt as ▁▂▃▄▅▆▇█, a bar between the points
// before the start and those during the anomaly, at most 40 characters.
func sparkline(a store.Anomaly) string {
	if len(a.Excerpt) == 0 {
		return "-"
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range a.Excerpt {
		lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
	}
	const bars = "▁▂▃▄▅▆▇█"
	levels := []rune(bars)
	pick := func(v float64) rune {
		if hi == lo {
			return levels[0]
		}
		return levels[int((v-lo)/(hi-lo)*float64(len(levels)-1)+0.5)]
	}
	var before, during []rune
	for _, p := range a.Excerpt {
		if p.T.Before(a.StartedAt) {
			before = append(before, pick(p.V))
		} else {
			during = append(during, pick(p.V))
		}
	}
	squeeze := func(r []rune, n int) []rune {
		if len(r) <= n {
			return r
		}
		out := make([]rune, n)
		for i := range out {
			out[i] = r[i*len(r)/n]
		}
		return out
	}
	return string(squeeze(before, 15)) + "|" + string(squeeze(during, 25))
}
