package humanize

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"}, {0, "0s"}, {45 * time.Second, "45s"}, {12*time.Minute + 30*time.Second, "12m"},
		{3*time.Hour + 5*time.Minute, "3h05m"}, {47*time.Hour + 59*time.Minute, "47h59m"},
		{48 * time.Hour, "2d"}, {7*24*time.Hour + 3*time.Hour + 10*time.Minute, "7d 3h"},
		{1560*time.Hour + 50*time.Second, "65d"}, {10*24*time.Hour + 5*time.Hour, "10d"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestSpanAndAgo(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	if got := Span(now.Add(-178*time.Hour), time.Time{}, now); got != "7d 10h+" {
		t.Errorf("ongoing span = %q", got)
	}
	if got := Span(now, now.Add(-time.Minute), now); got != "-" {
		t.Errorf("reversed span = %q", got)
	}
	if got := Span(now.Add(-90*time.Minute), now, now); got != "1h30m" {
		t.Errorf("closed span = %q", got)
	}
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, "never"}, {now.Add(-10 * time.Second), "just now"}, {now.Add(-3 * time.Minute), "3m ago"},
		{now.Add(-5 * time.Hour), "5h ago"}, {now.Add(-72 * time.Hour), "2026-11-30"},
	} {
		if got := Ago(now, tc.t, "never", time.UTC); got != tc.want {
			t.Errorf("Ago(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}
