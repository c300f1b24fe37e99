package detect

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// weekly is 5-minute data with a daily rhythm that is weaker at weekends;
// on day holiday (a Wednesday) the series behaves as on a Sunday.
func weekly(days, holiday int) (ts []time.Time, vs []float64) {
	r := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // a Monday
	for i := 0; i < days*288; i++ {
		t := start.Add(time.Duration(i) * 5 * time.Minute)
		day := i / 288
		amp := 40.0
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday || day == holiday {
			amp = 10
		}
		v := 50 + amp*math.Max(0, math.Sin(float64(i%288)*2*math.Pi/288)) + r.NormFloat64()*2
		ts, vs = append(ts, t), append(vs, v)
	}
	return ts, vs
}

// TestSeasonalHoliday checks that a day unlike that weekday's usual rhythm
// (a Wednesday that behaves like a Sunday) is seen as a sustained deviation
// from the weekly profile and raises an alert that says so, that ordinary
// days do not, and that without the profile the day goes unnoticed.
func TestSeasonalHoliday(t *testing.T) {
	const holiday = 23 // the fourth Wednesday
	e, err := NewEnsemble(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ts, vs := weekly(28, holiday)
	var onHoliday, otherwise float64 // most negative sustained deviation
	var alert Result
	ordinary := 0
	for i := range vs {
		r := e.Observe(ts[i], vs[i])
		if i < 7*288 {
			continue // the profile needs a week
		}
		if r.Score >= DefaultThreshold {
			if i/288 != holiday {
				ordinary++
				t.Logf("point %d (day %d): alert %q on an ordinary day", i, i/288, r.Reason)
			} else if alert.Reason == "" {
				alert = r
			}
		}
		if e.shift != 0 && (e.sur[expSeason] != math.Abs(e.shift) || e.sur[expLevel] != 0) {
			t.Fatalf("point %d: seasonal surprise %v, level %v, shift %v", i, e.sur[expSeason], e.sur[expLevel], e.shift)
		}
		if i/288 == holiday {
			onHoliday = math.Min(onHoliday, e.shift)
		} else {
			otherwise = math.Min(otherwise, e.shift)
		}
	}
	// 21 ordinary days of 5-minute points after the first week: at most one
	// alert (a marginal new low on a noisy trough, seen once)
	if ordinary > 1 {
		t.Errorf("%d alerts on ordinary days, want at most 1", ordinary)
	}
	if !strings.Contains(alert.Reason, "below the usual for this hour of the week") {
		t.Errorf("holiday: alert %+v, want one saying the values are below the usual for the hour", alert)
	}
	if onHoliday > -5 {
		t.Errorf("holiday: sustained deviation at most %.2fσ below the profile, want below −5σ", -onHoliday)
	}
	if otherwise < -3 {
		t.Errorf("ordinary days: sustained deviation %.2fσ below the profile, want under 3σ", -otherwise)
	}
	e.shift = -6.25
	for i := range e.logP {
		e.logP[i] = 0
	}
	e.logP[expSeason] = -4
	if r := e.reason(50, -1); !strings.HasPrefix(r, "values 6.2σ below the usual for this hour of the week") {
		t.Errorf("reason %q", r)
	}

	off := DefaultConfig()
	off.SeasonWeek = 0
	flat, _ := NewEnsemble(off)
	for i := range vs {
		r := flat.Observe(ts[i], vs[i])
		if flat.shift != 0 {
			t.Fatalf("SeasonWeek 0: point %d judged against a weekly profile", i)
		}
		if r.Score >= DefaultThreshold && i/288 == holiday {
			t.Errorf("SeasonWeek 0: the flat baseline alone alerted on the holiday (%q); the test no longer shows what the profile adds", r.Reason)
		}
	}
}

func TestSeasonPhase(t *testing.T) {
	for _, tc := range []struct {
		t    int64
		want int
	}{
		{0, 0},
		{3599, 0},
		{3600, 1},
		{seasonPeriod - 1, seasonBins - 1},
		{seasonPeriod, 0},
		{-1, seasonBins - 1},
		{-seasonPeriod, 0},
	} {
		if got := seasonPhase(tc.t); got != tc.want {
			t.Errorf("seasonPhase(%d) = %d, want %d", tc.t, got, tc.want)
		}
	}
}
