// Package humanize renders durations and times for people: in tables, on
// the web page and in log-free CLI output. Days are days ("65d"), never
// "1560h0m50s".
package humanize

import (
	"fmt"
	"time"
)

// Duration renders d coarsely: 45s, 12m, 3h05m, 7d 3h, 65d. Negative
// durations render as 0s.
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	days, hours := int(d.Hours())/24, int(d.Hours())%24
	if days < 10 && hours > 0 {
		return fmt.Sprintf("%dd %dh", days, hours)
	}
	return fmt.Sprintf("%dd", days)
}

// Span renders how long something from start lasted: until end, or, when
// end is zero (still going), until now with a "+" ("12m+").
func Span(start, end, now time.Time) string {
	suffix := ""
	if end.IsZero() {
		end, suffix = now, "+"
	}
	if end.Before(start) {
		return "-"
	}
	return Duration(end.Sub(start)) + suffix
}

// Ago renders a past time relative to now: "just now", "3m ago", "5h ago",
// and the date (in loc) from two days on. A zero time renders as never.
func Ago(now, t time.Time, never string, loc *time.Location) string {
	if t.IsZero() {
		return never
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return t.In(loc).Format("2006-01-02")
}
